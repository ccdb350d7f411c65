"""A day's bundle collects the PDFs the PDF function rendered when each application was stored: its cost
against rendering the same applications' PDFs with bare WeasyPrint one after another, in the same run."""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
from pathlib import Path

from tests.benchmarks.figures import REPEATS, ratio_line

ROOT = Path(__file__).resolve().parents[2]
COUNT = 100


def run() -> None:
    import weasyprint

    from tests.benchmarks.world import intake_world

    with intake_world(after_store=True) as (client, module):
        from imvo.admin.bundle import build_bundle
        from imvo.documents.application_document import application_html
        from imvo.intake.storage import ApplicationStore
        from tests.conftest import BUCKET, complete_records, load_event, load_fixture

        event = load_event("submit-pillar1-valid.json")
        document = load_fixture("pillar1-complete.json")
        for i in range(COUNT):
            document["penvoerder"]["name"] = f"Aanvrager {i:03d} B.V."
            event["body"] = json.dumps(document)
            event["requestContext"]["requestId"] = f"bench-{i}"
            event["requestContext"]["timeEpoch"] = 1678871730250 + i * 1000
            assert module.handler(event)["statusCode"] == 201
        started = time.perf_counter()
        complete_records("RecordFunction", "PdfFunction")  # what follows each storing, before anyone bundles
        after_store_seconds = time.perf_counter() - started
        store = ApplicationStore(client, BUCKET)
        name = json.loads((ROOT / "content" / "data" / "programme.json").read_text())["name"]["nl"]
        documents = [application_html(s, name) for s in store.applications_of_day("2023-03-15")]

        ratios, digests, lines = [], set(), []
        for repeat in range(REPEATS):
            started = time.perf_counter()
            for html in documents:
                weasyprint.HTML(string=html).write_pdf()
            bare = time.perf_counter() - started
            target = io.BytesIO()
            started = time.perf_counter()
            bundle = build_bundle(store, "2023-03-15", ROOT / "content" / "data", target)
            ours = time.perf_counter() - started
            assert bundle.rendered == 0, "a bundle rendered what the PDF function had rendered"
            digests.add(hashlib.sha256(target.getvalue()).hexdigest())
            ratios.append(ours / bare)
            lines.append(f"    repeat {repeat + 1}: bundle {ours:6.2f} s ({bundle.size / 1e6:.1f} MB), bare WeasyPrint "
                         f"{bare:6.2f} s")
    print(f"bundle of {COUNT} pillar-1 applications (JSON, PDF, 14 attachments each, manifests, checksums), "
          f"{os.cpu_count()} cores; the record and PDF functions ran first ({after_store_seconds:.1f} s, off any request)")
    print("\n".join(lines))
    print(ratio_line("bundle / bare render of its PDFs", ratios, 0.1))
    print(f"  the {REPEATS} rebuilt bundles are byte-identical: {'yes' if len(digests) == 1 else 'NO'}")
    assert len(digests) == 1
