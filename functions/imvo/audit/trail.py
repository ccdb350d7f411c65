"""Audit events under audit/<subject>/<UTC ms>-<event>-<token>.json, each written once under retention.

The subject is an application's reference, or bundle-<job id> for what happened to a bundle (its
download); an application's trail joins the events of the bundles it was put in. A retry of the same
request writes the same key, so an event is never written twice and a retry still finishes the trail.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime

from imvo.intake.receipt import format_utc
from imvo.intake.storage import AUDIT_PREFIX, AlreadyStored, ApplicationStore, encode_document, side_by_side

RECEIVED = "received"
SUPPLEMENTED = "supplemented"
EMAILED = "emailed"  # the confirmation e-mail went to the penvoerder's contact
EMAIL_FAILED = "email_failed"  # an attempt to send it failed (a retry may still succeed)
REJECTED = "rejected"  # kept for trails written before decisions had their own event
SUPPLEMENT_REQUESTED = "supplement_requested"  # RVO asked for a supplement, with its term (II.2.2, III.2.2)
COMPLETENESS_RECORDED = "completeness_recorded"  # RVO's completeness check of one version
DECIDED = "decided"  # RVO's decision: granted, rejected, not considered
BUNDLED = "bundled"
DOWNLOADED = "downloaded"
# Events of the same millisecond come in the order of an application's life.
LIFE_ORDER = (RECEIVED, SUPPLEMENTED, EMAIL_FAILED, EMAILED, SUPPLEMENT_REQUESTED, COMPLETENESS_RECORDED, REJECTED,
              DECIDED, BUNDLED, DOWNLOADED)

APPLICANT = "applicant"  # who acted when the applicant did: their name is in the record, not in the trail


def bundle_subject(job_id: str) -> str:
    return f"bundle-{job_id}"


def event_key(subject: str, moment: datetime, event: str, token: str) -> str:
    epoch_ms = int(moment.timestamp() * 1000)
    return f"{AUDIT_PREFIX}{subject}/{epoch_ms:013d}-{event}-{token}.json"


def _version_of(stored: dict) -> str:
    """The reference of a stored version: the supplement's own, or the application's."""
    return stored["receipt"].get("supplementReference") or stored["receipt"]["reference"]


def _received_moment(receipt: dict) -> datetime:
    return datetime.fromisoformat(receipt["receivedAt"].replace("Z", "+00:00"))


@dataclass
class AuditTrail:
    store: ApplicationStore

    def _write(self, subject: str, event: str, moment: datetime, by: str, token: str, **details) -> None:
        document = {"subject": subject, "event": event, "at": format_utc(moment), "by": by} | details
        try:
            self.store.put_record(event_key(subject, moment, event, token), encode_document(document))
        except AlreadyStored:
            pass  # the same event, written by an earlier attempt of the same request

    def receipt_stored(self, stored: dict) -> None:
        """An application (received) or a supplement (supplemented, II.2.2/III.2.2) is in the record."""
        receipt = stored["receipt"]
        token = hashlib.sha256(receipt["requestId"].encode()).hexdigest()[:12]
        common = {"status": receipt["status"], "sha256": receipt["sha256"], "receivedAt": receipt["receivedAt"]}
        if receipt.get("supplementReference"):
            self._write(receipt["reference"], SUPPLEMENTED, _received_moment(receipt), APPLICANT, token,
                        supplementReference=receipt["supplementReference"], **common)
        else:
            self._write(receipt["reference"], RECEIVED, _received_moment(receipt), APPLICANT, token,
                        pillar=receipt["pillar"], opening=receipt["opening"], **common)

    def _email_event_key(self, stored: dict, record_key: str) -> tuple[str, datetime, str]:
        """The confirmation of one stored version has one key, so a retried event finds that it was sent."""
        return self._mail_key(stored["receipt"]["reference"], _received_moment(stored["receipt"]), record_key)

    @staticmethod
    def _mail_key(reference: str, moment: datetime, record_key: str) -> tuple[str, datetime, str]:
        token = hashlib.sha256(record_key.encode()).hexdigest()[:12]
        return event_key(reference, moment, EMAILED, token), moment, token

    def request_mail_was_sent(self, request: dict, request_key: str) -> bool:
        return self.store.exists(self._mail_key(request["reference"], _received_moment({"receivedAt": request["requestedAt"]}),
                                                request_key)[0])

    def request_mail_sent(self, request: dict, request_key: str, message_id: str, sent_at: datetime) -> None:
        """The e-mail of RVO's supplement request, filed at the moment of the request (once per request)."""
        key, moment, token = self._mail_key(request["reference"], _received_moment({"receivedAt": request["requestedAt"]}),
                                            request_key)
        self._write(request["reference"], EMAILED, moment, APPLICANT, token, messageId=message_id,
                    sentAt=format_utc(sent_at), version=request_key.rsplit("/", 1)[-1].removesuffix(".json"),
                    about="supplement_request")

    def confirmation_was_sent(self, stored: dict, record_key: str) -> bool:
        return self.store.exists(self._email_event_key(stored, record_key)[0])

    def confirmation_sent(self, stored: dict, record_key: str, message_id: str, sent_at: datetime) -> None:
        """Filed at the moment of receipt of the version it confirms, so the trail reads in the order of events."""
        _, moment, token = self._email_event_key(stored, record_key)
        self._write(stored["receipt"]["reference"], EMAILED, moment, APPLICANT, token, messageId=message_id,
                    sentAt=format_utc(sent_at), version=_version_of(stored))

    def confirmation_failed(self, stored: dict, reason: str, will_retry: bool, failed_at: datetime) -> None:
        """One failed attempt; admins see it in the trail (the address itself stays in the record)."""
        self._write(stored["receipt"]["reference"], EMAIL_FAILED, _received_moment(stored["receipt"]), APPLICANT,
                    uuid.uuid4().hex[:12], reason=reason, willRetry=will_retry, failedAt=format_utc(failed_at),
                    version=_version_of(stored))

    def casework(self, event: str, record: dict, by: str, moment: datetime) -> None:
        """One of RVO's records (a supplement request, a completeness check, a decision), as it was written."""
        details = {k: v for k, v in record.items() if k not in ("reference", "by")}
        self._write(record["reference"], event, moment, by, uuid.uuid4().hex[:12], **details)

    def bundled(self, references: list[str], job_id: str, key: str, sha256: str, by: str, moment: datetime) -> None:
        """Each application in a bundle; written side by side, a day can hold a thousand."""
        token = hashlib.sha256(job_id.encode()).hexdigest()[:12]

        def one(reference: str) -> None:
            self._write(reference, BUNDLED, moment, by, token, job=job_id, bundle=key, bundleSha256=sha256)

        side_by_side(one, sorted(set(references)))

    def downloaded(self, job_id: str, by: str, moment: datetime) -> None:
        """A link to a bundle was handed out (S3's server access logs show the download itself)."""
        self._write(bundle_subject(job_id), DOWNLOADED, moment, by, uuid.uuid4().hex[:12], job=job_id)

    def _events(self, keys: list[str]) -> list[dict]:
        return side_by_side(self.store.get_json, keys)

    def _with_bundles(self, events: list[dict], bundles: dict[str, list[dict]]) -> list[dict]:
        """The events, and those of each bundle they were put in (`bundles` caches a bundle's events), in time order."""
        joined = list(events)
        for job_id in sorted({e["job"] for e in events if e["event"] == BUNDLED}):
            if job_id not in bundles:
                bundles[job_id] = self._events(self.store.keys_under(f"{AUDIT_PREFIX}{bundle_subject(job_id)}/"))
            joined += bundles[job_id]
        return sorted(joined, key=lambda e: (e["at"], LIFE_ORDER.index(e["event"])))

    def trail_of(self, reference: str) -> list[dict]:
        return self._with_bundles(self._events(self.store.keys_under(f"{AUDIT_PREFIX}{reference}/")), {})

    def trails_of(self, references: list[str]) -> dict[str, list[dict]]:
        """The trail of each reference; one listing for all, as a bundle of a whole day needs."""
        wanted = set(references)
        own: dict[str, list[dict]] = {reference: [] for reference in references}
        for event in self._events([k for k in self.store.keys_under(AUDIT_PREFIX) if k.split("/")[1] in wanted]):
            own[event["subject"]].append(event)
        bundles: dict[str, list[dict]] = {}
        return {reference: self._with_bundles(events, bundles) for reference, events in own.items()}
