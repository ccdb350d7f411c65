"""The applicant's receipt as a PDF, in human terms: reference, times of receipt, status, attachments, findings, next steps."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from imvo.documents.application_document import flatten_answers, question_of
from imvo.programme.facts import load_facts
from imvo.programme.findings import PORTAL_CHECK_WORDS, path_parts
from imvo.intake.receipt import format_dutch_for_people
from imvo.documents.render import html_to_pdf, render_html
from imvo.settings import load_settings
from imvo.intake.validation import resolved_schema
from imvo.transparency.signed_receipt import log_entry


FINDING_KINDS = {  # what a finding means for the applicant, as the check page says it: the portal's reading
    "reject": ("Leidt naar verwachting tot afwijzing (controle portaal)", "Expected to lead to rejection (portal check)"),
    "incomplete": ("Onderdeel ontbreekt (controle portaal)", "Part missing (portal check)"),
    "warning": ("Opmerking", "Note"),
}


def _value_at(document: dict, path: str):
    value = document
    for part in path_parts(path):
        value = value[part] if isinstance(part, int) else (value or {}).get(part)
    return value


def _size_for_people(size: int) -> str:
    return f"{size / 1048576:.1f} MB".replace(".", ",") if size >= 1048576 else f"{max(1, round(size / 1024))} kB"


def attachments_for_people(stored: dict, schema: dict) -> list[dict]:
    """Each attachment by its question and file name, never by a JSON path or storage key."""
    found = []
    for attachment in stored["receipt"].get("attachments", []):
        reference = _value_at(stored["application"], attachment["path"]) or {}
        found.append({"question": {"nl": question_of(attachment["path"], schema, "nl"), "en": question_of(attachment["path"], schema, "en")},
                      "filename": reference.get("filename", ""), "size": _size_for_people(int(attachment.get("size") or 0)),
                      "sha256": attachment["sha256"]})
    return found


def findings_for_people(findings: list[dict], schema: dict) -> list[dict]:
    """Findings as the check page shows them: what they mean, about which question, under which section."""
    return [{"kind": FINDING_KINDS.get(f["severity"], ("Bevinding", "Finding")),
             "question": {"nl": question_of(f["path"], schema, "nl"), "en": question_of(f["path"], schema, "en")},
             "section": "" if f["rule"].startswith("schema:") else f["rule"], "message": f["message"]}
            for f in findings]


def receipt_pdf(original: dict, current: dict, data_dir: Path, mailed: bool = False) -> bytes:
    """The receipt; `mailed`: the one the confirmation e-mail attaches, without any text the applicant wrote
    (the penvoerder's name, file names, answers), so the programme's address never carries it (issue 25)."""
    facts = load_facts(data_dir)
    schema = resolved_schema(load_settings().schema_dir, original["receipt"]["pillar"])

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
        status=PORTAL_CHECK_WORDS[current["receipt"]["status"]],
        answers=flatten_answers(current["application"], schema),
        attachments=attachments_for_people(current, schema),
        findings=findings_for_people(current.get("findings", []), schema),
        mailed=mailed,
        signed=[{"reference": v["receipt"].get("supplementReference") or v["receipt"]["reference"],
                 "keyId": v["receipt"]["signedReceipt"]["statement"]["keyId"],
                 "signature": v["receipt"]["signedReceipt"]["signature"],
                 "logEntry": log_entry(v["receipt"]["signedReceipt"]).hex()} for v in _signed_versions(original, current)],
    )
    pdf, _refused = html_to_pdf(html, attachments=signed_receipt_files(original, current))
    return pdf


def _signed_versions(original: dict, current: dict) -> list[dict]:
    versions = [original] + ([current] if current is not original and current["receipt"] != original["receipt"] else [])
    return [v for v in versions if "signedReceipt" in v["receipt"]]


def signed_receipt_files(original: dict, current: dict) -> dict[str, bytes]:
    """ontvangstbewijs-<reference>.json per signed version (issue 23): what the verification page and
    `imvo-admin verify-receipt` read from the PDF or the e-mail."""
    return {f"ontvangstbewijs-{v['receipt'].get('supplementReference') or v['receipt']['reference']}.json":
            json.dumps(v["receipt"]["signedReceipt"], ensure_ascii=False, indent=1).encode()
            for v in _signed_versions(original, current)}
