"""Issue 11, operable by design: one JSON log line per request with its correlation id and no personal data,
a metric for every refusal and fault, and an incident id that leads from an applicant's screen to the log."""

import json
import re

import pytest

from tests.conftest import audit_events, complete_records, handler_module, load_event, load_fixture
from tests.integration.test_intake import FlakyClient, _with_client, post, supplement


def personal_values(document) -> set[str]:
    """Every text in an application a person wrote or that names someone (names, e-mail, phone, roles,
    free text, file names): each string value but dates and short codes."""
    found = set()
    if isinstance(document, dict):
        for value in document.values():
            found |= personal_values(value)
    elif isinstance(document, list):
        for value in document:
            found |= personal_values(value)
    elif isinstance(document, str) and len(document) >= 5 and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", document):
        found.add(document)
    return found


def output_lines(capsys) -> list[dict]:
    text = capsys.readouterr().out
    lines = [line for line in text.splitlines() if line.strip()]
    assert all(line.startswith("{") for line in lines), text  # JSON, nothing else
    return [json.loads(line) for line in lines]


def request_lines(lines):
    return [line for line in lines if line.get("message") == "request"]


def metric_values(lines, name):
    return [line for line in lines if "_aws" in line and name in line]


def test_every_refusal_kind_and_a_fault_log_one_line_each_without_personal_data(s3, submit, capsys, monkeypatch):
    complete = load_fixture("pillar1-complete.json")
    incomplete = load_fixture("pillar1-incomplete.json")
    code, stored = post(submit, incomplete, request_id="stored-1")
    assert code == 201
    expected = {"stored-1": 201}
    cases = [
        ("bad-json", lambda rid: submit(load_event("submit-invalid-json.json") | {
            "requestContext": load_event("submit-invalid-json.json")["requestContext"] | {"requestId": rid}}), 400),
        ("media", lambda rid: submit(load_event("submit-wrong-content-type.json") | {
            "requestContext": load_event("submit-wrong-content-type.json")["requestContext"] | {"requestId": rid}}), 415),
        ("invalid", lambda rid: post(submit, load_fixture("pillar1-invalid-schema.json"), request_id=rid)[0], 400),
        ("closed", lambda rid: post(submit, complete, epoch_ms=1695722400001, request_id=rid)[0], 403),
        ("unknown", lambda rid: supplement("IMVO-20230315-NOSUCHAP", "x", complete, request_id=rid)[0], 403),  # as a wrong code
        ("wrong-code", lambda rid: supplement(stored["reference"], "not-the-code", complete, request_id=rid)[0], 403),
        ("too-large", lambda rid: post(submit, complete | {"padding": "x" * 1_100_000}, request_id=rid)[0], 413),
    ]
    for request_id, call, status in cases:
        result = call(request_id)
        assert (result["statusCode"] if isinstance(result, dict) else result) == status, request_id
        expected[request_id] = status
    # a supplement makes it complete; a second one then finds the herstel route closed (nothing missing, no request)
    assert supplement(stored["reference"], stored["supplementToken"], complete, request_id="supplement-ok")[0] == 201
    assert supplement(stored["reference"], stored["supplementToken"], complete, request_id="conflict")[0] == 409
    expected |= {"supplement-ok": 201, "conflict": 409}
    monkeypatch.setenv("IMVO_MALWARE_SCAN", "guardduty")  # no scan result yet: 409 scan_pending
    assert post(handler_module("submit").handler, complete, request_id="pending")[0] == 409
    expected["pending"] = 409
    monkeypatch.setenv("IMVO_MALWARE_SCAN", "none")
    faulty = _with_client(handler_module("submit"), FlakyClient(s3, "applications/"))
    event = load_event("submit-pillar1-valid.json")
    event["requestContext"]["requestId"] = "fault"
    assert faulty(event)["statusCode"] == 503
    expected["fault"] = 503

    # no trace of any refusal or of the fault: the audit trail holds what was stored, and only that
    complete_records("RecordFunction")
    assert [key.rsplit("-", 2)[-2] for key in audit_events(s3)] == ["received", "supplemented"]
    lines = output_lines(capsys)
    logged = request_lines(lines)
    assert sorted(line["correlation_id"] for line in logged) == sorted(expected)  # one line per request
    for line in logged:
        assert line["status"] == expected[line["correlation_id"]], line
        assert line["level"] == "INFO" and line["service"] == "imvo-portal" and line["durationMs"] >= 0
        assert line["receivedAt"].endswith("Z") and line["route"]
    by_id = {line["correlation_id"]: line for line in logged}
    assert by_id["stored-1"]["reference"] == stored["reference"]
    assert {by_id[rid]["refusal"] for rid in ("bad-json", "media", "invalid", "closed", "unknown",
                                              "wrong-code", "too-large", "conflict", "pending")} == {
        "invalid_json", "unsupported_media_type", "invalid", "outside_opening",
        "forbidden", "too_large", "herstel_closed", "scan_pending"}
    assert by_id["unknown"]["refusal"] == by_id["wrong-code"]["refusal"] == "forbidden"  # one answer for both
    assert by_id["fault"]["fault"] == "storage_unavailable" and by_id["fault"]["detail"].startswith("EndpointConnectionError < ")
    output = json.dumps(lines, ensure_ascii=False)
    secrets = personal_values(complete) | personal_values(incomplete) | {stored["supplementToken"], "not-the-code"}
    leaked = sorted(value for value in secrets if value in output)
    assert leaked == []
    # every refusal and fault is counted
    refusals = sorted(line["code"] for line in metric_values(lines, "Refusals"))
    assert refusals == sorted(line["refusal"] for line in logged if "refusal" in line)
    assert len(metric_values(lines, "ServiceUnavailable")) == 1
    assert len(metric_values(lines, "UploadVerificationsFailed")) == 1
    stored_metrics = metric_values(lines, "ApplicationsStored")
    assert [(m["pillar"], m["status"]) for m in stored_metrics] == [("1", "parts_missing")]
    assert stored_metrics[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "IMVO"


def test_an_unexpected_error_answers_500_with_the_incident_id_that_is_in_the_log(s3, capsys, monkeypatch):
    from imvo.intake.applications import Intake

    def broken(self, *args, **kwargs):
        raise RuntimeError("Anna van Dijk, anna@vandijktextiel.example")  # a message that quotes personal data

    monkeypatch.setattr(Intake, "receive", broken)
    response = handler_module("submit").handler(load_event("submit-pillar1-valid.json"))
    assert response["statusCode"] == 500
    error = json.loads(response["body"])["error"]
    assert error["code"] == "internal" and error["incident"] in error["message"]["en"] and error["message"]["nl"]
    lines = output_lines(capsys)
    (line,) = request_lines(lines)
    assert line["incident"] == error["incident"] and line["status"] == 500 and line["fault"] == "unexpected"
    assert line["detail"].startswith("RuntimeError < test_operations.py:")
    assert "Anna" not in json.dumps(lines)
    assert len(metric_values(lines, "InternalErrors")) == 1


@pytest.mark.parametrize("route", ["check", "uploads", "receipt"])
def test_every_public_function_logs_its_request(s3, capsys, route):
    event = load_event("check-pillar1-valid.json" if route == "check" else "submit-pillar1-valid.json")
    if route == "uploads":
        event["rawPath"] = event["requestContext"]["http"]["path"] = "/api/uploads/verify"
        event["body"] = json.dumps({"key": "attachments/fixture-draft-0001/never-uploaded.pdf"})
    if route == "receipt":
        event["pathParameters"] = {"reference": "IMVO-20230315-NOSUCHAP"}
        event["body"] = json.dumps({"token": "x"})
    response = handler_module(route).handler(event)
    (line,) = request_lines(output_lines(capsys))
    assert line["correlation_id"] == event["requestContext"]["requestId"] and line["status"] == response["statusCode"]
