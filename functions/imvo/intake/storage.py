"""S3 keys and write-once storage of applications: nothing the intake writes is ever overwritten."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

APPLICATIONS_PREFIX = "applications/"
SUPPLEMENTS_PREFIX = "supplements/"
IDEMPOTENCY_PREFIX = "idempotency/"
DECISIONS_PREFIX = "decisions/"

# A conditional put of an existing key answers 412; two racing writes to one key can answer 409.
_ALREADY_WRITTEN = {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}

# Short timeouts and few retries: API Gateway gives up after 30 s, and a 503 the client can retry
# is better than a hanging request.
_CLIENT_CONFIG = Config(connect_timeout=3, read_timeout=10, retries={"max_attempts": 3, "mode": "standard"})


class AlreadyStored(Exception):
    """The key exists: a write-once put refused to overwrite it."""


class StorageUnavailable(Exception):
    """S3 failed or timed out; nothing was stored and the request may be retried."""


def s3_client():
    # The endpoint comes from AWS_ENDPOINT_URL when set (boto3 reads it itself): the embedded S3 of
    # `make run`, or a real bucket when unset.
    return boto3.client("s3", config=_CLIENT_CONFIG)


def application_key(dutch_day: str, epoch_ms: int, reference: str) -> str:
    return f"{APPLICATIONS_PREFIX}{dutch_day}/{epoch_ms:013d}-{reference}.json"


def supplement_key(reference: str, epoch_ms: int, request_id: str) -> str:
    """Supplements (herstel) live beside their application's reference, one object per request."""
    token = hashlib.sha256(request_id.encode()).hexdigest()[:12]
    return f"{SUPPLEMENTS_PREFIX}{reference}/{epoch_ms:013d}-{token}.json"


def idempotency_key_of(key: str) -> str:
    return f"{IDEMPOTENCY_PREFIX}{hashlib.sha256(key.encode()).hexdigest()}.json"


def encode_document(document: dict) -> bytes:
    """The one byte form of a stored JSON document, so hashes and bundles are reproducible."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2).encode("utf-8")


@dataclass
class ApplicationStore:
    client: object
    bucket: str

    def put_new(self, key: str, body: bytes, content_type: str = "application/json") -> None:
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=key, Body=body, ContentType=content_type, IfNoneMatch="*"
            )
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            status = str(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
            if code in _ALREADY_WRITTEN or status in _ALREADY_WRITTEN:
                raise AlreadyStored(key) from error
            raise StorageUnavailable(str(error)) from error
        except BotoCoreError as error:
            raise StorageUnavailable(str(error)) from error

    def get_json(self, key: str) -> dict:
        document = self.find_json(key)
        if document is None:
            raise StorageUnavailable(f"{key} is missing")
        return document

    def find_json(self, key: str) -> dict | None:
        """The stored document, or None when there is no such key."""
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return None
            raise StorageUnavailable(str(error)) from error
        except BotoCoreError as error:
            raise StorageUnavailable(str(error)) from error
        return json.loads(body)

    def keys_under(self, prefix: str) -> list[str]:
        keys: list[str] = []
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                keys += [item["Key"] for item in page.get("Contents", [])]
        except (ClientError, BotoCoreError) as error:
            raise StorageUnavailable(str(error)) from error
        return sorted(keys)

    def applications_of_day(self, dutch_day: str) -> list[dict]:
        return [self.get_json(key) for key in self.keys_under(f"{APPLICATIONS_PREFIX}{dutch_day}/")]

    def supplements_of(self, reference: str) -> list[dict]:
        return [self.get_json(key) for key in self.keys_under(f"{SUPPLEMENTS_PREFIX}{reference}/")]

    def all_supplements(self) -> list[dict]:
        return [self.get_json(key) for key in self.keys_under(SUPPLEMENTS_PREFIX)]

    def all_applications(self) -> list[dict]:
        return [self.get_json(key) for key in self.keys_under(APPLICATIONS_PREFIX)]

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
