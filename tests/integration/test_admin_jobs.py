"""Issue 11: building a bundle is a job, not a request. The admin route answers at once with a job id; the
job function runs it (here as Lambda's asynchronous invocation would, in its own thread under its own
policy) and writes its progress; the admin follows it to the end and downloads the result."""

import csv
import io
import json
import time
import zipfile

import pytest

from imvo.admin import jobs
from imvo.audit.trail import AuditTrail
from imvo.intake.receipt import Receipt
from imvo.documents.stored_pdf import application_pdf, keep_pdf
from imvo.intake.storage import ApplicationStore, application_key, encode_document, side_by_side
from imvo.programme.facts import load_facts
from imvo.settings import load_settings

from tests.conftest import BUCKET, JOBS, admin_call, complete_records, handler_module, load_event, load_fixture
from tests.integration.test_intake import post

DAY_START_MS = 1678867200000  # 15 March 2023 09:00 CET
COUNT = 1000
# The day's last arrivals whose PDF the PDF function has not rendered yet when the bundle is made: the job renders
# these and collects the others (test_bundle checks rendering in a bundle to the same bytes).
NOT_YET_RENDERED = 20


def generate_day(s3, submit, count: int = COUNT, not_yet_rendered: int = NOT_YET_RENDERED) -> list[str]:
    """A Dutch day of `count` applications: one received through the handler, the others its copies with their
    own time of receipt and reference, stored (with their audit event) as the intake stores them, and for all but
    the last `not_yet_rendered` the PDF the PDF function keeps beside each (rendered once, from the first: a
    thousand renderings would measure WeasyPrint, not the job, and took three minutes of the suite)."""
    code, first = post(submit, load_fixture("pillar2-complete.json"), epoch_ms=DAY_START_MS, request_id="day-0000")
    assert code == 201
    complete_records("RecordFunction")  # its attachments kept, which the copies share
    store = ApplicationStore(s3, BUCKET, retention_days=1)
    key = application_key(first["dutchDay"], DAY_START_MS, first["reference"])
    model = store.get_json(key)
    pdf = application_pdf(model, load_facts(load_settings().data_dir)["name"]["nl"])

    def store_copy(n: int) -> str:
        receipt = Receipt(DAY_START_MS + n * 29_000 + n % 7, f"day-{n:04d}")  # spread over the day
        stored = model | {"receipt": model["receipt"] | receipt.as_dict() | {"effectiveReceivedAt": receipt.as_dict()["receivedAt"]}}
        copy_key = application_key(receipt.dutch_day, receipt.epoch_ms, receipt.reference)
        store.put_record(copy_key, encode_document(stored))
        AuditTrail(store).receipt_stored(stored)
        if n < count - not_yet_rendered:
            keep_pdf(store, copy_key, pdf)
        return receipt.reference

    keep_pdf(store, key, pdf)
    # The copies are stored without telling EventBridge: their record events would only pile up unread in moto's
    # queues, whose every send scans all messages there (the day took a minute to make). The job reads storage.
    s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration={})
    try:
        return [first["reference"]] + side_by_side(store_copy, range(1, count))
    finally:
        s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration={"EventBridgeConfiguration": {}})


@pytest.fixture
def slow_progress(monkeypatch):
    """Progress saved at every application, so a poll can see it move however fast this machine is."""
    from imvo.admin import runner

    monkeypatch.setattr(runner, "PROGRESS_EVERY_SECONDS", 0.0)


def test_a_day_of_a_thousand_applications_runs_as_a_job_with_progress(s3, submit, slow_progress):
    references = generate_day(s3, submit)
    admin = handler_module("admin")
    status, started = admin_call(admin, "admin-start-bundle.json", {"day": "2023-03-15"})
    # The route answered while the job had not finished (a thousand applications to collect): it did not wait.
    assert status == 202 and started["state"] == "queued" and started["progress"]["total"] is None
    assert any(thread.is_alive() for thread in JOBS.threads)
    seen = []
    while any(thread.is_alive() for thread in JOBS.threads):
        status, job = admin_call(admin, "admin-job-status.json", id=started["id"])
        assert status == 200
        seen.append((job["state"], job["progress"]["done"], job["progress"]["total"], job["progress"]["text"]["en"]))
        time.sleep(0.5)
    JOBS.wait()
    status, job = admin_call(admin, "admin-job-status.json", id=started["id"])
    assert job["state"] == "done" and job["progress"]["done"] == job["progress"]["total"] == COUNT, job
    assert job["result"]["rendered"] == NOT_YET_RENDERED  # the others were collected as the PDF function kept them
    running = [s for s in seen if s[0] == "running" and s[2] == COUNT and 0 < s[1] < COUNT]
    assert running, seen  # progress was visible while it ran…
    assert [s[1] for s in running] == sorted(s[1] for s in running)  # …and only went forward
    assert running[0][3] == f"{running[0][1]} of {COUNT} applications"

    status, download = admin_call(admin, "admin-job-download.json", id=started["id"])
    assert status == 200
    zip_key = f"bundles/2023-03-15/{job['result']['sha256']}.zip"
    archive = zipfile.ZipFile(io.BytesIO(s3.get_object(Bucket=BUCKET, Key=zip_key)["Body"].read()))
    rows = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))
    assert len(rows) == COUNT and sorted(r["reference"] for r in rows) == sorted(references)
    assert [r["receivedAt"] for r in rows] == sorted(r["receivedAt"] for r in rows)  # Artikel 4: order of receipt
    assert len([n for n in archive.namelist() if n.endswith("/audit.json")]) == COUNT


def test_a_job_that_fails_says_why_and_the_download_is_refused(s3, monkeypatch):
    from imvo.admin import runner

    def broken(*args, **kwargs):
        raise RuntimeError("a defect")

    monkeypatch.setitem(runner._KINDS, jobs.BUNDLE, broken)
    admin = handler_module("admin")
    status, started = admin_call(admin, "admin-start-bundle.json", {"day": "2023-03-15"})
    JOBS.wait()
    status, job = admin_call(admin, "admin-job-status.json", id=started["id"])
    assert job["state"] == "failed" and job["reason"]["code"] == "internal" and len(job["reason"]["incident"]) == 12
    status, body = admin_call(admin, "admin-job-download.json", id=started["id"])
    assert status == 409 and body["error"]["code"] == "conflict"


def test_unknown_jobs_and_bad_spans_are_refused_in_plain_words(s3):
    admin = handler_module("admin")
    status, body = admin_call(admin, "admin-job-status.json", id="0123456789abcdef0123456789abcdef")
    assert status == 404 and body["error"]["message"]["nl"] == "Deze taak bestaat niet."
    status, body = admin_call(admin, "admin-start-bundle.json", {"from": "2023-03-20", "to": "2023-03-10"})
    assert status == 400 and body["error"]["findings"][0]["rule"] == "range:order"
    status, body = admin_call(admin, "admin-start-bundle.json", {"from": "2023-01-01", "to": "2023-12-31"})
    assert status == 400 and body["error"]["findings"][0]["rule"] == "range:length"
    status, body = admin_call(admin, "admin-start-allocation.json", {"opening": "2022-1"})
    assert status == 400 and body["error"]["findings"][0]["path"] == "$.seed"
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="jobs/").get("KeyCount", 0) == 0  # refused: nothing queued


def test_a_job_still_running_past_its_timeout_is_reported_failed(s3):
    from datetime import datetime, timedelta, timezone

    board = jobs.JobBoard(ApplicationStore(s3, BUCKET))
    long_ago = datetime.now(timezone.utc) - timedelta(seconds=jobs.JOB_TIMEOUT_SECONDS + 120)
    job = board.create(jobs.BUNDLE, {"from": "2023-03-15", "to": "2023-03-15"}, "someone", long_ago)
    job["state"] = jobs.RUNNING
    board.save(job, long_ago)
    status, view = admin_call(handler_module("admin"), "admin-job-status.json", id=job["id"])
    assert status == 200 and view["state"] == "failed" and view["reason"]["code"] == "timeout"


def test_a_job_that_cannot_be_started_is_a_503_to_retry_and_says_so(s3, monkeypatch):
    from imvo.intake.storage import StorageUnavailable

    class Unreachable:
        def launch(self, job_id):
            raise StorageUnavailable("Lambda: ServiceException")

    monkeypatch.setattr(jobs, "_launcher", Unreachable())
    admin = handler_module("admin")
    event = load_event("admin-start-bundle.json")
    response = admin.handler(event)
    assert response["statusCode"] == 503 and response["headers"]["retry-after"]
    (key,) = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET, Prefix="jobs/")["Contents"]]
    job = json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    assert job["state"] == "failed" and job["reason"] == "not_started"
    status, view = admin_call(admin, "admin-job-status.json", id=job["id"])
    assert view["reason"]["en"] == "The job could not be started; try again."
