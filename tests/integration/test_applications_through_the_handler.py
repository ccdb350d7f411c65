"""The example applications of tests/fixtures through the real handlers on API Gateway events (II, III)."""

import json

import pytest


from tests.conftest import BUCKET, FIXTURES, all_objects, handler_module, load_event, load_fixture


def handler_of(function: str):
    return handler_module(function).handler


def event_with(document: dict, path="/api/applications", request_id="req-1") -> dict:
    event = load_event("submit-pillar1-valid.json")
    event["body"] = json.dumps(document)
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["requestId"] = request_id
    return event


EXPECTED = {
    "pillar1-complete.json": (201, "parts_present"),
    "pillar1-incomplete.json": (201, "parts_missing"),
    "pillar1-rejected-four-companies.json": (201, "rejection_expected"),
    "pillar1-invalid-schema.json": (400, "invalid"),
    "pillar2-complete.json": (201, "parts_present"),
    "pillar2-extra-without-statement.json": (201, "parts_missing"),
    "pillar2-rejected-both-kinds-small-budget.json": (201, "rejection_expected"),
    "pillar2-invalid-schema.json": (400, "invalid"),
}


def test_every_fixture_is_listed():
    assert sorted(p.name for p in FIXTURES.glob("pillar*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_submit_answers_as_the_regulation_judges(s3, name):
    status, outcome = EXPECTED[name]
    response = handler_of("submit")(event_with(load_fixture(name)))
    body = json.loads(response["body"])
    assert response["statusCode"] == status, body
    if status == 201:
        assert body["status"] == outcome
        (key,) = all_objects(s3)
        stored = json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
        assert stored["receipt"]["status"] == outcome
        # I.5: rejecting is the Minister's decision on a received application: stored, with the portal's findings.
        assert (outcome == "rejection_expected") == any(f["severity"] == "reject" for f in stored["findings"])
        assert [f for f in body["portalFindings"] if f["severity"] == "reject"] == [
            f for f in stored["findings"] if f["severity"] == "reject"]
        assert body["portalCheck"]["nl"].endswith("(controle portaal)") and body["portalCheck"]["en"].endswith("(portal check)")
        if outcome != "rejection_expected":
            assert stored["calculation"]["maximumGrant"] == judge_grant(name)
    else:
        assert body["error"]["code"] == outcome
        assert all(f["path"].startswith("$") and f["message"]["nl"] and f["message"]["en"] for f in body["error"]["findings"])
        assert all_objects(s3) == []


def judge_grant(name):
    return {"pillar1": "288000.00", "pillar2": "143250.00"}[name[:7]]


def test_a_rejection_predicted_application_is_stored_and_names_every_reason_with_its_section(s3):
    body = json.loads(handler_of("submit")(event_with(load_fixture("pillar2-rejected-both-kinds-small-budget.json")))["body"])
    assert body["status"] == "rejection_expected"
    found = {(f["path"], f["rule"]) for f in body["portalFindings"] if f["severity"] == "reject"}
    assert found == {("$.activityTypes", "III.1.6"), ("$.penvoerder.annualBudgets[0].amount", "III.1.3")}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_check_is_a_dry_run_with_every_finding_and_the_calculation(s3, name):
    status, outcome = EXPECTED[name]
    response = handler_of("check")(event_with(load_fixture(name), path="/api/applications/check"))
    body = json.loads(response["body"])
    assert response["statusCode"] == 200
    assert body["status"] == outcome
    if outcome == "invalid":
        assert body["calculation"] is None and body["findings"]
    elif outcome == "rejection_expected":
        assert any(f["severity"] == "reject" for f in body["findings"])
    else:
        assert body["calculation"]["maximumGrant"] == judge_grant(name)
    assert body["opening"] == {"open": True, "id": "2022-1"}
    assert all_objects(s3) == []


def test_check_event_file_gives_the_breakdown_per_ceiling(s3):
    body = json.loads(handler_of("check")(load_event("check-pillar1-valid.json"))["body"])
    assert body["calculation"]["ceilings"] == {"pillar1-companies": "231500.00", "pillar1-cso": "56500.00"}
    assert [y["year"] for y in body["calculation"]["years"]] == [1, 2]
    assert body["calculation"]["partners"][0]["path"] == "$.penvoerder"
