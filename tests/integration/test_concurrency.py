"""Order of receipt under load (Artikel 4): the local server, its handlers and the embedded S3 together."""

import json
import urllib.error
import urllib.request
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from imvo.intake.storage import ApplicationStore
from imvo.settings import load_settings
from imvo.transparency.audit import audit
from imvo.transparency.receipt_log import ReceiptLog
from imvo.transparency.verification import published_keys
from tests.conftest import load_fixture, running_portal


@pytest.fixture(scope="module")
def busy_portal(built_site, tmp_path_factory):
    """A local system of its own, the intake alone (--after-store off): what follows a stored application (its
    PDF, its e-mail) would keep the server's threads busy for minutes after 500 of them, competing with the
    posts for the machine's cores; the session's portal (and the browser tests on it) must not wait behind it."""
    with running_portal(built_site, tmp_path_factory.mktemp("iam") / "busy-portal-calls.jsonl",
                        "--after-store", "off") as running:
        yield running


def post(url, body: bytes, key=None):
    headers = {"content-type": "application/json"} | ({"idempotency-key": key} if key else {})
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def post_or_lost(url, body: bytes, key=None):
    """(status, JSON answer), or (0, {}) for a lost connection, which a client retries like a 5xx."""
    try:
        return post(url, body, key)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, {}


def document_with_statements(site: str) -> dict:
    """The pillar-2 example as the hosted form sends it: each attachment checked through the API first, its signed
    statement in the document (retried after a 5xx or a lost connection, as the form does)."""
    from imvo.intake.attachments import referenced_attachments

    document = load_fixture("pillar2-complete.json")
    for _, reference in referenced_attachments(document):
        while True:
            status, checked = post_or_lost(f"{site}/api/uploads/verify", json.dumps({"key": reference["key"]}).encode())
            if status == 200:
                reference["verified"] = checked["statement"]
                break
            assert status >= 500 or status == 0, checked
    return document


def stored_applications(portal):
    keys = []
    for page in portal.s3().get_paginator("list_objects_v2").paginate(Bucket=portal.bucket, Prefix="applications/"):
        keys += [item["Key"] for item in page.get("Contents", [])]
    return keys


def test_1000_posts_from_16_threads_give_1000_objects_and_a_receipt_log_of_1000_in_their_order(busy_portal):
    """Artikel 4 and issue 23: 1,000 concurrent submissions give 1,000 distinct stored applications, each once in the
    receipt log, whose order is the stored receipts' order; the monitor finds the log and the record in agreement."""
    portal = busy_portal
    before = set(stored_applications(portal))
    # As the form sends it, with its uploads' statements: the intake asks the uploads bucket nothing. Without
    # them it lists and reads every attachment to hash it, which made the posts five times slower here (the
    # tests of the intake cover that path).
    body = json.dumps(document_with_statements(portal.site)).encode()
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda _: post(portal.site + "/api/applications", body), range(1000)))
    assert [status for status, _ in results] == [201] * 1000
    references = {receipt["reference"] for _, receipt in results}
    assert len(references) == 1000
    new = set(stored_applications(portal)) - before
    assert len(new) == 1000
    # applications/<day>/<ms>-<reference>.json
    assert {key.rsplit("/", 1)[1].split("-", 1)[1].removesuffix(".json") for key in new} == references
    # Every receipt time is one the server stamped, in a total order with no two receipts equal.
    order = sorted((r["receivedAt"], r["requestId"]) for _, r in results)
    assert len(set(order)) == 1000

    log = _log_holding(portal, len(before) + 1000)
    logged = [leaf.entry.hex() for leaf in log.leaves]
    in_receipt_order = [r["logEntry"] for _, r in sorted(results, key=lambda x: (x[1]["receivedAt"], x[1]["requestId"]))]
    assert len(logged) == len(set(logged)) == len(before) + 1000
    assert logged[len(before):] == in_receipt_order
    with urllib.request.urlopen(portal.site + "/log/receipt-keys.json") as answer:
        keys = published_keys(json.load(answer))
    report = audit(ApplicationStore(portal.s3(), portal.bucket), keys, load_settings().log_origin)
    assert report.holds, report.problems[:5]


def test_the_officers_commands_verify_a_receipt_audit_the_log_and_prove_consistency(busy_portal, tmp_path):
    """Issue 23, items 3, 5 and 6, as an officer runs them against `make run` (here after the 1,000 of the test
    above, or on their own): imvo-admin verify-receipt, audit-log and check-consistency."""
    import os
    import subprocess
    import sys

    portal = busy_portal
    status, first = post(portal.site + "/api/applications", json.dumps(load_fixture("pillar2-complete.json")).encode())
    assert status == 201
    size = _log_holding(portal, None).tree.size
    status, second = post(portal.site + "/api/applications", json.dumps(load_fixture("pillar2-complete.json")).encode())
    assert status == 201
    _log_holding(portal, size + 1)
    env = os.environ | {"AWS_ENDPOINT_URL": portal.storage, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
                        "AWS_DEFAULT_REGION": "eu-west-1", "IMVO_SUBMISSIONS_BUCKET": portal.bucket}

    def admin(*arguments):
        return subprocess.run([sys.executable, "-m", "imvo_local.admin_cli", *arguments, "--site", portal.site],
                              capture_output=True, text=True, env=env, timeout=300)

    (tmp_path / "answer.json").write_text(json.dumps(first))
    verified = admin("verify-receipt", str(tmp_path / "answer.json"))
    assert verified.returncode == 0 and f"GELDIG / VALID: {first['reference']}" in verified.stdout, verified.stderr
    forged = first | {"signedReceipt": first["signedReceipt"] | {
        "statement": first["signedReceipt"]["statement"] | {"pillar": 1}}}
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    refused = admin("verify-receipt", str(tmp_path / "forged.json"))
    assert refused.returncode == 5 and "The signature does not match" in refused.stderr
    audited = admin("audit-log", "--opening", "2022-1")
    assert audited.returncode == 0 and "the log matches the record" in audited.stdout, audited.stdout + audited.stderr
    consistent = admin("check-consistency", str(size))
    assert consistent.returncode == 0 and f"continues that of {size}" in consistent.stdout, consistent.stderr


def _log_holding(portal, size: int | None, seconds: float = 120) -> ReceiptLog:
    """The receipt log as the record keeps it, once it holds `size` receipts (the sequencer logs them 5 s after);
    with None, once it holds every application stored so far."""
    deadline = time.monotonic() + seconds
    size = len(stored_applications(portal)) if size is None else size
    while True:
        log = ReceiptLog(ApplicationStore(portal.s3(), portal.bucket), "")
        log.refresh()
        if log.tree.size >= size or time.monotonic() > deadline:
            assert log.tree.size == size
            return log
        time.sleep(1)


def test_one_idempotency_key_sent_ten_times_at_once_gives_one_object(portal):
    before = set(stored_applications(portal))
    body = json.dumps(load_fixture("pillar1-complete.json")).encode()
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda _: post(portal.site + "/api/applications", body, key="same-key-at-once-1"), range(10)))
    assert [status for status, _ in results] == [201] * 10
    assert len({receipt["reference"] for _, receipt in results}) == 1
    assert len(set(stored_applications(portal)) - before) == 1
