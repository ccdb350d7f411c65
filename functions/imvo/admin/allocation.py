"""Allocation of the budget (Artikel 3, Artikel 4, II.3.1, II.3.2, III.3.2): order of receipt, the
ceilings, at most three grants per sector, and the lottery on the day a ceiling would be passed.

The lottery anyone can reproduce and nobody can predict or steer (issue 23): on the day that the complete
applications received that day do not all fit in what is left of a ceiling, the applications that draw on that
ceiling are ordered by SHA-256 of "<seed>:<day root>:<reference>" (hexadecimal, ascending); the others keep their
order of receipt. Before the opening only SHA-256(seed) is published (the commitment); the day root is the root
hash (hex) of the receipt log's signed checkpoint for the end of that Dutch day, which exists only once the day
is over; the seed is revealed with the allocation. So no applicant can know its key when it gets its reference,
and nobody who knows the seed can know the day's root before the day has closed.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from imvo.casework.records import COMPLETE, Casework, NOT_CONSIDERED, REJECTED as DECIDED_REJECTED
from imvo.intake.applications import latest_version
from imvo.intake.refusal import Refusal
from imvo.programme.findings import REJECT, Finding
from imvo.programme.findings import PARTS_MISSING

WITHIN_CEILING = "within-ceiling"  # treated in order; goes on to the assessment on content (II.3.1)
HELD = "held"  # the ceiling is likely used up: treatment is held (II.3.1)
SECTOR_CAP = "sector-cap"  # a fourth application in a sector (Artikel 4, II.3.2)
REJECTED = "rejected"  # rejected or not considered by RVO: frees its room for later ones (II.3.1)
INCOMPLETE = "incomplete"  # parts missing (RVO's check, or the portal's where RVO has not checked)
AWAITING_SUPPLEMENT = "awaiting-supplement"  # RVO asked for a supplement: held until it arrives (II.2.2, III.2.2)

STATUS_TEXT = {
    WITHIN_CEILING: ("binnen het plafond", "within the ceiling"),
    HELD: ("aangehouden", "held"),
    SECTOR_CAP: ("sectormaximum bereikt (3 per sector)", "sector maximum reached (3 per sector)"),
    REJECTED: ("afgewezen of buiten behandeling: telt niet mee", "rejected or not considered: not counted"),
    INCOMPLETE: ("onderdelen ontbreken: telt niet mee", "parts missing: not counted"),
    AWAITING_SUPPLEMENT: ("herstelverzoek loopt: aangehouden tot de aanvulling", "supplement requested: held until it arrives"),
}

CEILING_NAMES = {
    "pillar1-companies": ("Eerste pijler, ondernemingen", "Pillar 1, companies"),
    "pillar1-cso": ("Eerste pijler, maatschappelijke organisaties", "Pillar 1, civil-society organisations"),
    "pillar2": ("Tweede pijler", "Pillar 2"),
}


def ceilings_of(facts: dict) -> dict[str, Decimal]:
    """Artikel 3, eerste lid: the ceilings of the first opening, from content/data/programme.json."""
    c = facts["ceilings"]
    return {"pillar1-companies": Decimal(c["pillar1_companies"]), "pillar1-cso": Decimal(c["pillar1_cso"]),
            "pillar2": Decimal(c["pillar2"])}


@dataclass
class Candidate:
    reference: str
    received_at: str  # effective time of receipt, UTC ISO with ms (herstel included)
    request_id: str
    dutch_day: str
    pillar: int
    sector: str
    penvoerder: str
    amounts: dict[str, Decimal]  # per ceiling
    complete: bool
    rejected: bool = False
    awaiting_supplement: bool = False

    @property
    def order(self) -> tuple[str, str]:
        return self.received_at, self.request_id


@dataclass
class Line:
    """One application in the order of treatment; `cumulative` is empty for one not treated against a ceiling
    (incomplete or rejected)."""
    candidate: Candidate
    status: str
    lottery: bool = False
    lottery_key: str = ""
    lottery_position: int = 0  # its place in that day's lottery, 1 = drawn first
    position: int = 0  # order of treatment
    receipt_position: int = 0  # order of receipt
    cumulative: dict[str, Decimal] = field(default_factory=dict)


def _counts_as_complete(current: dict, checks: list[dict]) -> bool:
    """RVO's latest completeness check of this version decides; where it has none, the portal's check stands in,
    provisionally: parts missing is not treated, the rest is (a rejection the portal expects is RVO's to make)."""
    version = current["receipt"].get("supplementReference") or current["receipt"]["reference"]
    of_version = [c for c in checks if c["version"] == version]
    if of_version:
        return max(of_version, key=lambda c: c["recordedAt"])["outcome"] == COMPLETE
    return current["receipt"]["status"] != PARTS_MISSING


def candidates(originals: list[dict], supplements: list[dict], decisions: dict[str, dict],
               requests: dict[str, list[dict]] | None = None, completeness: dict[str, list[dict]] | None = None) -> list[Candidate]:
    """One candidate per application, as it now stands: its latest version and effective time of receipt, and
    RVO's records: a request not yet answered by a supplement holds it, a rejection frees its room (II.3.1)."""
    by_reference = defaultdict(list)
    for supplement in supplements:
        by_reference[supplement["receipt"]["reference"]].append(supplement)
    found = []
    for original in originals:
        reference = original["receipt"]["reference"]
        current = latest_version(original, by_reference[reference])
        receipt = current["receipt"]
        application = current["application"]
        asked = [r["requestedAt"] for r in (requests or {}).get(reference, [])]
        found.append(Candidate(
            reference=reference,
            received_at=receipt["receivedAt"],
            request_id=receipt["requestId"],
            dutch_day=receipt["dutchDay"],
            pillar=receipt["pillar"],
            sector=application.get("sector", "") if receipt["pillar"] == 1 else "",
            penvoerder=(application.get("penvoerder") or {}).get("name", ""),
            amounts={k: Decimal(v) for k, v in ((current.get("calculation") or {}).get("ceilings") or {}).items()},
            complete=_counts_as_complete(current, (completeness or {}).get(reference, [])),
            rejected=(decisions.get(reference) or {}).get("decision") in (DECIDED_REJECTED, NOT_CONSIDERED),
            awaiting_supplement=any(moment > receipt["receivedAt"] for moment in asked),
        ))
    return sorted(found, key=lambda c: c.order)


def candidates_in(store, originals: list[dict]) -> list[Candidate]:
    """The candidates of these applications with everything the record holds about them: supplements, and RVO's
    requests, completeness checks and decisions."""
    casework = Casework(store)
    return candidates(originals, store.all_supplements(), store.decisions(), casework.all_requests(),
                      casework.all_completeness())


def lottery_key(seed: str, day_root: str, reference: str) -> str:
    return hashlib.sha256(f"{seed}:{day_root}:{reference}".encode()).hexdigest()


def seed_commitment(seed: str) -> str:
    """What is published before an opening: SHA-256 (hex) of the seed's UTF-8 bytes."""
    return hashlib.sha256(seed.encode()).hexdigest()


def checked_commitment(seed: str, opening_id: str, openings) -> str | None:
    """The commitment published before the opening (issue 23) when the revealed seed matches it; a refusal when it
    does not; None for an opening without a published commitment (its report says so)."""
    opening = next((o for o in openings if o.id == opening_id), None)
    commitment = opening.lottery_commitment if opening else None
    if commitment and seed_commitment(seed) != commitment:
        raise Refusal("invalid",
                      "Deze seed past niet bij de toezegging die vóór de openstelling is gepubliceerd (SHA-256 van de seed).",
                      "This seed does not match the commitment published before the opening (the SHA-256 of the seed).",
                      [Finding("$.seed", "lottery:commitment", REJECT, "Past niet bij de gepubliceerde toezegging.",
                               "Does not match the published commitment.")])
    return commitment


class DrawNotYetPossible(Exception):
    """A day needs a lottery, but the receipt log has no signed checkpoint of its end yet."""

    def __init__(self, day: str):
        super().__init__(day)
        self.day = day


@dataclass(frozen=True)
class Draw:
    """The lottery's inputs: the revealed seed and, per Dutch day, the root (hex) of the log's checkpoint of its end."""

    seed: str
    day_roots: Mapping[str, str]

    def key(self, day: str, reference: str) -> str:
        if day not in self.day_roots:
            raise DrawNotYetPossible(day)
        return lottery_key(self.seed, self.day_roots[day], reference)


def allocate(found: list[Candidate], ceilings: dict[str, Decimal], draw: Draw, max_per_sector: int = 3) -> list[Line]:
    """Walk the applications day by day in the order of treatment (Artikel 4): order of receipt, except
    where a lottery decided. The lines come back in that order, so the cumulative amounts never go down."""
    used = {name: Decimal(0) for name in ceilings}
    exhausted: set[str] = set()
    per_sector: dict[str, int] = defaultdict(int)
    lines: list[Line] = []

    def place(candidate: Candidate, line: Line) -> None:
        drawn = [name for name, amount in candidate.amounts.items() if amount > 0]
        if candidate.pillar == 1 and candidate.sector != "other" and per_sector[candidate.sector] >= max_per_sector:
            line.status = SECTOR_CAP
        elif any(name in exhausted for name in drawn) or any(used[n] + candidate.amounts[n] > ceilings[n] for n in drawn):
            exhausted.update(n for n in drawn if used[n] + candidate.amounts[n] > ceilings[n] or n in exhausted)
            line.status = HELD
        else:
            for name in drawn:
                used[name] += candidate.amounts[name]
            if candidate.pillar == 1 and candidate.sector != "other":
                per_sector[candidate.sector] += 1
            line.status = WITHIN_CEILING
        line.cumulative = dict(used)

    receipt_position = {c.reference: index for index, c in enumerate(sorted(found, key=lambda c: c.order), start=1)}
    days: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in found:
        days[candidate.dutch_day].append(candidate)
    for day in sorted(days):
        todays = sorted(days[day], key=lambda c: c.order)
        treated = [c for c in todays if c.complete and not c.rejected and not c.awaiting_supplement]
        need = defaultdict(Decimal)
        for candidate in treated:
            for name, amount in candidate.amounts.items():
                need[name] += amount
        # Artikel 4, II.3.2, III.3.2: when this day's complete applications together would pass a ceiling
        # that still has room, the order of the applications that draw on *that ceiling* is drawn by lot;
        # the others keep their order of receipt. A pillar-1 application that draws on both parts of the
        # pillar-1 ceiling joins the lottery whole when either part is threatened (published decision).
        # The drawn ones take the places they held among the day's applications, so nobody else moves.
        threatened = {n for n in need if need[n] > 0 and n not in exhausted and used[n] + need[n] > ceilings[n]}
        drawn = {c.reference: c for c in treated if any(c.amounts.get(n, 0) > 0 for n in threatened)}
        if len(drawn) < 2:
            drawn = {}  # one application alone has no order to draw
        by_lot = sorted(drawn.values(), key=lambda c: draw.key(day, c.reference))
        lottery_position = {c.reference: index for index, c in enumerate(by_lot, start=1)}
        next_drawn = iter(by_lot)
        for candidate in (next(next_drawn) if c.reference in drawn else c for c in todays):
            line = Line(candidate, HELD, receipt_position=receipt_position[candidate.reference])
            if candidate.rejected:
                line.status = REJECTED  # refused on assessment: counts against no ceiling (II.3.1)
            elif candidate.awaiting_supplement:
                line.status = AWAITING_SUPPLEMENT  # RVO asked; the supplement's time will count (II.2.2, III.2.2)
            elif not candidate.complete:
                line.status = INCOMPLETE  # waits for its supplement (II.2.2, III.2.2)
            else:
                if candidate.reference in drawn:
                    line.lottery, line.lottery_key = True, draw.key(day, candidate.reference)
                    line.lottery_position = lottery_position[candidate.reference]
                place(candidate, line)
            lines.append(line)
    for position, line in enumerate(lines, start=1):
        line.position = position
    return lines


def totals(lines: list[Line]) -> dict[str, Decimal]:
    """What is counted against each ceiling after the last line."""
    counted = [line.cumulative for line in lines if line.cumulative]
    return dict(counted[-1]) if counted else {}


def report_rows(lines: list[Line]) -> list[dict]:
    rows = []
    for line in lines:
        c = line.candidate
        rows.append({
            "order": line.position,
            "receiptOrder": line.receipt_position,
            "reference": c.reference,
            "effectiveReceivedAt": c.received_at,
            "dutchDay": c.dutch_day,
            "pillar": c.pillar,
            "sector": c.sector,
            "penvoerder": c.penvoerder,
            "status": line.status,
            "lottery": "yes" if line.lottery else "",
            "lotteryPosition": line.lottery_position or "",
            "lotteryKey": line.lottery_key,
            **{f"amount:{name}": f"{c.amounts.get(name, Decimal(0)):.2f}" for name in CEILING_NAMES},
            # A line that was not treated against a ceiling (incomplete, rejected) has no cumulative amount.
            **{f"cumulative:{name}": f"{line.cumulative[name]:.2f}" if line.cumulative else "" for name in CEILING_NAMES},
        })
    return rows
