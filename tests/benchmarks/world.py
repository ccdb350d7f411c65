"""The stored world the benchmarks start from: moto S3, the bucket, verified fixture uploads, the submit handler."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path

import boto3
from moto import mock_aws

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def intake_world(after_store: bool = False):
    """Yields (S3 client, submit handler module) inside moto, as the form leaves things before submitting.

    Without `after_store`, the record bucket tells EventBridge nothing: in AWS that notification costs a
    request nothing, while moto would deliver it inside the put, on the handler's clock. The environment
    is given back at the end: a later section (the local server) must not inherit these buckets."""
    sys.path.insert(0, str(ROOT / "functions"))
    sys.path.insert(0, str(ROOT))
    from imvo.intake.attachments import referenced_attachments, verify_upload
    from imvo import telemetry
    from imvo.intake.storage import ApplicationStore
    from tests.conftest import UPLOADS_BUCKET, create_test_storage, handler_module, load_fixture

    saved = dict(os.environ)
    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "eu-west-1"})
    os.environ.pop("AWS_ENDPOINT_URL", None)
    try:
        with mock_aws():
            os.environ.update(create_test_storage())
            client = boto3.client("s3")
            if not after_store:
                client.put_bucket_notification_configuration(Bucket=os.environ["IMVO_SUBMISSIONS_BUCKET"],
                                                             NotificationConfiguration={})
            # As the form does: each upload is verified once when it lands (POST /api/uploads/verify).
            uploads = ApplicationStore(client, UPLOADS_BUCKET)
            for _, reference in referenced_attachments(load_fixture("pillar1-complete.json")):
                verify_upload(uploads, reference["key"])
            module = handler_module("submit")
            telemetry.logger.setLevel("WARNING")  # a line per request would drown the figures
            os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"
            yield client, module
    finally:
        os.environ.clear()
        os.environ.update(saved)
