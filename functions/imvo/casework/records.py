"""RVO's records on an application, each written once under retention with who and when (I.2, I.5, II.2.2,
II.3.1, III.2.2, III.3.1): a supplement request (herstelverzoek, Awb 4:5) with its items and term, the
outcome of the completeness check, and the decision. The portal only keeps them; officers make them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from imvo.intake.receipt import format_utc
from imvo.intake.storage import (COMPLETENESS_PREFIX, DECISIONS_PREFIX, SUPPLEMENT_REQUESTS_PREFIX, ApplicationStore,
                                 encode_document)
from imvo.programme.facts import DUTCH_TIME

GRANTED = "granted"  # verleend
REJECTED = "rejected"  # afgewezen, with the section and the reason (I.5)
NOT_CONSIDERED = "not_considered"  # buiten behandeling gesteld (Awb 4:5, after an unanswered request)
DECISION_WORDS = {
    GRANTED: ("verleend", "granted"),
    REJECTED: ("afgewezen", "rejected"),
    NOT_CONSIDERED: ("buiten behandeling gesteld", "not considered (buiten behandeling)"),
}
COMPLETE = "complete"
INCOMPLETE = "incomplete"
COMPLETENESS_WORDS = {
    COMPLETE: ("volledig (vastgesteld door RVO)", "complete (established by RVO)"),
    INCOMPLETE: ("onvolledig (vastgesteld door RVO)", "incomplete (established by RVO)"),
}
MAX_ITEMS, MAX_ITEM_CHARS, MAX_REASON_CHARS = 30, 500, 2000


def term_end(term: date) -> datetime:
    """A term given as a date runs to the end of that Dutch day (Awb 4:5: the applicant gets the whole day)."""
    return datetime.combine(term + timedelta(days=1), time(0), tzinfo=DUTCH_TIME) - timedelta(milliseconds=1)


def _key(prefix: str, reference: str, moment: datetime) -> str:
    return f"{prefix}{reference}/{int(moment.timestamp() * 1000):013d}-{uuid.uuid4().hex[:8]}.json"


@dataclass
class Casework:
    store: ApplicationStore

    def request_supplement(self, reference: str, items: list[str], term: date, by: str, moment: datetime) -> dict:
        """II.2.2, III.2.2: the Minister may ask for a supplement (Awb 4:5), with what is missing or insufficient
        and a term; until then the herstel route is open, and the supplement's time becomes the time of receipt."""
        record = {"reference": reference, "items": items, "term": term.isoformat(), "termEndsAt": format_utc(term_end(term)),
                  "requestedAt": format_utc(moment), "by": by}
        self.store.put_record(_key(SUPPLEMENT_REQUESTS_PREFIX, reference, moment), encode_document(record))
        return record

    def record_completeness(self, reference: str, outcome: str, note: str, version: str, by: str, moment: datetime) -> dict:
        """The outcome of RVO's completeness check of one version (the application or a supplement)."""
        record = {"reference": reference, "outcome": outcome, "note": note, "version": version,
                  "recordedAt": format_utc(moment), "by": by}
        self.store.put_record(_key(COMPLETENESS_PREFIX, reference, moment), encode_document(record))
        return record

    def decide(self, reference: str, decision: str, section: str, reason: str, by: str, moment: datetime) -> dict:
        """The decision, once: a second one is refused by the store (write-once); an objection follows the Awb."""
        record = {"reference": reference, "decision": decision, "section": section, "reason": reason,
                  "decidedAt": format_utc(moment), "by": by}
        self.store.put_record(f"{DECISIONS_PREFIX}{reference}.json", encode_document(record))
        return record

    def requests_of(self, reference: str) -> list[dict]:
        return [self.store.get_json(k) for k in self.store.keys_under(f"{SUPPLEMENT_REQUESTS_PREFIX}{reference}/")]

    def completeness_of(self, reference: str) -> list[dict]:
        return [self.store.get_json(k) for k in self.store.keys_under(f"{COMPLETENESS_PREFIX}{reference}/")]

    def decision_of(self, reference: str) -> dict | None:
        key = f"{DECISIONS_PREFIX}{reference}.json"
        return self.store.get_json(key) if self.store.exists(key) else None

    def all_requests(self) -> dict[str, list[dict]]:
        return self._by_reference(SUPPLEMENT_REQUESTS_PREFIX)

    def all_completeness(self) -> dict[str, list[dict]]:
        return self._by_reference(COMPLETENESS_PREFIX)

    def _by_reference(self, prefix: str) -> dict[str, list[dict]]:
        """Every record under `prefix`, grouped by the application it is about."""
        found: dict[str, list[dict]] = {}
        for key in self.store.keys_under(prefix):
            record = self.store.get_json(key)
            found.setdefault(record["reference"], []).append(record)
        return found
