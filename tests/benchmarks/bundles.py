"""Bundling 200 applications against rendering the same 200 HTML documents with bare WeasyPrint."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
from pathlib import Path

import boto3
from moto import mock_aws

ROOT = Path(__file__).resolve().parents[2]
COUNT = 200


def run() -> None:
    sys.path.insert(0, str(ROOT / "functions"))
    sys.path.insert(0, str(ROOT))
    import weasyprint

    from imvo.attachments import referenced_attachments, verify_upload
    from imvo.bundle import application_html, build_bundle
    from imvo.embedded_s3 import create_submissions_bucket
    from imvo.storage import ApplicationStore
    from tests.conftest import BUCKET, load_event, load_fixture, upload_fixture_attachments

    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "eu-west-1",
                       "IMVO_SUBMISSIONS_BUCKET": BUCKET})
    os.environ.pop("AWS_ENDPOINT_URL", None)
    with mock_aws():
        client = boto3.client("s3")
        create_submissions_bucket(client, BUCKET)
        upload_fixture_attachments(client)
        for _, reference in referenced_attachments(load_fixture("pillar1-complete.json")):
            verify_upload(client, BUCKET, reference["key"])
        spec = importlib.util.spec_from_file_location("submit_bundle_bench", ROOT / "functions" / "submit" / "app.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        event = load_event("submit-pillar1-valid.json")
        document = load_fixture("pillar1-complete.json")
        for i in range(COUNT):
            document["penvoerder"]["name"] = f"Aanvrager {i:03d} B.V."
            event["body"] = json.dumps(document)
            event["requestContext"]["requestId"] = f"bench-{i}"
            event["requestContext"]["timeEpoch"] = 1678871730250 + i * 1000
            assert module.handler(event)["statusCode"] == 201
        store = ApplicationStore(client, BUCKET)
        stored = store.applications_of_day("2023-03-15")
        name = json.loads((ROOT / "content" / "data" / "programme.json").read_text())["name"]["nl"]
        documents = [application_html(s, name) for s in stored]

        started = time.perf_counter()
        for html in documents:
            weasyprint.HTML(string=html).write_pdf()
        bare = time.perf_counter() - started

        started = time.perf_counter()
        bundle = build_bundle(store, "2023-03-15", ROOT / "content" / "data")
        ours = time.perf_counter() - started

    print(f"bundle of {bundle.count} applications (JSON, PDF, 14 attachments each, manifests, checksums): {ours:.2f} s,"
          f" {len(bundle.zip_bytes) / 1e6:.1f} MB, {os.cpu_count()} cores")
    print(f"bare WeasyPrint, the same {len(documents)} HTML documents one after another:               {bare:.2f} s")
    print(f"ratio: {ours / bare:.2f}x   (aim: 0.7x or less)")
