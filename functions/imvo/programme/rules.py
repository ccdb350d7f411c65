"""The regulation's rules as code: each rule names its section, a severity and a message in Dutch and English.

Severities: `reject` (the portal expects the Minister to reject the application as it stands, I.5),
`incomplete` (the portal finds a part missing: the Minister may ask for a supplement, II.2.2 / III.2.2),
`warning` (mostly amounts the calculator leaves out). Every application is stored whatever they say:
they are the portal's check (imvo.programme.findings.portal_check), never a decision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterable

from imvo.programme.calculator import (Calculation, calculate, money, organisations, repeated_organisations,
                                      under_de_minimis)
from imvo.programme.findings import INCOMPLETE, REJECT, WARNING, Finding, portal_check
from imvo.programme.periods import add_months, lasts_at_least, lasts_at_most
from imvo.programme.facts import Limits, load_limits
from imvo.programme.texts import format_date, format_euro

NETHERLANDS = "NL"


@dataclass
class Case:
    """One application as the rules see it."""

    document: dict
    submitted_on: date  # Dutch calendar day of receipt
    calculation: Calculation
    limits: Limits
    grant_date: date | None = None  # known when RVO assesses; None at submission

    @property
    def pillar(self) -> int:
        return self.document["pillar"]

    @property
    def start(self) -> date:
        return date.fromisoformat(self.document["project"]["startDate"])

    @property
    def end(self) -> date:
        return date.fromisoformat(self.document["project"]["endDate"])


@dataclass
class Judgement:
    findings: list[Finding]
    calculation: Calculation

    @property
    def status(self) -> str:
        return portal_check(self.findings)

    def of(self, severity: str) -> list[Finding]:
        return [f for f in self.findings if f.severity == severity]


Rule = Callable[[Case], Iterable[Finding]]
RULES: dict[int, list[Rule]] = {1: [], 2: []}
EARLY_RULES: dict[int, list[Rule]] = {1: [], 2: []}  # need only the organisations: run while the form is being filled


def rule(*pillars: int, early: bool = False):
    def register(function: Rule) -> Rule:
        for pillar in pillars:
            RULES[pillar].append(function)
            if early:
                EARLY_RULES[pillar].append(function)
        return function
    return register


def judge_organisations(document: dict, submitted_on: date, limits: Limits) -> list[Finding]:
    """The rules about who takes part (II.1.3), for a form whose organisations are filled in while other
    steps are not yet: so "too few companies" is said on the step where the companies are entered."""
    case = Case(document, submitted_on, None, limits)  # no calculation: these rules read the organisations only
    return [finding for check in EARLY_RULES[document["pillar"]] for finding in check(case)]


def judge(document: dict, submitted_on: date, grant_date: date | None = None, limits: Limits | None = None) -> Judgement:
    """All findings about a schema-valid application, and the calculator's result."""
    if limits is None:
        from imvo.settings import load_settings

        limits = load_limits(load_settings().data_dir)
    calculation = calculate(document, submitted_on, limits)
    case = Case(document, submitted_on, calculation, limits, grant_date)
    findings = list(calculation.findings)
    for check in RULES[document["pillar"]]:
        findings.extend(check(case))
    order = {REJECT: 0, INCOMPLETE: 1, WARNING: 2}
    return Judgement(sorted(findings, key=lambda f: (order[f.severity], f.path, f.rule)), calculation)


def _is_established_in_nl(organisation: dict) -> bool:
    return organisation.get("statutorySeatCountry") == NETHERLANDS or bool(organisation.get("dutchEstablishment"))


# --- Pillar 1 -----------------------------------------------------------------------------------

@rule(1, 2, early=True)
def each_organisation_once(case: Case):
    """II.1.3, III.1.3: a partnership of distinct organisations. An organisation entered again (same registration
    number and country) counts once: for the five companies and in the calculation, where its repeat's costs
    do not count."""
    section = "II.1.3" if case.document.get("pillar") == 1 else "III.1.3"
    for path, first in repeated_organisations(case.document).items():
        yield Finding(f"{path}.registrationNumber", section, WARNING,
            f"Deze organisatie staat er al in ({_path_words(first, 'nl')}, zelfde registratienummer). Zij telt één keer mee, "
            f"ook in de berekening: de kosten bij deze herhaling tellen niet. Haal de herhaling weg of verbeter het nummer ({section}).",
            f"This organisation is already included ({_path_words(first, 'en')}, same registration number). It counts once, "
            f"in the calculation too: the costs entered with this repeat do not count. Remove the repeat or correct the number ({section}).")


def _path_words(path: str, lang: str) -> str:
    if path == "$.penvoerder":
        return "als penvoerder" if lang == "nl" else "as the penvoerder"
    number = int(path.split("[")[1].rstrip("]")) + 1
    return f"als partner {number}" if lang == "nl" else f"as partner {number}"


@rule(1, early=True)
def five_dutch_companies(case: Case):
    """II.1.3: at least five companies established in NL, not trade associations, not mainly consultancy; each
    organisation counted once (by its registration)."""
    repeats = repeated_organisations(case.document)
    qualifying = [o for path, o in organisations(case.document) if path not in repeats
                  and o.get("kind") == "company" and not o.get("mainlyConsultancy") and _is_established_in_nl(o)]
    if len(qualifying) < case.limits.p1_min_companies:
        yield Finding("$.partners", "II.1.3", REJECT,
            f"Het samenwerkingsverband heeft {len(qualifying)} in Nederland gevestigde ondernemingen die meetellen; er zijn er minstens vijf nodig. "
            "Brancheorganisaties en maatschappelijke organisaties tellen niet mee; ondernemingen van wie bedrijfsactiviteiten "
            "hoofdzakelijk uit advisering bestaan kunnen geen partner zijn (II.1.3).",
            f"The partnership has {len(qualifying)} qualifying companies established in the Netherlands; at least five are needed. "
            "Trade associations and civil-society organisations do not count; companies whose business mainly consists of "
            "consultancy cannot be partners (II.1.3).")


@rule(1, early=True)
def no_consultancy_partners(case: Case):
    """II.1.3: companies whose business mainly consists of consultancy cannot be partners."""
    for path, organisation in organisations(case.document):
        if organisation.get("kind") == "company" and organisation.get("mainlyConsultancy"):
            yield Finding(f"{path}.mainlyConsultancy", "II.1.3", REJECT,
                "Een onderneming waarvan de bedrijfsactiviteiten hoofdzakelijk uit advisering bestaan, kan geen partner zijn (II.1.3).",
                "A company whose business mainly consists of consultancy cannot be a partner (II.1.3).")


@rule(1, early=True)
def penvoerder_is_dutch_company(case: Case):
    """II.1.3: the penvoerder is a company with its statutory seat in NL, or abroad with an establishment in NL."""
    penvoerder = case.document["penvoerder"]
    if penvoerder.get("kind") != "company":
        yield Finding("$.penvoerder.kind", "II.1.3", REJECT,
            "De penvoerder moet een onderneming zijn; een brancheorganisatie of maatschappelijke organisatie kan geen penvoerder zijn (II.1.3).",
            "The penvoerder must be a company; a trade association or civil-society organisation cannot be the penvoerder (II.1.3).")
    if not _is_established_in_nl(penvoerder):
        yield Finding("$.penvoerder.dutchEstablishment", "II.1.3", REJECT,
            "De penvoerder heeft een statutaire zetel in Nederland, of een zetel in het buitenland en een vestiging of vaste inrichting in Nederland (II.1.3).",
            "The penvoerder has its statutory seat in the Netherlands, or its seat abroad and an establishment or permanent establishment in the Netherlands (II.1.3).")


@rule(1)
def integrity_policy_in_phase_a(case: Case):
    """II.1.3: a partner without an integrity policy must make it part of phase A."""
    for path, organisation in organisations(case.document):
        if organisation.get("integrityPolicy") == "in-phase-a":
            yield Finding(f"{path}.integrityPolicy", "II.1.3", WARNING,
                "Het integriteitsbeleid moet deel uitmaken van de activiteiten in fase A; dit wordt een verplichting in de beschikking (II.1.3).",
                "The integrity policy must be part of the phase A activities; this becomes an obligation in the grant decision (II.1.3).")


@rule(1)
def pillar_1_duration(case: Case):
    """II.1.5: two to three years, ending by 31 August 2028, starting within six months of the grant."""
    start, end = case.start, case.end
    if end < start:
        yield Finding("$.project.endDate", "II.1.5", REJECT, "De einddatum ligt vóór de startdatum.", "The end date is before the start date.")
        return
    if not lasts_at_least(start, end, case.limits.p1_min_months):
        yield Finding("$.project.endDate", "II.1.5", REJECT,
            "De activiteiten duren minimaal 2 jaar (II.1.5).", "The activities must last at least 2 years (II.1.5).")
    if not lasts_at_most(start, end, case.limits.p1_max_months):
        yield Finding("$.project.endDate", "II.1.5", REJECT,
            "De activiteiten duren maximaal 3 jaar (II.1.5).", "The activities may last at most 3 years (II.1.5).")
    end_by = case.limits.p1_end_by
    if end > end_by:
        yield Finding("$.project.endDate", "II.1.5", REJECT,
            f"De activiteiten zijn uiterlijk {format_date(end_by, 'nl')} afgerond (II.1.5).",
            f"The activities must be completed by {format_date(end_by, 'en')} (II.1.5).")
    latest_start = add_months(case.grant_date or case.submitted_on, case.limits.p1_start_within_months_of_grant)
    if start > latest_start:
        if case.grant_date:
            yield Finding("$.project.startDate", "II.1.5", REJECT,
                f"De uitvoering moet uiterlijk 6 maanden na de subsidieverlening starten, dus uiterlijk {format_date(latest_start, 'nl')} (II.1.5).",
                f"The activities must start within 6 months of the grant, so by {format_date(latest_start, 'en')} (II.1.5).")
        else:
            yield Finding("$.project.startDate", "II.1.5", WARNING,
                "De uitvoering moet uiterlijk 6 maanden na de subsidieverlening starten; deze startdatum ligt meer dan 6 maanden na de aanvraag (II.1.5).",
                "The activities must start within 6 months of the grant; this start date is more than 6 months after the application (II.1.5).")


@rule(1, 2)
def costs_before_application(case: Case):
    """I.4.1: costs made before the application is submitted are not eligible."""
    if case.start < case.submitted_on:
        yield Finding("$.project.startDate", "I.4.1", WARNING,
            "De startdatum ligt vóór de aanvraag; kosten van vóór de indiening zijn niet subsidiabel (I.4.1).",
            "The start date is before the application; costs made before submission are not eligible (I.4.1).")


@rule(1)
def own_contribution_financing(case: Case):
    """II.1.6, II.2.1: each partner shows how it finances its own contribution, not from Foreign Affairs funds."""
    partners = {p["path"]: p for p in case.calculation.partners}
    for path, organisation in organisations(case.document):
        sources = (organisation.get("ownContribution") or {}).get("sources") or []
        for index, source in enumerate(sources):
            if source.get("fromForeignAffairsBudget"):
                yield Finding(f"{path}.ownContribution.sources[{index}].fromForeignAffairsBudget", "II.1.6", REJECT,
                    "De eigen bijdrage mag niet worden gefinancierd met een subsidie of bijdrage ten laste van de begroting van Buitenlandse Zaken (II.1.6).",
                    "The own contribution may not be financed by a subsidy or contribution from the Foreign Affairs budget (II.1.6).")
        own = partners[path]["eligibleCosts"] - partners[path]["maximumGrant"]
        covered = sum((money(s.get("amount")) for s in sources), money(0))
        if own > 0 and covered < own:
            nl, en = format_euro(own, "nl"), format_euro(own, "en")
            yield Finding(f"{path}.ownContribution", "II.2.1", INCOMPLETE,
                f"Laat zien hoe deze partner de eigen bijdrage van {nl} financiert (II.2.1).",
                f"Show how this partner finances its own contribution of {en} (II.2.1).")


@rule(1, 2)
def de_minimis_declarations(case: Case):
    """II.1.7, II.2.1: every company adds a completed and signed de minimis declaration; III.1.7: so does a
    civil-society organisation that carries out economic activities."""
    for path, organisation in organisations(case.document):
        if under_de_minimis(case.pillar, organisation) and not (organisation.get("deMinimis") or {}).get("declaration"):
            if case.pillar == 1 and organisation.get("kind") == "company":
                yield Finding(f"{path}.deMinimis.declaration", "II.1.7", INCOMPLETE,
                    "Voeg de ingevulde en ondertekende de-minimisverklaring van deze onderneming toe (II.1.7, II.2.1).",
                    "Add this company's completed and signed de minimis declaration (II.1.7, II.2.1).")
            elif case.pillar == 1:
                yield Finding(f"{path}.deMinimis.declaration", "II.1.7", INCOMPLETE,
                    "Deze organisatie voert economische activiteiten uit: voeg haar ingevulde en ondertekende de-minimisverklaring toe (II.1.7, voetnoot 24).",
                    "This organisation carries out economic activities: add its completed and signed de minimis declaration (II.1.7, footnote 24).")
            else:
                yield Finding(f"{path}.deMinimis.declaration", "III.1.7", INCOMPLETE,
                    "Deze organisatie voert economische activiteiten uit: voeg haar ingevulde en ondertekende de-minimisverklaring toe (III.1.7, II.1.7).",
                    "This organisation carries out economic activities: add its completed and signed de minimis declaration (III.1.7, II.1.7).")


@rule(1)
def sector_or_justification(case: Case):
    """II.2.1: a sector from the list, or a justification why none fits."""
    if case.document["sector"] == "other" and not (case.document.get("sectorJustification") or "").strip():
        yield Finding("$.sectorJustification", "II.2.1", INCOMPLETE,
            "Onderbouw waarom de aanvraag niet bij een van de sectoren van II.2.1 hoort.",
            "Justify why the application does not belong to one of the sectors of II.2.1.")


@rule(1)
def pillar_1_attachments(case: Case):
    """II.2.1: partner forms, plan of approach, budget, signed cooperation agreement."""
    attachments = case.document.get("attachments") or {}
    required = {
        "planOfApproach": ("het plan van aanpak", "the plan of approach"),
        "budget": ("de begroting", "the budget"),
        "cooperationAgreement": ("de ondertekende samenwerkingsovereenkomst", "the signed cooperation agreement"),
    }
    for key, (nl, en) in required.items():
        if not attachments.get(key):
            yield Finding(f"$.attachments.{key}", "II.2.1", INCOMPLETE, f"Voeg {nl} toe (II.2.1).", f"Add {en} (II.2.1).")
    needed = len(organisations(case.document))
    if len(attachments.get("partnerForms") or []) < needed:
        yield Finding("$.attachments.partnerForms", "II.2.1", INCOMPLETE,
            f"Voeg een partnerformulier toe voor elk van de {needed} partners (II.2.1).",
            f"Add a partner form for each of the {needed} partners (II.2.1).")


@rule(1)
def pillar_1_declarations(case: Case):
    """II.2.1, II.1.3: the declarations every pillar-1 application makes."""
    texts = {
        "oecdGuidelines": ("verklaren dat zij de OESO-richtlijnen kennen en ernaar handelen", "declare that they know and act according to the OECD Guidelines"),
        "fmoExclusionList": ("verklaren dat de activiteiten niet op de FMO-uitsluitingslijst (02–08) staan", "declare that the activities are not on the FMO exclusion list (02–08)"),
        "individualResponsibility": ("aanvaarden dat sectorale samenwerking de eigen verantwoordelijkheid niet vervangt", "accept that sectoral cooperation does not replace their own responsibility"),
        "integrityPolicy": ("verklaren dat zij een integriteitsbeleid hebben of dit in fase A opstellen", "declare that they have an integrity policy or draw it up in phase A"),
    }
    for key, (nl, en) in texts.items():
        if case.document["declarations"].get(key) is not True:
            section = "II.1.3" if key == "integrityPolicy" else "II.2.1"
            yield Finding(f"$.declarations.{key}", section, REJECT,
                f"De penvoerder en de partners moeten {nl} ({section}).", f"The penvoerder and the partners must {en} ({section}).")


_DUTCH_WORDS = set("de het een van voor met zijn wordt worden op te dat die niet ook aan bij om naar door onze deze als wij"
                   " hun zij wordt werken samen ondernemingen keten".split())
_ENGLISH_WORDS = set("the and of to for with is are be on that this by we our will from as an not their they work"
                     " together companies chain".split())


def looks_dutch(text: str) -> bool:
    """A rough test on function words; used only for a warning, never to refuse."""
    words = re.findall(r"[a-zà-ÿ]+", text.lower())
    if len(words) < 8:
        return False
    dutch = sum(w in _DUTCH_WORDS for w in words)
    english = sum(w in _ENGLISH_WORDS for w in words)
    return dutch > english


@rule(1)
def pillar_1_in_english(case: Case):
    """II.2.1: the pillar-1 application is written in English."""
    document = case.document
    texts = {"$.project.title": document["project"].get("title", ""),
             "$.project.summary": document["project"].get("summary", ""),
             "$.plan.phaseA.description": document["plan"]["phaseA"].get("description", ""),
             "$.plan.phaseB.description": document["plan"]["phaseB"].get("description", ""),
             "$.sectorJustification": document.get("sectorJustification", "")}
    for path, text in texts.items():
        if looks_dutch(text):
            yield Finding(path, "II.2.1", WARNING,
                "Deze tekst lijkt Nederlands; een aanvraag in de eerste pijler wordt in het Engels ingediend (II.2.1).",
                "This text looks Dutch; a pillar-1 application is written in English (II.2.1).")


# --- Pillar 2 -----------------------------------------------------------------------------------

@rule(2)
def pillar_2_penvoerder(case: Case):
    """III.1.3: a civil-society organisation seated in NL with an annual budget of at least €0.5M in each of the last two years."""
    penvoerder = case.document["penvoerder"]
    if penvoerder.get("kind") != "cso":
        yield Finding("$.penvoerder.kind", "III.1.3", REJECT,
            "De penvoerder is een maatschappelijke organisatie (III.1.3).", "The penvoerder is a civil-society organisation (III.1.3).")
    if penvoerder.get("statutorySeatCountry") != NETHERLANDS:
        yield Finding("$.penvoerder.statutorySeatCountry", "III.1.3", REJECT,
            "De penvoerder is statutair in Nederland gevestigd (III.1.3).", "The penvoerder has its statutory seat in the Netherlands (III.1.3).")
    expected_years = {case.submitted_on.year - 1, case.submitted_on.year - 2}
    budgets = penvoerder.get("annualBudgets") or []
    for index, budget in enumerate(budgets):
        if money(budget.get("amount")) < case.limits.p2_min_annual_budget:
            yield Finding(f"$.penvoerder.annualBudgets[{index}].amount", "III.1.3", REJECT,
                f"De penvoerder heeft een jaarbegroting van minstens {format_euro(case.limits.p2_min_annual_budget, 'nl')} in elk van de afgelopen 2 jaar "
                f"('over de afgelopen 2 jaar een minimale jaarbegroting van € 0,5 miljoen', III.1.3); in {budget.get('year')} was die lager.",
                f"The penvoerder has an annual budget of at least {format_euro(case.limits.p2_min_annual_budget, 'en')} in each of the last 2 years "
                f"(III.1.3); in {budget.get('year')} it was lower.")
    if {b.get("year") for b in budgets} != expected_years:
        years = " en ".join(str(y) for y in sorted(expected_years))
        yield Finding("$.penvoerder.annualBudgets", "III.1.3", INCOMPLETE,
            f"Geef de jaarbegroting van de afgelopen twee jaar: {years} (III.1.3).",
            f"Give the annual budget of the last two years: {years.replace(' en ', ' and ')} (III.1.3).")


@rule(2)
def pillar_2_partners_in_covenant(case: Case):
    """III.1.3: only civil-society organisations party to a signed covenant to which the Minister is party; no institutional subsidy."""
    covenant = case.document["covenant"]
    if covenant.get("ministerIsParty") is not True:
        yield Finding("$.covenant.ministerIsParty", "III.1.3", REJECT,
            "De Minister moet partij zijn bij het convenant (III.1.3).", "The Minister must be party to the agreement (III.1.3).")
    if date.fromisoformat(covenant["signedDate"]) > case.submitted_on:
        yield Finding("$.covenant.signedDate", "III.1.3", REJECT,
            "Het convenant moet al ondertekend zijn (III.1.3).", "The agreement must already be signed (III.1.3).")
    for path, organisation in organisations(case.document):
        if path != "$.penvoerder" and organisation.get("kind") != "cso":
            yield Finding(f"{path}.kind", "III.1.3", REJECT,
                "Het samenwerkingsverband bestaat alleen uit maatschappelijke organisaties (III.1.3).",
                "The partnership consists only of civil-society organisations (III.1.3).")
        if organisation.get("partyToCovenant") is not True:
            yield Finding(f"{path}.partyToCovenant", "III.1.3", REJECT,
                "Elke partner is partij bij het convenant en neemt deel aan de uitvoering ervan (III.1.3).",
                "Every partner is party to the agreement and takes part in carrying it out (III.1.3).")
        if organisation.get("institutionalSubsidy"):
            yield Finding(f"{path}.institutionalSubsidy", "III.1.3", REJECT,
                "Een organisatie met een instellingssubsidie van Buitenlandse Zaken voor (een deel van) deze periode kan geen partner zijn (III.1.3).",
                "An organisation with an institutional subsidy from Foreign Affairs for (part of) this period cannot be a partner (III.1.3).")


@rule(2)
def pillar_2_declarations(case: Case):
    """III.1.3, III.1.4: integrity policy, support of the other parties, no other Foreign Affairs funding."""
    declarations = case.document["declarations"]
    if declarations.get("integrityPolicy") is not True:
        yield Finding("$.declarations.integrityPolicy", "III.1.3", REJECT,
            "De penvoerder toont aan dat hij en zijn partners een integriteitsbeleid met procedures hebben (III.1.3).",
            "The penvoerder shows that it and its partners have an integrity policy with procedures (III.1.3).")
    if declarations.get("noOtherForeignAffairsFunding") is not True:
        yield Finding("$.declarations.noOtherForeignAffairsFunding", "III.1.4", REJECT,
            "Activiteiten waarvoor al een subsidie of bijdrage van Buitenlandse Zaken is verstrekt, komen niet in aanmerking (III.1.4).",
            "Activities that already received a subsidy or contribution from Foreign Affairs are not eligible (III.1.4).")
    if declarations.get("supportOfOtherParties") is not True:
        yield Finding("$.declarations.supportOfOtherParties", "III.1.3", INCOMPLETE,
            "Verklaar dat de maatschappelijke organisaties in het convenant die niet aanvragen de aanvraag steunen (III.1.3).",
            "Declare that the civil-society organisations in the agreement that do not apply support the application (III.1.3).")


@rule(2)
def extra_activities_name_their_article(case: Case):
    """III.1.4: extra activities are directly linked to a concrete agreement (an article) of the covenant."""
    if "extra" in case.document["activityTypes"] and not (case.document["covenant"].get("article") or "").strip():
        yield Finding("$.covenant.article", "III.1.4", INCOMPLETE,
            "Noem het artikel van het convenant waaraan de extra activiteiten direct gelinkt zijn (III.1.4).",
            "Name the article of the agreement to which the extra activities are directly linked (III.1.4).")


@rule(2)
def basic_or_extra_never_both(case: Case):
    """III.1.4, III.1.6: each application covers basic activities or extra activities, never both."""
    if len(set(case.document["activityTypes"])) > 1:
        yield Finding("$.activityTypes", "III.1.6", REJECT,
            "Een aanvraag gaat over basisactiviteiten óf extra activiteiten; vraag ze apart aan (III.1.4, III.1.6).",
            "An application covers basic activities or extra activities; apply for them separately (III.1.4, III.1.6).")


@rule(2)
def pillar_2_duration(case: Case):
    """III.1.5: within three years (or the covenant's shorter term), completed by 31 December 2025, starting within six months of submission."""
    start, end = case.start, case.end
    if end < start:
        yield Finding("$.project.endDate", "III.1.5", REJECT, "De einddatum ligt vóór de startdatum.", "The end date is before the start date.")
        return
    if not lasts_at_most(start, end, case.limits.p2_max_months):
        yield Finding("$.project.endDate", "III.1.5", REJECT,
            "De activiteiten worden binnen 3 jaar uitgevoerd (III.1.5).", "The activities are carried out within 3 years (III.1.5).")
    covenant_end = date.fromisoformat(case.document["covenant"]["endDate"])
    if end > covenant_end:
        yield Finding("$.project.endDate", "III.1.5", REJECT,
            f"De activiteiten lopen niet langer dan het convenant, dat eindigt op {format_date(covenant_end, 'nl')} (III.1.5).",
            f"The activities do not run longer than the agreement, which ends on {format_date(covenant_end, 'en')} (III.1.5).")
    end_by = case.limits.p2_end_by
    if end > end_by:
        yield Finding("$.project.endDate", "III.1.5", REJECT,
            f"De activiteiten zijn uiterlijk {format_date(end_by, 'nl')} afgerond (III.1.5).",
            f"The activities must be completed by {format_date(end_by, 'en')} (III.1.5).")
    latest_start = add_months(case.submitted_on, case.limits.p2_start_within_months_of_submission)
    if start > latest_start:
        yield Finding("$.project.startDate", "III.1.5", REJECT,
            f"De uitvoering start uiterlijk 6 maanden na de aanvraag, dus uiterlijk {format_date(latest_start, 'nl')} (III.1.5).",
            f"The activities start at the latest 6 months after the application, so by {format_date(latest_start, 'en')} (III.1.5).")


@rule(2)
def pillar_2_ceiling_per_year(case: Case):
    """III.1.6: at most €150,000 per year per activity type; the calculator caps, this tells the applicant."""
    for row in case.calculation.years:
        requested = row["eligible"]["pillar2"] - row["income"]["pillar2"]
        if requested > row["subsidy"]["pillar2"]:
            nl, en = format_euro(row["subsidy"]["pillar2"], "nl"), format_euro(row["subsidy"]["pillar2"], "en")
            yield Finding("$.penvoerder.budget", "III.1.6", WARNING,
                f"In projectjaar {row['year']} is maximaal {nl} subsidie mogelijk ({format_euro(case.limits.p2_max_per_year, 'nl')} op jaarbasis, naar rato per maand, III.1.6).",
                f"In project year {row['year']} at most {en} can be granted ({format_euro(case.limits.p2_max_per_year, 'en')} a year, pro rata per month, III.1.6).")


@rule(2)
def pillar_2_attachments(case: Case):
    """III.2.1 (and III.1.3's annual report): CVs, activity plan, budget; for extra activities the statement of support."""
    attachments = case.document.get("attachments") or {}
    required = {
        "activityPlan": ("het activiteitenplan", "the activity plan", "III.2.1"),
        "budget": ("de begroting", "the budget", "III.2.1"),
        "annualReport": ("het jaarverslag van de penvoerder", "the penvoerder's annual report", "III.1.3"),
    }
    if "extra" in case.document["activityTypes"]:
        required["statementOfSupport"] = ("de (ondertekende) verklaring waaruit blijkt dat de activiteiten gedragen worden door alle geledingen van het convenant",
                                          "the (signed) statement showing that the activities are supported by all constituent groups (geledingen) of the agreement", "III.2.1")
    for key, (nl, en, section) in required.items():
        if not attachments.get(key):
            yield Finding(f"$.attachments.{key}", section, INCOMPLETE, f"Voeg {nl} toe ({section}).", f"Add {en} ({section}).")
    if not attachments.get("cvs"):
        yield Finding("$.attachments.cvs", "III.2.1", INCOMPLETE,
            "Voeg de cv's van de medewerkers toe (III.2.1).", "Add the CVs of the staff (III.2.1).")
