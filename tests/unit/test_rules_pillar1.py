"""Pillar-1 rules (II, I.4), each with a case on either side of its boundary."""

import copy
from datetime import date
from decimal import Decimal

import pytest

from imvo.programme.rules import judge

from tests.conftest import load_fixture

SUBMITTED = date(2023, 3, 15)


@pytest.fixture
def app():
    return load_fixture("pillar1-complete.json")


def findings(document, rule=None, grant_date=None, submitted=SUBMITTED):
    found = judge(document, submitted, grant_date).findings
    return [(f.path, f.severity) for f in found if rule is None or f.rule == rule]


def test_complete_example_has_no_findings(app):
    assert findings(app) == []


# II.1.3 ---------------------------------------------------------------------------------------

def test_ii_1_3_five_companies_pass_four_are_rejected(app):
    assert findings(app, "II.1.3") == []
    four = copy.deepcopy(app)
    four["partners"][0]["kind"] = "trade-association"  # a trade association does not count
    assert ("$.partners", "reject") in findings(four, "II.1.3")


def test_ii_1_3_civil_society_partner_does_not_count_towards_five(app):
    app["partners"][1]["kind"] = "cso"
    assert ("$.partners", "reject") in findings(app, "II.1.3")


def test_ii_1_3_mainly_consultancy_company_cannot_be_partner(app):
    app["partners"][3]["mainlyConsultancy"] = True
    assert set(findings(app, "II.1.3")) == {("$.partners", "reject"), ("$.partners[3].mainlyConsultancy", "reject")}


def test_ii_1_3_company_not_established_in_nl_does_not_count(app):
    app["partners"][3]["dutchEstablishment"] = False  # seated in Sweden, no Dutch establishment
    assert ("$.partners", "reject") in findings(app, "II.1.3")


def test_ii_1_3_penvoerder_seated_abroad_with_dutch_establishment_is_allowed(app):
    app["penvoerder"]["statutorySeatCountry"] = "BE"
    app["penvoerder"]["dutchEstablishment"] = True
    assert findings(app, "II.1.3") == []
    app["penvoerder"]["dutchEstablishment"] = False
    assert ("$.penvoerder.dutchEstablishment", "reject") in findings(app, "II.1.3")


def test_ii_1_3_penvoerder_must_be_a_company(app):
    app["penvoerder"]["kind"] = "trade-association"
    assert ("$.penvoerder.kind", "reject") in findings(app, "II.1.3")


def test_ii_1_3_integrity_policy_in_phase_a_is_a_warning(app):
    app["partners"][0]["integrityPolicy"] = "in-phase-a"
    assert findings(app, "II.1.3") == [("$.partners[0].integrityPolicy", "warning")]


# II.1.5 ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("end, ok", [("2025-05-31", True), ("2025-05-30", False)])
def test_ii_1_5_at_least_24_months(app, end, ok):
    app["project"]["startDate"], app["project"]["endDate"] = "2023-06-01", end  # 24 months / 23 months 30 days
    assert (("$.project.endDate", "reject") not in findings(app, "II.1.5")) == ok


@pytest.mark.parametrize("end, ok", [("2026-05-31", True), ("2026-06-01", False)])
def test_ii_1_5_at_most_36_months(app, end, ok):
    app["project"]["startDate"], app["project"]["endDate"] = "2023-06-01", end
    assert (("$.project.endDate", "reject") not in findings(app, "II.1.5")) == ok


@pytest.mark.parametrize("end, ok", [("2028-08-31", True), ("2028-09-01", False)])
def test_ii_1_5_completed_by_31_august_2028(app, end, ok):
    app["project"]["startDate"], app["project"]["endDate"] = "2026-01-01", end
    result = findings(app, "II.1.5", grant_date=date(2025, 12, 1), submitted=date(2025, 11, 1))
    assert (("$.project.endDate", "reject") not in result) == ok


@pytest.mark.parametrize("start, ok", [("2024-01-31", True), ("2024-02-01", False)])
def test_ii_1_5_start_within_six_months_of_the_grant(app, start, ok):
    app["project"]["startDate"], app["project"]["endDate"] = start, "2026-12-31"
    result = findings(app, "II.1.5", grant_date=date(2023, 7, 31))
    assert (("$.project.startDate", "reject") not in result) == ok


def test_ii_1_5_late_start_is_only_a_warning_before_the_grant_is_known(app):
    app["project"]["startDate"], app["project"]["endDate"] = "2023-09-16", "2025-12-31"  # > 15 Sep 2023
    assert findings(app, "II.1.5") == [("$.project.startDate", "warning")]


# II.1.6 ---------------------------------------------------------------------------------------

def _one_year_budget(app, company_hours, cso_hours):
    for _, org in [("$.penvoerder", app["penvoerder"])] + [(None, p) for p in app["partners"]]:
        hours = cso_hours if org["kind"] == "cso" else company_hours
        org["budget"] = [{"year": 1, "hours": hours, "hourlyRate": 87.5}]
        org["ownContribution"] = {"sources": [{"source": "Own funds", "amount": 1000000, "fromForeignAffairsBudget": False}]}
    return app


def test_ii_1_6_companies_50_percent_up_to_200000_per_year(app):
    # 5 companies × 914.29 h × €87.50 = €400,000.00 eligible → 50% = €200,000.00, exactly the cap.
    calc = judge(_one_year_budget(app, Decimal("914.2857142857"), 0), SUBMITTED).calculation
    assert calc.years[0]["subsidy"]["companies"] == Decimal("200000.00")
    more = judge(_one_year_budget(app, 1000, 0), SUBMITTED).calculation  # €437,500 eligible
    assert more.years[0]["subsidy"]["companies"] == Decimal("200000.00")
    less = judge(_one_year_budget(app, 800, 0), SUBMITTED).calculation  # €350,000 eligible
    assert less.years[0]["subsidy"]["companies"] == Decimal("175000.00")


def test_ii_1_6_civil_society_100_percent_up_to_100000_per_year(app):
    within = judge(_one_year_budget(app, 100, 1142.85), SUBMITTED).calculation  # €99,999.38
    assert within.years[0]["subsidy"]["cso"] == Decimal("99999.38")
    over = judge(_one_year_budget(app, 100, 1143), SUBMITTED).calculation  # €100,012.50
    assert over.years[0]["subsidy"]["cso"] == Decimal("100000.00")


def test_ii_1_6_income_is_deducted_from_the_subsidy(app):
    app = _one_year_budget(app, 800, 0)
    app["penvoerder"]["budget"][0]["income"] = 5000
    assert judge(app, SUBMITTED).calculation.years[0]["subsidy"]["companies"] == Decimal("170000.00")


def test_ii_1_6_own_contribution_not_from_foreign_affairs(app):
    app["partners"][0]["ownContribution"]["sources"][0]["fromForeignAffairsBudget"] = True
    assert findings(app, "II.1.6") == [("$.partners[0].ownContribution.sources[0].fromForeignAffairsBudget", "reject")]


def test_ii_2_1_own_contribution_must_be_covered(app):
    # Partner 0's own contribution: €73,000 eligible − €36,500 grant = €36,500; €40,000 covers it.
    app["partners"][0]["ownContribution"]["sources"][0]["amount"] = 36500
    assert findings(app, "II.2.1") == []
    app["partners"][0]["ownContribution"]["sources"][0]["amount"] = 36499.99
    assert findings(app, "II.2.1") == [("$.partners[0].ownContribution", "incomplete")]


# II.1.7 ---------------------------------------------------------------------------------------

def test_ii_1_7_de_minimis_counts_this_and_two_previous_fiscal_years(app):
    # Partner 0 gets €36,500; with earlier aid of €163,500 it reaches exactly €200,000.
    app["partners"][0]["deMinimis"]["previousAid"] = [{"fiscalYear": 2021, "amount": 100000}, {"fiscalYear": 2023, "amount": 63500},
                                                      {"fiscalYear": 2020, "amount": 150000}]  # 2020 is outside the three years
    assert findings(app, "II.1.7") == []
    app["partners"][0]["deMinimis"]["previousAid"][1]["amount"] = 63500.01
    calc = judge(app, SUBMITTED)
    assert [(f.path, f.severity) for f in calc.findings if f.rule == "II.1.7"] == [("$.partners[0].deMinimis.previousAid", "warning")]
    assert calc.calculation.partners[1]["maximumGrant"] == Decimal("36499.99")


def test_ii_1_7_every_company_adds_its_declaration(app):
    del app["partners"][2]["deMinimis"]["declaration"]
    assert findings(app, "II.1.7") == [("$.partners[2].deMinimis.declaration", "incomplete")]


# I.4 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("rate, warned", [(87.50, False), (87.51, True)])
def test_i_4_2_hourly_rate_at_most_87_50(app, rate, warned):
    app["partners"][0]["budget"][0]["hourlyRate"] = rate
    result = judge(app, SUBMITTED)
    assert (("$.partners[0].budget[0].hourlyRate", "warning") in [(f.path, f.severity) for f in result.findings]) == warned
    assert result.calculation.partners[1]["eligibleCosts"] == Decimal("73000.00")  # 87.51 counts as 87.50


def test_i_4_1_project_management_at_most_10_percent_of_days(app):
    total_hours = 5400  # all partners, all years
    other_pm = 380 - 120  # project management hours outside the penvoerder's first year
    app["penvoerder"]["budget"][0]["projectManagementHours"] = total_hours * 0.10 - other_pm  # exactly 10%
    assert findings(app, "I.4.1") == []
    app["penvoerder"]["budget"][0]["projectManagementHours"] = total_hours * 0.10 - other_pm + 1
    assert findings(app, "I.4.1") == [("$.penvoerder.budget", "warning")]


def test_i_4_2_travel_at_most_10_percent_of_eligible_costs(app):
    calc = judge(app, SUBMITTED).calculation
    rest = calc.eligible_costs - Decimal("16000")  # travel in the example: €16,000
    app["penvoerder"]["budget"][0]["travelCosts"] = float(rest / 9 - Decimal("16000") + Decimal("2500"))
    assert findings(app, "I.4.2") == []
    app["penvoerder"]["budget"][0]["travelCosts"] += 1
    assert findings(app, "I.4.2") == [("$.penvoerder.budget", "warning")]


def test_i_4_3_non_eligible_cost_types_are_left_out(app):
    before = judge(app, SUBMITTED).calculation.eligible_costs
    app["penvoerder"]["budget"][0]["otherCosts"] = [
        {"description": "Interest on a bridging loan", "costType": "financing", "amount": 2000},
        {"description": "Workshop venue", "costType": "other-eligible", "amount": 1000}]
    result = judge(app, SUBMITTED)
    assert [(f.path, f.rule) for f in result.findings] == [("$.penvoerder.budget[0].otherCosts[0].costType", "I.4.3")]
    assert result.calculation.eligible_costs == before + 1000


def test_i_4_1_start_before_the_application(app):
    app["project"]["startDate"], app["project"]["endDate"] = "2023-03-14", "2025-12-31"
    assert findings(app, "I.4.1") == [("$.project.startDate", "warning")]
    app["project"]["startDate"] = "2023-03-15"
    assert findings(app, "I.4.1") == []


# II.2.1 ---------------------------------------------------------------------------------------

def test_ii_2_1_other_sector_needs_a_justification(app):
    app["sector"] = "other"
    assert findings(app, "II.2.1") == [("$.sectorJustification", "incomplete")]
    app["sectorJustification"] = "The partnership covers the toy industry, which is none of the listed sectors."
    assert findings(app, "II.2.1") == []


def test_ii_2_1_every_required_attachment(app):
    app["attachments"]["partnerForms"].pop()
    del app["attachments"]["budget"]
    assert set(findings(app, "II.2.1")) == {("$.attachments.partnerForms", "incomplete"), ("$.attachments.budget", "incomplete")}


def test_ii_2_1_declarations_must_all_be_made(app):
    app["declarations"]["fmoExclusionList"] = False
    assert findings(app, "II.2.1") == [("$.declarations.fmoExclusionList", "reject")]


def test_ii_2_1_dutch_text_gets_a_warning(app):
    app["project"]["summary"] = "Vijf ondernemingen werken samen aan de aanpak van de risico's in de keten van hun kleding."
    assert findings(app, "II.2.1") == [("$.project.summary", "warning")]


def test_judgement_status_follows_the_worst_finding(app):
    assert judge(app, SUBMITTED).status == "parts_present"
    del app["attachments"]["budget"]
    assert judge(app, SUBMITTED).status == "parts_missing"
    app["declarations"]["oecdGuidelines"] = False
    assert judge(app, SUBMITTED).status == "rejection_expected"


def test_the_figures_come_from_the_programme_data_file(app, tmp_path):
    """One place for the figures: content/data/programme.json, read by the site and by these rules."""
    import json

    from imvo.programme.facts import load_limits
    from imvo.settings import PROJECT_ROOT

    facts = json.loads((PROJECT_ROOT / "content" / "data" / "programme.json").read_text())
    assert load_limits(PROJECT_ROOT / "content" / "data").hourly_rate_max == Decimal("87.50")
    facts["costs"]["hourly_rate_max"]["value"] = "80.00"
    (tmp_path / "programme.json").write_text(json.dumps(facts))
    found = judge(app, SUBMITTED, limits=load_limits(tmp_path)).findings
    assert ("$.penvoerder.budget[0].hourlyRate", "I.4.2") in [(f.path, f.rule) for f in found]
    assert "maximum van € 80;" in next(f.message_nl for f in found if f.rule == "I.4.2")


def test_ii_1_7_footnote_24_a_cso_or_trade_association_with_economic_activities_needs_the_de_minimis_declaration(app):
    """II.1.7 and its footnote 24: the subsidy to civil-society organisations that carry out economic activities
    may be state aid too; without economic activities none is asked."""
    cso_index = next(i for i, p in enumerate(app["partners"]) if p["kind"] == "cso")
    app["partners"][cso_index].pop("deMinimis", None)
    assert not [f for f in judge(app, SUBMITTED).findings if f.path == f"$.partners[{cso_index}].deMinimis.declaration"]
    app["partners"][cso_index]["economicActivity"] = True
    (finding,) = [f for f in judge(app, SUBMITTED).findings if f.path == f"$.partners[{cso_index}].deMinimis.declaration"]
    assert (finding.rule, finding.severity) == ("II.1.7", "incomplete") and "footnote 24" in finding.message_en
