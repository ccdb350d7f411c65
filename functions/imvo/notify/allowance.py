"""How many confirmations one address may receive in a Dutch day, so the programme's sender is no relay: anyone
can type any address into the form (issue 25, item 1). RVO's own e-mails (supplement requests) are not counted."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

from imvo.intake.storage import AlreadyStored, ApplicationStore
from imvo.programme.facts import DUTCH_TIME

PREFIX = "mail-allowance/"  # expires after two days (infra/template.yaml, the record bucket's lifecycle)


def _recipient(address: str) -> str:
    """The address as a digest: the allowance needs to recognise it, not to keep it."""
    return hashlib.sha256(f"imvo-recipient:{address.strip().lower()}".encode()).hexdigest()


def claim(store: ApplicationStore, address: str, record_key: str, per_day: int, now: datetime | None = None) -> bool:
    """Whether this record's confirmation may go to `address` today: one of its few places, claimed write-once
    (so two sends at once cannot both take the last one), and the same place again when the record's event is
    delivered again."""
    day = (now or datetime.now(timezone.utc)).astimezone(DUTCH_TIME).date().isoformat()
    prefix = f"{PREFIX}{day}/{_recipient(address)}/"
    taken = store.keys_under(prefix)
    if any(store.get_bytes(key).decode() == record_key for key in taken):
        return True
    for place in range(len(taken) + 1, per_day + 1):
        try:
            store.put_new(f"{prefix}{place}", record_key.encode(), "text/plain")
            return True
        except AlreadyStored:
            continue
    return False
