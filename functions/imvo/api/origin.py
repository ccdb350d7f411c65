"""The edge's proof on every API request: CloudFront adds a secret header (x-origin-verify) that the functions
check against Secrets Manager, so a caller who skips CloudFront and its WAF is refused (issue 24, item 5)."""

from __future__ import annotations

import hmac
import threading
import time

from imvo.secret_store import CURRENT, PREVIOUS, read_secret
from imvo.settings import Settings

ORIGIN_HEADER = "x-origin-verify"
# How long a container trusts the values it read. A rotation (docs/runbook.md) puts the new value in the
# secret first: the functions take it within this time and keep taking the previous one, then CloudFront
# is redeployed with the new one; no request is refused on the way.
REFRESH_SECONDS = 300


class OriginNotGuarded(RuntimeError):
    """A deployed environment without the origin secret: the functions refuse everything (they fail closed)."""


class OriginGuard:
    def __init__(self, secret_id: str, client=None, clock=time.monotonic):
        self.secret_id = secret_id
        self._client = client
        self._clock = clock
        self._values: tuple[bytes, ...] = ()
        self._read_at: float | None = None
        self._lock = threading.Lock()

    def _accepted(self) -> tuple[bytes, ...]:
        with self._lock:
            if self._read_at is None or self._clock() - self._read_at > REFRESH_SECONDS:
                stages = (read_secret(self.secret_id, stage, self._client) for stage in (CURRENT, PREVIOUS))
                self._values = tuple(value.encode() for value in stages if value)
                self._read_at = self._clock()
            return self._values

    def admits(self, header_value: str | None) -> bool:
        """Whether the request came through CloudFront: the header equals the secret's current or previous value."""
        given = (header_value or "").encode("utf-8", "replace")
        # Compare with every accepted value, so the time taken tells nothing about which one was close.
        matches = [hmac.compare_digest(given, value) for value in self._accepted()]
        return bool(given) and any(matches)


def origin_guard(settings: Settings, guards: dict[str, OriginGuard]) -> OriginGuard | None:
    """The guard for this handler's container (`guards` is the handler's own: one function, one container);
    None only on a developer's machine without the secret (tests calling a handler directly). Outside
    `local` a missing secret is a defect that refuses every request."""
    if not settings.origin_secret_id:
        if settings.environment != "local":
            raise OriginNotGuarded(f"no origin secret in environment {settings.environment!r}")
        return None
    if settings.origin_secret_id not in guards:
        guards[settings.origin_secret_id] = OriginGuard(settings.origin_secret_id)
    return guards[settings.origin_secret_id]
