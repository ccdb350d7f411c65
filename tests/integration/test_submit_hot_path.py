"""Issue 16: what a submission costs in S3 calls, with every guarantee kept. An application whose uploads
carry the signed statement of their check (as the form sends it) is stored with one write, or two with an
Idempotency-Key (the claim first); the uploads bucket is not asked at all. A statement vouches only for
the file it was made for."""

import json

from imvo.intake.attachments import referenced_attachments

from tests.conftest import IAM, UPLOADS_BUCKET, all_objects, load_fixture
from tests.integration.test_intake import _verify, post


def with_statements(document: dict) -> dict:
    for _, reference in referenced_attachments(document):
        code, checked = _verify(reference["key"])
        assert code == 200, checked
        reference["verified"] = checked["statement"]
    return document


def calls_of(function: str, during) -> list:
    before = len(IAM.calls)
    result = during()
    return result, [c for c in IAM.calls[before:] if c.function == function]


def s3_calls(calls: list) -> list:
    return [c for c in calls if c.needs and c.needs[0].resource.startswith("arn:aws:s3")]


def one_signature(calls: list) -> bool:
    """Issue 23: one KMS Sign per receipt (the public key is read once per container, for the key id)."""
    kms = [c.operation for c in calls if c.needs and c.needs[0].action.startswith("kms:")]
    return kms.count("Sign") == 1 and set(kms) <= {"Sign", "GetPublicKey"}


def test_a_submission_with_statements_is_one_write_and_asks_the_uploads_bucket_nothing(s3, submit):
    document = with_statements(load_fixture("pillar1-complete.json"))
    (code, receipt), calls = calls_of("SubmitFunction", lambda: post(submit, document, request_id="hot-1"))
    assert code == 201
    # (besides the statements' signing secret, once per container)
    assert [(c.operation, c.needs[0].resource.rsplit("/", 3)[-3]) for c in s3_calls(calls)] == [("PutObject", "applications")]
    assert one_signature(calls)
    assert not any(UPLOADS_BUCKET in n.resource for c in calls for n in c.needs)


def test_with_an_idempotency_key_the_claim_then_the_record_and_a_replay_answers_the_same(s3, submit):
    document = with_statements(load_fixture("pillar1-complete.json"))
    (code, first), calls = calls_of("SubmitFunction", lambda: post(submit, document, request_id="hot-2", key="hot-key-0001"))
    assert code == 201
    writes = [(c.operation, c.needs[0].resource.split(":::")[1].split("/")[1]) for c in calls if c.operation == "PutObject"]
    assert writes == [("PutObject", "idempotency"), ("PutObject", "applications")]
    assert not any(c.operation.startswith(("Get", "List", "Head")) for c in s3_calls(calls))
    assert one_signature(calls)
    code, again = post(submit, document, request_id="hot-3", key="hot-key-0001")
    assert code == 201 and again["replayed"] and again["reference"] == first["reference"]
    other = json.loads(json.dumps(document)) | {"sector": "metaal"}
    assert post(submit, other, request_id="hot-4", key="hot-key-0001")[0] == 409
    assert len([k for k in all_objects(s3) if k.startswith("applications/")]) == 1


def test_a_statement_vouches_only_for_its_own_file(s3, submit):
    document = with_statements(load_fixture("pillar1-complete.json"))
    budget, plan = document["attachments"]["budget"], document["attachments"]["planOfApproach"]
    budget["verified"] = plan["verified"]  # the plan's statement on the budget: not about this key and content
    (code, _), calls = calls_of("SubmitFunction", lambda: post(submit, document, request_id="hot-5"))
    assert code == 201  # the budget was read and hashed instead, and it is what it says
    reads = [c for c in calls if c.operation == "GetObject" and UPLOADS_BUCKET in c.needs[0].resource]
    assert [c.needs[0].resource.rsplit("/", 1)[-1] for c in reads] == [budget["key"].rsplit("/", 1)[-1]]


def test_a_forged_statement_is_no_statement(s3, submit):
    document = with_statements(load_fixture("pillar1-complete.json"))
    reference = document["attachments"]["budget"]
    facts, signature = reference["verified"].split(".")
    reference["verified"] = f"{facts}.{'A' * len(signature)}"
    reference["sha256"] = "0" * 64  # and a file that is not what it claims
    code, body = post(submit, document, request_id="hot-6")
    assert code == 400 and [f["path"] for f in body["error"]["findings"]] == ["$.attachments.budget"]
    assert all_objects(s3) == []
