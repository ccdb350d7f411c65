"""Pillar-2 rules (III), each with a case on either side of its boundary."""

from datetime import date
from decimal import Decimal

import pytest

from imvo.programme.rules import judge

from tests.conftest import load_fixture

SUBMITTED = date(2023, 3, 15)


@pytest.fixture
def app():
    return load_fixture("pillar2-complete.json")


def findings(document, rule=None, submitted=SUBMITTED):
    return [(f.path, f.severity) for f in judge(document, submitted).findings if rule is None or f.rule == rule]


def test_complete_example_has_no_findings(app):
    assert findings(app) == []


# III.1.3 --------------------------------------------------------------------------------------

@pytest.mark.parametrize("amount, ok", [(500000, True), (499999.99, False)])
def test_iii_1_3_penvoerder_annual_budget_at_least_half_a_million(app, amount, ok):
    app["penvoerder"]["annualBudgets"][1]["amount"] = amount
    assert (findings(app, "III.1.3") == []) == ok


def test_iii_1_3_annual_budgets_of_the_last_two_years(app):
    app["penvoerder"]["annualBudgets"][0]["year"] = 2020
    assert findings(app, "III.1.3") == [("$.penvoerder.annualBudgets", "incomplete")]


def test_iii_1_3_penvoerder_is_a_dutch_civil_society_organisation(app):
    app["penvoerder"]["statutorySeatCountry"] = "BE"
    app["penvoerder"]["kind"] = "company"
    assert set(findings(app, "III.1.3")) == {("$.penvoerder.statutorySeatCountry", "reject"), ("$.penvoerder.kind", "reject")}


def test_iii_1_3_every_partner_a_civil_society_organisation_in_the_covenant(app):
    app["partners"][0]["kind"] = "trade-association"
    app["partners"][0]["partyToCovenant"] = False
    assert set(findings(app, "III.1.3")) == {("$.partners[0].kind", "reject"), ("$.partners[0].partyToCovenant", "reject")}


def test_iii_1_3_minister_party_and_covenant_signed(app):
    app["covenant"]["ministerIsParty"] = False
    app["covenant"]["signedDate"] = "2023-03-16"  # the day after the application
    assert set(findings(app, "III.1.3")) == {("$.covenant.ministerIsParty", "reject"), ("$.covenant.signedDate", "reject")}
    app["covenant"]["ministerIsParty"] = True
    app["covenant"]["signedDate"] = "2023-03-15"
    assert findings(app, "III.1.3") == []


def test_iii_1_3_no_partner_with_an_institutional_subsidy(app):
    app["partners"][0]["institutionalSubsidy"] = True
    assert findings(app, "III.1.3") == [("$.partners[0].institutionalSubsidy", "reject")]


# III.1.4 – III.1.6 ----------------------------------------------------------------------------

def test_iii_1_6_basic_or_extra_never_both(app):
    app["activityTypes"] = ["basic", "extra"]
    assert ("$.activityTypes", "reject") in findings(app, "III.1.6")
    app["activityTypes"] = ["extra"]
    assert findings(app, "III.1.6") == []


def test_iii_2_1_extra_activities_need_the_statement_of_support(app):
    app["activityTypes"] = ["extra"]
    assert findings(app, "III.2.1") == [("$.attachments.statementOfSupport", "incomplete")]
    app["attachments"]["statementOfSupport"] = app["attachments"]["budget"]
    assert findings(app, "III.2.1") == []


def _budget(app, amount_per_partner_year_hours, start, end):
    app["project"]["startDate"], app["project"]["endDate"] = start, end
    app["penvoerder"]["budget"] = [{"year": 1, "hours": amount_per_partner_year_hours, "hourlyRate": 87.5}]
    app["partners"][0]["budget"] = [{"year": 1, "hours": 0, "hourlyRate": 87.5}]
    return app


def test_iii_1_6_150000_pro_rata_for_seven_months(app):
    # 1 April – 31 October 2023: seven months → at most 7/12 × €150,000 = €87,500.
    within = judge(_budget(app, 1000, "2023-04-01", "2023-10-31"), SUBMITTED)  # €87,500 eligible
    assert within.calculation.ceilings["pillar2"] == Decimal("87500.00")
    assert [f for f in within.findings if f.rule == "III.1.6"] == []
    over = judge(_budget(app, 1000.12, "2023-04-01", "2023-10-31"), SUBMITTED)  # €87,510.50
    assert over.calculation.ceilings["pillar2"] == Decimal("87500.00")
    assert [(f.path, f.severity) for f in over.findings if f.rule == "III.1.6"] == [("$.penvoerder.budget", "warning")]


def test_iii_1_6_a_full_year_allows_150000(app):
    result = judge(_budget(app, 2000, "2023-04-01", "2024-03-31"), SUBMITTED)  # €175,000 eligible
    assert result.calculation.ceilings["pillar2"] == Decimal("150000.00")


@pytest.mark.parametrize("end, ok", [("2025-12-31", True), ("2026-01-01", False)])
def test_iii_1_5_completed_by_31_december_2025(app, end, ok):
    app["project"]["startDate"], app["project"]["endDate"] = "2023-06-01", end
    app["covenant"]["endDate"] = "2026-12-31"
    assert (("$.project.endDate", "reject") not in findings(app, "III.1.5")) == ok


@pytest.mark.parametrize("end, ok", [("2025-05-31", True), ("2025-06-01", False)])
def test_iii_1_5_within_three_years(app, end, ok):
    app["project"]["startDate"], app["project"]["endDate"] = "2022-06-01", end
    assert (("$.project.endDate", "reject") not in findings(app, "III.1.5", submitted=date(2022, 5, 1))) == ok


@pytest.mark.parametrize("end, ok", [("2024-06-30", True), ("2024-07-01", False)])
def test_iii_1_5_not_longer_than_the_covenant(app, end, ok):
    app["covenant"]["endDate"] = "2024-06-30"
    app["project"]["endDate"] = end
    assert (("$.project.endDate", "reject") not in findings(app, "III.1.5")) == ok


@pytest.mark.parametrize("start, ok", [("2023-09-15", True), ("2023-09-16", False)])
def test_iii_1_5_start_within_six_months_of_submission(app, start, ok):
    app["project"]["startDate"] = start
    assert (("$.project.startDate", "reject") not in findings(app, "III.1.5")) == ok


def test_iii_1_4_no_other_foreign_affairs_funding(app):
    app["declarations"]["noOtherForeignAffairsFunding"] = False
    assert findings(app, "III.1.4") == [("$.declarations.noOtherForeignAffairsFunding", "reject")]


def test_iii_2_1_cvs_activity_plan_and_budget(app):
    del app["attachments"]["cvs"]
    del app["attachments"]["activityPlan"]
    assert set(findings(app, "III.2.1")) == {("$.attachments.cvs", "incomplete"), ("$.attachments.activityPlan", "incomplete")}


def test_iii_1_4_extra_activities_name_the_covenant_article(app):
    app["activityTypes"] = ["extra"]
    app["attachments"]["statementOfSupport"] = app["attachments"]["activityPlan"]
    app["covenant"].pop("article", None)
    assert findings(app, "III.1.4") == [("$.covenant.article", "incomplete")]
    app["covenant"]["article"] = "Artikel 7: leefbaar loon"
    assert findings(app, "III.1.4") == []


@pytest.mark.parametrize("economic, declared, expected", [
    (False, False, []),
    (True, False, [("$.partners[0].deMinimis.declaration", "incomplete")]),
    (True, True, []),
])
def test_iii_1_7_de_minimis_declaration_when_the_organisation_carries_out_economic_activities(app, economic, declared, expected):
    partner = app["partners"][0]
    partner["economicActivity"] = economic
    if declared:
        partner["deMinimis"] = {"declaration": app["attachments"]["budget"]}
    assert findings(app, "III.1.7") == expected
