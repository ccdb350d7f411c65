"""Attachments: presigned uploads straight to S3, and the checks that protect us after the upload.

S3 enforces a presigned POST's conditions; moto does not. Either way the checks after the upload
(exists, size, first bytes, SHA-256) decide whether an application may refer to a file.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from imvo.programme.findings import REJECT, Finding
from imvo.intake.storage import StorageUnavailable

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
UPLOAD_SECONDS = 15 * 60
# PDF only: RVO's model documents export to PDF, it is the archival format, and one parser to trust.
ALLOWED_TYPES = {"application/pdf": b"%PDF-"}
ATTACHMENTS_PREFIX = "attachments/"
VERIFIED_PREFIX = "verified/"
DRAFT_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class UploadRefused(Exception):
    def __init__(self, finding: Finding):
        super().__init__(finding.message_en)
        self.finding = finding


def safe_filename(filename: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip(".-")
    return (name or "bijlage")[:120]


def new_draft_id() -> str:
    return secrets.token_urlsafe(18)


def presigned_upload(client, bucket: str, request: dict) -> dict:
    """A presigned POST for one file under the application's own prefix (its draft id)."""
    draft_id = request.get("draftId") or new_draft_id()
    if not DRAFT_ID.match(str(draft_id)):
        raise UploadRefused(Finding("$.draftId", "attachment", REJECT, "Ongeldig concept-id.", "Invalid draft id."))
    content_type = request.get("contentType")
    if content_type not in ALLOWED_TYPES:
        raise UploadRefused(Finding("$.contentType", "attachment", REJECT,
            "Alleen PDF-bestanden kunnen worden toegevoegd.", "Only PDF files can be added."))
    size = request.get("size")
    if not isinstance(size, int) or not 0 < size <= MAX_ATTACHMENT_BYTES:
        raise UploadRefused(Finding("$.size", "attachment", REJECT,
            f"Een bijlage is hoogstens {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB.",
            f"An attachment is at most {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB."))
    filename = safe_filename(str(request.get("filename") or "bijlage.pdf"))
    key = f"{ATTACHMENTS_PREFIX}{draft_id}/{secrets.token_hex(4)}-{filename}"
    try:
        post = client.generate_presigned_post(
            Bucket=bucket, Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, MAX_ATTACHMENT_BYTES],
                        {"key": key}],
            ExpiresIn=UPLOAD_SECONDS)
    except (ClientError, BotoCoreError) as error:
        raise StorageUnavailable(str(error)) from error
    return {"draftId": draft_id, "key": key, "url": post["url"], "fields": post["fields"],
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
    key: str
    sha256: str
    size: int
    version_id: str  # the exact S3 object version the application refers to

    def as_dict(self) -> dict:
        return {"path": self.path, "key": self.key, "sha256": self.sha256, "size": self.size, "versionId": self.version_id}


def _problem(path: str, nl: str, en: str) -> Finding:
    return Finding(path, "attachment", REJECT, nl, en)


def draft_of(key: str) -> str:
    parts = key.split("/")
    return parts[1] if len(parts) >= 3 and parts[0] + "/" == ATTACHMENTS_PREFIX else ""


def _key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _marker_key(key: str, sha256: str, size: int, version_id: str) -> str:
    """verified/<draft>/<hash of key>/<sha256>-<size>-<version id>: all a LIST needs to tell."""
    version = base64.urlsafe_b64encode(version_id.encode()).decode().rstrip("=")
    return f"{VERIFIED_PREFIX}{draft_of(key)}/{_key_digest(key)}/{sha256}-{size}-{version}"


def _parse_marker(marker: str) -> tuple[str, str, int, str]:
    _, _, key_digest, facts = marker.split("/", 3)
    sha256, size, version = facts.split("-", 2)
    version_id = base64.urlsafe_b64decode(version + "=" * (-len(version) % 4)).decode()
    return key_digest, sha256, int(size), version_id


def inspect_upload(client, bucket: str, key: str, path: str = "$.key") -> tuple[VerifiedAttachment | None, Finding | None]:
    """Read one uploaded object: it exists, is within the size limit, starts as a PDF; its SHA-256 and version."""
    try:
        head = client.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None, _problem(path, "Deze bijlage is niet gevonden; upload haar opnieuw.",
                                  "This attachment was not found; please upload it again.")
        raise StorageUnavailable(str(error)) from error
    except BotoCoreError as error:
        raise StorageUnavailable(str(error)) from error
    size, version_id = head["ContentLength"], head.get("VersionId") or "null"
    if size > MAX_ATTACHMENT_BYTES:
        return None, _problem(path, f"Deze bijlage is groter dan {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB.",
                              f"This attachment is larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB.")
    digest, first = hashlib.sha256(), b""
    try:
        extra = {"VersionId": version_id} if version_id != "null" else {}
        body = client.get_object(Bucket=bucket, Key=key, **extra)["Body"]
        for chunk in iter(lambda: body.read(1024 * 1024), b""):
            first = first or chunk[:8]
            digest.update(chunk)
    except (ClientError, BotoCoreError) as error:
        raise StorageUnavailable(str(error)) from error
    if not any(first.startswith(magic) for magic in ALLOWED_TYPES.values()):
        return None, _problem(path, "Deze bijlage is geen PDF-bestand.", "This attachment is not a PDF file.")
    return VerifiedAttachment(path, key, digest.hexdigest(), size, version_id), None


def verify_upload(client, bucket: str, key: str) -> VerifiedAttachment:
    """POST /api/uploads/verify: check an upload once, right after it lands, and remember the result.

    The marker is written once and names the exact object version, so a later overwrite of the key
    cannot slip other content into an application: the application refers to the version checked.
    """
    from imvo.intake.storage import AlreadyStored, ApplicationStore

    if not key.startswith(ATTACHMENTS_PREFIX) or not DRAFT_ID.match(draft_of(key) or "-"):
        raise UploadRefused(_problem("$.key", "Dit is geen sleutel van een upload.", "This is not an upload key."))
    verified, problem = inspect_upload(client, bucket, key)
    if problem:
        raise UploadRefused(problem)
    try:
        ApplicationStore(client, bucket).put_new(
            _marker_key(key, verified.sha256, verified.size, verified.version_id), b"", content_type="text/plain")
    except AlreadyStored:
        pass
    return verified


def _markers(client, bucket: str, draft: str) -> dict[tuple[str, str], tuple[int, str]]:
    """(hash of key, sha256) -> (size, version id) for every upload of the draft checked at upload time."""
    found = {}
    try:
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{VERIFIED_PREFIX}{draft}/")
        for page in pages:
            for item in page.get("Contents", []):
                key_digest, sha256, size, version_id = _parse_marker(item["Key"])
                found[(key_digest, sha256)] = (size, version_id)
    except (ClientError, BotoCoreError) as error:
        raise StorageUnavailable(str(error)) from error
    return found


def verify_attachments(client, bucket: str, document: dict) -> tuple[list[VerifiedAttachment], list[Finding]]:
    """Each referenced file exists, is within the size limit, starts as a PDF, and has the declared SHA-256.

    Uploads checked by POST /api/uploads/verify are confirmed by one LIST of their markers; any other
    reference is read and hashed here.
    """
    references = referenced_attachments(document)
    drafts = {draft_of(reference["key"]) for _, reference in references}
    if len(drafts) > 1:
        return [], [_problem("$.attachments", "Alle bijlagen horen bij één aanvraag (één concept).",
                             "All attachments belong to one application (one draft).")]
    markers = _markers(client, bucket, drafts.pop()) if drafts and drafts != {""} else {}
    verified, problems = [], []
    for path, reference in references:
        marked = markers.get((_key_digest(reference["key"]), reference["sha256"]))
        if marked:
            verified.append(VerifiedAttachment(path, reference["key"], reference["sha256"], *marked))
            continue
        found, problem = inspect_upload(client, bucket, reference["key"], path)
        if problem is None and found.sha256 != reference["sha256"]:
            problem = _problem(path, "De inhoud van deze bijlage past niet bij de opgegeven SHA-256; upload haar opnieuw.",
                               "The content of this attachment does not match its SHA-256; please upload it again.")
        if problem:
            problems.append(problem)
        else:
            verified.append(found)
    return verified, problems
