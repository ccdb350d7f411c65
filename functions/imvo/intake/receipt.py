"""The receipt clock: the server's time of receipt, its Dutch calendar day, and the reference."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone

from imvo.programme.facts import DUTCH_TIME
from imvo.programme.texts import format_moment


@dataclass(frozen=True, order=True)
class Receipt:
    """When and as which request an application arrived (Artikel 4: order of receipt).

    Ordering compares (epoch_ms, request_id): the time first, the request id breaks ties, so the
    order of receipt is total and the same wherever it is computed.
    """

    epoch_ms: int
    request_id: str

    @property
    def received_utc(self) -> datetime:
        return datetime.fromtimestamp(self.epoch_ms / 1000, tz=timezone.utc)

    @property
    def received_dutch(self) -> datetime:
        return self.received_utc.astimezone(DUTCH_TIME)

    @property
    def dutch_day(self) -> str:
        return self.received_dutch.date().isoformat()

    @property
    def reference(self) -> str:
        """IMVO-<Dutch day>-<8 characters from the request id>: readable, unique per request."""
        digest = hashlib.sha256(self.request_id.encode()).digest()
        token = base64.b32encode(digest).decode()[:8]
        return f"IMVO-{self.received_dutch:%Y%m%d}-{token}"

    def as_dict(self) -> dict:
        return {
            "reference": self.reference,
            "receivedAt": format_utc(self.received_utc),
            "receivedAtDutch": self.received_dutch.isoformat(timespec="milliseconds"),
            "dutchDay": self.dutch_day,
            "requestId": self.request_id,
        }


def format_utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def format_dutch_for_people(moment: datetime, language: str = "nl") -> str:
    """26 september 2023 om 12:00:00,000 (CEST): the way a receipt shows the time."""
    return format_moment(moment.astimezone(DUTCH_TIME), language)
