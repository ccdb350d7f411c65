"""The application as a document: every answer with its Dutch question, as HTML and as PDF."""

from __future__ import annotations

from datetime import datetime

from imvo.documents.render import html_to_pdf, render_html
from imvo.intake.receipt import format_dutch_for_people
from imvo.intake.validation import resolved_schema
from imvo.programme.findings import PORTAL_CHECK_WORDS, path_parts
from imvo.programme.texts import format_date
from imvo.settings import load_settings


def flatten_answers(value, schema: dict | None = None, trail: str = "") -> list[tuple[str, str]]:
    """Every answer of an application as (question, answer), in the form's order and with its Dutch
    titles where the schema gives them (JSON keys otherwise), so the PDF shows all of them readably."""
    schema = schema or {}
    if isinstance(value, dict) and {"key", "sha256"} <= set(value):
        return [(trail, value.get("filename") or "")]  # an uploaded file: its name, not where it is stored
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        keys = [k for k in properties if k in value] + sorted(k for k in value if k not in properties)
        found = []
        for key in keys:
            sub = properties.get(key, {})
            title = sub.get("title") or key
            found += flatten_answers(value[key], sub, f"{trail} › {title}" if trail else title)
        return found
    if isinstance(value, list):
        items = schema.get("items", {})
        if items.get("type") == "object":
            return [pair for i, item in enumerate(value, start=1) for pair in flatten_answers(item, items, f"{trail} {i}")]
        return [(trail, ", ".join(_answer_text(item, items) for item in value))]
    return [(trail, _answer_text(value, schema))]


def question_of(path: str, schema: dict, language: str = "nl") -> str:
    """The question a JSON path points at, as the form asks it: "Penvoerder › De-minimisverklaring"
    for "$.penvoerder.deMinimis.declaration"; a row of a list gets its number ("Overige partners 2")."""
    titles, node = [], schema
    for part in path_parts(path):
        if isinstance(part, int):
            titles[-1:] = [f"{titles[-1]} {part + 1}"] if titles else []
            node = node.get("items", {})
            continue
        node = node.get("properties", {}).get(part, {})
        title = node.get("x-title-en") if language == "en" and node.get("x-title-en") else node.get("title")
        titles.append(title or part)
    return " › ".join(titles)


def _answer_text(value, schema: dict) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if schema.get("format") == "date" and isinstance(value, str):
        return format_date(value, "nl")
    titles = schema.get("x-enum-titles") or {}
    return titles[value][0] if isinstance(value, str) and value in titles else str(value)


def application_html(stored: dict, programme_name: str, schema_dir=None) -> str:
    receipt = stored["receipt"]
    schema = resolved_schema(schema_dir or load_settings().schema_dir, receipt["pillar"])
    return render_html(
        "application.html",
        programme_name=programme_name,
        receipt=receipt,
        portal_check_words=PORTAL_CHECK_WORDS,
        received_text=format_dutch_for_people(datetime.fromisoformat(receipt["receivedAt"]), "nl"),
        application=stored["application"],
        answers=flatten_answers(stored["application"], schema),
        findings=stored.get("findings", []),
        attachments=receipt.get("attachments", []),
    )


def application_pdf(stored: dict, programme_name: str, cache: dict | None = None) -> bytes:
    pdf, _refused = html_to_pdf(application_html(stored, programme_name), cache)
    return pdf
