"""Attachments: presigned uploads straight to S3, and the checks that protect us after the upload.

S3 enforces a presigned POST's conditions; moto does not. Either way the checks after the upload
(exists, size, first bytes, SHA-256) decide whether an application may refer to a file.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from .findings import REJECT, Finding
from .storage import StorageUnavailable

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
UPLOAD_SECONDS = 15 * 60
# PDF only: RVO's model documents export to PDF, it is the archival format, and one parser to trust.
ALLOWED_TYPES = {"application/pdf": b"%PDF-"}
ATTACHMENTS_PREFIX = "attachments/"
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

    def as_dict(self) -> dict:
        return {"path": self.path, "key": self.key, "sha256": self.sha256, "size": self.size}


def _problem(path: str, nl: str, en: str) -> Finding:
    return Finding(path, "attachment", REJECT, nl, en)


def verify_attachments(client, bucket: str, document: dict) -> tuple[list[VerifiedAttachment], list[Finding]]:
    """Each referenced file exists, is within the size limit, starts as a PDF, and has the declared SHA-256."""
    verified, problems = [], []
    draft_prefixes = set()
    for path, reference in referenced_attachments(document):
        key = reference["key"]
        draft_prefixes.add(key.split("/")[1] if key.count("/") >= 2 else key)
        try:
            head = client.head_object(Bucket=bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                problems.append(_problem(path, "Deze bijlage is niet gevonden; upload haar opnieuw.",
                                         "This attachment was not found; please upload it again."))
                continue
            raise StorageUnavailable(str(error)) from error
        except BotoCoreError as error:
            raise StorageUnavailable(str(error)) from error
        size = head["ContentLength"]
        if size > MAX_ATTACHMENT_BYTES:
            problems.append(_problem(path, f"Deze bijlage is groter dan {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB.",
                                     f"This attachment is larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB."))
            continue
        digest, first = hashlib.sha256(), b""
        try:
            body = client.get_object(Bucket=bucket, Key=key)["Body"]
            for chunk in iter(lambda: body.read(1024 * 1024), b""):
                first = first or chunk[:8]
                digest.update(chunk)
        except (ClientError, BotoCoreError) as error:
            raise StorageUnavailable(str(error)) from error
        if not any(first.startswith(magic) for magic in ALLOWED_TYPES.values()):
            problems.append(_problem(path, "Deze bijlage is geen PDF-bestand.", "This attachment is not a PDF file."))
            continue
        if digest.hexdigest() != reference["sha256"]:
            problems.append(_problem(path, "De inhoud van deze bijlage past niet bij de opgegeven SHA-256; upload haar opnieuw.",
                                     "The content of this attachment does not match its SHA-256; please upload it again."))
            continue
        verified.append(VerifiedAttachment(path, key, digest.hexdigest(), size))
    if len(draft_prefixes) > 1:
        problems.append(_problem("$.attachments", "Alle bijlagen horen bij één aanvraag (één concept).",
                                 "All attachments belong to one application (one draft)."))
    return verified, problems
