"""Attachments: presigned uploads to the staging bucket, the checks after the upload, and the malware scan.

S3 enforces a presigned POST's conditions (size, type, and the SHA-256 the browser computed); moto
does not. Either way the checks after the upload (exists, size, first bytes, SHA-256) decide whether
an application may refer to a file, and GuardDuty's scan tag decides whether it is safe to keep. The
check answers a signed statement of what it found (key, SHA-256, size, version), which the form puts
in the application, so submitting trusts it without asking S3 again.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from imvo.intake.storage import ApplicationStore, StorageUnavailable, ensure_time_for_a_call, storage_fault
from imvo.intake.tokens import TokenKey
from imvo.programme.findings import REJECT, Finding
from imvo.settings import SCAN_NONE

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
UPLOAD_SECONDS = 15 * 60
# PDF only: RVO's model documents export to PDF, it is the archival format, and one parser to trust.
ALLOWED_TYPES = {"application/pdf": b"%PDF-"}
ATTACHMENTS_PREFIX = "attachments/"
STATEMENT_PURPOSE = "upload-checked"
DRAFT_PURPOSE = "draft"  # the draft token: whoever holds it may add uploads to that draft, nobody else
DRAFT_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")

# GuardDuty Malware Protection for S3 tags every scanned object with this key.
SCAN_TAG = "GuardDutyMalwareScanStatus"
SCAN_CLEAN = "NO_THREATS_FOUND"
SCAN_THREATS = "THREATS_FOUND"
SCAN_PENDING = "PENDING"
SCAN_NOT_LOCAL = "NOT_SCANNED_LOCAL"


class UploadRefused(Exception):
    def __init__(self, finding: Finding):
        super().__init__(finding.message_en)
        self.finding = finding


class ScanPending(Exception):
    """An attachment's malware scan has not finished yet: the same request may be sent again shortly."""


def safe_filename(filename: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip(".-")
    return (name or "bijlage")[:120]


def new_draft_id() -> str:
    return secrets.token_urlsafe(18)


def draft_token(key: TokenKey, draft_id: str) -> str:
    """What proves a caller started this draft (or was given it with a herstel code): signed, not stored."""
    return key.sign(DRAFT_PURPOSE, draft_id)


def presigned_upload(client, bucket: str, request: dict, key: TokenKey) -> dict:
    """A presigned POST for one file under the application's own prefix (its draft id).

    The SHA-256 the browser computed is bound into the policy (`x-amz-checksum-sha256`), so S3 itself
    refuses a body that does not match it. A new draft gets its id and token here; adding to a draft takes
    its token (issue 25, item 6: any draft id was accepted, so anyone could add files to another's draft).
    """
    adding = request.get("draftId") is not None
    draft_id = request["draftId"] if adding else new_draft_id()
    if not isinstance(draft_id, str) or not DRAFT_ID.match(draft_id):
        raise UploadRefused(Finding("$.draftId", "attachment", REJECT, "Ongeldig concept-id.", "Invalid draft id."))
    content_type = request.get("contentType")
    if not isinstance(content_type, str) or content_type not in ALLOWED_TYPES:
        raise UploadRefused(Finding("$.contentType", "attachment", REJECT,
            "Alleen PDF-bestanden kunnen worden toegevoegd.", "Only PDF files can be added."))
    size = request.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or not 0 < size <= MAX_ATTACHMENT_BYTES:
        raise UploadRefused(Finding("$.size", "attachment", REJECT,
            f"Een bijlage is hoogstens {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB.",
            f"An attachment is at most {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB."))
    sha256 = request.get("sha256")
    if not isinstance(sha256, str) or not SHA256_HEX.match(sha256):
        raise UploadRefused(Finding("$.sha256", "attachment", REJECT,
            "Geef de SHA-256 van het bestand (64 tekens 0-9 en a-f).",
            "Give the file's SHA-256 (64 characters 0-9 and a-f)."))
    filename = request.get("filename", "bijlage.pdf")
    if not isinstance(filename, str) or len(filename) > 255:
        raise UploadRefused(Finding("$.filename", "attachment", REJECT, "Geef de bestandsnaam als tekst (hoogstens 255 tekens).",
                                    "Give the file name as text (at most 255 characters)."))
    filename = safe_filename(filename)
    if adding and not key.signed(DRAFT_PURPOSE, draft_id, request.get("draftToken")):
        raise UploadRefused(Finding("$.draftToken", "attachment", REJECT,
            "Deze upload hoort niet bij dit concept: voeg de bijlage opnieuw toe, of laad de pagina opnieuw.",
            "This upload does not belong to this draft: add the attachment again, or reload the page."))
    object_key = f"{ATTACHMENTS_PREFIX}{draft_id}/{secrets.token_hex(4)}-{filename}"
    checksum = base64.b64encode(bytes.fromhex(sha256)).decode("ascii")
    fields = {"Content-Type": content_type, "x-amz-checksum-algorithm": "SHA256", "x-amz-checksum-sha256": checksum}
    ensure_time_for_a_call()
    try:
        post = client.generate_presigned_post(
            Bucket=bucket, Key=object_key, Fields=fields,
            Conditions=[{name: value} for name, value in fields.items()]
            + [["content-length-range", 1, MAX_ATTACHMENT_BYTES]],
            ExpiresIn=UPLOAD_SECONDS)
    except (ClientError, BotoCoreError) as error:
        raise storage_fault(error) from error
    return {"draftId": draft_id, "draftToken": draft_token(key, draft_id), "key": object_key, "url": post["url"], "fields": post["fields"],
            "maxBytes": MAX_ATTACHMENT_BYTES, "contentType": content_type, "expiresInSeconds": UPLOAD_SECONDS}


def referenced_attachments(value, path: str = "$") -> list[tuple[str, dict]]:
    """Every attachment reference in an application, with its JSON path."""
    if isinstance(value, dict):
        if {"key", "sha256", "filename"} <= value.keys():
            return [(path, value)]
        return [found for key, item in value.items() for found in referenced_attachments(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [found for i, item in enumerate(value) for found in referenced_attachments(item, f"{path}[{i}]")]
    return []


@dataclass(frozen=True)
class VerifiedAttachment:
    path: str
    key: str  # the upload in the staging bucket
    sha256: str
    size: int
    version_id: str  # the exact upload version checked
    scan: str = SCAN_NOT_LOCAL

    def as_dict(self) -> dict:
        return {"path": self.path, "key": self.key, "sha256": self.sha256, "size": self.size,
                "versionId": self.version_id, "scan": self.scan}


def _problem(path: str, nl: str, en: str) -> Finding:
    return Finding(path, "attachment", REJECT, nl, en)


def draft_of(key: str) -> str:
    parts = key.split("/")
    return parts[1] if len(parts) >= 3 and parts[0] + "/" == ATTACHMENTS_PREFIX else ""


def drafts_of(references: list[tuple[str, dict]]) -> set[str]:
    """The drafts the attachment references point into ("" for a key that is none): one, for an application."""
    return {draft_of(reference["key"]) if isinstance(reference.get("key"), str) else "" for _, reference in references}


def statement_of(checked: VerifiedAttachment, tokens: TokenKey) -> str:
    """The signed statement of one check: what was found, and the MAC over it."""
    facts = f"{checked.key}\n{checked.sha256}\n{checked.size}\n{checked.version_id}"
    return (base64.urlsafe_b64encode(facts.encode()).decode().rstrip("=") + "."
            + tokens.sign(STATEMENT_PURPOSE, facts))


def stated(statement, key: str, sha256: str, tokens: TokenKey) -> tuple[int, str] | None:
    """(size, version id) when `statement` is ours and is about this key and content; None otherwise."""
    if not isinstance(statement, str) or statement.count(".") != 1:
        return None
    encoded, signature = statement.split(".")
    try:
        facts = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    parts = facts.split("\n")
    if len(parts) != 4 or parts[:2] != [key, sha256] or not parts[2].isdigit() or not tokens.signed(STATEMENT_PURPOSE, facts, signature):
        return None
    return int(parts[2]), parts[3]


MISSING_RULE = "attachment:missing"


def _not_found(path: str) -> Finding:
    return Finding(path, MISSING_RULE, REJECT, "Deze bijlage is niet gevonden; upload haar opnieuw.",
                   "This attachment was not found; please upload it again.")


def inspect_upload(uploads: ApplicationStore, key: str, path: str = "$.key") -> tuple[VerifiedAttachment | None, Finding | None]:
    """Read one upload: it exists (asked by LIST), is within the size limit, starts as a PDF; its SHA-256 and version."""
    if not uploads.exists(key):
        return None, _not_found(path)
    found = uploads.open(key)
    size, version_id, body = found["ContentLength"], found.get("VersionId") or "null", found["Body"]
    if size > MAX_ATTACHMENT_BYTES:
        body.close()
        return None, _problem(path, f"Deze bijlage is groter dan {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB.",
                              f"This attachment is larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB.")
    digest, first = hashlib.sha256(), b""
    try:
        for chunk in iter(lambda: body.read(1024 * 1024), b""):
            first = first or chunk[:8]
            digest.update(chunk)
    except BotoCoreError as error:
        raise StorageUnavailable(str(error)) from error
    if not any(first.startswith(magic) for magic in ALLOWED_TYPES.values()):
        return None, _problem(path, "Deze bijlage is geen PDF-bestand.", "This attachment is not a PDF file.")
    return VerifiedAttachment(path, key, digest.hexdigest(), size, version_id), None


def scan_status(uploads: ApplicationStore, key: str, version_id: str, scan_mode: str) -> str:
    """GuardDuty's verdict on this exact version; locally nothing scans and we say so."""
    if scan_mode == SCAN_NONE:
        return SCAN_NOT_LOCAL
    return uploads.tags(key, version_id).get(SCAN_TAG, SCAN_PENDING)


def verify_upload(uploads: ApplicationStore, key, scan_mode: str = SCAN_NONE) -> VerifiedAttachment:
    """POST /api/uploads/verify: check an upload once, right after it lands.

    What it found names the exact object version, so a later overwrite of the key cannot slip other
    content into an application: the application refers to the version checked.
    """
    if not isinstance(key, str) or not key.startswith(ATTACHMENTS_PREFIX) or not DRAFT_ID.match(draft_of(key) or "-"):
        raise UploadRefused(_problem("$.key", "Dit is geen sleutel van een upload.", "This is not an upload key."))
    verified, problem = inspect_upload(uploads, key)
    if problem:
        raise UploadRefused(problem)
    status = scan_status(uploads, key, verified.version_id, scan_mode)
    return VerifiedAttachment(verified.path, verified.key, verified.sha256, verified.size, verified.version_id, status)


def _scan_problem(path: str, status: str) -> Finding | None:
    if status in (SCAN_CLEAN, SCAN_NOT_LOCAL):
        return None
    if status == SCAN_THREATS:
        return _problem(path, "In deze bijlage is bij de virusscan een bedreiging gevonden; zij kan niet worden gebruikt. "
                              "Voeg een schoon bestand toe.",
                        "The malware scan found a threat in this attachment; it cannot be used. Add a clean file.")
    return _problem(path, "Deze bijlage kon niet op virussen worden gescand; upload haar opnieuw als gewone PDF.",
                    "This attachment could not be scanned for malware; upload it again as a plain PDF.")


def verify_attachments(uploads: ApplicationStore, document: dict, tokens: TokenKey, scan_mode: str = SCAN_NONE
                       ) -> tuple[list[VerifiedAttachment], list[Finding]]:
    """Each referenced file exists, is within the size limit, starts as a PDF, has the declared SHA-256
    and, where GuardDuty scans, was found clean. ScanPending when a scan has not finished.

    A reference carrying the signed statement of POST /api/uploads/verify is trusted without any S3
    call; any other reference is read and hashed here.
    """
    references = referenced_attachments(document)
    drafts = drafts_of(references)
    if len(drafts) > 1:
        return [], [_problem("$.attachments", "Alle bijlagen horen bij één aanvraag (één concept).",
                             "All attachments belong to one application (one draft).")]
    draft = drafts.pop() if drafts else ""
    verified, problems, pending = [], [], False
    for path, reference in references:
        key, sha256 = reference["key"], reference["sha256"]
        if not isinstance(key, str) or not key.startswith(f"{ATTACHMENTS_PREFIX}{draft}/") or not draft:
            problems.append(_not_found(path))
            continue
        checked = stated(reference.get("verified"), key, sha256, tokens)
        if checked:
            found = VerifiedAttachment(path, key, sha256, *checked)
        else:
            found, problem = inspect_upload(uploads, key, path)
            if problem is None and found.sha256 != sha256:
                problem = _problem(path, "De inhoud van deze bijlage past niet bij de opgegeven SHA-256; upload haar opnieuw.",
                                   "The content of this attachment does not match its SHA-256; please upload it again.")
            if problem:
                problems.append(problem)
                continue
        status = scan_status(uploads, key, found.version_id, scan_mode)
        pending = pending or status == SCAN_PENDING
        problem = None if status == SCAN_PENDING else _scan_problem(path, status)
        if problem:
            problems.append(problem)
        else:
            verified.append(VerifiedAttachment(path, key, found.sha256, found.size, found.version_id, status))
    if pending and not problems:
        raise ScanPending()
    return verified, problems
