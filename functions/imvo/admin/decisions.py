"""What an officer records on an application (I.2: RVO decides for the Minister): a supplement request with its
items and term (II.2.2, III.2.2, Awb 4:5), the outcome of the completeness check, and the decision (I.5, II.3.1,
III.3.1). Each is checked here, written once with who and when, and filed in the audit trail; the console, the
admin API and the command line all come through these functions."""

from __future__ import annotations

from datetime import date, datetime

from imvo.audit.trail import COMPLETENESS_RECORDED, DECIDED, SUPPLEMENT_REQUESTED, AuditTrail
from imvo.casework.records import (COMPLETE, COMPLETENESS_WORDS, DECISION_WORDS, INCOMPLETE, MAX_ITEM_CHARS, MAX_ITEMS,
                                   MAX_REASON_CHARS, NOT_CONSIDERED, REJECTED, Casework, term_end)
from imvo.intake.applications import latest_version
from imvo.intake.refusal import Refusal
from imvo.intake.storage import AlreadyStored, ApplicationStore
from imvo.programme.facts import DUTCH_TIME
from imvo.programme.findings import REJECT, Finding


class NoSuchApplication(KeyError):
    """No application has this reference."""


def _refused(path: str, nl: str, en: str) -> Refusal:
    return Refusal("invalid", nl, en, [Finding(path, "casework", REJECT, nl, en)])


def _current(store: ApplicationStore, reference: str) -> tuple[dict, dict]:
    original = store.application(reference)
    if original is None:
        raise NoSuchApplication(reference)
    return original, latest_version(original, store.supplements_of(reference))


def _words(value, path: str, limit: int, what_nl: str, what_en: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise _refused(path, f"Vul {what_nl} in (hoogstens {limit} tekens).", f"Fill in {what_en} (at most {limit} characters).")
    return value.strip()


def _not_after_decision(casework: Casework, reference: str) -> None:
    if casework.decision_of(reference) is not None:
        raise Refusal("conflict", "Over deze aanvraag is al besloten; een herstelverzoek of volledigheidscontrole past daar niet meer bij.",
                      "This application has been decided on; a supplement request or completeness check no longer applies.")


def request_supplement(store: ApplicationStore, reference: str, items, term, by: str, moment: datetime) -> dict:
    """II.2.2, III.2.2: what is missing or insufficient, in words, and a term: a date in Dutch time, not yet past."""
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:
        raise _refused("$.items", f"Noem wat ontbreekt of onvoldoende is: 1 tot {MAX_ITEMS} punten.",
                       f"Name what is missing or insufficient: 1 to {MAX_ITEMS} items.")
    named = [_words(item, f"$.items[{index}]", MAX_ITEM_CHARS, "elk punt", "each item") for index, item in enumerate(items)]
    try:
        last_day = date.fromisoformat(term) if isinstance(term, str) else None
    except ValueError:
        last_day = None
    if last_day is None:
        raise _refused("$.term", "Geef de termijn als datum JJJJ-MM-DD (Nederlandse tijd).", "Give the term as a date YYYY-MM-DD (Dutch time).")
    if term_end(last_day) < moment.astimezone(DUTCH_TIME):
        raise _refused("$.term", "De termijn ligt in het verleden.", "The term is in the past.")
    _current(store, reference)
    casework = Casework(store)
    _not_after_decision(casework, reference)
    record = casework.request_supplement(reference, named, last_day, by, moment)
    AuditTrail(store).casework(SUPPLEMENT_REQUESTED, record, by, moment)
    return record


def record_completeness(store: ApplicationStore, reference: str, outcome, note, by: str, moment: datetime) -> dict:
    """RVO's completeness check of the application as it now stands (its latest version)."""
    if outcome not in COMPLETENESS_WORDS:
        raise _refused("$.outcome", f"Kies '{COMPLETE}' of '{INCOMPLETE}'.", f"Choose '{COMPLETE}' or '{INCOMPLETE}'.")
    if note is not None and not isinstance(note, str):
        raise _refused("$.note", "Geef de toelichting als tekst.", "Give the note as text.")
    note = (note or "").strip()
    if len(note) > MAX_REASON_CHARS:
        raise _refused("$.note", f"Een toelichting is hoogstens {MAX_REASON_CHARS} tekens.", f"A note is at most {MAX_REASON_CHARS} characters.")
    _, current = _current(store, reference)
    casework = Casework(store)
    _not_after_decision(casework, reference)
    version = current["receipt"].get("supplementReference") or reference
    record = casework.record_completeness(reference, outcome, note, version, by, moment)
    AuditTrail(store).casework(COMPLETENESS_RECORDED, record, by, moment)
    return record


def record_decision(store: ApplicationStore, reference: str, decision, section, reason, by: str, moment: datetime) -> dict:
    """Granted, rejected (with the section and the reason, I.5) or not considered (Awb 4:5, with the reason);
    once: a second decision is refused, never written over the first."""
    if decision not in DECISION_WORDS:
        raise _refused("$.decision", "Kies verleend, afgewezen of buiten behandeling gesteld.",
                       "Choose granted, rejected or not considered.")
    if section is not None and not isinstance(section, str):
        raise _refused("$.section", "Geef het artikel of de paragraaf als tekst.", "Give the section as text.")
    section = (section or "").strip()
    if decision == REJECTED and not section:
        raise _refused("$.section", "Noem bij een afwijzing het artikel of de paragraaf (bijv. II.1.3).",
                       "A rejection names its section (e.g. II.1.3).")
    if len(section) > 40:
        raise _refused("$.section", "Een artikel of paragraaf is hoogstens 40 tekens.", "A section is at most 40 characters.")
    if decision in (REJECTED, NOT_CONSIDERED):
        reason = _words(reason, "$.reason", MAX_REASON_CHARS, "de reden", "the reason")
    elif reason is not None and not isinstance(reason, str):
        raise _refused("$.reason", "Geef de reden als tekst.", "Give the reason as text.")
    else:
        reason = (reason or "").strip()
    _current(store, reference)
    try:
        record = Casework(store).decide(reference, decision, section, reason, by, moment)
    except AlreadyStored as error:
        raise Refusal("conflict", "Over deze aanvraag is al een besluit vastgelegd; het wordt niet gewijzigd.",
                      "A decision on this application is already recorded; it is not changed.") from error
    AuditTrail(store).casework(DECIDED, record, by, moment)
    return record


def record_rejection(store: ApplicationStore, reference: str, reason: str, moment: datetime, by: str,
                     section: str = "II.3.1") -> dict:
    """A rejection on assessment (II.3.1, III.3.1): what the command line's `reject` records."""
    return record_decision(store, reference, REJECTED, section, reason, by, moment)
