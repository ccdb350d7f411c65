"""Dated submission bundles: one Dutch calendar day's applications, in order of receipt, with PDFs."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime

from .programme import load_facts
from .receipt import format_dutch_for_people
from .render import html_to_pdf, render_html
from .storage import ApplicationStore, encode_document

# Every entry gets this timestamp so that the same stored data always gives the same bytes.
_ZIP_TIME = (2022, 10, 10, 0, 0, 0)

MANIFEST_COLUMNS = ["order", "reference", "receivedAtDutch", "receivedAt", "pillar", "sector", "penvoerder",
                    "status", "json", "pdf", "sha256"]


def order_of_receipt(stored: dict) -> tuple[str, str]:
    """Artikel 4: time of receipt first (UTC, ms, so sortable as text), the request id breaks ties."""
    receipt = stored["receipt"]
    return receipt["receivedAt"], receipt["requestId"]


def flatten_answers(value, path: str = "$") -> list[tuple[str, str]]:
    """Every answer of an application as (JSON path, text), so the PDF shows all of them."""
    if isinstance(value, dict):
        return [pair for key in value for pair in flatten_answers(value[key], f"{path}.{key}")]
    if isinstance(value, list):
        return [pair for i, item in enumerate(value) for pair in flatten_answers(item, f"{path}[{i}]")]
    return [(path, "" if value is None else str(value))]


def application_pdf(stored: dict, programme_name: str, cache: dict | None = None) -> bytes:
    receipt = stored["receipt"]
    html = render_html(
        "application.html",
        programme_name=programme_name,
        receipt=receipt,
        received_text=format_dutch_for_people(datetime.fromisoformat(receipt["receivedAt"]), "nl"),
        application=stored["application"],
        answers=flatten_answers(stored["application"]),
        findings=stored.get("findings", []),
    )
    pdf, _refused = html_to_pdf(html, cache)
    return pdf


@dataclass(frozen=True)
class Bundle:
    day: str
    zip_bytes: bytes
    count: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.zip_bytes).hexdigest()

    @property
    def filename(self) -> str:
        return f"imvo-aanvragen-{self.day}.zip"


def _add(archive: zipfile.ZipFile, name: str, data: bytes, sums: list[tuple[str, str]]) -> str:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)
    digest = hashlib.sha256(data).hexdigest()
    sums.append((digest, name))
    return digest


def build_bundle(store: ApplicationStore, day: str, data_dir) -> Bundle:
    """The zip for one Dutch day: manifest.csv/json, per application its JSON and PDF, SHA256SUMS."""
    programme_name = load_facts(data_dir)["name"]["nl"]
    applications = sorted(store.applications_of_day(day), key=order_of_receipt)
    buffer = io.BytesIO()
    sums: list[tuple[str, str]] = []
    rows = []
    cache: dict = {}
    with zipfile.ZipFile(buffer, "w") as archive:
        for order, stored in enumerate(applications, start=1):
            receipt, application = stored["receipt"], stored["application"]
            stem = f"{order:04d}-{receipt['reference']}"
            json_name, pdf_name = f"{stem}/{receipt['reference']}.json", f"{stem}/{receipt['reference']}.pdf"
            _add(archive, json_name, encode_document(stored), sums)
            _add(archive, pdf_name, application_pdf(stored, programme_name, cache), sums)
            rows.append({
                "order": order,
                "reference": receipt["reference"],
                "receivedAtDutch": receipt["receivedAtDutch"],
                "receivedAt": receipt["receivedAt"],
                "pillar": receipt["pillar"],
                "sector": application.get("sector", ""),
                "penvoerder": application.get("penvoerder", {}).get("name", ""),
                "status": receipt["status"],
                "json": json_name,
                "pdf": pdf_name,
                "sha256": receipt["sha256"],
            })
        csv_buffer = io.StringIO()
        writer = csv.DictWriter(csv_buffer, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        _add(archive, "manifest.csv", csv_buffer.getvalue().encode("utf-8"), sums)
        _add(archive, "manifest.json", encode_document({"day": day, "applications": rows}), sums)
        checksum_lines = "".join(f"{digest}  {name}\n" for digest, name in sums)
        _add(archive, "SHA256SUMS", checksum_lines.encode("utf-8"), [])
    return Bundle(day=day, zip_bytes=buffer.getvalue(), count=len(applications))
