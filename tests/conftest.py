"""Shared fixtures: API Gateway events from tests/events, an S3 bucket in moto, the running portal."""

from __future__ import annotations

import collections
import contextlib
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import boto3
import pytest
from hypothesis import settings
from moto import mock_aws

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "tests" / "events"
FIXTURES = ROOT / "tests" / "fixtures"
BUCKET = "imvo-submissions-test"
UPLOADS_BUCKET = "imvo-uploads-test"
TOKEN_SECRET = "imvo-token-key-test"
UPLOAD_KEY_SECRET = "imvo-upload-key-test"
SITE_BUCKET = "imvo-site-test"

sys.path.insert(0, str(ROOT / "functions"))

# Property tests and the API fuzzing: reproducible (a fixed derivation, no database of past failures) and
# bounded in `make test` ("ci": 15 examples each, which keeps the suite under its 15 minutes); `make fuzz` runs the
# deep profile (400). HYPOTHESIS_PROFILE chooses.
settings.register_profile("ci", max_examples=15, derandomize=True, deadline=None, database=None, print_blob=True)
settings.register_profile("deep", max_examples=400, derandomize=False, deadline=None, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

from imvo_local.iam_model import IamModel, acting_as, local_names, read_calls, unused_grants  # noqa: E402
from imvo_local.sam_template import function_handler, load_template  # noqa: E402
from imvo_local.job_launcher import ThreadLauncher  # noqa: E402
from imvo.admin.jobs import use_launcher  # noqa: E402

# Every AWS call a handler makes in these tests is judged against its function's policy in the
# template, as AWS would (see imvo_local.iam_model); the local server judges its own the same way.
IAM = IamModel.from_template(load_template(), local_names(BUCKET, UPLOADS_BUCKET, SITE_BUCKET))
IAM.install()
# Admin jobs start as Lambda's asynchronous invocation would: the job function's handler, in a thread.
JOBS = ThreadLauncher(IAM)
use_launcher(JOBS)
PORTAL_IAM_CALLS: list[Path] = []


def load_event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def handler_module(function: str):
    """functions/<function>/app.py, imported afresh: a new Lambda container with nothing cached, whose
    handler runs under its function's policy in the template."""
    import importlib.util

    path = ROOT / "functions" / function / "app.py"
    spec = importlib.util.spec_from_file_location(f"lambda_{function}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    logical = next(name for name, resource in load_template()["Resources"].items()
                   if resource["Type"] == "AWS::Serverless::Function"
                   and function_handler(resource["Properties"]).startswith(f"{function}/"))
    original = module.handler

    def handler(event, context=None):
        with acting_as(logical):
            return original(event, context)

    handler.__wrapped__ = original  # the handler as deployed, for a test that runs it under another role
    module.handler = handler
    return module


def admin_call(module, event_name: str, body: dict | None = None, **path_parameters) -> tuple[int, dict]:
    """An IAM-signed admin request (tests/events/admin-*.json) through the admin handler: (status, JSON body)."""
    event = load_event(event_name)
    if body is not None:
        event["body"] = json.dumps(body)
    if path_parameters:
        event["pathParameters"] = path_parameters
        template = event["routeKey"].split(" ", 1)[1]
        event["rawPath"] = event["requestContext"]["http"]["path"] = template.format(**path_parameters)
    response = module.handler(event)
    return response["statusCode"], json.loads(response["body"])


def run_admin_job(module, event_name: str, body: dict) -> tuple[dict, dict]:
    """Start a job through the admin route, let it finish, then download: (its final status, the download answer).
    What follows each stored application has run first, as it has when an officer asks for a bundle."""
    complete_records()
    status, started = admin_call(module, event_name, body)
    assert status == 202, started
    JOBS.wait()
    status, job = admin_call(module, "admin-job-status.json", id=started["id"])
    assert status == 200 and job["state"] == "done", job
    status, download = admin_call(module, "admin-job-download.json", id=started["id"])
    assert status == 200, download
    return job, download


DAY_ROOT = "ab" * 32  # a day's checkpoint root (hex), for tests of the allocation's order rather than of the log


class _EveryDaySealed(dict):
    def __contains__(self, day) -> bool:
        return True

    def __getitem__(self, day) -> str:
        return DAY_ROOT


def sealed(seed: str):
    """The lottery's inputs with every day's checkpoint sealed (root DAY_ROOT): for tests of the allocation's order."""
    from imvo.admin.allocation import Draw

    return Draw(seed, _EveryDaySealed())


def load_fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _aws_test_environment(monkeypatch):
    """No test may reach real AWS: fake credentials, a fixed region, no endpoint override."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("IMVO_EXTRA_OPENINGS_FILE", raising=False)


AFTER_STORE: list = []  # the RecordEvents of the storage made last (one moto world at a time)


def after_store():
    """What the template starts when a record is stored (RecordStoredRule and its queues), in this moto world."""
    return AFTER_STORE[-1]


def complete_records(*functions: str) -> None:
    """Run the functions that follow each stored application (RecordFunction: attachments and audit event,
    PdfFunction, NotifyFunction; all when none are named) until their queues are empty, as Lambda's SQS
    triggers would."""
    after_store().drain(boto3.client("sqs", region_name="eu-west-1"), functions)


def create_test_storage(region: str = "eu-west-1") -> dict[str, str]:
    """Inside moto: the record and uploads buckets, the herstel key, the fixture uploads, the rule and queues
    that follow a stored record and the verified e-mail sender, made as the local server makes them.
    Returns the environment the functions need to find them."""
    from imvo.settings import LOCAL_CONFIGURATION_SET, LOCAL_CONFIRMATION_SENDER
    from imvo.settings import LOCAL_RECEIPT_KEY
    from imvo_local.embedded_s3 import (create_mail_identity, create_random_secret, create_receipt_key,
                                        create_submissions_bucket, create_uploads_bucket)
    from imvo_local.event_delivery import RecordEvents

    client = boto3.client("s3", region_name=region)
    create_submissions_bucket(client, BUCKET)
    create_uploads_bucket(client, UPLOADS_BUCKET)
    secrets = boto3.client("secretsmanager", region_name=region)
    secret = create_random_secret(secrets, TOKEN_SECRET)
    upload_key = create_random_secret(secrets, UPLOAD_KEY_SECRET)
    client.create_bucket(Bucket=SITE_BUCKET, CreateBucketConfiguration={"LocationConstraint": region})
    upload_fixture_attachments(client)
    create_mail_identity(boto3.client("ses", region_name=region), LOCAL_CONFIRMATION_SENDER, LOCAL_CONFIGURATION_SET)
    receipt_key = create_receipt_key(boto3.client("kms", region_name=region), LOCAL_RECEIPT_KEY)
    deliveries = RecordEvents.from_template(BUCKET)
    deliveries.create(client, boto3.client("events", region_name=region), boto3.client("sqs", region_name=region))
    AFTER_STORE[:] = [deliveries]
    return {"IMVO_SUBMISSIONS_BUCKET": BUCKET, "IMVO_UPLOADS_BUCKET": UPLOADS_BUCKET,
            "IMVO_TOKEN_SECRET_ID": secret, "IMVO_UPLOAD_KEY_SECRET_ID": upload_key, "IMVO_RETENTION_DAYS": "1", "IMVO_SITE_BUCKET": SITE_BUCKET,
            "IMVO_RECEIPT_KEY_ID": receipt_key}


@pytest.fixture
def s3(monkeypatch):
    """A moto S3 (and Secrets Manager) with the storage of create_test_storage."""
    with mock_aws():
        for name, value in create_test_storage().items():
            monkeypatch.setenv(name, value)
        yield boto3.client("s3", region_name="eu-west-1")


@pytest.fixture
def submit(s3):
    """A freshly imported submit handler, so each test starts with a new container."""
    return handler_module("submit").handler


def fixture_attachment_bytes(key: str) -> bytes:
    """The content every fixture's attachment reference was hashed from (see tests/fixtures)."""
    return f"%PDF-1.7 fixture {key}".encode()


def upload_fixture_attachments(client, bucket: str = UPLOADS_BUCKET) -> None:
    """Put every attachment the example applications refer to, as the browser's upload would."""
    from imvo.intake.attachments import referenced_attachments

    for path in FIXTURES.glob("pillar*.json"):
        for _, reference in referenced_attachments(json.loads(path.read_text())):
            client.put_object(Bucket=bucket, Key=reference["key"], Body=fixture_attachment_bytes(reference["key"]),
                              ContentType="application/pdf")


def all_objects(client, bucket: str = BUCKET) -> list[str]:
    """What the intake wrote in the record, but for the copies of attachments (see record_attachments), the
    audit events that follow each stored document (see audit_events) and the confirmations' allowance
    (imvo.notify.allowance)."""
    return [key for key in _keys(client, bucket) if not key.startswith(("attachments/", "audit/", "mail-allowance/"))]


def audit_events(client, bucket: str = BUCKET) -> list[str]:
    return [key for key in _keys(client, bucket) if key.startswith("audit/")]


def _keys(client, bucket: str) -> list[str]:
    keys = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys += [item["Key"] for item in page.get("Contents", [])]
    return keys


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """A real Pelican build of the site, as `make run` makes it (with the demo opening)."""
    from pelican import Pelican
    from pelican.settings import read_settings

    output = tmp_path_factory.mktemp("site")
    previous = os.environ.get("IMVO_EXTRA_OPENINGS_FILE")
    os.environ["IMVO_EXTRA_OPENINGS_FILE"] = str(ROOT / "infra" / "local" / "demo-opening.json")
    try:
        settings = read_settings(str(ROOT / "pelicanconf.py"), override={
            "PATH": str(ROOT / "content"), "OUTPUT_PATH": str(output), "THEME": str(ROOT / "theme"),
            "CACHE_PATH": str(tmp_path_factory.mktemp("pelican-cache"))})
        Pelican(settings).run()
    finally:
        if previous is None:
            os.environ.pop("IMVO_EXTRA_OPENINGS_FILE", None)
        else:
            os.environ["IMVO_EXTRA_OPENINGS_FILE"] = previous
    return output


def record_attachments(client, bucket: str = BUCKET) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=bucket, Prefix="attachments/").get("Contents", [])]


class RunningPortal:
    def __init__(self, process: subprocess.Popen, site: str, storage: str, admin: tuple[str, str]):
        self.process = process
        self.site = site.rstrip("/")
        self.storage = storage
        self.bucket = "imvo-submissions-local"
        self.uploads_bucket = "imvo-uploads-local"
        self.admin_username, self.admin_password = admin  # the local admin account it printed

    def s3(self):
        return self._client("s3")

    def _client(self, service: str):
        return boto3.client(service, endpoint_url=self.storage, region_name="eu-west-1",
                            aws_access_key_id="local", aws_secret_access_key="local")

    def settle(self, seconds: float = 60) -> None:
        """Until the functions that follow a stored record have done all there is (their queues are empty)."""
        import time

        sqs = self._client("sqs")
        deadline, quiet = time.monotonic() + seconds, 0
        while quiet < 2:
            urls = [u for u in sqs.list_queues(QueueNamePrefix="imvo-local-").get("QueueUrls", []) if "dead-letters" not in u]
            waiting = sum(int(value) for url in urls for name, value in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"].items())
            quiet = quiet + 1 if waiting == 0 else 0
            assert time.monotonic() < deadline, f"{waiting} events of stored records still waiting"
            time.sleep(0.3)


# The local system's receipt clock in the tests: inside the first opening (Artikel 2), so that both
# pillars can be applied for under the real windows and rules. It runs on from here.
PORTAL_CLOCK = "2023-05-01T10:00:00+02:00"


def start_local_server(site: Path, *options: str, until: str = "Stop with") -> tuple[subprocess.Popen, str]:
    """imvo-run as `make run` starts it, on free ports; returns once it has printed a line starting with `until`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    # The browser tests send many applications from the same few addresses in one Dutch day: the allowance of
    # confirmations per address (tested in test_after_store) would withhold the e-mails they read.
    env |= {"IMVO_QUIET_LOG": "1", "PYTHONUNBUFFERED": "1", "AWS_DEFAULT_REGION": "eu-west-1",
            "IMVO_CONFIRMATIONS_PER_ADDRESS_PER_DAY": "1000",
            "PYTHONPATH": str(ROOT / "functions")}
    process = subprocess.Popen(
        [sys.executable, "-m", "imvo_local.devserver", "--port", "0", "--s3-port", "0", "--site", str(site), *options],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith(until):
            break
    return process, "".join(lines)


@contextlib.contextmanager
def running_portal(site: Path, calls: Path, *options: str):
    """The whole local system as `make run` starts it (imvo-run), on free ports, with a set clock; its AWS
    calls as the IAM model judged them go to `calls` (the suite's least-privilege check reads them)."""
    PORTAL_IAM_CALLS.append(calls)
    process, text = start_local_server(site, "--clock", PORTAL_CLOCK, "--iam-calls", str(calls), *options)
    site_url = re.search(r"Site:\s+(\S+)", text)
    storage = re.search(r"Storage:\s+(\S+)", text)
    admin = re.search(r"sign in as '([^']+)' with password '([^']+)'", text)
    if not (site_url and storage and admin):
        process.kill()
        raise RuntimeError(f"the local server did not start:\n{text}")
    # Keep reading what the server prints, so a full pipe can never block it; the last lines tell a slow stop.
    printed = collections.deque(maxlen=400)
    threading.Thread(target=lambda: [printed.append(line) for line in process.stdout], daemon=True).start()
    running = RunningPortal(process, site_url.group(1), storage.group(1), admin.groups())
    upload_fixture_attachments(running.s3(), running.uploads_bucket)
    try:
        yield running
    finally:
        process.terminate()
        # Stopping lets each queue's thread finish the batch in hand (up to 5 s each, RecordEvents.stop): a portal
        # still rendering a thousand PDFs after the concurrency test needs more than 10 s on a loaded machine.
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
            raise
        if process.returncode != 0:  # it ended by its stop bound (devserver.STOP_SECONDS): say what held it
            import warnings

            stacks = "".join(line for line in printed if not line.startswith("{"))
            warnings.warn(f"the local server needed its stop bound (exit {process.returncode}):\n{stacks[-6000:]}")


@pytest.fixture(scope="session")
def portal(built_site, tmp_path_factory) -> RunningPortal:
    with running_portal(built_site, tmp_path_factory.mktemp("iam") / "portal-calls.jsonl") as running:
        yield running


def pytest_sessionfinish(session, exitstatus):
    """Least privilege, proven: no call was denied, and (over the whole suite) no grant went unused."""
    calls = list(IAM.calls)
    for path in PORTAL_IAM_CALLS:
        if path.exists():  # the local server's buckets have other names than these tests' ones
            calls += read_calls(path, {"imvo-submissions-local": BUCKET, "imvo-uploads-local": UPLOADS_BUCKET})
    problems = [f"denied: {c.operation}: {c.reason}" for c in calls if not c.allowed and not c.expected]
    if os.environ.get("IMVO_IAM_COVERAGE") == "1":
        problems += [f"never used: {grant}" for grant in unused_grants(IAM.policies, calls)]
    if problems:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        text = "\n".join(["", "IAM model (infra/template.yaml against every AWS call of the functions):", *problems])
        if reporter:
            reporter.write_line(text, red=True)
        else:
            print(text)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
