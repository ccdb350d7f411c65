"""What admins do, shared by the CLI and the admin Lambda: the allocation report and decisions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from imvo.admin.allocation import allocate, candidates, ceilings_of
from imvo.admin.allocation_report import report_csv, report_html, report_pdf
from imvo.audit.trail import AuditTrail
from imvo.programme.facts import load_facts
from imvo.intake.receipt import format_utc
from imvo.intake.storage import APPLICATIONS_PREFIX, DECISIONS_PREFIX, ApplicationStore, encode_document


def allocation_files(store: ApplicationStore, data_dir: Path, seed: str, opening: str,
                     progress: Callable[[int, int], None] | None = None) -> dict[str, bytes]:
    """verdeling-<opening>.csv, .html and .pdf for the applications of one opening; `progress(done, total)`
    follows the reading of the applications, which is most of the work."""
    keys = store.keys_under(APPLICATIONS_PREFIX)
    report = progress or (lambda done, total: None)
    everything = []
    for done, key in enumerate(keys, start=1):
        everything.append(store.get_json(key))
        report(done, len(keys))
    originals = [a for a in everything if a["receipt"]["opening"] == opening]
    found = candidates(originals, store.all_supplements(), store.decisions())
    facts = load_facts(data_dir)
    ceilings = ceilings_of(facts)
    lines = allocate(found, ceilings, seed, facts["max_grants_per_sector"]["value"])
    html = report_html(lines, ceilings, seed, opening)
    stem = f"verdeling-{opening}"
    return {f"{stem}.csv": report_csv(lines), f"{stem}.html": html.encode("utf-8"), f"{stem}.pdf": report_pdf(html)}


def record_rejection(store: ApplicationStore, reference: str, reason: str, moment: datetime, by: str) -> None:
    """Written once: a decision is never changed by this tool. The audit trail says who decided (II.3.1)."""
    if store.application(reference) is None:
        raise KeyError(reference)
    store.put_record(f"{DECISIONS_PREFIX}{reference}.json", encode_document(
        {"reference": reference, "decision": "rejected", "reason": reason, "decidedAt": format_utc(moment)}))
    AuditTrail(store).rejected(reference, reason, by, moment)
