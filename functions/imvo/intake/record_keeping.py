"""What follows the storing of an application or supplement in the record, off the applicant's request:
its attachments copied from the staging bucket into the record under retention, and its audit event.

Both are repeatable (a copy of content already kept is skipped; the audit event has one key per
request), so a delivery of the same event twice changes nothing.
"""

from __future__ import annotations

from imvo.audit.trail import AuditTrail
from imvo.intake.storage import ApplicationStore


def keep_record(store: ApplicationStore, uploads_bucket: str, record_key: str) -> str:
    """Keep the attachments of the stored application or supplement at `record_key`, then file its event."""
    stored = store.get_json(record_key)
    copied = 0
    for attachment in stored["receipt"].get("attachments", []):
        # Stored by content: an attachment kept for an earlier version (herstel) is kept already.
        if not store.exists(attachment["recordKey"]):
            store.copy_into_record(uploads_bucket, attachment["key"], attachment["versionId"], attachment["recordKey"])
            copied += 1
    AuditTrail(store).receipt_stored(stored)
    return f"{copied} attachments copied, event filed"
