"""S3 keys and write-once storage of applications: nothing the intake writes is ever overwritten."""

from __future__ import annotations

import contextvars
import hashlib
import json
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

APPLICATIONS_PREFIX = "applications/"
SUPPLEMENTS_PREFIX = "supplements/"
IDEMPOTENCY_PREFIX = "idempotency/"
DECISIONS_PREFIX = "decisions/"
SUPPLEMENT_REQUESTS_PREFIX = "requests/"  # RVO's herstelverzoeken (II.2.2, III.2.2)
COMPLETENESS_PREFIX = "completeness/"  # RVO's completeness checks
RECORD_ATTACHMENTS_PREFIX = "attachments/"
BUNDLES_PREFIX = "bundles/"
AUDIT_PREFIX = "audit/"
JOBS_PREFIX = "jobs/"
PDF_PREFIX = "pdf/"  # each application's and supplement's PDF, rendered once when it was stored
RECORD_PREFIXES = (APPLICATIONS_PREFIX, SUPPLEMENTS_PREFIX)  # what is received; their storing starts the work after it

# A conditional put of an existing key answers 412; two racing writes to one key can answer 409.
_ALREADY_WRITTEN = {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}
_MISSING = {"NoSuchKey", "404", "NotFound", "NoSuchVersion"}
# S3 answers 403 when our role may not do what we asked: a defect in the stack, never "try again".
_DENIED = {"AccessDenied", "403", "AllAccessDisabled", "InvalidAccessKeyId", "SignatureDoesNotMatch"}

CONNECT_SECONDS, READ_SECONDS, ATTEMPTS = 2, 5, 2
# The longest one S3 call can take with its retries; a call is not started with less time left than this.
CALL_BUDGET_SECONDS = ATTEMPTS * (CONNECT_SECONDS + READ_SECONDS)
# Signature V4 on the regional virtual-hosted endpoint (<bucket>.s3.<region>.amazonaws.com): with no
# signature_version botocore presigns with Signature V2 on the global host, which S3 refuses for buckets
# made since June 2020 and for SSE-KMS objects, and which the site's CSP (the bucket's RegionalDomainName)
# does not allow. Against the embedded S3 (an IP endpoint) botocore keeps path style by itself.
_CLIENT_CONFIG = Config(connect_timeout=CONNECT_SECONDS, read_timeout=READ_SECONDS,
                        retries={"total_max_attempts": ATTEMPTS, "mode": "standard"},
                        signature_version="s3v4", s3={"addressing_style": "virtual"})

# When the current request must have answered (time.monotonic()); set by the API edge from the
# Lambda context, so a slow S3 gives our 503 before API Gateway gives up at 30 s.
request_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("request_deadline", default=None)


# In the calling thread: its context (the request's deadline) stays with every part of the upload.
_UPLOAD_CONFIG = TransferConfig(use_threads=False)
# Calls side by side when one job reads or writes many small objects.
PARALLEL_CALLS = 16


def side_by_side(function: Callable, items: Iterable) -> list:
    """function(item) for each item, PARALLEL_CALLS at a time, in order; each call keeps the caller's
    context (its deadline), which a bare thread pool would drop."""
    caller = contextvars.copy_context()
    with ThreadPoolExecutor(PARALLEL_CALLS) as pool:
        return list(pool.map(lambda item: caller.copy().run(function, item), items))


class AlreadyStored(Exception):
    """The key exists: a write-once put refused to overwrite it."""


class StorageUnavailable(Exception):
    """S3 failed or timed out; nothing was stored and the request may be retried."""


class StorageDenied(Exception):
    """S3 refused the call (403): our IAM policy lacks a permission. A defect, not a passing fault."""


def s3_client():
    # The endpoint comes from AWS_ENDPOINT_URL when set (boto3 reads it itself): the embedded S3 of
    # `make run`, or a real bucket when unset.
    return boto3.client("s3", config=_CLIENT_CONFIG)


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def storage_fault(error: Exception) -> Exception:
    """The exception our callers handle for an S3 error that is neither "missing" nor "already there"."""
    if isinstance(error, ClientError):
        status = str(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
        if error_code(error) in _DENIED or status == "403":
            return StorageDenied(f"{error.operation_name}: {error_code(error)}")
    return StorageUnavailable(str(error))


def is_missing(error: ClientError) -> bool:
    return error_code(error) in _MISSING


def ensure_time_for_a_call() -> None:
    deadline = request_deadline.get()
    if deadline is not None and deadline - time.monotonic() < CALL_BUDGET_SECONDS:
        raise StorageUnavailable("not enough time left in this request for another S3 call")


def application_key(dutch_day: str, epoch_ms: int, reference: str) -> str:
    return f"{APPLICATIONS_PREFIX}{dutch_day}/{epoch_ms:013d}-{reference}.json"


def supplement_key(reference: str, epoch_ms: int, request_id: str) -> str:
    """Supplements (herstel) live beside their application's reference, one object per request."""
    token = hashlib.sha256(request_id.encode()).hexdigest()[:12]
    return f"{SUPPLEMENTS_PREFIX}{reference}/{epoch_ms:013d}-{token}.json"


def record_key_of(stored: dict) -> str:
    """Where a stored version (an application or a supplement) lives, from its own receipt."""
    receipt = stored["receipt"]
    moment = datetime.fromisoformat(receipt["receivedAt"].replace("Z", "+00:00"))
    epoch_ms = int(moment.timestamp() * 1000)
    if receipt.get("supplementReference"):
        return supplement_key(receipt["reference"], epoch_ms, receipt["requestId"])
    return application_key(receipt["dutchDay"], epoch_ms, receipt["reference"])


def pdf_key_of(record_key: str) -> str:
    """Where the PDF of a stored application or supplement lives: beside it, under pdf/."""
    return f"{PDF_PREFIX}{record_key.removesuffix('.json')}.pdf"


def idempotency_key_of(key: str) -> str:
    return f"{IDEMPOTENCY_PREFIX}{hashlib.sha256(key.encode()).hexdigest()}.json"


def record_attachment_key(sha256: str) -> str:
    """Attachments in the record are stored by content: one object per distinct file."""
    return f"{RECORD_ATTACHMENTS_PREFIX}{sha256}.pdf"


def encode_document(document) -> bytes:
    """The one byte form of a stored JSON document, so hashes and bundles are reproducible: sorted keys,
    compact (no indent, which would force json's pure-Python encoder)."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def encode_from_parts(parts: dict[str, bytes]) -> bytes:
    """encode_document of an object whose members are already encoded (each by encode_document): the same
    bytes, without encoding a large member (the application) a second time."""
    return b"{" + b",".join(encode_document(name) + b":" + parts[name] for name in sorted(parts)) + b"}"


def _version(version_id: str | None) -> dict:
    """S3 names the version of an object in an unversioned write "null": then ask for the object itself."""
    return {"VersionId": version_id} if version_id and version_id != "null" else {}


@dataclass
class ApplicationStore:
    client: object
    bucket: str
    # Days each object of the legal record is kept under COMPLIANCE retention (None: no retention).
    retention_days: int | None = None

    def _call(self, operation: str, **params):
        ensure_time_for_a_call()
        try:
            return getattr(self.client, operation)(Bucket=self.bucket, **params)
        except ClientError as error:
            if error_code(error) in _ALREADY_WRITTEN or str(
                    error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "")) in _ALREADY_WRITTEN:
                raise AlreadyStored(params.get("Key", "")) from error
            raise storage_fault(error) from error
        except BotoCoreError as error:
            raise StorageUnavailable(str(error)) from error

    def _retention(self) -> dict:
        if not self.retention_days:
            return {}
        until = datetime.now(timezone.utc) + timedelta(days=self.retention_days)
        return {"ObjectLockMode": "COMPLIANCE", "ObjectLockRetainUntilDate": until}

    def put_new(self, key: str, body: bytes, content_type: str = "application/json") -> None:
        """Write once; AlreadyStored when the key exists. Not part of the legal record: no retention."""
        self._call("put_object", Key=key, Body=body, ContentType=content_type, IfNoneMatch="*")

    def put_working(self, key: str, body: bytes, content_type: str = "application/json") -> None:
        """Overwrite: working state that changes (an admin job's status), never part of the record."""
        self._call("put_object", Key=key, Body=body, ContentType=content_type)

    def upload(self, key: str, source, content_type: str) -> None:
        """A large file (a bundle) from a binary file object, in parts when large; not part of the record."""
        ensure_time_for_a_call()
        try:
            self.client.upload_fileobj(source, self.bucket, key, ExtraArgs={"ContentType": content_type},
                                       Config=_UPLOAD_CONFIG)
        except ClientError as error:
            raise storage_fault(error) from error
        except BotoCoreError as error:
            raise StorageUnavailable(str(error)) from error

    def put_record(self, key: str, body: bytes, content_type: str = "application/json") -> None:
        """Write once, under COMPLIANCE retention: applications, supplements and decisions."""
        self._call("put_object", Key=key, Body=body, ContentType=content_type, IfNoneMatch="*", **self._retention())

    def copy_into_record(self, source_bucket: str, source_key: str, version_id: str, key: str) -> str:
        """Copy one checked upload version into the record and put it under retention; returns the copy's version.

        Retention is set by its own call on the new version (which carries its checksum), because a copy
        that sets Object Lock headers is refused without one and a copy has no body to checksum.

        The record keeps no tags: GuardDuty tags every scanned upload, and S3's default TaggingDirective=COPY
        would then need s3:GetObjectVersionTagging on the upload and s3:PutObjectTagging on the record (the
        CopyObject API reference). The scan's verdict is kept in the stored application instead.
        """
        copied = self._call("copy_object", Key=key, ContentType="application/pdf", MetadataDirective="REPLACE",
                            TaggingDirective="REPLACE",
                            CopySource={"Bucket": source_bucket, "Key": source_key, "VersionId": version_id})
        version = copied.get("VersionId") or "null"
        retention = self._retention()
        if retention:
            self._call("put_object_retention", Key=key, VersionId=version, Retention={
                "Mode": retention["ObjectLockMode"], "RetainUntilDate": retention["ObjectLockRetainUntilDate"]})
        return version

    def exists(self, key: str) -> bool:
        """Whether `key` is there, asked with a LIST (allowed by a prefix condition), never a read that may miss."""
        found = self._call("list_objects_v2", Prefix=key, MaxKeys=1)
        return any(item["Key"] == key for item in found.get("Contents", []))

    def open(self, key: str, version_id: str | None = None) -> dict:
        """GetObject of a key known to exist: its ContentLength, VersionId and a Body to stream."""
        return self._call("get_object", Key=key, **_version(version_id))

    def get_bytes(self, key: str, version_id: str | None = None) -> bytes:
        """An object known to exist (listed, or answered 412 to a write-once put)."""
        try:
            return self.open(key, version_id)["Body"].read()
        except BotoCoreError as error:
            raise StorageUnavailable(str(error)) from error

    def tags(self, key: str, version_id: str | None = None) -> dict[str, str]:
        found = self._call("get_object_tagging", Key=key, **_version(version_id)).get("TagSet", [])
        return {tag["Key"]: tag["Value"] for tag in found}

    def get_json(self, key: str) -> dict:
        return json.loads(self.get_bytes(key))

    def keys_under(self, prefix: str, start_after: str | None = None) -> list[str]:
        """The keys under `prefix`, sorted; only those after `start_after` when given (S3 lists in key order)."""
        keys: list[str] = []
        token = None
        while True:
            page = self._call("list_objects_v2", Prefix=prefix, **({"ContinuationToken": token} if token else {}),
                              **({"StartAfter": start_after} if start_after and not token else {}))
            keys += [item["Key"] for item in page.get("Contents", [])]
            token = page.get("NextContinuationToken")
            if not token:
                return sorted(keys)

    def applications_of_day(self, dutch_day: str) -> list[dict]:
        return [self.get_json(key) for key in self.keys_under(f"{APPLICATIONS_PREFIX}{dutch_day}/")]

    def supplements_of(self, reference: str) -> list[dict]:
        return [self.get_json(key) for key in self.keys_under(f"{SUPPLEMENTS_PREFIX}{reference}/")]

    def all_applications(self) -> list[dict]:
        """Every original application in the record, read side by side."""
        return side_by_side(self.get_json, self.keys_under(APPLICATIONS_PREFIX))

    def all_supplements(self) -> list[dict]:
        return [self.get_json(key) for key in self.keys_under(SUPPLEMENTS_PREFIX)]

    def decisions(self) -> dict[str, dict]:
        """Admins' decisions by reference (a rejection frees room for later applications, II.3.1)."""
        found = {}
        for key in self.keys_under(DECISIONS_PREFIX):
            decision = self.get_json(key)
            found[decision["reference"]] = decision
        return found

    def application(self, reference: str) -> dict | None:
        """The original of an application, found through the Dutch day its reference names."""
        parts = reference.split("-")
        if len(parts) != 3 or len(parts[1]) != 8 or not parts[1].isdigit():
            return None
        day = f"{parts[1][:4]}-{parts[1][4:6]}-{parts[1][6:]}"
        for key in self.keys_under(f"{APPLICATIONS_PREFIX}{day}/"):
            if key.endswith(f"-{reference}.json"):
                return self.get_json(key)
        return None
