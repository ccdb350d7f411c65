"""Least privilege, proven (issue 10): the IAM model refuses what AWS would refuse, and each defect
found in review would come back as a failing test."""

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from imvo_local.iam_model import (Call, IamModel, Need, acting_as, allowed, denial_expected, grants, local_names,
                                  unused_grants)
from imvo_local.sam_template import load_template
from tests.conftest import BUCKET, IAM, UPLOADS_BUCKET, all_objects, handler_module, load_event, load_fixture

RECORD = f"arn:aws:s3:::{BUCKET}"
UPLOADS = f"arn:aws:s3:::{UPLOADS_BUCKET}"


def policy(function: str) -> list[dict]:
    return IAM.policies[function]


def test_a_read_of_a_missing_key_is_403_without_list_bucket_as_on_s3(s3):
    """Defect 1: S3 answers 404 for a missing key only to a caller allowed s3:ListBucket on the bucket."""
    client = boto3.client("s3", region_name="eu-west-1")
    token = denial_expected.set(True)
    try:
        with acting_as("SubmitFunction"):
            with pytest.raises(ClientError) as raised:
                client.get_object(Bucket=BUCKET, Key="idempotency/never-written.json")
    finally:
        denial_expected.reset(token)
    assert raised.value.response["Error"]["Code"] == "AccessDenied"


def test_the_first_keyed_submission_reads_nothing_that_may_be_missing(s3):
    """The browser always sends an Idempotency-Key: the claim is written first, nothing read before."""
    before = len(IAM.calls)
    event = load_event("submit-pillar1-valid.json")
    event["headers"]["idempotency-key"] = "first-attempt-0001"
    response = handler_module("submit").handler(event)
    assert response["statusCode"] == 201, response["body"]
    calls = [c for c in IAM.calls[before:] if c.function == "SubmitFunction"]
    assert calls and all(c.allowed for c in calls)
    assert not [c for c in calls if c.operation == "GetObject" and "idempotency/" in c.needs[0].resource]


def test_an_access_denied_is_a_500_with_an_incident_id_never_a_503(s3, capsys):
    """A permission the stack lacks is our defect: logged as such, answered in our shape, not 'try again'."""
    module = handler_module("submit")
    token = denial_expected.set(True)
    try:
        with acting_as("CheckFunction"):  # a role without any S3 grant
            response = module.handler.__wrapped__(load_event("submit-pillar1-valid.json"))
    finally:
        denial_expected.reset(token)
    body = json.loads(response["body"])
    assert response["statusCode"] == 500 and "retry-after" not in response["headers"]
    assert body["error"]["code"] == "internal" and body["error"]["incident"] in body["error"]["message"]["en"]
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert any(line.get("incident") == body["error"]["incident"] and line["fault"] == "access_denied" for line in logged)
    assert all_objects(s3) == []


def test_verify_of_a_missing_upload_is_a_404_that_says_upload_again(s3):
    event = load_event("submit-pillar1-valid.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/api/uploads/verify"
    event["body"] = json.dumps({"key": "attachments/fixture-draft-0001/never-uploaded.pdf"})
    response = handler_module("uploads").handler(event)
    assert response["statusCode"] == 404
    assert "upload it again" in json.loads(response["body"])["error"]["message"]["en"]


def test_reading_an_attachment_by_version_needs_get_object_version():
    """Defect 1 (supplement): GetObject with a VersionId is s3:GetObjectVersion; the functions that copy the
    checked upload version into the record have it."""
    need = Need("s3:GetObjectVersion", f"{UPLOADS}/attachments/d/x.pdf")
    old = [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [f"{UPLOADS}/attachments/*"]}]
    assert not allowed(old, need)
    assert allowed(policy("RecordFunction"), need) and allowed(policy("AdminJobFunction"), need)


def test_no_function_may_list_a_whole_bucket_or_write_outside_its_prefixes():
    """Defect 5: one statement per action and prefix; ListBucket only on the prefixes a function reads."""
    for function, statements in IAM.policies.items():
        for bucket in (RECORD, UPLOADS):
            assert not allowed(statements, Need("s3:ListBucket", bucket, (("s3:prefix", ""),))), function
            assert not allowed(statements, Need("s3:ListBucket", bucket, (("s3:prefix", "other/"),))), function
    for admin in (policy("AdminFunction"), policy("AdminJobFunction")):
        for prefix in ("applications/", "supplements/", "idempotency/"):
            assert not allowed(admin, Need("s3:PutObject", f"{RECORD}/{prefix}x")), prefix
    # attachments are kept by the record function, and by a bundle that comes before it; never by the admin
    assert not allowed(policy("AdminFunction"), Need("s3:PutObject", f"{RECORD}/attachments/x"))
    for function in ("SubmitFunction", "SupplementFunction", "PdfFunction", "NotifyFunction"):
        assert not allowed(policy(function), Need("s3:PutObject", f"{RECORD}/attachments/x")), function
    # a rejection is the admin function's to record (II.3.1), never the job's
    assert allowed(policy("AdminFunction"), Need("s3:PutObject", f"{RECORD}/decisions/x.json"))
    assert not allowed(policy("AdminJobFunction"), Need("s3:PutObject", f"{RECORD}/decisions/x.json"))
    assert allowed(policy("AdminJobFunction"), Need("s3:PutObject", f"{RECORD}/bundles/x.zip"))
    assert not allowed(policy("AdminFunction"), Need("s3:PutObject", f"{RECORD}/bundles/x.zip"))
    assert not allowed(policy("SubmitFunction"), Need("s3:PutObject", f"{RECORD}/supplements/x.json"))
    assert not allowed(policy("UploadsFunction"), Need("s3:PutObject", f"{RECORD}/applications/x.json"))


def test_a_record_written_under_retention_must_carry_a_checksum(s3):
    """S3 refuses a put with Object Lock retention that has neither Content-MD5 nor an x-amz-checksum."""
    client = boto3.client("s3", region_name="eu-west-1")
    from datetime import datetime, timedelta, timezone
    until = datetime.now(timezone.utc) + timedelta(days=1)

    def strip_checksums(request, **_):
        for name in [k for k in request.headers.keys() if k.lower() in ("x-amz-trailer", "x-amz-sdk-checksum-algorithm")
                     or k.lower().startswith("x-amz-checksum-")]:
            del request.headers[name]

    client.meta.events.register_first("before-sign.s3.PutObject", strip_checksums)
    with pytest.raises(ClientError) as raised:
        client.put_object(Bucket=BUCKET, Key="applications/x.json", Body=b"{}", ObjectLockMode="COMPLIANCE",
                          ObjectLockRetainUntilDate=until, ChecksumAlgorithm="SHA256")
    assert raised.value.response["Error"]["Code"] == "InvalidRequest"
    plain = boto3.client("s3", region_name="eu-west-1")
    assert plain.put_object(Bucket=BUCKET, Key="applications/y.json", Body=b"{}", ObjectLockMode="COMPLIANCE",
                             ObjectLockRetainUntilDate=until)["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_the_prefix_condition_is_evaluated_not_ignored():
    """moto's own evaluator passes StringLike unchecked; ours does not."""
    statement = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": RECORD,
                 "Condition": {"StringLike": {"s3:prefix": ["applications/*"]}}}
    assert allowed([statement], Need("s3:ListBucket", RECORD, (("s3:prefix", "applications/2023-05-01/"),)))
    assert not allowed([statement], Need("s3:ListBucket", RECORD, (("s3:prefix", "decisions/"),)))


def test_a_grant_no_call_uses_is_reported():
    statements = [{"Sid": "Used", "Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{RECORD}/applications/*"},
                  {"Sid": "Spare", "Effect": "Allow", "Action": ["s3:GetObject", "s3:DeleteObject"],
                   "Resource": f"{RECORD}/applications/*"}]
    calls = [Call("F", "GetObject", [Need("s3:GetObject", f"{RECORD}/applications/a.json")])]
    assert unused_grants({"F": statements}, calls) == [f"F Spare: s3:DeleteObject on {RECORD}/applications/*"]
    assert len(grants(statements)) == 3


def test_reverting_a_policy_line_makes_a_call_fail():
    """Take away the submit function's list grant on idempotency/: the refusal path's check is denied."""
    template = load_template()
    statements = template["Resources"]["SubmitFunction"]["Properties"]["Policies"][0]["Statement"]
    listing = next(s for s in statements if s["Sid"] == "ListOwnRecordPrefixes")
    listing["Condition"]["StringLike"]["s3:prefix"].remove("idempotency/*")
    model = IamModel.from_template(template, local_names(BUCKET, UPLOADS_BUCKET))
    call = model.judge("SubmitFunction", "ListObjectsV2", {"Bucket": BUCKET, "Prefix": "idempotency/abc.json"})
    assert not call.allowed and "s3:ListBucket" in call.reason
    assert IAM.judge("SubmitFunction", "ListObjectsV2", {"Bucket": BUCKET, "Prefix": "idempotency/abc.json"}).allowed


def test_the_herstel_code_is_stored_nowhere_and_a_replay_still_answers_it(s3):
    """Defect 4: the code is derived (HMAC of the reference), not kept in the record or the idempotency claim."""
    event = load_event("submit-pillar1-valid.json")
    event["headers"]["idempotency-key"] = "replay-check-0001"
    module = handler_module("submit")
    first = json.loads(module.handler(event)["body"])
    event["requestContext"]["requestId"] = "a-retry-of-the-same"
    second = json.loads(module.handler(event)["body"])
    assert second["replayed"] and second["supplementToken"] == first["supplementToken"]
    for key in s3.list_objects_v2(Bucket=BUCKET)["Contents"]:
        assert first["supplementToken"].encode() not in s3.get_object(Bucket=BUCKET, Key=key["Key"])["Body"].read()


def test_herstel_with_a_key_its_retry_the_receipt_and_the_admin_over_the_whole_record(s3):
    """One life of an application through every function, so each grant is used where it is needed."""
    from datetime import datetime, timezone

    from imvo.admin.decisions import record_rejection
    from imvo.intake.storage import ApplicationStore
    from tests.conftest import run_admin_job
    from tests.integration.test_intake import post, supplement

    code, receipt = post(handler_module("submit").handler, load_fixture("pillar1-incomplete.json"))
    assert code == 201 and receipt["status"] == "parts_missing"
    complete = load_fixture("pillar1-complete.json")
    code, first = supplement(receipt["reference"], receipt["supplementToken"], complete, key="herstel-key-0001")
    assert code == 201 and first["status"] == "parts_present"
    # The retry arrives after the first made it complete: refused as such, then answered from the claim.
    code, again = supplement(receipt["reference"], receipt["supplementToken"], complete, request_id="supp-retry",
                             key="herstel-key-0001")
    assert code == 201 and again["replayed"] and again["supplementReference"] == first["supplementReference"]
    event = load_event("submit-pillar1-valid.json")
    event["pathParameters"] = {"reference": receipt["reference"]}
    event["body"] = json.dumps({"token": receipt["supplementToken"]})
    assert handler_module("receipt").handler(event)["statusCode"] == 200
    record_rejection(ApplicationStore(s3, BUCKET), receipt["reference"], "II.3.1: test", datetime.now(timezone.utc),
                     "cognito:beheerder-a")
    admin = handler_module("admin")
    run_admin_job(admin, "admin-start-bundle.json", {"day": first["dutchDay"]})
    run_admin_job(admin, "admin-start-allocation.json", {"seed": "published"})


def test_a_kms_call_of_a_function_goes_through_the_model(s3):
    """The hooks cover KMS as they cover S3 (issue 23): a Sign by a function the template does not let sign is
    answered AccessDenied before it reaches KMS, as IAM and the receipt key's policy would."""
    from imvo.settings import LOCAL_RECEIPT_KEY

    kms = boto3.client("kms", region_name="eu-west-1")
    before = len(IAM.calls)
    with acting_as("SubmitFunction"):
        assert kms.sign(KeyId=LOCAL_RECEIPT_KEY, Message=b"x", SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    token = denial_expected.set(True)
    try:
        with acting_as("ReceiptLogFunction"), pytest.raises(ClientError, match="AccessDenied"):
            kms.sign(KeyId=LOCAL_RECEIPT_KEY, Message=b"x", SigningAlgorithm="ECDSA_SHA_256")
    finally:
        denial_expected.reset(token)
    judged = [(c.function, c.operation, c.allowed) for c in IAM.calls[before:]]
    assert judged == [("SubmitFunction", "Sign", True), ("ReceiptLogFunction", "Sign", False)]
