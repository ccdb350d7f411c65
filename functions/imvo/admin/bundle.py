"""Dated submission bundles: the applications (and supplements) received on Dutch calendar days, in
order of receipt, each with its JSON, a PDF of every answer, its attachments, and checksums.

The same stored data always gives the same bytes: entries carry a fixed time, come in a fixed order,
and each PDF is the one rendered from the stored JSON alone when it was stored (issue 16: a bundle
collects, it does not render; only a PDF whose asynchronous rendering has not run yet is rendered here,
to the same bytes, and kept).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from typing import BinaryIO

from imvo.audit.trail import AuditTrail
from imvo.programme.facts import load_facts
from imvo.documents.render import html_to_pdf
from imvo.documents.stored_pdf import keep_pdf
from imvo.intake.record_keeping import keep_record
from imvo.intake.storage import (APPLICATIONS_PREFIX, PDF_PREFIX, RECORD_ATTACHMENTS_PREFIX, SUPPLEMENTS_PREFIX,
                                 ApplicationStore, StorageUnavailable, encode_document, pdf_key_of, side_by_side)
from imvo.admin.spreadsheet import csv_bytes
from imvo.casework.records import DECISION_WORDS
from imvo.programme.findings import PORTAL_CHECK_WORDS
from imvo.settings import load_settings
from imvo.documents.application_document import application_html

# Every entry gets this timestamp so that the same stored data always gives the same bytes.
_ZIP_TIME = (2022, 10, 10, 0, 0, 0)

MANIFEST_COLUMNS = ["order", "reference", "supplementReference", "receivedAtDutch", "receivedAt", "pillar", "sector",
                    "penvoerder", "amount:pillar1-companies", "amount:pillar1-cso", "amount:pillar2", "portalCheck",
                    "decision", "findings", "json", "pdf", "attachments"]


def _decision_words(decision: dict | None) -> str:
    """RVO's decision as the manifest says it: the word, the section, who and when (II.3.1, III.3.1)."""
    if decision is None:
        return ""
    words = DECISION_WORDS.get(decision["decision"], (decision["decision"],))[0]
    section = f" ({decision['section']})" if decision.get("section") else ""
    return f"{words}{section}, {decision['decidedAt']}, {decision.get('by', '')}"


def order_of_receipt(stored: dict) -> tuple[str, str]:
    """Artikel 4: time of receipt first (UTC, ms, so sortable as text), the request id breaks ties."""
    receipt = stored["receipt"]
    return receipt["receivedAt"], receipt["requestId"]


def _render(html: str) -> bytes:
    return html_to_pdf(html)[0]


def _one_after_another(documents: list[str]) -> Iterator[bytes]:
    cache: dict = {}  # shared fonts and styles between documents
    for html in documents:
        yield html_to_pdf(html, cache)[0]


def render_pdfs(documents: list[str], workers: int | None = None) -> Iterator[bytes]:
    """PDFs of the HTML documents, in their order and as each is ready, on every core where the platform
    allows processes."""
    if workers == 1 or len(documents) < 4:
        yield from _one_after_another(documents)
        return
    try:
        pool = ProcessPoolExecutor(max_workers=workers)
    except (OSError, NotImplementedError):  # no process support (e.g. no /dev/shm on Lambda)
        yield from _one_after_another(documents)
        return
    with pool:
        yield from pool.map(_render, documents, chunksize=max(1, min(8, len(documents) // 16)))


def days_between(first: str, last: str) -> list[str]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]


@dataclass(frozen=True)
class Bundle:
    days: tuple[str, ...]
    count: int
    sha256: str
    size: int
    references: tuple[str, ...]  # the applications in it (a supplement's is its application's)
    rendered: int = 0  # PDFs rendered while bundling (their rendering at store time had not run yet)

    @property
    def filename(self) -> str:
        span = self.days[0] if len(self.days) == 1 else f"{self.days[0]}_{self.days[-1]}"
        return f"imvo-aanvragen-{span}.zip"


def _add(archive: zipfile.ZipFile, name: str, data: bytes, sums: list[tuple[str, str]]) -> str:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)
    digest = hashlib.sha256(data).hexdigest()
    sums.append((digest, name))
    return digest


def received_on(store: ApplicationStore, days: list[str]) -> list[tuple[str, dict]]:
    """(key, stored) of the applications and supplements whose time of receipt falls on these Dutch days,
    in order of receipt."""
    wanted = set(days)
    keys = [key for day in days for key in store.keys_under(f"{APPLICATIONS_PREFIX}{day}/")]
    keys += store.keys_under(SUPPLEMENTS_PREFIX)
    found = [(key, stored) for key, stored in zip(keys, side_by_side(store.get_json, keys))
             if key.startswith(APPLICATIONS_PREFIX) or stored["receipt"]["dutchDay"] in wanted]
    return sorted(found, key=lambda pair: order_of_receipt(pair[1]))


def keep_what_is_not_kept_yet(store: ApplicationStore, received: list[tuple[str, dict]]) -> int:
    """Records whose attachments the record function has not kept yet (it runs just after storing) are
    kept now, as it would keep them; how many. A bundle never waits on it nor misses a file."""
    kept = set(store.keys_under(RECORD_ATTACHMENTS_PREFIX))
    behind = [key for key, stored in received
              if any(a["recordKey"] not in kept for a in stored["receipt"].get("attachments", []))]
    uploads_bucket = load_settings().uploads_bucket
    for key in behind:
        keep_record(store, uploads_bucket, key)
    return len(behind)


def collected_pdfs(store: ApplicationStore, received: list[tuple[str, dict]], days: list[str], programme_name: str,
                   workers: int | None = None) -> tuple[list[bytes], int]:
    """The PDF of each, as rendered when it was stored, and how many had to be rendered here (and were kept)."""
    rendered = set()
    for prefix in [f"{PDF_PREFIX}{APPLICATIONS_PREFIX}{day}/" for day in days] + [f"{PDF_PREFIX}{SUPPLEMENTS_PREFIX}"]:
        rendered.update(store.keys_under(prefix))
    missing = [(key, stored) for key, stored in received if pdf_key_of(key) not in rendered]
    made = dict(zip((key for key, _ in missing),
                    render_pdfs([application_html(stored, programme_name) for _, stored in missing], workers)))
    side_by_side(lambda key: keep_pdf(store, key, made[key]), list(made))
    present = [key for key, _ in received if key not in made]
    collected = dict(zip(present, side_by_side(lambda key: store.get_bytes(pdf_key_of(key)), present)))
    return [made.get(key) or collected[key] for key, _ in received], len(made)


def _attachment(store: ApplicationStore, reference: dict) -> bytes:
    """The file the application refers to, as kept in the record (by its content; checked against the SHA-256)."""
    return store.get_bytes(reference["recordKey"])


def _sha256_of(target: BinaryIO) -> tuple[str, int]:
    target.seek(0)
    digest, size = hashlib.sha256(), 0
    while chunk := target.read(1 << 20):
        digest.update(chunk)
        size += len(chunk)
    target.seek(0)
    return digest.hexdigest(), size


def build_bundle(store: ApplicationStore, days: list[str] | str, data_dir, target: BinaryIO,
                 workers: int | None = None, progress: Callable[[int, int], None] | None = None) -> Bundle:
    """The zip for one or more Dutch days, written to `target` (a seekable binary file): manifest.csv/json,
    per application its JSON, PDF, attachments and audit trail, and SHA256SUMS. `progress(done, total)`
    is called as each application is added."""
    days = [days] if isinstance(days, str) else list(days)
    report = progress or (lambda done, total: None)
    programme_name = load_facts(data_dir)["name"]["nl"]
    received_with_keys = received_on(store, days)
    received = [stored for _, stored in received_with_keys]
    report(0, len(received))
    keep_what_is_not_kept_yet(store, received_with_keys)
    references = sorted({stored["receipt"]["reference"] for stored in received})
    trails = AuditTrail(store).trails_of(references)
    decisions = store.decisions()
    pdfs, rendered = collected_pdfs(store, received_with_keys, days, programme_name, workers)
    sums: list[tuple[str, str]] = []
    rows = []
    with zipfile.ZipFile(target, "w") as archive:
        for order, (stored, pdf) in enumerate(zip(received, pdfs), start=1):
            receipt, application = stored["receipt"], stored["application"]
            own = receipt.get("supplementReference") or receipt["reference"]
            stem = f"{order:04d}-{own}"
            json_name, pdf_name = f"{stem}/{own}.json", f"{stem}/{own}.pdf"
            _add(archive, json_name, encode_document(stored), sums)
            _add(archive, pdf_name, pdf, sums)
            _add(archive, f"{stem}/audit.json", encode_document({"reference": receipt["reference"],
                                                                  "events": trails[receipt["reference"]]}), sums)
            attachment_names = []
            for index, reference in enumerate(receipt.get("attachments", []), start=1):
                uploaded_as = reference["key"]
                name = f"{stem}/bijlagen/{index:02d}-{uploaded_as.rsplit('/', 1)[-1]}"
                content = _attachment(store, reference)
                if hashlib.sha256(content).hexdigest() != reference["sha256"]:
                    raise StorageUnavailable(f"{reference['key']} no longer matches the SHA-256 in the receipt")
                _add(archive, name, content, sums)
                attachment_names.append(name)
            ceilings = (stored.get("calculation") or {}).get("ceilings", {})
            rows.append({
                "order": order,
                "reference": receipt["reference"],
                "supplementReference": receipt.get("supplementReference", ""),
                "receivedAtDutch": receipt["receivedAtDutch"],
                "receivedAt": receipt["receivedAt"],
                "pillar": receipt["pillar"],
                "sector": application.get("sector", ""),
                "penvoerder": application.get("penvoerder", {}).get("name", ""),
                "amount:pillar1-companies": ceilings.get("pillar1-companies", "0.00"),
                "amount:pillar1-cso": ceilings.get("pillar1-cso", "0.00"),
                "amount:pillar2": ceilings.get("pillar2", "0.00"),
                "portalCheck": PORTAL_CHECK_WORDS[receipt["status"]][0],
                "decision": _decision_words(decisions.get(receipt["reference"])),
                "findings": " ".join(sorted({f["rule"] for f in stored.get("findings", [])})),
                "json": json_name,
                "pdf": pdf_name,
                "attachments": " ".join(attachment_names),
            })
            report(order, len(received))
        _add(archive, "manifest.csv", csv_bytes(MANIFEST_COLUMNS, rows), sums)
        files = {name: digest for digest, name in sums}
        manifest = {"days": days, "applications": rows, "sha256": files}
        _add(archive, "manifest.json", encode_document(manifest), sums)
        checksum_lines = "".join(f"{digest}  {name}\n" for digest, name in sums)
        _add(archive, "SHA256SUMS", checksum_lines.encode("utf-8"), [])
    sha256, size = _sha256_of(target)
    return Bundle(days=tuple(days), count=len(received), sha256=sha256, size=size, references=tuple(references),
                  rendered=rendered)
