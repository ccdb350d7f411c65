"""The subsidy calculator: eligible costs (I.4) and the maximum grant per partner, year and ceiling.

Pillar 1 (II.1.6): companies and trade associations together at most 50% of their eligible costs and
€200,000 per project year; civil-society organisations together at most 100% and €100,000 per
project year; income from the activities is deducted (I.4.1); each company's grant is limited by its
de minimis room (II.1.7). Pillar 2 (III.1.6): at most €150,000 per project year, a year shorter than
twelve months pro rata per month in which work takes place.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from imvo.programme.findings import WARNING, Finding
from imvo.programme.periods import add_months, months_started, project_year_count
from imvo.programme.facts import Limits
from imvo.programme.texts import format_euro, format_percentage

CENT = Decimal("0.01")
ZERO = Decimal("0")

# I.4.3: cost types that are never eligible (the schema's otherCosts.costType values).
NON_ELIGIBLE_COST_TYPES = {
    "application": ("kosten voor het ontwikkelen van de aanvraag", "costs of preparing the application"),
    "financing": ("financieringskosten en rentevergoedingen", "financing costs and interest"),
    "vat": ("omzetbelasting (btw) voor zover dit geen kostenpost is", "VAT insofar as it is not a cost"),
    "inflation-exchange": ("kosten door inflatie en wisselkoersschommelingen", "costs of inflation and exchange-rate changes"),
    "promotion": ("promotionele of verkoopactiviteiten en promotiemateriaal", "promotion, sales and promotional material"),
    "translation": ("algemene vertaalkosten", "general translation costs"),
    "intellectual-property": ("rechten van intellectueel eigendom", "intellectual property rights"),
    "machines-equipment": ("aanschaf of afschrijving van machines en apparatuur", "buying or depreciating machines and equipment"),
}

COMPANY_KINDS = ("company", "trade-association")  # one group in II.1.6 and on the companies ceiling


def money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT, rounding=ROUND_HALF_UP)


def split_to_the_cent(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """`total` in shares proportional to `weights`, in whole cents that add up to `total` exactly: each share
    rounded down, the cents left over to the largest remainders (first in order on a tie). Rounding each
    share on its own could give the partners together a cent more than the cap allows (II.1.6, III.1.6)."""
    whole = sum(weights, ZERO)
    if not whole:
        return [ZERO for _ in weights]
    exact = [total * weight / whole for weight in weights]
    shares = [share.quantize(CENT, rounding=ROUND_DOWN) for share in exact]
    left = int((total - sum(shares, ZERO)) / CENT)
    for index in sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))[:left]:
        shares[index] += CENT
    return shares


def euro_text(amount: Decimal) -> tuple[str, str]:
    return format_euro(amount, "nl"), format_euro(amount, "en")


@dataclass
class PartnerYear:
    path: str  # JSON path of the budget year, e.g. $.partners[2].budget[0]
    partner: int  # index in organisations()
    year: int
    labour: Decimal = ZERO
    project_management_labour: Decimal = ZERO
    hours: Decimal = ZERO
    project_management_hours: Decimal = ZERO
    other: Decimal = ZERO
    travel: Decimal = ZERO
    income: Decimal = ZERO

    def eligible(self, pm_factor: Decimal, travel_factor: Decimal) -> Decimal:
        pm_cut = self.project_management_labour * (1 - pm_factor)
        return money(self.labour - pm_cut + self.other + self.travel * travel_factor)


@dataclass
class Calculation:
    pillar: int
    years: list[dict] = field(default_factory=list)
    partners: list[dict] = field(default_factory=list)
    ceilings: dict[str, Decimal] = field(default_factory=dict)
    eligible_costs: Decimal = ZERO
    findings: list[Finding] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum(self.ceilings.values(), ZERO)

    def as_dict(self) -> dict:
        def text(value):
            if isinstance(value, Decimal):
                return f"{value:.2f}"
            if isinstance(value, dict):
                return {k: text(v) for k, v in value.items()}
            if isinstance(value, list):
                return [text(v) for v in value]
            return value

        return {"pillar": self.pillar, "maximumGrant": text(self.total), "eligibleCosts": text(self.eligible_costs),
                "ownContribution": text(max(ZERO, self.eligible_costs - self.total)),
                "ceilings": text(self.ceilings), "years": text(self.years), "partners": text(self.partners)}


def organisations(document: dict) -> list[tuple[str, dict]]:
    """The penvoerder first, then the other partners, each with its JSON path."""
    found = [("$.penvoerder", document.get("penvoerder") or {})]
    found += [(f"$.partners[{i}]", p) for i, p in enumerate(document.get("partners") or [])]
    return found


def organisation_identity(organisation: dict) -> tuple[str, str] | None:
    """Who an organisation is: its registration number (the KvK number, or the foreign registration where it has
    none) as written without spaces, dots or dashes, with its country. None when there is no number to go by."""
    number = organisation.get("registrationNumber")
    if not isinstance(number, str):
        return None
    plain = "".join(c for c in number.upper() if c.isalnum())
    return (str(organisation.get("statutorySeatCountry") or ""), plain) if plain else None


def repeated_organisations(document: dict) -> dict[str, str]:
    """Each organisation entered again with the registration of one before it: its path -> the first one's path
    (II.1.3, III.1.3: a partnership of distinct organisations; one company five times is one company)."""
    first: dict[tuple[str, str], str] = {}
    repeats = {}
    for path, organisation in organisations(document):
        identity = organisation_identity(organisation)
        if identity is None:
            continue
        if identity in first:
            repeats[path] = first[identity]
        else:
            first[identity] = path
    return repeats


def _cost_lines(document: dict, findings: list[Finding], limits: Limits) -> list[PartnerYear]:
    lines = []
    repeats = repeated_organisations(document)
    for index, (path, organisation) in enumerate(organisations(document)):
        if path in repeats:  # counted once: a repeat's costs would count its organisation twice
            continue
        for position, year in enumerate(organisation.get("budget") or []):
            here = f"{path}.budget[{position}]"
            rate = money(year.get("hourlyRate"))
            if rate > limits.hourly_rate_max:
                nl, en = euro_text(limits.hourly_rate_max)
                findings.append(Finding(f"{here}.hourlyRate", "I.4.2", WARNING,
                    f"Het uurtarief is hoger dan het maximum van {nl}; alleen {nl} per uur is subsidiabel (I.4.1, I.4.2 a).",
                    f"The hourly rate exceeds the maximum of {en}; only {en} per hour is eligible (I.4.1, I.4.2 a)."))
                rate = limits.hourly_rate_max
            hours = Decimal(str(year.get("hours") or 0))
            pm_hours = min(Decimal(str(year.get("projectManagementHours") or 0)), hours)
            other = money(year.get("thirdPartyCosts")) + money(year.get("subsistenceCosts"))
            for item_index, item in enumerate(year.get("otherCosts") or []):
                if item.get("costType") in NON_ELIGIBLE_COST_TYPES:
                    nl, en = NON_ELIGIBLE_COST_TYPES[item["costType"]]
                    findings.append(Finding(f"{here}.otherCosts[{item_index}].costType", "I.4.3", WARNING,
                        f"Niet subsidiabel: {nl} (I.4.3). Dit bedrag telt niet mee.",
                        f"Not eligible: {en} (I.4.3). This amount does not count."))
                else:
                    other += money(item.get("amount"))
            lines.append(PartnerYear(path=here, partner=index, year=int(year.get("year") or position + 1),
                                     labour=money(hours * rate), project_management_labour=money(pm_hours * rate),
                                     hours=hours, project_management_hours=pm_hours, other=other,
                                     travel=money(year.get("travelCosts")), income=money(year.get("income"))))
    return lines


def _caps(lines: list[PartnerYear], findings: list[Finding], limits: Limits) -> tuple[Decimal, Decimal]:
    """Factors that bring project management (I.4.1) and travel (I.4.2 b) within their maximum."""
    total_hours = sum((l.hours for l in lines), ZERO)
    pm_hours = sum((l.project_management_hours for l in lines), ZERO)
    pm_factor = Decimal(1)
    pm_share = limits.project_management_max_share
    if pm_hours and pm_hours > pm_share * total_hours:
        pm_factor = pm_share * total_hours / pm_hours
        share = (pm_hours / total_hours * 100).quantize(Decimal("0.1"))
        most_nl, most_en = format_percentage(pm_share, "nl"), format_percentage(pm_share, "en")
        findings.append(Finding("$.penvoerder.budget", "I.4.1", WARNING,
            f"Projectmanagement is {share}% van de opgevoerde uren; maximaal {most_nl} is subsidiabel (I.4.1). Het deel daarboven telt niet mee.",
            f"Project management is {share}% of the hours; at most {most_en} is eligible (I.4.1). The part above that does not count."))
    travel = sum((l.travel for l in lines), ZERO)
    rest = sum((l.labour - l.project_management_labour * (1 - pm_factor) + l.other for l in lines), ZERO)
    travel_factor = Decimal(1)
    # travel ≤ 10% of (rest + travel)  ⇔  travel ≤ rest / 9
    allowed = rest * limits.travel_max_share / (1 - limits.travel_max_share)
    if travel > allowed:
        travel_factor = allowed / travel
        nl, en = euro_text(money(allowed))
        share_nl, share_en = format_percentage(limits.travel_max_share, "nl"), format_percentage(limits.travel_max_share, "en")
        findings.append(Finding("$.penvoerder.budget", "I.4.2", WARNING,
            f"De reiskosten zijn meer dan {share_nl} van de totale subsidiabele kosten (I.4.2 b); {nl} telt mee.",
            f"Travel costs are more than {share_en} of the total eligible costs (I.4.2 b); {en} counts."))
    return pm_factor, travel_factor


def _de_minimis_room(organisation: dict, fiscal_year: int, limits: Limits) -> Decimal:
    """II.1.7: €200,000 per company over three fiscal years: this one and the two before."""
    first = fiscal_year - limits.de_minimis_fiscal_years + 1
    earlier = sum((money(aid.get("amount")) for aid in (organisation.get("deMinimis") or {}).get("previousAid") or []
                   if first <= int(aid.get("fiscalYear", 0)) <= fiscal_year), ZERO)
    return max(ZERO, limits.de_minimis_max - earlier)


def under_de_minimis(pillar: int, organisation: dict) -> bool:
    """II.1.7: the subsidy to companies may be state aid, and (footnote 24) to civil-society organisations that
    carry out economic activities, as a trade association that does is an undertaking too (I.3: "Economische
    activiteit"); III.1.7 and footnote 25: to civil-society organisations when they carry out economic activities."""
    if pillar == 1 and organisation.get("kind") == "company":
        return True
    return organisation.get("economicActivity") is True


def calculate(document: dict, submitted_on: date, limits: Limits) -> Calculation:
    pillar = document.get("pillar")
    result = Calculation(pillar=pillar)
    lines = _cost_lines(document, result.findings, limits)
    pm_factor, travel_factor = _caps(lines, result.findings, limits)
    orgs = organisations(document)
    eligible = {id(l): l.eligible(pm_factor, travel_factor) for l in lines}
    result.eligible_costs = sum(eligible.values(), ZERO)
    subsidy_of_partner: dict[int, Decimal] = defaultdict(lambda: ZERO)
    eligible_of_partner: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for l in lines:
        eligible_of_partner[l.partner] += eligible[id(l)]

    if pillar == 1:
        groups = {"companies": (COMPANY_KINDS, limits.p1_company_share, limits.p1_company_max_per_year),
                  "cso": (("cso",), limits.p1_cso_share, limits.p1_cso_max_per_year)}
    else:
        groups = {"pillar2": (None, Decimal(1), limits.p2_max_per_year)}
    year_caps = _year_caps(document, pillar, limits)

    for year in sorted({l.year for l in lines}):
        row = {"year": year, "eligible": {}, "income": {}, "subsidy": {}}
        for group, (kinds, share, cap) in groups.items():
            members = [l for l in lines if l.year == year and (kinds is None or orgs[l.partner][1].get("kind") in kinds)]
            group_eligible = sum((eligible[id(l)] for l in members), ZERO)
            income = sum((l.income for l in members), ZERO)
            cap = year_caps.get(year, cap) if pillar == 2 else cap
            grant = max(ZERO, min(money(group_eligible * share), cap) - income)
            row["eligible"][group], row["income"][group], row["subsidy"][group] = group_eligible, income, grant
            # each partner's part of the group's grant, in proportion to its costs, to the cent
            for l, share in zip(members, split_to_the_cent(grant, [eligible[id(l)] for l in members])):
                subsidy_of_partner[l.partner] += share
        result.years.append(row)

    section = "II.1.7" if pillar == 1 else "III.1.7"
    for index, (path, organisation) in enumerate(orgs):
        if under_de_minimis(pillar, organisation):
            room = _de_minimis_room(organisation, submitted_on.year, limits)
            if subsidy_of_partner[index] > room:
                nl, en = euro_text(room)
                result.findings.append(Finding(f"{path}.deMinimis.previousAid", section, WARNING,
                    f"Met de eerder ontvangen de-minimissteun kan deze organisatie nog {nl} ontvangen (maximaal {euro_text(limits.de_minimis_max)[0]} per drie belastingjaren, II.1.7).",
                    f"With the de minimis aid it received before, this organisation can receive {en} more (at most {euro_text(limits.de_minimis_max)[1]} over three fiscal years, II.1.7)."))
                subsidy_of_partner[index] = room

    for index, (path, organisation) in enumerate(orgs):
        result.partners.append({"path": path, "name": organisation.get("name", ""), "kind": organisation.get("kind", ""),
                                "eligibleCosts": eligible_of_partner[index], "maximumGrant": subsidy_of_partner[index]})
    if pillar == 1:
        result.ceilings = {
            "pillar1-companies": sum((p["maximumGrant"] for p in result.partners if p["kind"] in COMPANY_KINDS), ZERO),
            "pillar1-cso": sum((p["maximumGrant"] for p in result.partners if p["kind"] == "cso"), ZERO),
        }
    else:
        result.ceilings = {"pillar2": sum((p["maximumGrant"] for p in result.partners), ZERO)}
    return result


def _year_caps(document: dict, pillar: int, limits: Limits) -> dict[int, Decimal]:
    """III.1.6: €150,000 per project year; a project year under twelve months pro rata per month."""
    if pillar != 2:
        return {}
    try:
        start = date.fromisoformat(document["project"]["startDate"])
        end = date.fromisoformat(document["project"]["endDate"])
    except (KeyError, TypeError, ValueError):
        return {}
    caps = {}
    for year in range(1, project_year_count(start, end) + 1):
        months = min(12, months_started(add_months(start, 12 * (year - 1)), end))
        caps[year] = money(limits.p2_max_per_year * months / 12)
    return caps
