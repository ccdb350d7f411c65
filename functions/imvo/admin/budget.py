"""The public budget meter (Artikel 3, Artikel 4): per ceiling, what the counted applications ask for in order of
receipt (as the allocation counts them: RVO's completeness check or else the portal's, no rejected ones, none
awaiting a supplement), how many they are, what is not yet applied for, and from which Dutch day they ask for
more than the ceiling. A count of requests: it says nothing of a draw, which RVO announces. Amounts and counts
only: no references, no names."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

from imvo.admin.allocation import CEILING_NAMES, Candidate, candidates_in, ceilings_of
from imvo.intake.receipt import format_utc
from imvo.intake.storage import ApplicationStore
from imvo.programme.facts import DUTCH_TIME, Opening, load_facts

BUDGET_FILE = "budget.json"


def latest_opened(openings: tuple[Opening, ...], moment: datetime) -> Opening | None:
    """The opening the meter is about: the last one that has opened by `moment`."""
    opened = [o for o in openings if o.announced and o.opens <= moment]
    return max(opened, key=lambda o: o.opens) if opened else None


def as_file(meter: dict) -> bytes:
    return json.dumps(meter, ensure_ascii=False, indent=1).encode("utf-8")


def counted(found: list[Candidate]) -> list[Candidate]:
    """What the meter counts: complete applications not rejected on assessment, in order of receipt."""
    return [c for c in found if c.complete and not c.rejected and not c.awaiting_supplement]


def budget_meter(found: list[Candidate], ceilings: dict[str, Decimal], opening: str, moment: datetime) -> dict:
    asked = {name: Decimal(0) for name in ceilings}
    applications = {name: 0 for name in ceilings}
    passed_on: dict[str, str | None] = {name: None for name in ceilings}
    for candidate in counted(found):
        for name, amount in candidate.amounts.items():
            if name in asked and amount > 0:
                asked[name] += amount
                applications[name] += 1
                if asked[name] > ceilings[name] and passed_on[name] is None:
                    passed_on[name] = candidate.dutch_day
    return {
        "opening": opening,
        "computedAt": format_utc(moment),
        "computedAtDutch": moment.astimezone(DUTCH_TIME).isoformat(timespec="seconds"),
        "ceilings": [{
            "id": name,
            "title": {"nl": CEILING_NAMES[name][0], "en": CEILING_NAMES[name][1]},
            "ceiling": f"{ceilings[name]:.2f}",
            "asked": f"{asked[name]:.2f}",
            "applications": applications[name],
            "remaining": f"{max(Decimal(0), ceilings[name] - asked[name]):.2f}",
            "passed": passed_on[name] is not None,
            "passedOn": passed_on[name],
        } for name in ceilings],
    }


def budget_of(store: ApplicationStore, data_dir, opening: str, moment: datetime) -> dict:
    """The meter for one opening, from the record as it stands (supplements and rejections included)."""
    originals = [a for a in store.all_applications()
                 if a["receipt"]["opening"] == opening]
    found = candidates_in(store, originals)
    return budget_meter(found, ceilings_of(load_facts(data_dir)), opening, moment)
