"""AWS's documented limits and rules that no linter, no moto test and no IAM grant shows, as code (issue 24).

Each test names the documentation it rests on; what only a deployed stack can confirm is listed in
docs/runbook.md ("What only a deployed stack shows").
"""

from urllib.parse import parse_qs, urlsplit

import pytest

from imvo.intake.attachments import presigned_upload
from imvo.intake.storage import ApplicationStore, s3_client
from imvo_local.iam_model import needs_of
from imvo_local.sam_template import load_template

REGION = "eu-west-1"
BUCKET = "imvo-uploads-test"
SHA256 = "ab" * 32


@pytest.fixture
def aws_without_endpoint(monkeypatch):
    """A client as the functions make it on AWS: no endpoint override, the region of the stack."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example")
    return s3_client()


def _draft_key():
    """The uploads function's key, its secret answered by botocore's Stubber (Secrets Manager is not under test)."""
    import botocore.session
    from botocore.stub import Stubber

    from imvo.intake.tokens import TokenKey

    client = botocore.session.get_session().create_client("secretsmanager", region_name=REGION,
                                                          aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(client)
    stub.add_response("get_secret_value", {"SecretString": "k" * 64}, {"SecretId": "imvo-upload-key-test",
                                                                       "VersionStage": "AWSCURRENT"})
    stub.activate()
    return TokenKey("imvo-upload-key-test", client=client)


def _alarms():
    return {name: resource for name, resource in load_template()["Resources"].items()
            if resource["Type"] == "AWS::CloudWatch::Alarm"}


def test_no_metric_math_alarm_references_more_than_ten_metrics():
    """CloudWatch, "Limits that apply to alarms based on metric math expressions": at most 10 metrics, a hard
    limit; PutMetricAlarm takes at most 20 MetricDataQuery items, at most 10 of them MetricStat. More and the
    stack rolls back on create."""
    checked = 0
    for name, alarm in _alarms().items():
        queries = alarm["Properties"].get("Metrics") or []
        if not queries:
            continue
        checked += 1
        metrics = [q for q in queries if "MetricStat" in q]
        expressions = [q for q in queries if "Expression" in q]
        assert len(metrics) <= 10, f"{name} references {len(metrics)} metrics"
        assert len(queries) <= 20 and len(expressions) <= 10, name
        assert sum(1 for q in queries if q.get("ReturnData", True)) == 1, name
    assert checked >= 4


def test_every_function_is_watched_for_errors_and_throttles_by_some_alarm():
    """Splitting the alarms must not drop a function from them."""
    resources = load_template()["Resources"]
    functions = {name for name, r in resources.items() if r["Type"] == "AWS::Serverless::Function"}
    watched = {kind: set() for kind in ("Errors", "Throttles")}
    for alarm in _alarms().values():
        for query in alarm["Properties"].get("Metrics") or []:
            metric = query.get("MetricStat", {}).get("Metric", {})
            if metric.get("Namespace") == "AWS/Lambda" and metric.get("MetricName") in watched:
                watched[metric["MetricName"]].add(metric["Dimensions"][0]["Value"]["Ref"])
    assert watched["Errors"] == functions and watched["Throttles"] == functions
    composites = {r["Properties"]["AlarmName"]["Fn::Sub"]: r["Properties"]["AlarmRule"]["Fn::Sub"]
                  for r in resources.values() if r["Type"] == "AWS::CloudWatch::CompositeAlarm"}
    assert "ALARM(${ApiFunctionErrorsAlarm})" in composites["imvo-${Environment}-FunctionErrors"]
    assert "ALARM(${BackgroundThrottlesAlarm})" in composites["imvo-${Environment}-Throttles"]


def _regional_domain_name(bucket: str) -> str:
    """AWS::S3::Bucket's RegionalDomainName, as its documented return value: <bucket>.s3.<region>.amazonaws.com."""
    return f"{bucket}.s3.{REGION}.amazonaws.com"


def test_an_upload_is_presigned_with_sigv4_on_the_bucket_regional_host_the_csp_allows(aws_without_endpoint):
    """S3 refuses Signature V2 for buckets made since June 2020 and for SSE-KMS objects (Amazon S3, "Authenticating
    requests: AWS Signature Version 4"); the site's CSP names the uploads bucket's RegionalDomainName only."""
    post = presigned_upload(aws_without_endpoint, BUCKET, {"sha256": SHA256, "filename": "budget.pdf", "contentType": "application/pdf", "size": 1000},
                            _draft_key())
    assert urlsplit(post["url"]).netloc == _regional_domain_name(BUCKET)
    assert post["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert "AWSAccessKeyId" not in post["fields"] and "signature" not in post["fields"]
    csp = load_template()["Resources"]["SecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"][
        "SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    assert "connect-src 'self' https://${UploadsBucket.RegionalDomainName};" in csp


def test_a_download_link_is_presigned_with_sigv4_on_the_regional_host(aws_without_endpoint):
    """The console's links to bundles and attachments (SSE-KMS objects: SigV4 only)."""
    store = ApplicationStore(aws_without_endpoint, "imvo-record-test")
    url = store.client.generate_presigned_url("get_object", Params={"Bucket": store.bucket, "Key": "bundles/x.zip"},
                                              ExpiresIn=300)
    parts = urlsplit(url)
    assert parts.netloc == _regional_domain_name("imvo-record-test")
    assert parse_qs(parts.query)["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]


def test_the_iam_model_knows_the_tag_rule_of_copy_object():
    """CopyObject API reference: with TaggingDirective COPY (the default) the source's tags are copied, which
    needs s3:GetObject(Version)Tagging on the source and s3:PutObjectTagging on the destination."""
    source = {"Bucket": "up", "Key": "attachments/d/x.pdf", "VersionId": "v1"}
    default = {n.action for n in needs_of("CopyObject", {"Bucket": "rec", "Key": "attachments/h.pdf", "CopySource": source}, {}, {})}
    assert {"s3:GetObjectVersionTagging", "s3:PutObjectTagging"} <= default
    replaced = {n.action for n in needs_of("CopyObject", {"Bucket": "rec", "Key": "attachments/h.pdf", "CopySource": source,
                                                          "TaggingDirective": "REPLACE"}, {}, {})}
    assert not {"s3:GetObjectVersionTagging", "s3:PutObjectTagging"} & replaced


def _distribution() -> dict:
    return load_template()["Resources"]["Distribution"]["Properties"]["DistributionConfig"]


def test_error_pages_never_replace_the_apis_answers():
    """CloudFront developer guide, "Generate custom error responses": a distribution's CustomErrorResponses apply
    to every origin, so a 403/404 entry turned the API's JSON refusals on /api/* into the 404 page. The site's
    404 page comes from an origin-response function on the site's behaviour alone (infra/edge.yaml)."""
    distribution = _distribution()
    assert "CustomErrorResponses" not in distribution
    site = distribution["DefaultCacheBehavior"]
    (association,) = site["LambdaFunctionAssociations"]["Fn::If"][1]
    assert association["EventType"] == "origin-response"
    for behaviour in distribution["CacheBehaviors"]:
        assert "LambdaFunctionAssociations" not in behaviour and "FunctionAssociations" not in behaviour
    production = load_template()["Rules"]["ProductionHasItsEdge"]["Assertions"]
    assert any("SiteNotFoundFunctionArn" in str(a["Assert"]) for a in production)


def test_the_default_execute_api_endpoint_is_off_where_the_api_has_its_domain():
    """API Gateway developer guide, "Disabling the default endpoint for HTTP APIs": with DisableExecuteApiEndpoint
    the API answers only on its custom domain, which CloudFront is the origin for; production must have one."""
    template = load_template()
    api = template["Resources"]["HttpApi"]["Properties"]
    assert api["DisableExecuteApiEndpoint"] == {"Fn::If": ["HasApiDomain", True, False]}
    (origin,) = [o for o in _distribution()["Origins"] if o["Id"] == "api"]
    assert origin["DomainName"]["Fn::If"][:2] == ["HasApiDomain", {"Ref": "ApiDomainName"}]
    assert template["Resources"]["ApiDomainMapping"]["Properties"]["Stage"] == "$default"
    production = template["Rules"]["ProductionHasItsEdge"]["Assertions"]
    assert any("ApiDomainName" in str(a["Assert"]) for a in production)


def test_no_function_holds_a_secret_value_in_its_environment():
    """Issue 24, item 5: the origin-verify value was in every function's environment in plain text; now each API
    function reads it at run time from Secrets Manager (and may), and no variable resolves a secret."""
    template = load_template()
    text = str(template["Globals"]) + str([r.get("Properties", {}).get("Environment")
                                           for r in template["Resources"].values()])
    assert "resolve:secretsmanager" not in text
    routes = {name for name, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"
              and any(e["Type"] == "HttpApi" for e in (r["Properties"].get("Events") or {}).values())}
    assert len(routes) == 7  # with the receipt log's proofs (issue 23)
    for name in routes:
        statements = template["Resources"][name]["Properties"]["Policies"][0]["Statement"]
        assert {"Ref": "OriginVerifySecret"} in [s["Resource"] for s in statements
                                                 if s["Action"] == "secretsmanager:GetSecretValue"], name


# GuardDuty user guide, "Create or update IAM role policy" (Malware Protection for S3): each statement's actions.
GUARDDUTY_DOCUMENTED_POLICY = {
    "AllowManagedRuleToSendS3EventsToGuardDuty": {"events:PutRule", "events:DeleteRule", "events:PutTargets",
                                                  "events:RemoveTargets"},
    "AllowGuardDutyToMonitorEventBridgeManagedRule": {"events:DescribeRule", "events:ListTargetsByRule"},
    "AllowPostScanTag": {"s3:PutObjectTagging", "s3:GetObjectTagging", "s3:PutObjectVersionTagging",
                         "s3:GetObjectVersionTagging"},
    "AllowEnableS3EventBridgeEvents": {"s3:PutBucketNotification", "s3:GetBucketNotification"},
    "AllowPutValidationObject": {"s3:PutObject"},
    "AllowCheckBucketOwnership": {"s3:ListBucket"},
    "AllowMalwareScan": {"s3:GetObject", "s3:GetObjectVersion"},
    "AllowDecryptForMalwareScan": {"kms:GenerateDataKey", "kms:Decrypt"},
}


def test_the_malware_scan_role_is_guarddutys_documented_policy_and_the_plan_waits_for_it():
    """Issue 24, item 7: DescribeRule sat under an events:ManagedBy condition it does not take, ListTargetsByRule was
    missing, and the plan could be created before its role's policy."""
    resources = load_template()["Resources"]
    statements = resources["MalwareScanPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    actions = {s["Sid"]: set([s["Action"]] if isinstance(s["Action"], str) else s["Action"]) for s in statements}
    assert actions == GUARDDUTY_DOCUMENTED_POLICY
    conditioned = {s["Sid"] for s in statements if "events:ManagedBy" in str(s.get("Condition"))}
    assert conditioned == {"AllowManagedRuleToSendS3EventsToGuardDuty"}
    assert "Policies" not in resources["MalwareScanRole"]["Properties"]
    assert resources["MalwareProtectionPlan"]["DependsOn"] == "MalwareScanPolicy"
    alarm = resources["ScansNotFinishingAlarm"]["Properties"]
    assert {"Name": "code", "Value": "scan_pending"} in alarm["Dimensions"] and alarm["MetricName"] == "Refusals"
    # The plan's status (GuardDuty user guide, "Monitoring S3 object scans with Amazon EventBridge"): its WARNING and
    # ERROR events go to the alarm topic, which lets EventBridge publish (topic policy) and use its key (key policy).
    rule = resources["MalwarePlanStatusRule"]["Properties"]
    assert rule["EventPattern"]["source"] == ["aws.guardduty"] and len(rule["EventPattern"]["detail-type"]) == 2
    assert rule["Targets"][0]["Arn"] == {"Ref": "AlarmTopic"}
    (publish,) = resources["AlarmTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert publish["Principal"] == {"Service": "events.amazonaws.com"} and "aws:SourceArn" in str(publish["Condition"])
    key_statements = resources["DataKey"]["Properties"]["KeyPolicy"]["Statement"]
    assert any(s.get("Principal") == {"Service": "events.amazonaws.com"} for s in key_statements if isinstance(s, dict))


def test_reserved_concurrency_can_be_switched_off_for_a_new_account_but_not_in_production():
    """Lambda developer guide, "Configuring reserved concurrency": an account keeps 100 unreserved; a new account's
    quota is often 10, so the stack's reservations cannot be made there (make preflight says what to request)."""
    template = load_template()
    functions = {name: r["Properties"] for name, r in template["Resources"].items()
                 if r["Type"] == "AWS::Serverless::Function" and "ReservedConcurrentExecutions" in r["Properties"]}
    assert functions and all(p["ReservedConcurrentExecutions"]["Fn::If"][0] == "ReservesConcurrency"
                             for p in functions.values())
    production = template["Rules"]["ProductionHasItsEdge"]["Assertions"]
    assert any("ReservedConcurrency" in str(a["Assert"]) for a in production)


def test_the_public_uploads_function_cannot_mint_herstel_codes():
    """Issue 24, item 8: the uploads function signs its statements with a key of its own; only the functions
    that give out or check herstel codes may read the herstel key."""
    resources = load_template()["Resources"]

    def secrets_of(function: str) -> set[str]:
        statements = resources[function]["Properties"]["Policies"][0]["Statement"]
        return {s["Resource"]["Ref"] for s in statements if s["Action"] == "secretsmanager:GetSecretValue"}

    assert secrets_of("UploadsFunction") == {"UploadKeySecret", "OriginVerifySecret"}
    assert {"TokenKeySecret", "UploadKeySecret"} <= secrets_of("SubmitFunction")
    assert {"TokenKeySecret", "UploadKeySecret"} <= secrets_of("SupplementFunction")
    assert "UploadKeySecret" not in secrets_of("ReceiptFunction")


def test_the_data_key_is_deleted_or_rewritten_only_by_its_administrators_and_the_record_is_backed_up():
    """Issue 24, item 8. KMS developer guide, "Key policies": an explicit Deny overrides the account's Allow, so the
    deny names whom it spares (aws:PrincipalArn). AWS Backup needs the bucket versioned (it is)."""
    template = load_template()
    resources = template["Resources"]
    (guard, *_rest) = resources["DataKey"]["Properties"]["KeyPolicy"]["Statement"]
    condition, deny, absent = guard["Fn::If"]
    assert condition == "HasKeyAdministrators" and absent == {"Ref": "AWS::NoValue"}
    assert deny["Effect"] == "Deny" and {"kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy"} <= set(deny["Action"])
    assert deny["Condition"]["ArnNotLike"]["aws:PrincipalArn"] == {"Ref": "KeyAdministratorArns"}
    assert resources["DataKey"]["DeletionPolicy"] == "Retain"
    production = template["Rules"]["ProductionHasItsEdge"]["Assertions"]
    assert any("KeyAdministratorArns" in str(a["Assert"]) for a in production)
    selection = resources["RecordBackupSelection"]["Properties"]["BackupSelection"]
    assert selection["Resources"] == [{"Fn::GetAtt": "SubmissionsBucket.Arn"}]
    rules = resources["RecordBackupPlan"]["Properties"]["BackupPlan"]["BackupPlanRule"]
    assert any(rule.get("EnableContinuousBackup") for rule in rules)
    assert resources["RecordBackupVault"]["Properties"]["LockConfiguration"]["MinRetentionDays"] >= 35
    assert resources["SubmissionsBucket"]["Properties"]["VersioningConfiguration"]["Status"] == "Enabled"


# ------------------------------------------------------------------ the receipt key and the receipt log (issue 23)

def test_what_is_signed_fits_kms_sign_and_its_signature_is_converted_from_der():
    """KMS API reference, Sign: "You can submit messages of up to 4096 bytes" (MessageType RAW: KMS hashes it with
    the algorithm's SHA-256); the ECDSA signature it returns is DER-encoded (ANSI X9.62, RFC 3279 2.2.3), which
    imvo.transparency.signed_receipt turns into WebCrypto's r||s. The longest statement and checkpoint body stay
    far below the limit, so RAW is always allowed."""
    from imvo.transparency.receipt_log import checkpoint_body
    from imvo.transparency.signed_receipt import canonical, statement_of

    longest = statement_of({"reference": "IMVO-20991231-" + "Z" * 8, "supplementReference": "IMVO-20991231-" + "Y" * 8,
                            "receivedAt": "2099-12-31T23:59:59.999Z", "pillar": 2, "sha256": "f" * 64}, "f" * 64)
    assert len(canonical(longest)) < 4096
    assert len(checkpoint_body("x" * 253 + "/log", 10 ** 12, b"\xff" * 32).encode()) < 4096


def test_the_receipt_key_is_asymmetric_never_deleted_and_only_the_signers_sign():
    """KMS developer guide: asymmetric keys have no automatic rotation ("Rotating AWS KMS keys": only symmetric
    encryption keys), so the template sets none (a new key behind the alias is rotation, runbook); "Key policies":
    an explicit Deny overrides any Allow, and the policy must keep the account able to change it (the lockout
    safety check of PutKeyPolicy); IAM "global condition context keys": for a role's session aws:PrincipalArn is
    the role's ARN, which SAM names <Function>Role."""
    resources = load_template()["Resources"]
    key = resources["ReceiptSigningKey"]
    properties = key["Properties"]
    assert (properties["KeySpec"], properties["KeyUsage"]) == ("ECC_NIST_P256", "SIGN_VERIFY")
    assert "EnableKeyRotation" not in properties and key["DeletionPolicy"] == "Retain"
    statements = properties["KeyPolicy"]["Statement"]
    denies = {s["Sid"]: s for s in statements if s["Effect"] == "Deny"}
    assert set(denies["NobodyDeletesOrDisablesTheReceiptKey"]["Action"]) == {"kms:ScheduleKeyDeletion", "kms:DisableKey"}
    signers = denies["OnlyTheSigningFunctionsSign"]["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
    assert {s["Fn::GetAtt"] for s in signers} == {"SubmitFunctionRole.Arn", "SupplementFunctionRole.Arn",
                                                  "SequencerFunctionRole.Arn"}
    assert not any("kms:PutKeyPolicy" in str(s.get("Action")) for s in denies.values())  # never locked out
    may_sign = {name for name, r in resources.items() if r["Type"] == "AWS::Serverless::Function"
                and any("kms:Sign" in str(s["Action"]) for p in r["Properties"].get("Policies", []) for s in p["Statement"])}
    assert may_sign == {"SubmitFunction", "SupplementFunction", "SequencerFunction"}


def test_the_sequencer_runs_each_minute_and_ends_before_the_next_run():
    """EventBridge Scheduler: rate expressions go down to one minute; Lambda runs an asynchronous invocation at
    most Timeout seconds. The sequencer stops making passes 15 s before its timeout (functions/sequencer/app.py),
    so with reserved concurrency 1 the next minute's run is not throttled."""
    import importlib.util

    from tests.conftest import ROOT

    function = load_template()["Resources"]["SequencerFunction"]["Properties"]
    assert function["Events"]["EachMinute"]["Properties"]["ScheduleExpression"] == "rate(1 minute)"
    spec = importlib.util.spec_from_file_location("sequencer_app", ROOT / "functions" / "sequencer" / "app.py")
    app = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app)
    assert function["Timeout"] - app.STOP_BEFORE_SECONDS - app.PASS_SECONDS <= 60 - app.PASS_SECONDS
    settle = int(load_template()["Globals"]["Function"]["Environment"]["Variables"]["IMVO_LOG_SETTLE_SECONDS"])
    # Longer than a request can take from its stamp to its write: init (10 s at most) + the function's timeout.
    assert settle >= 10 + load_template()["Globals"]["Function"]["Timeout"]
    assert settle + app.PASS_SECONDS < 60  # the checkpoint's lag behind a receipt: under a minute


def _behaviour_for(distribution: dict, uri: str) -> dict:
    """CloudFront developer guide, "Cache behavior settings": the other behaviours in their order, the default
    last; in a path pattern `*` matches any characters, `/` included."""
    import fnmatch

    for behaviour in distribution.get("CacheBehaviors", []):
        if fnmatch.fnmatchcase(uri, behaviour["PathPattern"]):
            return behaviour
    return distribution["DefaultCacheBehavior"]


def _viewer_request(code: str, uris: list[str]) -> list[str]:
    """The CloudFront Function's own code (cloudfront-js-2.0) run by Node.js on each URI."""
    import json
    import subprocess

    script = code + "\nprocess.stdout.write(JSON.stringify(" + json.dumps(uris) + \
        ".map(function (u) { return handler({request: {uri: u}}).uri; })));"
    return json.loads(subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout)


def test_the_receipt_logs_files_reach_the_bucket_under_their_own_names_and_pages_their_index():
    """Issue 23: the C2SP names of the log have no dot (log/checkpoint, log/tile/0/x001/234); the default behaviour's
    directory-index function would ask the bucket for .../index.html, so /log/* has a behaviour without it."""
    from imvo.transparency.publication import KEYS_FILE, tile_path

    resources = load_template()["Resources"]
    distribution = resources["Distribution"]["Properties"]["DistributionConfig"]
    code = resources["DirectoryIndexFunction"]["Properties"]["FunctionCode"]
    published = ["log/checkpoint", "log/checkpoints/1234", tile_path(0, 1234), tile_path(1, 4, 17),
                 tile_path("entries", 1234567), "log/days/2023-03-15.json", KEYS_FILE]
    for key in published:
        behaviour = _behaviour_for(distribution, "/" + key)
        # No viewer-request function: the bucket is asked for the key as it was published.
        assert behaviour.get("TargetOriginId") == "site" and not behaviour.get("FunctionAssociations"), key
    # The pages keep their directory index: the function, on the default behaviour, does what the site needs.
    pages = ["/ontvangstbewijs-controleren/", "/en/verify-a-receipt", "/downloads/herbereken-loting.py"]
    assert all(_behaviour_for(distribution, page) is distribution["DefaultCacheBehavior"] for page in pages)
    assert _viewer_request(code, pages) == ["/ontvangstbewijs-controleren/index.html", "/en/verify-a-receipt/index.html",
                                            "/downloads/herbereken-loting.py"]
    # Without the /log/* behaviour the checkpoint would have been asked for as a page.
    assert _viewer_request(code, ["/log/checkpoint"]) == ["/log/checkpoint/index.html"]
