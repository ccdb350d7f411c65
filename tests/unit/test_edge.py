"""The edge (infra/edge.yaml): the site's 404 page for the site alone, and WAF blocks that answer in the API's
error shape on /api/* (issue 24, item 4)."""

import copy
import json

import yaml

from tests.conftest import ROOT


class _CloudFormationLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (!Ref, !Sub, !GetAtt) read as plain values."""


_CloudFormationLoader.add_multi_constructor("!", lambda loader, suffix, node: (
    loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else loader.construct_sequence(node)
    if isinstance(node, yaml.SequenceNode) else loader.construct_mapping(node)))


def _edge() -> dict:
    return yaml.load((ROOT / "infra" / "edge.yaml").read_text(), Loader=_CloudFormationLoader)


def _not_found_handler():
    """The origin-response function exactly as CloudFormation deploys it (its inline code)."""
    code = _edge()["Resources"]["SiteNotFoundFunction"]["Properties"]["Code"]["ZipFile"]
    namespace: dict = {}
    exec(compile(code, "index.py", "exec"), namespace)  # noqa: S102 - our own template's code, under test
    return namespace["handler"]


def _event() -> dict:
    return json.loads((ROOT / "tests" / "events" / "cloudfront-origin-response-missing-page.json").read_text())


def test_a_missing_page_of_the_site_gets_status_404_and_a_page_in_both_languages():
    """S3 behind origin access control answers a missing key with 403; the viewer gets a 404 page. Here the
    distribution cannot be reached (.invalid), so the function's own page stands in for the site's."""
    answer = _not_found_handler()(_event())
    assert answer["status"] == "404"
    assert answer["headers"]["content-type"][0]["value"].startswith("text/html")
    assert "Pagina niet gevonden" in answer["body"] and "Page not found" in answer["body"]


def test_a_page_that_exists_and_the_404_page_itself_pass_unchanged():
    handler = _not_found_handler()
    found = _event()
    found["Records"][0]["cf"]["response"] |= {"status": "200", "statusDescription": "OK"}
    assert handler(copy.deepcopy(found)) == found["Records"][0]["cf"]["response"]
    missing_404_page = _event()
    missing_404_page["Records"][0]["cf"]["request"]["uri"] = "/404.html"
    assert handler(copy.deepcopy(missing_404_page))["status"] == "403"


def test_waf_blocks_on_the_api_answer_in_the_apis_error_shape_and_on_the_site_as_a_page():
    """AWS WAF developer guide, "Custom responses for Block actions": a block may carry a custom body (at most
    4 KB each, referenced by key from the web ACL's CustomResponseBodies)."""
    acl = _edge()["Resources"]["WebAcl"]["Properties"]
    bodies = acl["CustomResponseBodies"]
    for key, body in bodies.items():
        assert len(body["Content"].encode()) <= 4096, key
        if body["ContentType"] == "APPLICATION_JSON":
            error = json.loads(body["Content"])["error"]
            assert error["code"] and error["message"]["nl"] and error["message"]["en"] and error["findings"] == []
        else:
            assert 'lang="en"' in body["Content"], key
    blocking = [rule for rule in acl["Rules"] if "Block" in rule.get("Action", {}) and rule["Name"] != "submissions-per-ip"]
    assert len(blocking) == 4
    for rule in blocking:
        response = rule["Action"]["Block"]["CustomResponse"]
        on_api = rule["Name"].endswith("-api")
        assert bodies[response["CustomResponseBodyKey"]]["ContentType"] == ("APPLICATION_JSON" if on_api else "TEXT_HTML")
        statement = rule["Statement"]
        scope = (statement["RateBasedStatement"]["ScopeDownStatement"] if "RateBasedStatement" in statement
                 else statement["AndStatement"]["Statements"][-1])
        path = scope["ByteMatchStatement"] if on_api else scope["NotStatement"]["Statement"]["ByteMatchStatement"]
        assert path["SearchString"] == "/api/" and path["PositionalConstraint"] == "STARTS_WITH", rule["Name"]


def test_managed_rules_label_and_the_body_rules_never_block():
    """Issue 24, item 8: free text with "<b>" or a URL must not be blocked; the core rule set's body rules are
    counted (their label metrics) until an opening shows they block no application (docs/runbook.md)."""
    acl = _edge()["Resources"]["WebAcl"]["Properties"]
    managed = [rule for rule in acl["Rules"] if "ManagedRuleGroupStatement" in rule["Statement"]]
    assert managed and all(rule["OverrideAction"] == {"Count": {}} for rule in managed)
    for rule in (r for r in acl["Rules"] if r["Name"].startswith("managed-match")):
        (labelled, not_body, _path) = rule["Statement"]["AndStatement"]["Statements"]
        assert len(labelled["OrStatement"]["Statements"]) == 3
        excluded = {s["LabelMatchStatement"]["Key"].rsplit(":", 1)[1]
                    for s in not_body["NotStatement"]["Statement"]["OrStatement"]["Statements"]}
        assert excluded == {"SizeRestrictions_Body", "CrossSiteScripting_Body", "GenericLFI_Body", "GenericRFI_Body",
                            "EC2MetaDataSSRF_Body"}


def test_waf_logs_keep_no_token_or_cookie_and_not_for_long():
    resources = _edge()["Resources"]
    redacted = {field["SingleHeader"]["Name"] for field in resources["WebAclLogging"]["Properties"]["RedactedFields"]}
    assert redacted == {"authorization", "cookie"}
    assert resources["WafLogs"]["Properties"]["RetentionInDays"] <= 90


def test_one_address_may_send_a_few_applications_in_five_minutes_not_a_stream():
    """Issue 25, item 1: each application sends an e-mail from the programme's address; WAF limits the submissions
    per IP address (a rate-based rule on POST of an application or a supplement), answered in the API's shape."""
    import re

    acl = _edge()["Resources"]["WebAcl"]["Properties"]
    (rule,) = [r for r in acl["Rules"] if r["Name"] == "submissions-per-ip"]
    assert rule["Action"]["Block"]["CustomResponse"] == {"ResponseCode": 429, "CustomResponseBodyKey": "api-rate-limited",
                                                         "ResponseHeaders": [{"Name": "retry-after", "Value": "300"}]}
    method, path = rule["Statement"]["RateBasedStatement"]["ScopeDownStatement"]["AndStatement"]["Statements"]
    assert method["ByteMatchStatement"]["SearchString"] == "POST"
    pattern = re.compile(path["RegexMatchStatement"]["RegexString"])
    assert pattern.match("/api/applications") and pattern.match("/api/applications/IMVO-20230315-ABCDEFGH/supplements")
    assert not pattern.match("/api/applications/check") and not pattern.match("/api/uploads")
    assert _edge()["Parameters"]["SubmissionsPerFiveMinutes"]["Default"] <= 20
