"""Issue 13, property-based: applications generated from our own JSON Schemas (hypothesis-jsonschema), in
numbers bounded by the Hypothesis profile ("ci" in `make test`, "deep" in `make fuzz`).

- /check and submit agree, on status and findings, for any schema-valid application;
- no generated document makes a handler fail;
- the calculator never passes a cap, to the cent (II.1.6: companies €200,000 and civil-society
  organisations together €100,000 per project year; III.1.6: €150,000 per project year, pro rata), and the
  maximum grant is the sum of its parts.
"""

import hashlib
import itertools
import json
from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from imvo.intake.attachments import referenced_attachments
from imvo.intake.validation import resolved_schema
from imvo.programme.facts import load_limits
from imvo.programme.rules import judge
from imvo.settings import PROJECT_ROOT

from tests.conftest import BUCKET, handler_module, load_event, load_fixture

SCHEMAS = {pillar: resolved_schema(PROJECT_ROOT / "schemas", pillar) for pillar in (1, 2)}
APPLICATIONS = st.one_of(from_schema(SCHEMAS[1]), from_schema(SCHEMAS[2]))
LIMITS = load_limits(PROJECT_ROOT / "content" / "data")
INSIDE_THE_FIRST_OPENING_MS = 1678871730250  # 15 March 2023, Artikel 2
UPLOADED = [reference for _, reference in referenced_attachments(load_fixture("pillar1-complete.json"))]
CENT = Decimal("0.01")
_request_ids = itertools.count()


def with_uploaded_attachments(value):
    """The same document, each attachment reference pointing at a file that was really uploaded (the tests'
    fixtures), so that submit judges the application itself rather than a missing file."""
    if isinstance(value, dict):
        if {"key", "sha256"} <= set(value):
            digest = hashlib.sha256(json.dumps(value, sort_keys=True).encode()).digest()
            return dict(UPLOADED[digest[0] % len(UPLOADED)])
        return {k: with_uploaded_attachments(v) for k, v in value.items()}
    if isinstance(value, list):
        return [with_uploaded_attachments(v) for v in value]
    return value


def call(module, event_file: str, document: dict) -> tuple[int, dict]:
    event = load_event(event_file)
    event["body"] = json.dumps(document)
    event["requestContext"]["timeEpoch"] = INSIDE_THE_FIRST_OPENING_MS
    event["requestContext"]["requestId"] = f"property-{next(_request_ids)}"
    response = module.handler(event)
    return response["statusCode"], json.loads(response["body"])


def without_order(findings: list[dict]) -> list[str]:
    return sorted(json.dumps(f, sort_keys=True) for f in findings)


@given(APPLICATIONS)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.filter_too_much])
def test_check_and_submit_agree_on_status_and_findings_and_never_fail(s3, document):
    document = with_uploaded_attachments(document)
    code, checked = call(handler_module("check"), "check-pillar1-valid.json", document)
    assert code == 200, checked
    code, answer = call(handler_module("submit"), "submit-pillar1-valid.json", document)
    assert code < 500, answer
    if checked["status"] in ("parts_present", "parts_missing", "rejection_expected"):
        assert code == 201 and answer["status"] == checked["status"], (checked, answer)
        stored = json.loads(s3.get_object(Bucket=BUCKET, Key=next(
            k["Key"] for k in s3.list_objects_v2(Bucket=BUCKET, Prefix="applications/")["Contents"]
            if answer["reference"] in k["Key"]))["Body"].read())
        assert without_order(stored["findings"]) == without_order(checked["findings"])
        assert stored["calculation"] == checked["calculation"]
    else:
        # Refused is only what cannot be read (a value's type or form): those findings, and no other.
        unreadable = [f for f in checked["findings"] if f["severity"] == "reject" and f["rule"].startswith("schema:")]
        assert code == 400 and without_order(answer["error"]["findings"]) == without_order(unreadable)


@given(APPLICATIONS)
def test_the_calculator_never_passes_a_cap_to_the_cent_and_the_grant_is_the_sum_of_its_parts(document):
    judgement = judge(document, date(2023, 3, 15), limits=LIMITS)
    calculation = judgement.calculation.as_dict()
    caps = ({"companies": LIMITS.p1_company_max_per_year, "cso": LIMITS.p1_cso_max_per_year}
            if document["pillar"] == 1 else {"pillar2": LIMITS.p2_max_per_year})
    amounts = []
    for year in calculation["years"]:
        for group, subsidy in year["subsidy"].items():
            amount = Decimal(subsidy)
            assert Decimal(0) <= amount <= caps[group], (year, group)
            amounts.append(amount)
    partners = [Decimal(p["maximumGrant"]) for p in calculation["partners"]]
    ceilings = {name: Decimal(value) for name, value in calculation["ceilings"].items()}
    amounts += partners + list(ceilings.values()) + [Decimal(calculation["maximumGrant"])]
    assert all(amount == amount.quantize(CENT) for amount in amounts)  # whole cents, nothing finer
    assert Decimal(calculation["maximumGrant"]) == sum(ceilings.values(), Decimal(0)) == sum(partners, Decimal(0))
    for group, ceiling in zip(caps, ceilings.values()):
        # a partner's share is its part of the year's grant: together never more than the years allow
        assert ceiling <= sum((Decimal(y["subsidy"][group]) for y in calculation["years"]), Decimal(0)), group
