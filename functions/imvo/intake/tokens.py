"""Codes derived with one secret key, so none is stored: the herstel code of an application, and the statement
that an upload was checked (which lets submit trust it without asking S3 again)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading

from imvo.secret_store import read_secret


class TokenKey:
    """An HMAC key (the herstel key, or the uploads function's statement key: two secrets, so the public uploads
    function cannot mint herstel codes), read once per container from AWS Secrets Manager (locally: the embedded one)."""

    def __init__(self, secret_id: str, client=None):
        self.secret_id = secret_id
        self._client = client
        self._key: bytes | None = None
        self._lock = threading.Lock()

    def _secret(self) -> bytes:
        with self._lock:
            if self._key is None:
                self._key = read_secret(self.secret_id, client=self._client).encode("utf-8")
            return self._key

    def sign(self, purpose: str, text: str) -> str:
        """A MAC of `text` for one purpose (a code for one purpose is no code for another)."""
        digest = hmac.new(self._secret(), f"{purpose}:{text}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:24]).decode("ascii")

    def signed(self, purpose: str, text: str, signature) -> bool:
        return isinstance(signature, str) and hmac.compare_digest(signature.encode("utf-8", "replace"),
                                                                  self.sign(purpose, text).encode())

    def token_for(self, reference: str) -> str:
        """The code the receipt gives out; the same for every replay of the same application."""
        return self.sign("herstel", reference)

    def matches(self, reference: str, token) -> bool:
        return self.signed("herstel", reference, token)
