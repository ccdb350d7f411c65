"""Intake (Artikel 4, II.2.2, III.2.2): windows, write-once storage, retries, faults, herstel, attachments."""

import base64
import copy
import hashlib
import io
import json

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from pypdf import PdfReader

from imvo.intake.storage import AlreadyStored, ApplicationStore

from tests.conftest import (BUCKET, UPLOADS_BUCKET, all_objects, complete_records, fixture_attachment_bytes, handler_module,
                            load_event, load_fixture, record_attachments)



def post(handler, document, epoch_ms=1678871730250, request_id="req-1", key=None, path="/api/applications", **extra):
    event = load_event("submit-pillar1-valid.json")
    event["body"] = json.dumps(document)
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["timeEpoch"] = epoch_ms
    event["requestContext"]["requestId"] = request_id
    if key:
        event["headers"]["idempotency-key"] = key
    event.update(extra)
    response = handler(event)
    return response["statusCode"], json.loads(response["body"]) if not response.get("isBase64Encoded") else response


# --- Opening windows in Dutch time (Artikel 2) --------------------------------------------------

@pytest.mark.parametrize("epoch_ms, status", [
    (1695722400000, 201),  # 26 Sep 2023 12:00:00.000 CEST: the last millisecond inside
    (1695722400001, 403),  # 12:00:00.001 CEST: the first outside; a UTC comparison would accept it
    (1665352799999, 403),  # 9 Oct 2022 23:59:59.999 CEST: before the opening
    (1665352800000, 201),  # 10 Oct 2022 00:00:00.000 CEST: the first millisecond inside
])
def test_artikel_2_window_edges_at_the_handler(submit, s3, epoch_ms, status):
    code, body = post(submit, load_fixture("pillar1-complete.json"), epoch_ms=epoch_ms, request_id=f"r{epoch_ms}")
    assert code == status, body
    assert len(all_objects(s3)) == (1 if status == 201 else 0)


def test_night_of_the_switch_to_winter_time_keeps_order_and_dutch_day(submit, s3):
    # 30 Oct 2022: 02:30 CEST (00:30 UTC) comes before 02:30 CET (01:30 UTC), same Dutch day.
    _, first = post(submit, load_fixture("pillar1-complete.json"), epoch_ms=1667089800000, request_id="a")
    _, second = post(submit, load_fixture("pillar1-complete.json"), epoch_ms=1667093400000, request_id="b")
    assert first["receivedAtDutch"] == "2022-10-30T02:30:00.000+02:00"
    assert second["receivedAtDutch"] == "2022-10-30T02:30:00.000+01:00"
    assert first["dutchDay"] == second["dutchDay"] == "2022-10-30"
    assert sorted(all_objects(s3)) == [f"applications/2022-10-30/1667089800000-{first['reference']}.json",
                                       f"applications/2022-10-30/1667093400000-{second['reference']}.json"]


def test_night_of_the_switch_to_summer_time(submit, s3):
    # 26 Mar 2023 01:30 UTC is 03:30 CEST: 02:00-03:00 does not exist that night.
    _, receipt = post(submit, load_fixture("pillar1-complete.json"), epoch_ms=1679794200000)
    assert receipt["receivedAtDutch"] == "2023-03-26T03:30:00.000+02:00"


# --- Write-once storage ------------------------------------------------------------------------

class RefusingClient:
    def __init__(self, code, status):
        self.code, self.status = code, status

    def put_object(self, **kwargs):
        assert kwargs["IfNoneMatch"] == "*"
        raise ClientError({"Error": {"Code": self.code}, "ResponseMetadata": {"HTTPStatusCode": self.status}}, "PutObject")


@pytest.mark.parametrize("code, status", [("PreconditionFailed", 412), ("ConditionalRequestConflict", 409)])
def test_conditional_put_refusals_both_mean_already_stored(code, status):
    with pytest.raises(AlreadyStored):
        ApplicationStore(RefusingClient(code, status), BUCKET).put_new("k", b"{}")


def test_existing_key_is_never_overwritten(s3):
    store = ApplicationStore(s3, BUCKET)
    store.put_new("applications/x.json", b'{"a": 1}')
    with pytest.raises(AlreadyStored):
        store.put_new("applications/x.json", b'{"a": 2}')
    assert s3.get_object(Bucket=BUCKET, Key="applications/x.json")["Body"].read() == b'{"a": 1}'


# --- Retries with an Idempotency-Key -----------------------------------------------------------

def test_same_key_returns_the_same_receipt_and_stores_nothing_new(submit, s3):
    document = load_fixture("pillar1-complete.json")
    code1, first = post(submit, document, request_id="one", key="draft-123456789")
    code2, second = post(submit, document, epoch_ms=1678871790000, request_id="two", key="draft-123456789")
    assert code1 == code2 == 201
    assert second["reference"] == first["reference"] and second["receivedAt"] == first["receivedAt"]
    assert second["supplementToken"] == first["supplementToken"] and second["replayed"] is True
    assert len([k for k in all_objects(s3) if k.startswith("applications/")]) == 1


def test_same_key_with_another_body_is_409(submit, s3):
    document = load_fixture("pillar1-complete.json")
    post(submit, document, key="draft-123456789")
    document["project"]["title"] = "Another title"
    code, body = post(submit, document, request_id="two", key="draft-123456789")
    assert code == 409 and body["error"]["code"] == "conflict"
    assert len([k for k in all_objects(s3) if k.startswith("applications/")]) == 1


def test_malformed_key_is_400(submit, s3):
    code, _ = post(submit, load_fixture("pillar1-complete.json"), key="x")
    assert code == 400 and all_objects(s3) == []


def test_retry_after_the_opening_closed_still_returns_the_first_receipt(submit, s3):
    document = load_fixture("pillar1-complete.json")
    _, first = post(submit, document, epoch_ms=1695722399000, key="late-but-in-time")
    code, again = post(submit, document, epoch_ms=1695722460000, request_id="r2", key="late-but-in-time")
    assert code == 201 and again["receivedAt"] == first["receivedAt"] == "2023-09-26T09:59:59.000Z"


# --- Faults ------------------------------------------------------------------------------------

class FlakyClient:
    """The real (moto) client, except that the first `failures` calls of `operation` (a put unless named) on a key
    under `prefix` fail."""

    def __init__(self, real, prefix, failures=1, error=None, operation="put_object"):
        self.real, self.prefix, self.failures, self.operation = real, prefix, failures, operation
        self.error = error or EndpointConnectionError(endpoint_url="https://s3.eu-west-1.amazonaws.com")

    def __getattr__(self, name):
        call = getattr(self.real, name)
        if name != self.operation:
            return call

        def flaky(**kwargs):
            if kwargs["Key"].startswith(self.prefix) and self.failures > 0:
                self.failures -= 1
                raise self.error
            return call(**kwargs)
        return flaky


def _with_client(module, client):
    from imvo.intake.applications import Intake

    intake = Intake.from_environment()
    intake.store = ApplicationStore(client, BUCKET)
    module._intake = intake
    return module.handler


@pytest.mark.parametrize("prefix", ["idempotency/", "applications/"])
def test_storage_fault_is_503_then_the_retry_stores_exactly_once(s3, prefix):
    module = handler_module("submit")
    handler = _with_client(module, FlakyClient(s3, prefix))
    document = load_fixture("pillar1-complete.json")
    event = load_event("submit-pillar1-valid.json")
    event["headers"]["idempotency-key"] = "retry-me-12345"
    response = handler(event)
    assert response["statusCode"] == 503
    assert response["headers"]["retry-after"] == "5"
    assert json.loads(response["body"])["error"]["message"]["en"].startswith("Storage is briefly unavailable")
    assert [k for k in all_objects(s3) if k.startswith("applications/")] == []
    retry = load_event("submit-pillar1-valid.json")
    retry["headers"]["idempotency-key"] = "retry-me-12345"
    retry["requestContext"]["requestId"] = "the-retry"
    assert handler(retry)["statusCode"] == 201
    assert handler(retry)["statusCode"] == 201
    assert len([k for k in all_objects(s3) if k.startswith("applications/")]) == 1
    assert document == json.loads(s3.get_object(Bucket=BUCKET, Key=[k for k in all_objects(s3) if k.startswith("applications/")][0])["Body"].read())["application"]


def test_timeout_is_503(s3):
    module = handler_module("submit")
    handler = _with_client(module, FlakyClient(s3, "applications/", error=ReadTimeoutError(endpoint_url="https://s3")))
    assert handler(load_event("submit-pillar1-valid.json"))["statusCode"] == 503
    assert all_objects(s3) == []


# --- Herstel (II.2.2, III.2.2) -----------------------------------------------------------------

@pytest.fixture
def incomplete(submit, s3):
    code, receipt = post(submit, load_fixture("pillar1-incomplete.json"))
    assert code == 201 and receipt["status"] == "parts_missing"
    (key,) = all_objects(s3)
    return receipt, key, s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def supplement(reference, token, document, epoch_ms=1679047200000, request_id="supp-1", key=None):
    module = handler_module("supplement")
    event = load_event("submit-pillar1-valid.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = f"/api/applications/{reference}/supplements"
    event["pathParameters"] = {"reference": reference}
    event["body"] = json.dumps({"token": token, "application": document})
    event["requestContext"]["timeEpoch"], event["requestContext"]["requestId"] = epoch_ms, request_id
    if key:
        event["headers"]["idempotency-key"] = key
    response = module.handler(event)
    return response["statusCode"], json.loads(response["body"])


def test_ii_2_2_supplement_takes_its_own_time_of_receipt_and_leaves_the_original(s3, incomplete):
    receipt, key, original_bytes = incomplete
    code, supplemented = supplement(receipt["reference"], receipt["supplementToken"], load_fixture("pillar1-complete.json"))
    assert code == 201, supplemented
    assert supplemented["reference"] == receipt["reference"]
    assert supplemented["status"] == "parts_present"
    # 17 March 2023 10:00 UTC = 11:00 CET: the supplement's time is the application's time of receipt now.
    assert supplemented["effectiveReceivedAt"] == "2023-03-17T10:00:00.000Z"
    assert supplemented["supplementReference"].startswith("IMVO-20230317-")
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == original_bytes
    assert len(all_objects(s3)) == 2


def test_supplement_needs_the_receipts_code(s3, incomplete):
    receipt, _, _ = incomplete
    code, body = supplement(receipt["reference"], "wrong-token", load_fixture("pillar1-complete.json"))
    assert code == 403 and body["error"]["findings"][0]["path"] == "$.token"
    assert len(all_objects(s3)) == 1


def test_an_unknown_reference_gets_the_answer_of_a_wrong_code(submit, s3):
    """Issue 25, item 6: 404 for an unknown reference and 403 for a wrong code told which references exist."""
    _, receipt = post(submit, load_fixture("pillar1-incomplete.json"))
    unknown = supplement("IMVO-20230315-AAAAAAAA", "t", load_fixture("pillar1-complete.json"))
    wrong = supplement(receipt["reference"], "t", load_fixture("pillar1-complete.json"))
    assert unknown == wrong and unknown[0] == 403
    assert current("IMVO-20230315-AAAAAAAA", "t") == current(receipt["reference"], "t")


def test_without_a_request_or_anything_missing_the_herstel_route_is_closed(submit, s3):
    _, receipt = post(submit, load_fixture("pillar1-complete.json"))
    code, body = supplement(receipt["reference"], receipt["supplementToken"], load_fixture("pillar1-complete.json"))
    assert code == 409 and body["error"]["code"] == "herstel_closed"


def test_supplement_still_incomplete_can_be_supplemented_again(s3, incomplete):
    receipt, _, _ = incomplete
    code, first = supplement(receipt["reference"], receipt["supplementToken"], load_fixture("pillar1-incomplete.json"))
    assert code == 201 and first["status"] == "parts_missing"
    code, second = supplement(receipt["reference"], receipt["supplementToken"], load_fixture("pillar1-complete.json"),
                              epoch_ms=1679133600000, request_id="supp-2")
    assert code == 201 and second["status"] == "parts_present" and second["supplements"] == first["supplementReference"]


# --- Attachments -------------------------------------------------------------------------------

def test_presigned_post_is_limited_to_pdf_size_and_the_draft_prefix(s3):
    module = handler_module("uploads")
    event = load_event("submit-pillar1-valid.json")
    digest = hashlib.sha256(b"%PDF-1.7 plan").hexdigest()
    event["body"] = json.dumps({"filename": "Plan of approach (final).pdf", "contentType": "application/pdf", "size": 2048,
                                "sha256": digest})
    response = module.handler(event)
    assert response["statusCode"] == 201
    upload = json.loads(response["body"])
    assert upload["key"].startswith(f"attachments/{upload['draftId']}/") and upload["key"].endswith("-Plan-of-approach-final-.pdf")
    policy = json.loads(base64.b64decode(upload["fields"]["policy"]))
    conditions = policy["conditions"]
    assert ["content-length-range", 1, 10 * 1024 * 1024] in conditions
    assert {"Content-Type": "application/pdf"} in conditions and {"key": upload["key"]} in conditions
    assert {"bucket": UPLOADS_BUCKET} in conditions
    # Defect 3 of issue 10: S3 itself refuses a body whose SHA-256 is not the one the browser computed
    # (and a bucket with Object Lock needs a checksum on every upload).
    checksum = base64.b64encode(bytes.fromhex(digest)).decode()
    assert {"x-amz-checksum-algorithm": "SHA256"} in conditions and {"x-amz-checksum-sha256": checksum} in conditions
    assert upload["fields"]["x-amz-checksum-sha256"] == checksum and upload["fields"]["x-amz-checksum-algorithm"] == "SHA256"


@pytest.mark.parametrize("request_body, path", [
    ({"filename": "a.docx", "contentType": "application/msword", "size": 10}, "$.contentType"),
    ({"filename": "a.pdf", "contentType": "application/pdf", "size": 10 * 1024 * 1024 + 1}, "$.size"),
    ({"filename": "a.pdf", "contentType": "application/pdf", "size": 10, "draftId": "../../etc"}, "$.draftId"),
    ({"filename": "a.pdf", "contentType": "application/pdf", "size": 10}, "$.sha256"),
    ({"filename": "a.pdf", "contentType": "application/pdf", "size": 10, "sha256": "A" * 64}, "$.sha256"),
])
def test_upload_request_outside_the_limits_is_400(s3, request_body, path):
    event = load_event("submit-pillar1-valid.json")
    event["body"] = json.dumps(request_body)
    response = handler_module("uploads").handler(event)
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["error"]["findings"][0]["path"] == path


def _attachment(s3, key, content):
    s3.put_object(Bucket=UPLOADS_BUCKET, Key=key, Body=content)
    return {"key": key, "sha256": hashlib.sha256(content).hexdigest(), "filename": key.rsplit("/", 1)[-1]}


@pytest.mark.parametrize("problem", ["missing", "not-pdf", "wrong-hash", "too-large"])
def test_attachment_checks_after_upload(submit, s3, problem):
    document = load_fixture("pillar1-complete.json")
    key = "attachments/fixture-draft-0001/budget.pdf"
    if problem == "missing":
        s3.delete_object(Bucket=UPLOADS_BUCKET, Key=key)
    elif problem == "not-pdf":
        document["attachments"]["budget"] = _attachment(s3, "attachments/fixture-draft-0001/budget.exe", b"MZ\x90\x00 not a pdf")
    elif problem == "wrong-hash":
        document["attachments"]["budget"]["sha256"] = "0" * 64
    elif problem == "too-large":
        document["attachments"]["budget"] = _attachment(s3, "attachments/fixture-draft-0001/huge.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024))
    code, body = post(submit, document)
    assert code == 400
    assert [f["path"] for f in body["error"]["findings"]] == ["$.attachments.budget"]
    assert all_objects(s3) == [] and record_attachments(s3) == []


def test_attachment_hashes_are_recorded_in_the_receipt(submit, s3):
    _, receipt = post(submit, load_fixture("pillar1-complete.json"))
    recorded = {a["path"]: a["sha256"] for a in receipt["attachments"]}
    assert len(recorded) == 6 + 3 + 5  # six partner forms, plan, budget, agreement, five de minimis declarations
    key = "attachments/fixture-draft-0001/budget.pdf"
    assert recorded["$.attachments.budget"] == hashlib.sha256(fixture_attachment_bytes(key)).hexdigest()
    # Each file is copied into the record bucket, under COMPLIANCE retention, by its content, by the record
    # function that follows the storing.
    complete_records("RecordFunction")
    copy = f"attachments/{recorded['$.attachments.budget']}.pdf"
    assert copy in record_attachments(s3)
    assert s3.get_object(Bucket=BUCKET, Key=copy)["Body"].read() == fixture_attachment_bytes(key)
    assert s3.head_object(Bucket=BUCKET, Key=copy)["ObjectLockMode"] == "COMPLIANCE"


def test_attachments_of_two_drafts_are_refused(submit, s3):
    document = load_fixture("pillar1-complete.json")
    document["attachments"]["budget"] = _attachment(s3, "attachments/other-draft-123456/budget.pdf", b"%PDF-1.7 x")
    code, body = post(submit, document)
    assert code == 400 and body["error"]["findings"][0]["path"] == "$.attachments"


# --- The receipt PDF ---------------------------------------------------------------------------

def test_receipt_pdf_needs_the_code_and_shows_reference_and_dutch_time(submit, s3):
    _, receipt = post(submit, load_fixture("pillar1-complete.json"))
    module = handler_module("receipt")
    event = load_event("submit-pillar1-valid.json")
    event["pathParameters"] = {"reference": receipt["reference"]}
    event["body"] = json.dumps({"token": "nope"})
    assert module.handler(event)["statusCode"] == 403
    event["body"] = json.dumps({"token": receipt["supplementToken"]})  # in the body: a code never goes in a URL
    response = module.handler(event)
    assert response["statusCode"] == 200 and response["headers"]["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(base64.b64decode(response["body"]))).pages)
    assert receipt["reference"] in text
    assert "15 maart 2023 om 10:15:30,250 (CET)" in text
    assert receipt["sha256"] in text.replace("\n", "")


def _verify(key):
    event = load_event("submit-pillar1-valid.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/api/uploads/verify"
    event["body"] = json.dumps({"key": key})
    response = handler_module("uploads").handler(event)
    return response["statusCode"], json.loads(response["body"])


def test_verify_after_upload_reports_hash_size_and_version(s3):
    key = "attachments/fixture-draft-0001/budget.pdf"
    code, verified = _verify(key)
    assert code == 200
    assert verified["sha256"] == hashlib.sha256(fixture_attachment_bytes(key)).hexdigest()
    assert verified["size"] == len(fixture_attachment_bytes(key))
    assert verified["versionId"] == s3.head_object(Bucket=UPLOADS_BUCKET, Key=key)["VersionId"]
    assert verified["scan"] == "NOT_SCANNED_LOCAL"  # no scanner runs here, and the answer says so


def test_verify_refuses_what_is_not_a_pdf(s3):
    s3.put_object(Bucket=UPLOADS_BUCKET, Key="attachments/fixture-draft-0001/evil.pdf", Body=b"<html>not a pdf</html>")
    code, body = _verify("attachments/fixture-draft-0001/evil.pdf")
    assert code == 400 and body["error"]["findings"][0]["message"]["en"] == "This attachment is not a PDF file."
    code, _ = _verify("applications/2023-03-15/x.json")
    assert code == 400


def test_application_refers_to_the_version_that_was_verified(submit, s3):
    key = "attachments/fixture-draft-0001/budget.pdf"
    _, verified = _verify(key)
    s3.put_object(Bucket=UPLOADS_BUCKET, Key=key, Body=b"%PDF-1.7 swapped after the check")  # a later overwrite
    document = load_fixture("pillar1-complete.json")
    document["attachments"]["budget"]["verified"] = verified["statement"]  # as the form sends it
    code, receipt = post(submit, document)
    assert code == 201
    stored = json.loads(s3.get_object(Bucket=BUCKET, Key=[k for k in all_objects(s3) if k.startswith("applications/")][0])["Body"].read())
    (recorded,) = [a for a in stored["receipt"]["attachments"] if a["key"] == key]
    assert recorded["versionId"] == verified["versionId"]
    complete_records("RecordFunction")  # the record keeps the version checked, not the overwrite
    kept = s3.get_object(Bucket=BUCKET, Key=recorded["recordKey"])["Body"].read()
    assert kept == fixture_attachment_bytes(key) and hashlib.sha256(kept).hexdigest() == recorded["sha256"] == verified["sha256"]


def current(reference, token):
    """POST /api/applications/{reference}/current: the herstel page's view of the application as it stands."""
    event = load_event("current-application.json")
    event["pathParameters"] = {"reference": reference}
    event["rawPath"] = event["requestContext"]["http"]["path"] = f"/api/applications/{reference}/current"
    event["body"] = json.dumps({"token": token})
    response = handler_module("supplement").handler(event)
    return response["statusCode"], json.loads(response["body"])


def test_the_herstel_page_reads_the_latest_version_with_its_findings_and_only_with_the_code(s3, incomplete):
    receipt, _, _ = incomplete
    code, body = current(receipt["reference"], "wrong-token")
    assert code == 403 and body["error"]["findings"][0]["path"] == "$.token"
    code, body = current(receipt["reference"], receipt["supplementToken"])
    assert code == 200 and body["status"] == "parts_missing" and body["pillar"] == 1
    assert body["application"] == load_fixture("pillar1-incomplete.json")
    assert body["receivedAtDutch"] == receipt["receivedAtDutch"] and body["supplementReference"] is None
    assert {f["severity"] for f in body["findings"]} >= {"incomplete"}
    # after a supplement, the page shows the supplement: its document, status and time of receipt
    _, supplemented = supplement(receipt["reference"], receipt["supplementToken"], load_fixture("pillar1-complete.json"))
    code, body = current(receipt["reference"], receipt["supplementToken"])
    assert code == 200 and body["status"] == "parts_present" and body["supplementReference"] == supplemented["supplementReference"]
    assert body["receivedAtDutch"] == supplemented["receivedAtDutch"] and body["application"] == load_fixture("pillar1-complete.json")
    code, _ = current("IMVO-20230315-AAAAAAAA", "t")
    assert code == 403


def _check(document):
    event = load_event("check-pillar1-valid.json")
    event["body"] = json.dumps(document)
    response = handler_module("check").handler(event)
    return json.loads(response["body"])


def test_the_check_says_who_cannot_take_part_as_soon_as_the_organisations_are_filled_in(s3):
    """II.1.3 on the partners step: the live check names "too few companies" while later steps are still
    empty, but not while an organisation is half filled in (its missing answers come first)."""
    four = load_fixture("pillar1-rejected-four-companies.json")
    early = copy.deepcopy(four)
    del early["plan"], early["project"]  # later steps not filled in yet
    answer = _check(early)
    assert answer["status"] == "rejection_expected"  # parts missing too, but the rule that predicts rejection weighs most
    assert ("$.partners", "II.1.3") in {(f["path"], f["rule"]) for f in answer["findings"]}
    del early["partners"][0]["legalForm"]  # an organisation still being filled in
    assert "II.1.3" not in {f["rule"] for f in _check(early)["findings"]}
    assert all_objects(s3) == []  # a check stores nothing
