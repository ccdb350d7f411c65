"""Bundling 200 applications against rendering the same 200 HTML documents with bare WeasyPrint."""

from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COUNT = 200


def run() -> None:
    import weasyprint

    from tests.benchmarks.world import intake_world

    with intake_world() as (client, module):
        from imvo.admin.bundle import build_bundle
        from imvo.documents.application_document import application_html
        from imvo.intake.storage import ApplicationStore
        from tests.conftest import BUCKET, load_event, load_fixture

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
        bundle = build_bundle(store, "2023-03-15", ROOT / "content" / "data", io.BytesIO())
        ours = time.perf_counter() - started

    print(f"bundle of {bundle.count} applications (JSON, PDF, 14 attachments each, manifests, checksums): {ours:.2f} s,"
          f" {bundle.size / 1e6:.1f} MB, {os.cpu_count()} cores")
    print(f"bare WeasyPrint, the same {len(documents)} HTML documents one after another:               {bare:.2f} s")
    print(f"ratio: {ours / bare:.2f}x   (aim: 0.7x or less)")
