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
def intake_world():
    """Yields (S3 client, submit handler module) inside moto, as the form leaves things before submitting."""
    sys.path.insert(0, str(ROOT / "functions"))
    sys.path.insert(0, str(ROOT))
    from imvo.intake.attachments import referenced_attachments, verify_upload
    from imvo_local.embedded_s3 import create_submissions_bucket
    from tests.conftest import BUCKET, handler_module, load_fixture, upload_fixture_attachments

    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "eu-west-1",
                       "IMVO_SUBMISSIONS_BUCKET": BUCKET})
    os.environ.pop("AWS_ENDPOINT_URL", None)
    with mock_aws():
        client = boto3.client("s3")
        create_submissions_bucket(client, BUCKET)
        upload_fixture_attachments(client)
        # As the form does: each upload is verified once when it lands (POST /api/uploads/verify).
        for _, reference in referenced_attachments(load_fixture("pillar1-complete.json")):
            verify_upload(client, BUCKET, reference["key"])
        module = handler_module("submit")
        yield client, module
