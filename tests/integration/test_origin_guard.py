"""Only requests that passed CloudFront reach the API (issue 24, item 5): the functions compare x-origin-verify with
the secret read at run time from Secrets Manager, accept the previous value through a rotation, and refuse
everything (fail closed) in a deployed environment without the secret."""

import json

import boto3
import pytest

from imvo.api.origin import ORIGIN_HEADER

from tests.conftest import all_objects, handler_module, load_event, load_fixture

CHECK_EVENT = "check-pillar1-valid.json"


@pytest.fixture
def origin_secret(s3, monkeypatch):
    """The template's OriginVerifySecret in moto's Secrets Manager, named in the functions' environment."""
    client = boto3.client("secretsmanager", region_name="eu-west-1")
    arn = client.create_secret(Name="imvo-origin-verify-test", SecretString="first-value-" + "x" * 36)["ARN"]
    monkeypatch.setenv("IMVO_ORIGIN_SECRET_ID", arn)
    return client, arn


def _check(handler, origin: str | None):
    event = load_event(CHECK_EVENT)
    event["headers"].pop(ORIGIN_HEADER, None)
    if origin is not None:
        event["headers"][ORIGIN_HEADER] = origin
    response = handler(event)
    return response["statusCode"], json.loads(response["body"])


def test_a_request_without_the_edges_header_or_with_a_wrong_one_is_refused(origin_secret):
    check = handler_module("check").handler
    for origin in (None, "", "first-value-" + "x" * 35 + "y"):
        status, body = _check(check, origin)
        assert status == 403 and body["error"]["message"]["en"] == "Use the API through the website.", origin
    assert _check(check, "first-value-" + "x" * 36)[0] == 200


def test_a_rotated_secret_is_taken_and_the_previous_value_still_passes_until_cloudfront_has_the_new_one(
        origin_secret, monkeypatch):
    import imvo.api.origin as origin

    client, arn = origin_secret
    check = handler_module("check").handler
    assert _check(check, "first-value-" + "x" * 36)[0] == 200
    client.put_secret_value(SecretId=arn, SecretString="second-value-" + "z" * 35)  # AWSCURRENT; the first is AWSPREVIOUS
    monkeypatch.setattr(origin, "REFRESH_SECONDS", -1)  # the container's cached values have aged out
    assert _check(check, "second-value-" + "z" * 35)[0] == 200
    assert _check(check, "first-value-" + "x" * 36)[0] == 200
    client.put_secret_value(SecretId=arn, SecretString="third-value-" + "q" * 36)
    assert _check(check, "first-value-" + "x" * 36)[0] == 403  # two rotations on: no longer accepted


def test_a_deployed_function_without_the_secret_refuses_everything_and_stores_nothing(s3, monkeypatch):
    monkeypatch.setenv("IMVO_ENVIRONMENT", "test")
    monkeypatch.delenv("IMVO_ORIGIN_SECRET_ID", raising=False)
    event = load_event("submit-pillar1-valid.json")
    event["body"] = json.dumps(load_fixture("pillar1-complete.json"))
    event["headers"][ORIGIN_HEADER] = "anything"
    response = handler_module("submit").handler(event)
    body = json.loads(response["body"])
    assert response["statusCode"] == 500 and body["error"]["code"] == "internal" and body["error"]["incident"]
    assert all_objects(s3) == []


def test_the_local_server_adds_the_edges_header_itself_over_any_the_caller_sends(portal):
    """`make run` plays CloudFront's part (OriginCustomHeaders overwrite a viewer's header of the same name), so the
    functions' check runs locally too, against the embedded Secrets Manager."""
    import urllib.request

    request = urllib.request.Request(f"{portal.site}/api/applications/check", method="POST",
                                     data=json.dumps(load_fixture("pillar1-complete.json")).encode(),
                                     headers={"content-type": "application/json", ORIGIN_HEADER: "forged"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 200
