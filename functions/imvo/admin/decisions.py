"""Admins' decisions on applications (II.3.1): a rejection on assessment, recorded once with who decided."""

from __future__ import annotations

from datetime import datetime

from imvo.audit.trail import AuditTrail
from imvo.intake.receipt import format_utc
from imvo.intake.storage import DECISIONS_PREFIX, ApplicationStore, encode_document


def record_rejection(store: ApplicationStore, reference: str, reason: str, moment: datetime, by: str) -> None:
    """Written once: a decision is never changed by this tool. The audit trail says who decided (II.3.1)."""
    if store.application(reference) is None:
        raise KeyError(reference)
    store.put_record(f"{DECISIONS_PREFIX}{reference}.json", encode_document(
        {"reference": reference, "decision": "rejected", "reason": reason, "decidedAt": format_utc(moment)}))
    AuditTrail(store).rejected(reference, reason, by, moment)
