"""The IAM model tells the truth or says what it does not check (issue 24, item 9): `!Ref` of a bucket is its name,
conditions are evaluated as IAM does or refused, and the bucket and key policies' Deny statements count."""

import copy

import pytest

from imvo_local.iam_model import IamModel, Need, _condition_holds, function_policies, local_names, statement_allows
from imvo_local.sam_template import load_template

NAMES = local_names("imvo-submissions-local", "imvo-uploads-local")
BUCKET_ARN = "arn:aws:s3:::imvo-submissions-local"


def _with_statement(function: str, statement: dict) -> dict:
    template = copy.deepcopy(load_template())
    template["Resources"][function]["Properties"]["Policies"][0]["Statement"].append(statement)
    return template


def test_a_ref_of_a_bucket_in_a_resource_is_its_name_and_grants_nothing_as_on_aws():
    """CloudFormation: `Ref` of an AWS::S3::Bucket returns the bucket name; as a policy Resource it matches no ARN."""
    by_ref = {"Sid": "ByRef", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": {"Ref": "SubmissionsBucket"}}
    statements = function_policies(_with_statement("CheckFunction", by_ref), NAMES)["CheckFunction"]
    (resolved,) = [s for s in statements if s["Sid"] == "ByRef"]
    assert resolved["Resource"] == "imvo-submissions-local"
    assert not statement_allows(resolved, Need("s3:ListBucket", BUCKET_ARN))
    by_arn = {"Sid": "ByArn", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": {"Fn::GetAtt": "SubmissionsBucket.Arn"}}
    (resolved,) = [s for s in function_policies(_with_statement("CheckFunction", by_arn), NAMES)["CheckFunction"]
                   if s["Sid"] == "ByArn"]
    assert statement_allows(resolved, Need("s3:ListBucket", BUCKET_ARN))


def test_conditions_are_evaluated_as_iam_does():
    """IAM User Guide, "Condition operators": a harmless aws:SecureTransport condition holds (the functions call
    over HTTPS); a negated operator or ...IfExists holds without the key; Null tests presence."""
    assert _condition_holds({"Bool": {"aws:SecureTransport": "true"}}, {})
    assert not _condition_holds({"Bool": {"aws:SecureTransport": "false"}}, {})
    assert _condition_holds({"StringNotLike": {"s3:prefix": ["audit/*"]}}, {"s3:prefix": "applications/x"})
    assert not _condition_holds({"StringNotLike": {"s3:prefix": ["audit/*"]}}, {"s3:prefix": "audit/x"})
    assert _condition_holds({"StringNotEquals": {"ses:FromAddress": "a@b.example"}}, {})
    assert _condition_holds({"StringEqualsIfExists": {"s3:prefix": "x"}}, {})
    assert not _condition_holds({"StringEquals": {"s3:prefix": "x"}}, {})
    assert _condition_holds({"Null": {"s3:prefix": "true"}}, {}) and not _condition_holds({"Null": {"s3:prefix": "true"}}, {"s3:prefix": "a"})
    assert _condition_holds({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/imvo-*"}},
                            {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/imvo-break-glass"})
    with pytest.raises(ValueError, match="cannot evaluate"):
        _condition_holds({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "5"})
    with pytest.raises(ValueError, match="cannot evaluate"):
        _condition_holds({"ForAnyValue:StringLike": {"aws:TagKeys": "x"}}, {"aws:TagKeys": "x"})


def test_a_deny_in_a_bucket_policy_stops_what_the_function_may_do():
    """IAM User Guide, "Policy evaluation logic": an explicit Deny in a resource policy wins over an Allow."""
    template = copy.deepcopy(load_template())
    put = {"Bucket": "imvo-submissions-local", "Key": "applications/2023-03-15/x.json"}
    assert IamModel.from_template(template, NAMES).judge("SubmitFunction", "PutObject", put).allowed
    policy = template["Resources"]["SubmissionsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    policy.append({"Sid": "NoNewApplications", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
                   "Resource": {"Fn::Sub": "${SubmissionsBucket.Arn}/applications/*"}})
    call = IamModel.from_template(template, NAMES).judge("SubmitFunction", "PutObject", put)
    assert not call.allowed and "s3:PutObject" in call.reason


def test_the_data_keys_deny_spares_only_its_administrators():
    """The key policy's Deny (KeyAdministratorArns) is evaluated with the caller's role as aws:PrincipalArn."""
    model = IamModel.from_template(load_template(), NAMES)
    (deny,) = [d for d in model.denies if d.get("Sid") == "OnlyKeyAdministratorsDeleteOrRewrite"]
    need = Need("kms:ScheduleKeyDeletion", deny["Resource"])
    function = (("aws:PrincipalArn", "arn:aws:iam::123456789012:role/SubmitFunction"),)
    administrator = (("aws:PrincipalArn", "arn:aws:iam::123456789012:role/imvo-break-glass"),)
    assert statement_allows(deny | {"Effect": "Allow"}, Need(need.action, need.resource, function))
    assert not statement_allows(deny | {"Effect": "Allow"}, Need(need.action, need.resource, administrator))
    assert not statement_allows(deny | {"Effect": "Allow"}, Need("kms:Decrypt", deny["Resource"], function))


def test_only_the_signing_functions_may_sign_with_the_receipt_key():
    """Issue 23: the role grants kms:Sign to three functions; the key policy's Deny (KMS developer guide, "Key
    policies": an explicit Deny overrides any Allow) would stop a fourth even if its role were given the right."""
    from imvo.settings import LOCAL_RECEIPT_KEY

    model = IamModel.from_template(load_template(), NAMES)
    sign = {"KeyId": LOCAL_RECEIPT_KEY, "Message": b"x", "SigningAlgorithm": "ECDSA_SHA_256"}
    for signer in ("SubmitFunction", "SupplementFunction", "SequencerFunction"):
        assert model.judge(signer, "Sign", sign).allowed
    assert not model.judge("ReceiptLogFunction", "Sign", sign).allowed
    granted = copy.deepcopy(load_template())
    granted["Resources"]["ReceiptLogFunction"]["Properties"]["Policies"][0]["Statement"].append(
        {"Effect": "Allow", "Action": "kms:Sign", "Resource": {"Fn::GetAtt": "ReceiptSigningKey.Arn"}})
    call = IamModel.from_template(granted, NAMES).judge("ReceiptLogFunction", "Sign", sign)
    assert not call.allowed and "kms:Sign" in call.reason

