"""Issue 13: the API contract (schemas/openapi.yaml) held against the running local system by Schemathesis:
no server error for any input, every response as described, and nothing stored for a refused request."""

import json

import boto3
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from imvo.settings import PROJECT_ROOT
from imvo.transparency.receipt_log import LOG_PREFIX
from imvo_local.sam_template import routes

OPENAPI = PROJECT_ROOT / "schemas" / "openapi.yaml"
SCHEMA = schemathesis.openapi.from_path(OPENAPI)
# Explicit examples and fuzzing, bounded by the Hypothesis profile (tests/conftest.py: "ci" in `make test`,
# "deep" in `make fuzz`); the coverage phase, which makes hundreds of boundary cases per operation
# whatever the bound, runs in `make fuzz` only.
if settings._current_profile != "deep":  # noqa: SLF001 - Hypothesis has no public getter for it
    SCHEMA.config.phases.update(phases=["examples", "fuzzing"])
CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance",
          "response_headers_conformance"]


def test_the_description_is_valid_openapi_3_1_and_names_exactly_the_routes_of_the_template():
    spec, url = read_from_filename(str(OPENAPI))
    validate(spec, base_uri=url)
    assert spec["openapi"].startswith("3.1")
    described = {(method.upper(), path) for path, operations in spec["paths"].items() for method in operations}
    assert described == {(route.method, route.path) for route in routes()}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            admin = path.startswith("/api/admin/") and path != "/api/admin/session"
            assert (operation.get("security") == [{"AdminSignIn": []}]) == admin, (method, path)


@pytest.fixture(scope="module")
def admin_token(portal):
    from tests.integration.test_admin_sign_in import sign_in

    status, body = sign_in(portal)
    assert status == 200
    return body["accessToken"]


def _written_in_the_background(key: str, bucket: str = "") -> bool:
    """What admin jobs write while they run, and what the functions after storing write for an application stored
    by an earlier request (its PDF, its kept attachments, its audit events), in their own threads, whatever request
    is being answered; and the batches the receipt log's sequencer appends on its own schedule (log/)."""
    after_storing = not bucket.startswith("imvo-uploads") and (
        key.startswith(("pdf/", "attachments/", "mail-allowance/")) or any(f"-{event}-" in key for event in
                                                        ("received", "supplemented", "emailed", "email_failed")))
    return key.startswith(("jobs/", "bundles/", "audit/bundle-", LOG_PREFIX)) or "-bundled-" in key or after_storing


def record_keys(portal) -> set[str]:
    client = boto3.client("s3", endpoint_url=portal.storage, region_name="eu-west-1",
                          aws_access_key_id="local", aws_secret_access_key="local")
    keys = set()
    for bucket in (portal.bucket, portal.uploads_bucket):
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            keys |= {f"{bucket}/{item['Key']}" for item in page.get("Contents", []) if not _written_in_the_background(item["Key"], bucket)}
    return keys


@SCHEMA.parametrize()
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
def test_the_local_system_keeps_the_contract(case, portal, admin_token):
    before = record_keys(portal)
    headers = {"Authorization": f"Bearer {admin_token}"} if case.path.startswith("/api/admin/") else {}
    response = case.call(base_url=portal.site, headers=headers, timeout=60)
    case.validate_response(response, checks=[getattr(schemathesis.checks, name) for name in CHECKS])
    if response.status_code >= 400:
        assert record_keys(portal) == before, (case.path, response.status_code, json.loads(response.text)["error"]["code"])
