"""When an applicant may supplement (herstel, II.2.2, III.2.2): when RVO asked, until the term it set; and
for what the portal itself found missing, until the end of the opening window. After a decision, never."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from imvo.programme.facts import DUTCH_TIME, Opening
from imvo.programme.findings import INCOMPLETE
from imvo.programme.texts import format_moment

CONTACT_NL = "Denkt u dat dit niet klopt, neem dan contact op met RVO en noem uw referentie."
CONTACT_EN = "If you think this is not right, contact RVO and quote your reference."


@dataclass(frozen=True)
class HerstelRoute:
    open: bool
    until: datetime | None  # the last moment a supplement counts, when open
    reason_nl: str
    reason_en: str
    request: dict | None = None  # RVO's open request, when it asked

    def as_dict(self) -> dict:
        until = self.until.astimezone(DUTCH_TIME).isoformat(timespec="milliseconds") if self.until else None
        return {"open": self.open, "until": until,  # Dutch time, as the pages show it
                "reason": {"nl": self.reason_nl, "en": self.reason_en},
                "request": {k: self.request[k] for k in ("items", "term", "termEndsAt", "requestedAt")} if self.request else None}


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _at(moment: datetime, language: str) -> str:
    return format_moment(moment.astimezone(DUTCH_TIME), language)


def herstel_route(current: dict, requests: list[dict], decision: dict | None, opening: Opening | None,
                  now: datetime) -> HerstelRoute:
    """Whether a supplement sent at `now` is taken, and why (in Dutch and English)."""
    if decision is not None:
        return HerstelRoute(False, None, f"RVO heeft over deze aanvraag al besloten; aanvullen kan niet meer. {CONTACT_NL}",
                            f"RVO has already decided on this application; it can no longer be supplemented. {CONTACT_EN}")
    open_requests = [r for r in requests if now <= _moment(r["termEndsAt"])]
    if open_requests:
        request = max(open_requests, key=lambda r: _moment(r["termEndsAt"]))
        until = _moment(request["termEndsAt"])
        return HerstelRoute(True, until, f"RVO heeft om een aanvulling gevraagd; u kunt aanvullen tot en met {_at(until, 'nl')}.",
                            f"RVO asked for a supplement; you can supplement until {_at(until, 'en')}.", request)
    portal_found_missing = any(f["severity"] == INCOMPLETE for f in current.get("findings", []))
    if portal_found_missing and opening is not None and opening.closes is not None and now <= opening.closes:
        return HerstelRoute(True, opening.closes,
                            f"Het portaal vond ontbrekende onderdelen; u kunt aanvullen tot het einde van de openstelling, {_at(opening.closes, 'nl')}.",
                            f"The portal found parts missing; you can supplement until the opening closes, {_at(opening.closes, 'en')}.")
    if requests:
        ended = max(_moment(r["termEndsAt"]) for r in requests)
        return HerstelRoute(False, None, f"De termijn van het herstelverzoek van RVO is verstreken op {_at(ended, 'nl')}. {CONTACT_NL}",
                            f"The term of RVO's request for a supplement ended on {_at(ended, 'en')}. {CONTACT_EN}")
    if portal_found_missing:
        return HerstelRoute(False, None,
                            f"De openstelling is gesloten en RVO heeft (nog) niet om een aanvulling gevraagd. RVO kan dat alsnog doen; u krijgt dan een e-mail. {CONTACT_NL}",
                            f"The opening has closed and RVO has not (yet) asked for a supplement. RVO may still do so; you will then get an e-mail. {CONTACT_EN}")
    return HerstelRoute(False, None,
                        f"Het portaal vond geen ontbrekende onderdelen en RVO heeft niet om een aanvulling gevraagd. RVO kan dat alsnog doen; u krijgt dan een e-mail. {CONTACT_NL}",
                        f"The portal found no parts missing and RVO has not asked for a supplement. RVO may still do so; you will then get an e-mail. {CONTACT_EN}")
