"""The applicant's receipt as a PDF: reference, times of receipt, hashes, and what happens next."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from imvo.documents.application_document import flatten_answers
from imvo.programme.facts import load_facts
from imvo.intake.receipt import format_dutch_for_people
from imvo.documents.render import html_to_pdf, render_html
from imvo.settings import load_settings
from imvo.intake.validation import resolved_schema


def receipt_pdf(original: dict, current: dict, data_dir: Path) -> bytes:
    facts = load_facts(data_dir)

    def moment(stored: dict, language: str) -> str:
        return format_dutch_for_people(datetime.fromisoformat(stored["receipt"]["receivedAt"]), language)

    html = render_html(
        "receipt.html",
        programme_name=facts["name"],
        original=original["receipt"],
        current=current["receipt"],
        penvoerder=current["application"].get("penvoerder", {}).get("name", ""),
        original_time={"nl": moment(original, "nl"), "en": moment(original, "en")},
        current_time={"nl": moment(current, "nl"), "en": moment(current, "en")},
        answers=flatten_answers(current["application"], resolved_schema(load_settings().schema_dir, original["receipt"]["pillar"])),
        findings=current.get("findings", []),
    )
    pdf, _refused = html_to_pdf(html)
    return pdf
