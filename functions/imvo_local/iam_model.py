"""Each function's AWS calls checked against its own policy in infra/template.yaml, as AWS would.

moto enforces no IAM, so a policy that lacks a permission passes every local test and fails on
opening day. This model watches every S3, Secrets Manager and SES call a function makes (botocore's
event hooks), derives what AWS would require (the action for the operation, the resource ARN, the
`s3:prefix` of a LIST, the KMS use of an encrypted bucket), and answers `403 AccessDenied` where the
function's statements do not allow it, exactly where S3 would. It also applies S3's rule that a
read of a missing key answers 404 only to a caller with `s3:ListBucket` (unconditioned) on the
bucket, and 403 otherwise; and that a put with Object Lock retention needs a checksum header.

Matching of actions and resources is moto's own (`moto.iam.access_control.IAMPolicyStatement`);
moto's condition evaluation knows only StringEquals and passes every other operator unchecked, so
conditions are evaluated here (the operators in `_OPERATORS`; any other is an error, never a pass), with the
Deny statements of the bucket and key policies. docs/runbook.md keeps the table of what it checks and what
only a deployed stack shows.
"""

from __future__ import annotations

import contextlib
import contextvars
import fnmatch
import json
import re
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

from botocore.awsrequest import AWSResponse
from moto.iam.access_control import IAMPolicyStatement, PermissionResult

from imvo.settings import LOCAL_CONFIGURATION_SET, LOCAL_CONFIRMATION_SENDER, LOCAL_RECEIPT_KEY

acting_function: contextvars.ContextVar[str | None] = contextvars.ContextVar("acting_function", default=None)
# Set by a test that provokes a denial on purpose (to see how the system answers one).
denial_expected: contextvars.ContextVar[bool] = contextvars.ContextVar("denial_expected", default=False)

_READS = {"GetObject", "HeadObject", "GetObjectTagging"}
_NO_KMS = {"ListObjectsV2", "ListObjects", "GetObjectTagging"}


@contextlib.contextmanager
def acting_as(function: str | None):
    """Calls made inside are made by `function` (a logical id in the template) under its policy."""
    token = acting_function.set(function)
    try:
        yield
    finally:
        acting_function.reset(token)


@dataclass(frozen=True)
class Need:
    """One permission a call needs: action, resource ARN and the request's condition keys."""
    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()


@dataclass
class Call:
    function: str
    operation: str
    needs: list[Need]
    allowed: bool = True
    reason: str = ""
    expected: bool = False  # a denial a test provoked on purpose

    def as_json(self) -> str:
        data = asdict(self)
        data["needs"] = [asdict(n) | {"context": dict(n.context)} for n in self.needs]
        return json.dumps(data)


# ------------------------------------------------------------------------- reading the template

# What `!Ref` gives, by resource type (CloudFormation's "Return values" of each): a bucket its name, a KMS key its
# key id; the others here (a secret, a parameter, a configuration set) what `names` holds. `!GetAtt X.Arn` is the ARN.
_REF_OF = {
    "AWS::S3::Bucket": lambda arn: arn.split(":::", 1)[-1],
    "AWS::KMS::Key": lambda arn: arn.rsplit("/", 1)[-1],
}


def _ref(logical: str, names: dict[str, str], types: dict[str, str]) -> str:
    return _REF_OF.get(types.get(logical, ""), lambda value: value)(names[logical])


def _resolve(value, names: dict[str, str], types: dict[str, str] | None = None):
    """!Sub, !GetAtt X.Arn and !Ref in a policy, with the physical names of this run: a `!Ref` of a bucket in a
    Resource is its bare name, as on AWS (where such a grant matches nothing)."""
    types = types or {}
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return [_resolve(v, names, types) for v in value]
    if "Ref" in value:
        return _ref(value["Ref"], names, types)
    if "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        logical = target[0] if isinstance(target, list) else target.split(".")[0]
        return names[logical]
    if "Fn::Sub" in value:
        return re.sub(r"\$\{([A-Za-z0-9:]+)(\.Arn)?\}",
                      lambda m: names[m.group(1)] if m.group(2) else _ref(m.group(1), names, types), value["Fn::Sub"])
    return {k: _resolve(v, names, types) for k, v in value.items()}


def function_policies(template: dict, names: dict[str, str]) -> dict[str, list[dict]]:
    """Per function (logical id), its policy statements with ARNs resolved."""
    policies = {}
    types = {logical: resource["Type"] for logical, resource in template["Resources"].items()}
    for logical, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        statements = []
        for policy in resource["Properties"].get("Policies") or []:
            statements += [_resolve(s, names, types) for s in policy["Statement"]]
        policies[logical] = statements
    return policies


def kms_buckets(template: dict, names: dict[str, str]) -> dict[str, str]:
    """Bucket name -> KMS key ARN for the buckets the template encrypts with a customer key."""
    found = {}
    for logical, resource in template["Resources"].items():
        if resource["Type"] != "AWS::S3::Bucket":
            continue
        for rule in resource["Properties"].get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", []):
            default = rule.get("ServerSideEncryptionByDefault", {})
            if default.get("SSEAlgorithm") == "aws:kms" and logical in names:
                found[names[logical].split(":::")[-1]] = _resolve(default["KMSMasterKeyID"], names)
    return found


def secret_keys(template: dict, names: dict[str, str]) -> dict[str, str]:
    """Secret ARN -> the KMS key ARN it is encrypted with."""
    return {names[logical]: _resolve(resource["Properties"]["KmsKeyId"], names)
            for logical, resource in template["Resources"].items()
            if resource["Type"] == "AWS::SecretsManager::Secret" and logical in names
            and "KmsKeyId" in resource["Properties"]}


def _without_conditions_of_the_template(value):
    """A policy as deployed in production: `!If [Condition, then, else]` as its `then`, AWS::NoValue gone (the
    model cannot know a deployment's parameters; production's is the strictest)."""
    if isinstance(value, list):
        return [v for v in (_without_conditions_of_the_template(v) for v in value) if v != {"Ref": "AWS::NoValue"}]
    if isinstance(value, dict):
        if "Fn::If" in value:
            return _without_conditions_of_the_template(value["Fn::If"][1])
        return {k: _without_conditions_of_the_template(v) for k, v in value.items()}
    return value


def resource_denies(template: dict, names: dict) -> list[dict]:
    """The Deny statements of the bucket policies and the KMS key policies, resolved: a resource policy's Deny
    stops a call its function's own policy allows (IAM User Guide, "Policy evaluation logic"). Their Allows add
    nothing here: in one account the function's own policy suffices."""
    types = {logical: resource["Type"] for logical, resource in template["Resources"].items()}
    found = []
    for logical, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::S3::BucketPolicy":
            if properties["Bucket"].get("Ref") not in names:
                continue  # a bucket no function reaches (the access logs)
            document = properties["PolicyDocument"]
        elif resource["Type"] == "AWS::KMS::Key" and logical in names:
            document = {"Statement": [s | {"Resource": names[logical]}
                                      for s in _without_conditions_of_the_template(properties["KeyPolicy"]["Statement"])]}
        else:
            continue
        for statement in _without_conditions_of_the_template(document["Statement"]):
            if statement.get("Effect") == "Deny":
                found.append(_resolve({k: v for k, v in statement.items() if k != "Principal"}, names, types))
    return found


LOCAL_REGION, LOCAL_ACCOUNT = "eu-west-1", "123456789012"
LOCAL_JOB_FUNCTION_ARN = f"arn:aws:lambda:{LOCAL_REGION}:{LOCAL_ACCOUNT}:function:imvo-local-admin-job"


def local_names(submissions_bucket: str, uploads_bucket: str, site_bucket: str = "imvo-site-local",
                confirmation_sender: str = LOCAL_CONFIRMATION_SENDER) -> dict[str, str]:
    """The template's resources and parameters as they are in the embedded AWS of `make run` and the tests."""
    return {
        "AWS::Region": LOCAL_REGION,
        "AWS::AccountId": LOCAL_ACCOUNT,
        "ConfirmationSender": confirmation_sender,
        "ConfirmationConfigurationSet": LOCAL_CONFIGURATION_SET,
        "KeyAdministratorArns": [f"arn:aws:iam::{LOCAL_ACCOUNT}:role/imvo-break-glass",
                                 f"arn:aws:iam::{LOCAL_ACCOUNT}:role/imvo-deploy"],
        "SubmissionsBucket": f"arn:aws:s3:::{submissions_bucket}",
        "UploadsBucket": f"arn:aws:s3:::{uploads_bucket}",
        "SiteBucket": f"arn:aws:s3:::{site_bucket}",
        "TokenKeySecret": "arn:aws:secretsmanager:*:*:secret:imvo-token-key-*",
        "OriginVerifySecret": "arn:aws:secretsmanager:*:*:secret:imvo-origin-verify-*",
        "UploadKeySecret": "arn:aws:secretsmanager:*:*:secret:imvo-upload-key-*",
        "DataKey": "arn:aws:kms:eu-west-1:123456789012:key/imvo-data-key",
        "AdminJobFunction": LOCAL_JOB_FUNCTION_ARN,
        "ReceiptSigningKey": RECEIPT_KEY_ARN,
        "ReceiptSigningKeyAlias": LOCAL_RECEIPT_KEY,
        # The roles the receipt key's policy names (SAM's <Function>Role), as the model's callers are named.
        **{f"{function}Role": f"arn:aws:iam::{LOCAL_ACCOUNT}:role/{function}"
           for function in ("SubmitFunction", "SupplementFunction", "SequencerFunction")},
    }


RECEIPT_KEY_ARN = f"arn:aws:kms:{LOCAL_REGION}:{LOCAL_ACCOUNT}:key/imvo-receipt-key"
# The aliases the functions name keys by (KeyId): IAM judges a KMS call against the key the alias points to.
KEY_ALIASES = {LOCAL_RECEIPT_KEY: RECEIPT_KEY_ARN}


# ------------------------------------------------------------------------- what a call needs

def needs_of(operation: str, params: dict, kms: dict[str, str], secrets: dict[str, str]) -> list[Need]:
    """The permissions AWS checks for one call (the S3 and Secrets Manager operations we use)."""
    if operation == "Invoke":
        return [Need("lambda:InvokeFunction", params["FunctionName"])]
    if operation == "SendRawEmail":
        # SES authorises the identity the mail is sent as; ses:FromAddress is the documented condition key.
        # With a configuration set, SES authorises that resource too (SES developer guide, "Controlling access to
        # Amazon SES": the configuration-set resource type of ses:SendRawEmail).
        domain = params["Source"].rsplit("@", 1)[-1]
        condition = (("ses:FromAddress", params["Source"]),)
        needs = [Need("ses:SendRawEmail", f"arn:aws:ses:{LOCAL_REGION}:{LOCAL_ACCOUNT}:identity/{domain}", condition)]
        if params.get("ConfigurationSetName"):
            needs.append(Need("ses:SendRawEmail", f"arn:aws:ses:{LOCAL_REGION}:{LOCAL_ACCOUNT}:configuration-set/"
                                                  f"{params['ConfigurationSetName']}", condition))
        return needs
    if operation in ("Sign", "GetPublicKey"):
        return [Need(f"kms:{operation}", KEY_ALIASES.get(params["KeyId"], params["KeyId"]))]
    if operation == "GetSecretValue":
        arn = params["SecretId"]
        key = next((key for pattern, key in secrets.items() if fnmatch.fnmatchcase(arn, pattern)), None)
        return [Need("secretsmanager:GetSecretValue", arn)] + ([Need("kms:Decrypt", key)] if key else [])
    bucket = params.get("Bucket", "")
    if operation in ("ListObjectsV2", "ListObjects"):
        return [Need("s3:ListBucket", f"arn:aws:s3:::{bucket}", (("s3:prefix", params.get("Prefix", "")),))]
    obj = f"arn:aws:s3:::{bucket}/{params.get('Key', '')}"
    versioned = bool(params.get("VersionId"))
    key_arn = kms.get(bucket)
    if operation in ("GetObject", "HeadObject"):
        found = [Need("s3:GetObjectVersion" if versioned else "s3:GetObject", obj)]
        return found + ([Need("kms:Decrypt", key_arn)] if key_arn and operation == "GetObject" else [])
    if operation == "GetObjectTagging":
        return [Need("s3:GetObjectVersionTagging" if versioned else "s3:GetObjectTagging", obj)]
    if operation in ("PutObject", "PresignedPost"):
        found = [Need("s3:PutObject", obj)] + ([Need("s3:PutObjectTagging", obj)] if params.get("Tagging") else [])
        if params.get("ObjectLockMode") or params.get("ObjectLockRetainUntilDate"):
            found.append(Need("s3:PutObjectRetention", obj))
        return found + ([Need("kms:GenerateDataKey", key_arn)] if key_arn else [])
    if operation == "CreateMultipartUpload":
        # SSE-KMS: the parts are encrypted with a data key the completion decrypts again.
        return [Need("s3:PutObject", obj)] + ([Need("kms:GenerateDataKey", key_arn), Need("kms:Decrypt", key_arn)]
                                              if key_arn else [])
    if operation in ("UploadPart", "CompleteMultipartUpload"):
        return [Need("s3:PutObject", obj)]
    if operation == "AbortMultipartUpload":
        return [Need("s3:AbortMultipartUpload", obj)]
    if operation == "PutObjectRetention":
        return [Need("s3:PutObjectRetention", obj)]
    if operation == "CopyObject":
        source = params["CopySource"]
        source_arn = f"arn:aws:s3:::{source['Bucket']}/{source['Key']}"
        found = [Need("s3:GetObjectVersion" if source.get("VersionId") else "s3:GetObject", source_arn),
                 Need("s3:PutObject", obj)]
        # CopyObject API reference: the default TaggingDirective=COPY copies the source's tags (GuardDuty
        # tags every scanned upload), which needs reading them and tagging the copy; REPLACE with tags, the latter.
        if params.get("TaggingDirective", "COPY") == "COPY":
            found += [Need("s3:GetObjectVersionTagging" if source.get("VersionId") else "s3:GetObjectTagging", source_arn),
                      Need("s3:PutObjectTagging", obj)]
        elif params.get("Tagging"):
            found.append(Need("s3:PutObjectTagging", obj))
        if params.get("ObjectLockMode") or params.get("ObjectLockRetainUntilDate"):
            found.append(Need("s3:PutObjectRetention", obj))
        if kms.get(source["Bucket"]):
            found.append(Need("kms:Decrypt", kms[source["Bucket"]]))
        return found + ([Need("kms:GenerateDataKey", key_arn)] if key_arn else [])
    raise ValueError(f"the IAM model does not know what {operation} needs; add it to needs_of")


# ------------------------------------------------------------------------- evaluation

# Keys AWS puts in every request's context that the model knows for the deployed functions: their SDK calls go
# over HTTPS (IAM User Guide, "AWS global condition context keys"), whatever the local endpoint is.
GLOBAL_CONTEXT = {"aws:SecureTransport": "true"}


def _like(actual: str, pattern: str) -> bool:
    # IAM wildcards are * and ?; fnmatch's [ ] must not act as a class.
    return fnmatch.fnmatchcase(actual, pattern.replace("[", "[[]"))


# The condition operators the model evaluates (IAM User Guide, "IAM JSON policy elements: Condition operators"):
# each is a test of one value against the policy's values. A negated one holds when the key is absent.
_OPERATORS = {
    "StringEquals": lambda actual, values: actual in values,
    "StringNotEquals": lambda actual, values: actual not in values,
    "StringEqualsIgnoreCase": lambda actual, values: actual.lower() in {v.lower() for v in values},
    "StringLike": lambda actual, values: any(_like(actual, v) for v in values),
    "StringNotLike": lambda actual, values: not any(_like(actual, v) for v in values),
    "ArnEquals": lambda actual, values: actual in values,
    "ArnLike": lambda actual, values: any(_like(actual, v) for v in values),
    "ArnNotEquals": lambda actual, values: actual not in values,
    "ArnNotLike": lambda actual, values: not any(_like(actual, v) for v in values),
    "Bool": lambda actual, values: actual.lower() in {str(v).lower() for v in values},
}
_NEGATED = {"StringNotEquals", "StringNotLike", "ArnNotEquals", "ArnNotLike"}


def _condition_holds(condition: dict | None, context: dict[str, str]) -> bool:
    """Every operator and key of a Condition block, as IAM evaluates them; an operator the model does not know
    is an error, never a pass (issue 24, item 9: an unknown operator used to be read as met)."""
    context = GLOBAL_CONTEXT | context
    for operator, keys in (condition or {}).items():
        if_exists = operator.endswith("IfExists")
        base = operator.removesuffix("IfExists")
        for key, expected in keys.items():
            values = [str(v) if isinstance(v, bool) else v for v in (expected if isinstance(expected, list) else [expected])]
            actual = context.get(key)
            if base == "Null":
                if (actual is None) != (str(values[0]).lower() == "true"):
                    return False
                continue
            if base not in _OPERATORS:
                raise ValueError(f"the IAM model cannot evaluate the condition operator {operator}")
            if actual is None:
                if if_exists or base in _NEGATED:
                    continue
                return False
            if not _OPERATORS[base](actual, values):
                return False
    return True


def statement_allows(statement: dict, need: Need) -> bool:
    """Does this Allow statement allow `need`? (moto matches action and resource; we add conditions.)"""
    bare = {k: v for k, v in statement.items() if k != "Condition"}
    if IAMPolicyStatement(bare).is_action_permitted(need.action, need.resource) != PermissionResult.PERMITTED:
        return False
    return _condition_holds(statement.get("Condition"), dict(need.context))


def allowed(statements: list[dict], need: Need) -> bool:
    allows = [s for s in statements if s.get("Effect") == "Allow"]
    denies = [s | {"Effect": "Allow"} for s in statements if s.get("Effect") == "Deny"]
    return any(statement_allows(s, need) for s in allows) and not any(statement_allows(s, need) for s in denies)


def may_list_whole_bucket(statements: list[dict], bucket: str) -> bool:
    """S3 answers 404 for a missing key only to a caller that may list the bucket; a grant narrowed by
    an s3:prefix condition is not documented to suffice, so only an unconditioned one counts."""
    return any(s.get("Effect") == "Allow" and not s.get("Condition")
               and statement_allows(s, Need("s3:ListBucket", f"arn:aws:s3:::{bucket}")) for s in statements)


def grants(statements: list[dict]) -> list[tuple[int, dict]]:
    """Each Allow statement split into its single grants: one action, one resource, one condition value."""
    found = []
    for index, statement in enumerate(statements):
        if statement.get("Effect") != "Allow":
            continue
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        conditions = [None]
        for operator, keys in (statement.get("Condition") or {}).items():
            conditions = [{operator: {key: value}} for key, values in keys.items()
                          for value in (values if isinstance(values, list) else [values])]
        for action in actions:
            for resource in resources:
                for condition in conditions:
                    grant = {"Sid": statement.get("Sid", str(index)), "Effect": "Allow", "Action": action,
                             "Resource": resource}
                    found.append((index, grant | ({"Condition": condition} if condition else {})))
    return found


def unused_grants(policies: dict[str, list[dict]], calls: list[Call]) -> list[str]:
    """Grants no allowed call of their function used: permissions to remove (least privilege)."""
    unused = []
    for function, statements in policies.items():
        used = [need for call in calls if call.function == function and call.allowed for need in call.needs]
        for _, grant in grants(statements):
            if not any(statement_allows(grant, need) for need in used):
                condition = f" if {grant['Condition']}" if "Condition" in grant else ""
                unused.append(f"{function} {grant['Sid']}: {grant['Action']} on {grant['Resource']}{condition}")
    return unused


# ------------------------------------------------------------------------- the hooks

def _denied(status: int, code: str, message: str) -> tuple[AWSResponse, dict]:
    response = AWSResponse("https://modelled.invalid/", status, {}, None)
    return response, {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}


@dataclass
class IamModel:
    """Installed once per process; every boto3 client made afterwards is watched."""
    policies: dict[str, list[dict]]
    kms: dict[str, str]
    secrets: dict[str, str]
    record_path: Path | None = None
    denies: list[dict] = field(default_factory=list)  # the bucket and key policies' Deny statements
    calls: list[Call] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_template(cls, template: dict, names: dict[str, str], record_path: Path | None = None) -> "IamModel":
        return cls(function_policies(template, names), kms_buckets(template, names), secret_keys(template, names),
                   record_path, resource_denies(template, names))

    def _record(self, call: Call) -> None:
        call.expected = denial_expected.get()
        with self._lock:
            self.calls.append(call)
            if self.record_path is not None:
                with self.record_path.open("a", encoding="utf-8") as out:
                    out.write(call.as_json() + "\n")

    def judge_and_record(self, function: str, operation: str, params: dict) -> Call:
        """For a call the local system does not send over the wire (an invocation of another function)."""
        call = self.judge(function, operation, params)
        self._record(call)
        return call

    def judge(self, function: str, operation: str, params: dict) -> Call:
        statements = self.policies.get(function)
        needs = needs_of(operation, params, self.kms, self.secrets)
        if statements is None:
            return Call(function, operation, needs, False, f"{function} is not a function of the template")
        # Who calls: the function's role, for a resource policy's aws:PrincipalArn.
        principal = (("aws:PrincipalArn", f"arn:aws:iam::{LOCAL_ACCOUNT}:role/{function}"),)
        missing = [n for n in needs if not allowed(statements, n)
                   or any(statement_allows(deny | {"Effect": "Allow"}, Need(n.action, n.resource, n.context + principal))
                          for deny in self.denies)]
        reason = "; ".join(f"{function} may not {n.action} on {n.resource}"
                           + (f" with {dict(n.context)}" if n.context else "") for n in missing)
        return Call(function, operation, needs, not missing, reason)

    # botocore event handlers ---------------------------------------------------------------
    def on_params(self, params, model, context, **_):
        function = acting_function.get()
        if function is None or (context.get("is_presign_request") and model.name == "CreateBucket"):
            return  # (botocore builds a presigned POST on CreateBucket's model; add_presigned_post_hook judges it)
        call = self.judge(function, model.name, params)
        if context.get("is_presign_request"):
            self._record(call)  # a presigned URL is used later with the signer's rights
        else:
            context["imvo_call"] = call

    def before_call(self, model, context, **_):
        call = context.get("imvo_call")
        if call is None:
            return None
        if not call.allowed:
            context.pop("imvo_call")
            self._record(call)
            return _denied(403, "AccessDenied", f"modelled IAM: {call.reason}")
        return None

    def after_call(self, http_response, parsed, model, context, **_):
        call = context.pop("imvo_call", None)
        if call is None:
            return
        bucket = next((n.resource.split(":::")[1].split("/")[0] for n in call.needs if n.resource.startswith("arn:aws:s3")), "")
        if (model.name in _READS and http_response.status_code == 404
                and not may_list_whole_bucket(self.policies.get(call.function, []), bucket)):
            call.allowed = False
            call.reason = (f"{call.function} read a missing key without s3:ListBucket on {bucket}: "
                           "S3 answers 403 AccessDenied, not 404")
            http_response.status_code = 403
            parsed["Error"] = {"Code": "AccessDenied", "Message": f"modelled IAM: {call.reason}"}
            parsed.setdefault("ResponseMetadata", {})["HTTPStatusCode"] = 403
        self._record(call)

    @staticmethod
    def before_send(request, **_):
        """S3: a put that sets Object Lock retention must carry Content-MD5 or an x-amz-checksum-* value
        (as a header, or as the trailer botocore sends with a streamed body)."""
        headers = {k.lower(): (v.decode() if isinstance(v, bytes) else str(v)) for k, v in request.headers.items()}
        # An upload with a body; a server-side copy (x-amz-copy-source) sends none to check.
        if ("x-amz-object-lock-mode" in headers and "x-amz-copy-source" not in headers and "content-md5" not in headers
                and not any(h.startswith("x-amz-checksum-") for h in headers)
                and not headers.get("x-amz-trailer", "").lower().startswith("x-amz-checksum-")):
            body = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidRequest</Code><Message>'
                    b"Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with "
                    b"Object Lock parameters</Message></Error>")
            raw = _Raw(body)
            return AWSResponse(request.url, 400, {"content-type": "application/xml"}, raw)
        return None

    def add_presigned_post_hook(self, class_attributes, **_):
        """Presigned POSTs and URLs are judged when made: the signer's rights, and S3's refusal of Signature V2
        (buckets made since June 2020 and SSE-KMS objects accept only AWS4-HMAC-SHA256)."""
        model = self
        original_post = class_attributes["generate_presigned_post"]

        def generate_presigned_post(client, Bucket, Key, *args, **kwargs):
            function = acting_function.get()
            if function is not None:
                call = model.judge(function, "PresignedPost", {"Bucket": Bucket, "Key": Key})
                model._record(_with_signature_rule(call, client))
            return original_post(client, Bucket, Key, *args, **kwargs)

        class_attributes["generate_presigned_post"] = generate_presigned_post

    def add_presigned_url_hook(self, class_attributes, **_):
        """botocore adds generate_presigned_url on the generic creating-client-class event (after the S3 one):
        this runs after it, for every client, and judges S3's."""
        model = self
        original_url = class_attributes["generate_presigned_url"]

        def generate_presigned_url(client, ClientMethod, *args, **kwargs):  # noqa: N803 - botocore's names
            function = acting_function.get()
            if function is not None and client.meta.service_model.service_name == "s3":
                model._record(_with_signature_rule(Call(function, f"Presign {ClientMethod}", []), client))
            return original_url(client, ClientMethod, *args, **kwargs)

        class_attributes["generate_presigned_url"] = generate_presigned_url

    def install(self) -> None:
        """Register the hooks for every botocore session made from now on (as moto registers its own)."""
        import boto3
        from botocore import handlers

        handlers.BUILTIN_HANDLERS.extend([
            ("provide-client-params.s3", self.on_params),
            ("provide-client-params.secrets-manager", self.on_params),
            ("provide-client-params.ses", self.on_params),
            ("provide-client-params.kms", self.on_params),
            ("before-call.kms", self.before_call),
            ("after-call.kms", self.after_call),
            ("before-call.ses", self.before_call),
            ("after-call.ses", self.after_call),
            ("before-call.s3", self.before_call),
            ("before-call.secrets-manager", self.before_call),
            ("after-call.s3", self.after_call),
            ("after-call.secrets-manager", self.after_call),
            ("before-send.s3", self.before_send, handlers.REGISTER_FIRST),
            ("creating-client-class.s3", self.add_presigned_post_hook),
            ("creating-client-class", self.add_presigned_url_hook),
        ])
        boto3.DEFAULT_SESSION = None  # a session made before now would not carry the hooks


def _with_signature_rule(call: Call, client) -> Call:
    """S3 refuses Signature V2 presigns (botocore's default for S3 when no signature_version is set)."""
    version = client.meta.config.signature_version
    if version not in ("s3v4", "v4"):
        call.allowed = False
        call.reason = "; ".join(filter(None, [call.reason, f"{call.function} presigned with signature version "
                                              f"{version!r}: S3 accepts only AWS4-HMAC-SHA256 (s3v4)"]))
    return call


class _Raw:
    """The raw body botocore's parser reads from a response we answer ourselves."""

    def __init__(self, body: bytes):
        self._body = body

    def stream(self, **_):
        yield self._body

    def read(self, *_):
        body, self._body = self._body, b""
        return body


def read_calls(path: Path, renamed: dict[str, str] | None = None) -> list[Call]:
    """The calls a local server recorded, with bucket names mapped (`renamed`) onto another run's."""
    text = path.read_text(encoding="utf-8")
    for old, new in (renamed or {}).items():
        text = text.replace(old, new)
    calls = []
    for line in text.splitlines():
        data = json.loads(line)
        needs = [Need(n["action"], n["resource"], tuple(n["context"].items())) for n in data.pop("needs")]
        calls.append(Call(needs=needs, **data))
    return calls
