"""The deployed system's tooling: the whole stack in the template, checkov clean, `make publish`, `make smoke`."""

import json
import subprocess
import sys

import boto3
from moto import mock_aws

from imvo_local.publish import publish
from imvo_local.sam_template import load_template
from tests.conftest import ROOT

CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"


def resources(kind: str) -> dict:
    return {name: r for name, r in load_template()["Resources"].items() if r["Type"] == kind}


def test_checkov_finds_nothing_and_every_skip_says_why():
    assert CHECKOV.exists(), "make test installs checkov into .venv-checkov (requirements-checkov.txt)"
    for template in ("infra/template.yaml", "infra/edge.yaml"):
        result = subprocess.run([str(CHECKOV), "-f", template, "--framework", "cloudformation",
                                 "--compact", "--skip-download", "-o", "json"], cwd=ROOT, capture_output=True, text=True)
        report = json.loads(result.stdout)
        assert report["summary"]["failed"] == 0, [c["check_id"] for c in report["results"]["failed_checks"]]
        assert report["summary"]["passed"] > 0
        for skipped in report["results"]["skipped_checks"]:
            assert len(skipped["check_result"].get("suppress_comment", "")) > 20, skipped["check_id"]


def test_the_edge_template_lints_clean_in_us_east_1():
    from cfnlint import api as cfnlint_api
    from cfnlint.config import ManualArgs

    text = (ROOT / "infra" / "edge.yaml").read_text()
    assert [str(m) for m in cfnlint_api.lint(text, config=ManualArgs(regions=["us-east-1"]))] == []
    assert "Scope: CLOUDFRONT" in text and "RateBasedStatement" in text and "AWSManagedRulesCommonRuleSet" in text


def test_the_whole_stack_is_in_the_template():
    template = load_template()
    distribution = resources("AWS::CloudFront::Distribution")["Distribution"]["Properties"]["DistributionConfig"]
    (api,) = [b for b in distribution["CacheBehaviors"] if b["PathPattern"] == "/api/*"]
    assert api["TargetOriginId"] == "api" and "OriginAccessControlId" in distribution["Origins"][0]
    assert distribution["Origins"][1]["OriginCustomHeaders"][0]["HeaderName"] == "x-origin-verify"
    headers = resources("AWS::CloudFront::ResponseHeadersPolicy")["SecurityHeadersPolicy"]["Properties"]
    csp = headers["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert "script-src 'self'" in csp["Fn::Sub"] and "frame-ancestors 'none'" in csp["Fn::Sub"]
    assert resources("AWS::GuardDuty::MalwareProtectionPlan")
    functions = resources("AWS::Serverless::Function")
    queued = {name for name, f in functions.items()
              if any(e["Type"] == "SQS" for e in (f["Properties"].get("Events") or {}).values())}
    assert queued == {"RecordFunction", "PdfFunction", "NotifyFunction"}
    # Issue 24: an SQS consumer is capped by its event source's MaximumConcurrency (>= 2), never by reserved
    # concurrency, which throttles deliveries back into the queue and on into the dead-letter queue.
    for name in queued:
        assert "ReservedConcurrentExecutions" not in functions[name]["Properties"], name
        (event,) = [e for e in functions[name]["Properties"]["Events"].values() if e["Type"] == "SQS"]
        assert event["Properties"]["ScalingConfig"]["MaximumConcurrency"]["Fn::FindInMap"][0] == "Capacity"
    capacity = template["Mappings"]["Capacity"]
    assert all(capacity[env][kind] >= 2 for env in capacity for kind in ("Record", "Pdf", "Notify"))
    assert all("ReservedConcurrentExecutions" in f["Properties"] for name, f in functions.items() if name not in queued)
    api_settings = resources("AWS::Serverless::HttpApi")["HttpApi"]["Properties"]
    assert "ThrottlingRateLimit" in api_settings["DefaultRouteSettings"] and "AccessLogSettings" in api_settings
    record = template["Resources"]["SubmissionsBucket"]["Properties"]
    assert "Rule" not in record["ObjectLockConfiguration"]  # retention per object of the record, not per bucket
    sse = record["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms" and sse["BucketKeyEnabled"]
    prefixes = {r.get("Prefix") for r in record["LifecycleConfiguration"]["Rules"]}
    assert {"idempotency/", "bundles/"} <= prefixes
    uploads = template["Resources"]["UploadsBucket"]["Properties"]
    assert "ObjectLockEnabled" not in uploads and uploads["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"]
    policy = template["Resources"]["SubmissionsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert {s["Sid"] for s in policy} == {"DenyPlainHttp", "NoOneBypassesRetention"}
    assert set(template["Parameters"]["Environment"]["AllowedValues"]) == {"test", "acceptance", "production"}
    samconfig = (ROOT / "samconfig.toml").read_text()
    assert all(f"[{env}.deploy.parameters]" in samconfig for env in ("test", "acceptance", "production"))


def test_publish_uploads_what_changed_deletes_what_is_gone_and_invalidates(tmp_path):
    site = tmp_path / "site"
    (site / "regeling").mkdir(parents=True)
    (site / "index.html").write_text("<!doctype html><title>IMVO</title>")
    (site / "regeling" / "index.html").write_text("<!doctype html><title>Regeling</title>")
    (site / "site.css").write_text("body{}")
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-1")
        cloudfront = boto3.client("cloudfront", region_name="us-east-1")
        s3.create_bucket(Bucket="site", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        s3.put_object(Bucket="site", Key="old/index.html", Body=b"gone")
        s3.put_object(Bucket="site", Key="budget.json", Body=b"{}")  # written by the budget function, not the build
        s3.put_object(Bucket="site", Key="log/checkpoint", Body=b"origin\n1\n")  # the sequencer's (issue 23)
        s3.put_object(Bucket="site", Key="log/tile/0/000.p/1", Body=b"\0" * 32)
        distribution = cloudfront.create_distribution(DistributionConfig={
            "CallerReference": "t", "Comment": "", "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{"Id": "site", "DomainName": "site.s3.amazonaws.com",
                                                   "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
            "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "redirect-to-https",
                                     "MinTTL": 0, "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                                     "TrustedSigners": {"Enabled": False, "Quantity": 0}}})["Distribution"]["Id"]
        first = publish(s3, cloudfront, site, "site", distribution)
        assert first == {"uploaded": 3, "deleted": 1, "unchanged": 0}
        assert s3.get_object(Bucket="site", Key="budget.json")["Body"].read() == b"{}"  # issue 24: the meter stays
        assert s3.get_object(Bucket="site", Key="log/checkpoint")["Body"].read().startswith(b"origin")  # and the log
        assert s3.get_object(Bucket="site", Key="log/tile/0/000.p/1")["Body"].read() == b"\0" * 32
        head = s3.head_object(Bucket="site", Key="regeling/index.html")
        assert head["ContentType"] == "text/html; charset=utf-8" and head["CacheControl"] == "no-cache"
        assert publish(s3, cloudfront, site, "site", distribution) == {"uploaded": 0, "deleted": 0, "unchanged": 3}
        assert cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]["Quantity"] == 2


def test_make_smoke_passes_against_the_local_system(portal):
    """The deployed-stack acceptance path (issue 24, item 10), run against `make run` as after every deploy."""
    import os

    env = os.environ | {"ADMIN_USER": portal.admin_username, "ADMIN_PASSWORD": portal.admin_password}
    result = subprocess.run([sys.executable, "-m", "tests.smoke", portal.site], cwd=ROOT, capture_output=True,
                            text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "16 passed, 0 failed" in result.stdout, result.stdout
