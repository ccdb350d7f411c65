"""What an officer sees of applications: one application's file (its versions, the portal's check, RVO's
records, attachments and trail) and the list of one Dutch day with filters by pillar and status."""

from __future__ import annotations

from collections import defaultdict

from imvo.audit.trail import AuditTrail
from imvo.casework.records import COMPLETENESS_WORDS, DECISION_WORDS, Casework
from imvo.intake.applications import latest_version
from imvo.intake.storage import ApplicationStore, pdf_key_of, record_key_of
from imvo.programme.findings import PORTAL_CHECK_WORDS, portal_check_message

# Where an application stands, in one word the list can filter on: RVO's records first, then the portal's check.
DECIDED = "decided"
AWAITING_SUPPLEMENT = "awaiting_supplement"
CHECKED_COMPLETE = "checked_complete"
CHECKED_INCOMPLETE = "checked_incomplete"
STANDING_WORDS = {
    DECIDED: ("besloten", "decided"),
    AWAITING_SUPPLEMENT: ("herstelverzoek loopt", "supplement requested"),
    CHECKED_COMPLETE: COMPLETENESS_WORDS["complete"],
    CHECKED_INCOMPLETE: COMPLETENESS_WORDS["incomplete"],
} | PORTAL_CHECK_WORDS


def _words(table: dict, key: str) -> dict:
    nl, en = table[key]
    return {"nl": nl, "en": en}


def standing(current: dict, requests: list[dict], checks: list[dict], decision: dict | None) -> str:
    """Where an application stands now: decided; a request not yet answered by a supplement; RVO's check of this
    version; else the portal's check."""
    if decision is not None:
        return DECIDED
    if any(r["requestedAt"] > current["receipt"]["receivedAt"] for r in requests):
        return AWAITING_SUPPLEMENT
    version = current["receipt"].get("supplementReference") or current["receipt"]["reference"]
    of_version = [c for c in checks if c["version"] == version]
    if of_version:
        latest = max(of_version, key=lambda c: c["recordedAt"])
        return CHECKED_COMPLETE if latest["outcome"] == "complete" else CHECKED_INCOMPLETE
    return current["receipt"]["status"]


def _version(stored: dict) -> dict:
    receipt = stored["receipt"]
    return {"reference": receipt.get("supplementReference") or receipt["reference"],
            "receivedAt": receipt["receivedAt"], "receivedAtDutch": receipt["receivedAtDutch"],
            "portalCheck": portal_check_message(receipt["status"]), "sha256": receipt["sha256"]}


def _summary(original: dict, current: dict, requests: list[dict], checks: list[dict], decision: dict | None) -> dict:
    receipt, application = current["receipt"], current["application"]
    state = standing(current, requests, checks, decision)
    return {
        "reference": original["receipt"]["reference"],
        "pillar": original["receipt"]["pillar"],
        "opening": original["receipt"]["opening"],
        "dutchDay": original["receipt"]["dutchDay"],
        "receivedAtDutch": original["receipt"]["receivedAtDutch"],
        "effectiveReceivedAt": receipt["receivedAt"],
        "effectiveReceivedAtDutch": receipt["receivedAtDutch"],
        "penvoerder": (application.get("penvoerder") or {}).get("name", ""),
        "requestedAmount": (current.get("calculation") or {}).get("maximumGrant"),
        "portalCheck": {"code": receipt["status"]} | portal_check_message(receipt["status"]),
        "standing": {"code": state} | _words(STANDING_WORDS, state),
        "decision": (decision | {"words": _words(DECISION_WORDS, decision["decision"])}) if decision else None,
    }


def case_file(store: ApplicationStore, reference: str) -> dict | None:
    """One application's file for the console: everything the record holds about it."""
    original = store.application(reference)
    if original is None:
        return None
    supplements = store.supplements_of(reference)
    current = latest_version(original, supplements)
    casework = Casework(store)
    requests, checks, decision = casework.requests_of(reference), casework.completeness_of(reference), casework.decision_of(reference)
    versions = sorted([original] + supplements, key=lambda v: (v["receipt"]["receivedAt"], v["receipt"]["requestId"]))
    return _summary(original, current, requests, checks, decision) | {
        "findings": current.get("findings", []),
        "calculation": current.get("calculation"),
        "versions": [_version(v) for v in versions],
        "requests": requests,
        "completeness": [c | {"words": _words(COMPLETENESS_WORDS, c["outcome"])} for c in checks],
        "pdfKey": pdf_key_of(record_key_of(current)),  # rendered once after storing (PdfFunction)
        "attachments": [{"path": a["path"], "sha256": a["sha256"], "size": a.get("size"), "recordKey": a.get("recordKey")}
                        for a in current["receipt"].get("attachments", [])],
        "trail": AuditTrail(store).trail_of(reference),
    }


def applications_of_day(store: ApplicationStore, day: str, pillar: int | None = None, state: str | None = None) -> list[dict]:
    """One Dutch day's applications in order of receipt, each as it now stands; filtered by pillar and standing."""
    originals = sorted(store.applications_of_day(day), key=lambda a: (a["receipt"]["receivedAt"], a["receipt"]["requestId"]))
    casework = Casework(store)
    requests, checks, decisions = casework.all_requests(), casework.all_completeness(), store.decisions()
    supplements = defaultdict(list)
    for supplement in store.all_supplements():
        supplements[supplement["receipt"]["reference"]].append(supplement)
    found = []
    for original in originals:
        reference = original["receipt"]["reference"]
        if pillar is not None and original["receipt"]["pillar"] != pillar:
            continue
        current = latest_version(original, supplements[reference])
        row = _summary(original, current, requests.get(reference, []), checks.get(reference, []), decisions.get(reference))
        if state is None or row["standing"]["code"] == state or row["portalCheck"]["code"] == state:
            found.append(row)
    return found
