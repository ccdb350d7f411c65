"""The allocation report of an opening, shared by the command line and the job function."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from imvo.admin.allocation import Draw, allocate, candidates_in, ceilings_of
from imvo.admin.allocation_report import report_csv, report_html, report_pdf
from imvo.programme.facts import load_facts
from imvo.intake.storage import APPLICATIONS_PREFIX, ApplicationStore
from imvo.transparency.receipt_log import ReceiptLog, parse_checkpoint


def draw_of(store: ApplicationStore, seed: str) -> tuple[Draw, dict[str, dict]]:
    """The lottery's inputs from the receipt log: the seed with each sealed day's root, and those days' checkpoints."""
    log = ReceiptLog(store, "")
    log.refresh()
    days = log.day_checkpoints()
    return Draw(seed, {day: parse_checkpoint(record["checkpoint"])[2].hex() for day, record in days.items()}), days


def allocation_files(store: ApplicationStore, data_dir: Path, seed: str, opening: str,
                     progress: Callable[[int, int], None] | None = None, commitment: str | None = None) -> dict[str, bytes]:
    """verdeling-<opening>.csv, .html and .pdf for the applications of one opening (allocation_report's files)."""
    return allocation_report(store, data_dir, seed, opening, progress, commitment)[0]


def allocation_report(store: ApplicationStore, data_dir: Path, seed: str, opening: str,
                      progress: Callable[[int, int], None] | None = None,
                      commitment: str | None = None) -> tuple[dict[str, bytes], dict]:
    """The report's files, and what the draw used (the commitment, the seed, each lottery day's checkpoint and the
    order drawn) for the console (issue 23, item 8); `progress(done, total)` follows the reading of the
    applications, which is most of the work. A lottery day without a sealed checkpoint raises DrawNotYetPossible."""
    keys = store.keys_under(APPLICATIONS_PREFIX)
    report = progress or (lambda done, total: None)
    everything = []
    for done, key in enumerate(keys, start=1):
        everything.append(store.get_json(key))
        report(done, len(keys))
    originals = [a for a in everything if a["receipt"]["opening"] == opening]
    found = candidates_in(store, originals)
    facts = load_facts(data_dir)
    ceilings = ceilings_of(facts)
    draw, days = draw_of(store, seed)
    lines = allocate(found, ceilings, draw, facts["max_grants_per_sector"]["value"])
    used = {line.candidate.dutch_day for line in lines if line.lottery}
    html = report_html(lines, ceilings, seed, opening, commitment, [days[day] for day in sorted(used)])
    stem = f"verdeling-{opening}"
    draw_used = {"commitment": commitment, "seed": seed, "lotteryDays": [
        {"day": day, "treeSize": days[day]["treeSize"], "root": draw.day_roots[day],
         "order": [line.candidate.reference for line in sorted((l for l in lines if l.lottery and l.candidate.dutch_day == day),
                                                               key=lambda l: l.lottery_position)]}
        for day in sorted(used)]}
    files = {f"{stem}.csv": report_csv(lines), f"{stem}.html": html.encode("utf-8"), f"{stem}.pdf": report_pdf(html)}
    return files, draw_used
