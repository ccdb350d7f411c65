"""The herstel code of an application: derived from its reference with a secret key, so no code is stored."""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from imvo.intake.storage import StorageUnavailable, storage_fault


class TokenKey:
    """The HMAC key, read once per container from AWS Secrets Manager (locally: the embedded one)."""

    def __init__(self, secret_id: str, client=None):
        self.secret_id = secret_id
        self._client = client
        self._key: bytes | None = None
        self._lock = threading.Lock()

    def _secret(self) -> bytes:
        with self._lock:
            if self._key is None:
                client = self._client or boto3.client("secretsmanager")
                try:
                    value = client.get_secret_value(SecretId=self.secret_id)["SecretString"]
                except ClientError as error:
                    raise storage_fault(error) from error
                except BotoCoreError as error:
                    raise StorageUnavailable(str(error)) from error
                self._key = value.encode("utf-8")
            return self._key

    def token_for(self, reference: str) -> str:
        """The code the receipt gives out; the same for every replay of the same application."""
        digest = hmac.new(self._secret(), f"herstel:{reference}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:24]).decode("ascii")

    def matches(self, reference: str, token) -> bool:
        return isinstance(token, str) and hmac.compare_digest(token.encode("utf-8", "replace"),
                                                              self.token_for(reference).encode())
