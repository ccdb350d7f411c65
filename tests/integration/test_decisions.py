"""The published decisions ("Keuzes in de uitvoering" / "How we apply the rules"): the pages say each
choice with the regulation's sentence it rests on, and the code does what the page says (a test per
decision, named after the decision's anchor)."""

import copy
import json
import re
import sys
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from imvo.admin.allocation import HELD, SECTOR_CAP, WITHIN_CEILING, Candidate, allocate
from imvo.intake.receipt import Receipt
from imvo.programme.calculator import calculate
from imvo.programme.facts import load_facts, load_limits
from imvo.programme.rules import judge
from imvo.settings import PROJECT_ROOT
from tests.conftest import sealed, load_event, load_fixture
from tests.integration.test_regulation_fidelity import not_in_the_regulation, quotes_in
from tests.integration.test_site_content import Page

DATA_DIR = PROJECT_ROOT / "content" / "data"
LIMITS = load_limits(DATA_DIR)
CEILINGS = {"pillar1-companies": Decimal("6000000"), "pillar1-cso": Decimal("3000000"), "pillar2": Decimal("2300000")}
DECISIONS = ["sluitingstijdstip", "toerisme-en-scheepsbouw", "reiskosten", "op-jaarbasis", "de-minimis",
             "loting-per-plafond", "gelijktijdig", "jaarbegroting", "wat-het-portaal-bewaart", "herstelverzoek", "andere-sector", "brancheorganisaties", "per-projectjaar",
             "in-nederland-gevestigd", "controleerbare-volgorde"]
PAGES = {"nl": ("keuzes-in-de-uitvoering", "index.html"), "en": ("en", "how-we-apply-the-rules", "index.html")}


@pytest.mark.parametrize("lang", PAGES)
def test_the_decisions_page_gives_each_decision_with_its_section_in_both_languages(built_site, lang):
    path = built_site.joinpath(*PAGES[lang])
    page = Page(path)
    html = path.read_text(encoding="utf-8")
    assert page.lang == lang
    for decision in DECISIONS:
        assert decision in page.ids, decision
        section = html[html.index(f'id="{decision}"'):]
        section = section[:section.find("<h2", 10) if "<h2" in section[10:] else len(section)]
        assert re.search(r'href="/regeling/#(artikel-\d|i{1,3}-[\d-]+)"', section), f"{decision} links no section"
        assert "<blockquote>" in section, f"{decision} quotes no sentence"
    # the footer of every page links the decisions
    home = Page(built_site / ("index.html" if lang == "nl" else "en/index.html"))
    assert ("/keuzes-in-de-uitvoering/" if lang == "nl" else "/en/how-we-apply-the-rules/") in home.links


def test_every_quoted_sentence_is_the_regulation_word_for_word(built_site):
    """The Dutch quotes on the decisions page, cut only at […], appear in the regulation's text."""
    blockquotes = re.findall(r"<blockquote>(.*?)</blockquote>", built_site.joinpath(*PAGES["nl"]).read_text(encoding="utf-8"), re.S)
    assert len(blockquotes) == len(DECISIONS)
    quotes = [quote for block in blockquotes for quote in quotes_in(block)]
    assert len(quotes) >= len(DECISIONS) and not_in_the_regulation(quotes) == []


def test_a_test_exists_for_every_decision():
    module = sys.modules[__name__]
    for decision in DECISIONS:
        assert callable(getattr(module, "test_decision_" + decision.replace("-", "_"), None)), decision


def _epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def test_decision_sluitingstijdstip(submit, s3):
    """Artikel 2, eerste lid: "tot en met 26 september 2023, 12.00 uur": 12:00:00.000 is in, .001 is out."""
    closing = datetime(2023, 9, 26, 10, 0, 0, tzinfo=timezone.utc)  # 12:00 CEST
    answers = {}
    for label, offset_ms in (("on the stroke", 0), ("one ms later", 1)):
        event = load_event("submit-pillar1-valid.json")
        event["requestContext"]["timeEpoch"] = _epoch_ms(closing) + offset_ms
        event["requestContext"]["requestId"] = f"closing-{offset_ms}"
        answers[label] = submit(event)
    assert answers["on the stroke"]["statusCode"] == 201
    assert json.loads(answers["on the stroke"]["body"])["receivedAtDutch"] == "2023-09-26T12:00:00.000+02:00"
    assert answers["one ms later"]["statusCode"] == 403
    assert json.loads(answers["one ms later"]["body"])["error"]["code"] == "outside_opening"


def _candidate(reference, when, companies=0, cso=0, sector="metaal", pillar=1, pillar2=0):
    receipt = Receipt(_epoch_ms(when), reference)
    return Candidate(reference=reference, received_at=receipt.as_dict()["receivedAt"], request_id=reference,
                     dutch_day=receipt.dutch_day, pillar=pillar, sector=sector, penvoerder=reference,
                     amounts={"pillar1-companies": Decimal(companies), "pillar1-cso": Decimal(cso), "pillar2": Decimal(pillar2)},
                     complete=True)


def test_decision_toerisme_en_scheepsbouw():
    """II.2.1 lists "toerisme en scheepsbouw" as one of twelve sectors; Artikel 4's three grants per sector count them together."""
    sectors = [s["id"] for s in load_facts(DATA_DIR)["sectors"]["items"]]
    assert len(sectors) == 12 and "toerisme-en-scheepsbouw" in sectors
    assert not {"toerisme", "scheepsbouw"} & set(sectors)
    found = [_candidate(f"T{i}", datetime(2023, 3, 1 + i, 9, tzinfo=timezone.utc), 100_000, sector="toerisme-en-scheepsbouw")
             for i in range(4)]
    statuses = [line.status for line in allocate(found, CEILINGS, sealed("seed"))]
    assert statuses == [WITHIN_CEILING] * 3 + [SECTOR_CAP]


def test_decision_reiskosten():
    """I.4.2: travel at most 10% of the total eligible costs of the whole application, not per partner."""
    document = load_fixture("pillar1-complete.json")
    for _, organisation in [("p", document["penvoerder"])] + [("p", p) for p in document["partners"]]:
        for year in organisation["budget"]:
            year["travelCosts"] = 0
    without_travel = calculate(document, date(2023, 5, 1), LIMITS).eligible_costs
    # one partner's travel is far more than 10% of its own costs, but within 10% of the application's total
    allowed = (without_travel / 9).quantize(Decimal("0.01"))
    document["partners"][0]["budget"][0]["travelCosts"] = float(allowed)
    within = calculate(document, date(2023, 5, 1), LIMITS)
    assert within.eligible_costs == without_travel + allowed
    assert not [f for f in within.findings if f.rule == "I.4.2"]
    # above it, every travel item counts for the same share and the total lands on exactly 10%
    document["penvoerder"]["budget"][0]["travelCosts"] = float(allowed)
    over = calculate(document, date(2023, 5, 1), LIMITS)
    assert [f.rule for f in over.findings if f.rule == "I.4.2"] == ["I.4.2"]
    travel_counted = over.eligible_costs - without_travel
    assert abs(travel_counted / over.eligible_costs - Decimal("0.10")) < Decimal("0.000001")


def test_decision_op_jaarbasis():
    """III.1.6: €150,000 per project year; a project year under twelve months pro rata per begun month."""
    document = load_fixture("pillar2-complete.json")
    document["project"].update(startDate="2024-01-01", endDate="2025-08-31")  # twenty months
    for year in document["penvoerder"]["budget"]:
        year["hours"], year["hourlyRate"] = 4000, 87.5  # well above any cap
    calculation = calculate(document, date(2023, 12, 1), LIMITS)
    assert [row["subsidy"]["pillar2"] for row in calculation.years] == [Decimal("150000.00"), Decimal("100000.00")]
    document["project"]["endDate"] = "2025-03-02"  # the third month of year 2 has begun: it counts
    calculation = calculate(document, date(2023, 12, 1), LIMITS)
    assert calculation.years[1]["subsidy"]["pillar2"] == Decimal("37500.00")


def test_decision_de_minimis():
    """I.3, II.1.7, III.1.7: €200,000 per organisation over this and the two previous fiscal years, minus aid received."""
    facts = load_facts(DATA_DIR)["de_minimis"]
    assert (facts["max_per_company"], facts["fiscal_years"]) == (200000, 3)
    document = load_fixture("pillar1-complete.json")
    company = document["partners"][0]
    company["deMinimis"]["previousAid"] = [{"fiscalYear": 2020, "amount": 199_000},  # four years back: not counted
                                           {"fiscalYear": 2021, "amount": 190_000}]  # within the three fiscal years
    calculation = calculate(document, date(2023, 5, 1), LIMITS)
    share = next(p for p in calculation.partners if p["path"] == "$.partners[0]")["maximumGrant"]
    assert share == Decimal("10000.00")
    # pillar 2: an organisation that carries out economic activities is held to the same amount and needs the declaration
    document = load_fixture("pillar2-complete.json")
    document["penvoerder"].update(economicActivity=True, deMinimis={"previousAid": [{"fiscalYear": 2022, "amount": 195_000}]})
    judgement = judge(document, date(2023, 5, 1), limits=LIMITS)
    assert next(p for p in judgement.calculation.partners if p["path"] == "$.penvoerder")["maximumGrant"] == Decimal("5000.00")
    assert ("$.penvoerder.deMinimis.declaration", "III.1.7", "incomplete") in {(f.path, f.rule, f.severity) for f in judgement.findings}


def test_decision_loting_per_plafond():
    """Artikel 3, Artikel 4: only the threatened ceiling's applications are drawn; one on both pillar-1 parts joins whole."""
    day = datetime(2023, 4, 3, 7, tzinfo=timezone.utc)
    found = [_candidate("FULL", datetime(2023, 4, 1, 7, tzinfo=timezone.utc), 5_900_000, sector="bouw")]
    found += [_candidate("BOTH", day.replace(minute=1), 80_000, 40_000, sector="chemie"),  # companies part threatened
              _candidate("COMP", day.replace(minute=2), 80_000, sector="energie"),
              _candidate("CSO", day.replace(minute=3), cso=40_000, sector="metaal"),  # CSO part: far from full
              _candidate("P2", day.replace(minute=4), pillar=2, sector="", pillar2=100_000)]
    lines = allocate(found, CEILINGS, sealed("published"))
    drawn = {line.candidate.reference for line in lines if line.lottery}
    assert drawn == {"BOTH", "COMP"}
    statuses = {line.candidate.reference: line.status for line in lines}
    assert statuses["CSO"] == statuses["P2"] == WITHIN_CEILING
    assert sorted([statuses["BOTH"], statuses["COMP"]]) == [HELD, WITHIN_CEILING]
    # the drawn ones keep the places they held together: the others do not move
    assert [line.candidate.reference for line in lines][3:] == ["CSO", "P2"]


def test_decision_controleerbare_volgorde():
    """Artikel 4, II.3.2, III.3.2 (issue 23): the published worked example is what the allocation computes, and the
    commitment is the seed's SHA-256 (the signing, the log and the draw are tested in test_receipt_log)."""
    from imvo.admin.allocation import Draw, lottery_key, seed_commitment

    seed, root = "imvo-demo-loting-2024", "50f503a74f157c4651fd17ce2f62c4af3d519981498137f1a50bc8133a77fbd7"
    assert seed_commitment(seed) == "9eff8387876b5b061ebe1b524c0997945f0d9277991655c56ff65c9e6b152de0"
    references = ["IMVO-20230316-AAAAAAAA", "IMVO-20230316-BBBBBBBB", "IMVO-20230316-CCCCCCCC"]
    assert lottery_key(seed, root, references[1]).startswith("5627fa58d92e453c")
    draw = Draw(seed, {"2023-03-16": root})
    assert sorted(references, key=lambda r: draw.key("2023-03-16", r)) == [references[1], references[2], references[0]]


def test_decision_gelijktijdig():
    """II.3.2, III.3.2 with Artikel 4's "op enige dag": the same Dutch calendar day, 00:00:00.000 to 23:59:59.999."""
    last = datetime(2023, 4, 3, 21, 59, 59, 999000, tzinfo=timezone.utc)  # 23:59:59.999 CEST
    first = datetime(2023, 4, 3, 22, 0, 0, tzinfo=timezone.utc)  # 00:00:00.000 CEST the next day
    assert Receipt(_epoch_ms(last), "a").dutch_day == "2023-04-03"
    assert Receipt(_epoch_ms(first), "b").dutch_day == "2023-04-04"
    found = [_candidate("FULL", datetime(2023, 4, 1, 7, tzinfo=timezone.utc), 5_800_000, sector="bouw"),
             _candidate("LATE", last, 150_000, sector="chemie"),
             _candidate("EARLY", first, 150_000, sector="energie")]
    lines = allocate(found, CEILINGS, sealed("published"))
    assert not any(line.lottery for line in lines)  # each day alone fits what is left: no lottery joins them
    assert {line.candidate.reference: line.status for line in lines} == {"FULL": WITHIN_CEILING, "LATE": WITHIN_CEILING, "EARLY": HELD}


def test_decision_jaarbegroting():
    """III.1.3: at least €500,000 in each of the last 2 years; an average above it with one year below is not enough."""
    document = load_fixture("pillar2-complete.json")
    document["penvoerder"]["annualBudgets"] = [{"year": 2021, "amount": 650_000}, {"year": 2022, "amount": 450_000}]
    judgement = judge(copy.deepcopy(document), date(2023, 5, 1), limits=LIMITS)
    finding = next(f for f in judgement.findings if f.path == "$.penvoerder.annualBudgets[1].amount")
    assert (finding.rule, finding.severity) == ("III.1.3", "reject")
    assert "in elk van de afgelopen 2 jaar" in finding.message_nl and "in each of the last 2 years" in finding.message_en
    document["penvoerder"]["annualBudgets"][1]["amount"] = 500_000
    assert not [f for f in judge(document, date(2023, 5, 1), limits=LIMITS).findings if f.rule == "III.1.3"]


def test_decision_wat_het_portaal_bewaart(submit, s3):
    """I.5, I.2: rejecting is RVO's decision on a received application: one the portal expects to be rejected is
    stored and receipted with the portal's words; an answer of the wrong form is refused with its field."""
    code, stored = _post(submit, load_fixture("pillar1-rejected-four-companies.json"), "kept")
    assert code == 201 and stored["portalCheck"]["nl"] == "afwijzing verwacht (controle portaal)"
    document = load_fixture("pillar1-complete.json")
    document["project"]["startDate"] = "the first of March"
    code, refused = _post(submit, document, "unreadable")
    assert code == 400 and [f["path"] for f in refused["error"]["findings"]] == ["$.project.startDate"]
    document = load_fixture("pillar1-complete.json")
    document["project"]["summary"] = ""
    code, missing = _post(submit, document, "left-empty")
    assert code == 201 and missing["status"] == "parts_missing"


def test_decision_herstelverzoek(submit, s3):
    """II.2.2: a term given as a date runs to the end of that Dutch day; the portal's own findings until closing."""
    from imvo.casework.herstel import herstel_route
    from imvo.casework.records import term_end
    from imvo.programme.facts import load_openings

    end = term_end(date(2023, 10, 19))
    assert end.isoformat() == "2023-10-19T23:59:59.999000+02:00"
    request = {"items": ["x"], "term": "2023-10-19", "termEndsAt": "2023-10-19T21:59:59.999Z", "requestedAt": "2023-10-05T08:00:00.000Z"}
    opening = load_openings(DATA_DIR)[0]
    missing = {"findings": [{"severity": "incomplete"}]}
    at = lambda text: datetime.fromisoformat(text)  # noqa: E731
    assert herstel_route(missing, [request], None, opening, at("2023-10-19T23:59:59.999+02:00")).open
    assert not herstel_route(missing, [request], None, opening, at("2023-10-20T00:00:00+02:00")).open
    assert herstel_route(missing, [], None, opening, at("2023-09-26T12:00:00+02:00")).open
    assert not herstel_route(missing, [], None, opening, at("2023-09-26T12:00:00.001+02:00")).open
    assert not herstel_route({"findings": []}, [], None, opening, at("2023-03-01T09:00:00+01:00")).open
    assert not herstel_route(missing, [request], {"decision": "granted"}, opening, at("2023-10-10T09:00:00+02:00")).open


def test_decision_andere_sector():
    """II.2.1, II.3.2: three grants per listed sector; applications in "other" count towards none of them."""
    found = [_candidate(f"O{i}", datetime(2023, 3, 1 + i, 9, tzinfo=timezone.utc), 100_000, sector="other") for i in range(4)]
    assert [line.status for line in allocate(found, CEILINGS, sealed("seed"))] == [WITHIN_CEILING] * 4
    assert "other" in json.dumps(json.loads((PROJECT_ROOT / "schemas" / "pillar-1.schema.json").read_text())["properties"]["sector"])


def _post(submit, document, request_id):
    event = load_event("submit-pillar1-valid.json")
    event["body"] = json.dumps(document)
    event["requestContext"]["requestId"] = request_id
    response = submit(event)
    return response["statusCode"], json.loads(response["body"])


def test_decision_brancheorganisaties():
    """II.1.6, Artikel 3: a trade association's grant is in the companies' group and on the €6M part."""
    document = load_fixture("pillar1-complete.json")
    association = copy.deepcopy(document["partners"][0]) | {"name": "Branchevereniging Linnen", "kind": "trade-association",
                                                                      "registrationNumber": "87654321"}
    association.pop("mainlyConsultancy", None)
    document["partners"].append(association)
    calculation = calculate(document, date(2023, 5, 1), LIMITS)
    assert set(calculation.ceilings) == {"pillar1-companies", "pillar1-cso"}
    before = calculate(load_fixture("pillar1-complete.json"), date(2023, 5, 1), LIMITS)
    assert calculation.ceilings["pillar1-companies"] > before.ceilings["pillar1-companies"]
    assert calculation.ceilings["pillar1-cso"] == before.ceilings["pillar1-cso"]
    # and it does not count towards the five companies of II.1.3
    document["partners"] = document["partners"][1:]
    assert "II.1.3" in {f.rule for f in judge(document, date(2023, 5, 1), limits=LIMITS).findings if f.severity == "reject"}


def test_decision_per_projectjaar():
    """II.1.6: €200,000 for companies and trade associations together in each project year, counted from the start."""
    document = load_fixture("pillar1-complete.json")
    for organisation in [document["penvoerder"]] + document["partners"]:
        for year in organisation.get("budget", []):
            year["hours"], year["hourlyRate"] = 3000, 87.5  # far above the cap, every year
    calculation = calculate(document, date(2023, 5, 1), LIMITS)
    assert [row["subsidy"]["companies"] for row in calculation.years] == [Decimal("200000.00")] * len(calculation.years)
    assert len(calculation.years) >= 2


def test_decision_in_nederland_gevestigd():
    """II.1.3: a company counts among the five with its statutory seat in NL, or abroad with an establishment in NL."""
    document = load_fixture("pillar1-complete.json")
    companies = [o for o in document["partners"] if o.get("kind") == "company"]
    companies[0].update(statutorySeatCountry="BE", dutchEstablishment=True)
    assert "II.1.3" not in {f.rule for f in judge(copy.deepcopy(document), date(2023, 5, 1), limits=LIMITS).findings
                            if f.severity == "reject"}
    companies[0]["dutchEstablishment"] = False
    assert "II.1.3" in {f.rule for f in judge(document, date(2023, 5, 1), limits=LIMITS).findings if f.severity == "reject"}
