"""infra/template.yaml: cfn-lint passes, and its handlers and environment are the ones the code has."""

import inspect
import json
import re

from cfnlint import api as cfnlint_api
from cfnlint.config import ManualArgs

from imvo_local.sam_template import TEMPLATE_PATH, function_environment_names, load_template, routes
from imvo.settings import FUNCTION_ENV_VARS, PROJECT_ROOT


def test_cfn_lint_finds_nothing():
    matches = cfnlint_api.lint(TEMPLATE_PATH.read_text(), config=ManualArgs(regions=["eu-west-1"]))
    assert [str(m) for m in matches] == []


def test_every_route_points_at_an_existing_handler_function():
    found = routes()
    assert {(r.method, r.path) for r in found} >= {("POST", "/api/applications"), ("POST", "/api/admin/bundles")}
    for route in found:
        from imvo_local.devserver import load_handler

        handler = load_handler(route)
        assert list(inspect.signature(handler).parameters) == ["event", "context"], route


def test_admin_routes_need_a_signed_in_admin_and_public_routes_do_not():
    for route in routes():
        signs_in = route.path == "/api/admin/session"
        assert route.authorizer == ("AdminSignIn" if route.path.startswith("/api/admin/") and not signs_in else None), route


def test_the_admin_group_and_the_pool_are_the_ones_the_code_checks():
    from imvo.admin.signin import ADMIN_GROUP

    resources = load_template()["Resources"]
    assert resources["AdminGroup"]["Properties"]["GroupName"] == ADMIN_GROUP
    pool = resources["AdminUserPool"]["Properties"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True  # no self sign-up
    assert pool["MfaConfiguration"] == {"Fn::If": ["IsProduction", "ON", "OPTIONAL"]}
    jwt = resources["HttpApi"]["Properties"]["Auth"]["Authorizers"]["AdminSignIn"]["JwtConfiguration"]
    assert jwt["audience"] == [{"Ref": "AdminUserPoolClient"}] and "${AdminUserPool}" in jwt["issuer"]["Fn::Sub"]


def test_functions_get_exactly_the_environment_the_code_reads():
    for function, names in function_environment_names().items():
        assert names == FUNCTION_ENV_VARS, function


def test_code_reads_no_environment_variable_outside_the_registry():
    """Every IMVO_* name in the function code is one of settings.FUNCTION_ENV_VARS (or a dev-only one)."""
    dev_only = {"IMVO_QUIET_LOG"}
    used = set()
    for path in (PROJECT_ROOT / "functions").rglob("*.py"):
        used |= set(re.findall(r'"(IMVO_[A-Z_]+)"', path.read_text()))
    assert used - dev_only == set(FUNCTION_ENV_VARS)


def test_submissions_bucket_is_private_versioned_and_encrypted():
    bucket = load_template()["Resources"]["SubmissionsBucket"]["Properties"]
    assert bucket["VersioningConfiguration"]["Status"] == "Enabled"
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]


# --- operations (issue 11) ---------------------------------------------------------------------

def _of_type(kind: str) -> dict:
    return {name: r for name, r in load_template()["Resources"].items() if r["Type"] == kind}


def test_every_function_has_a_log_group_with_the_retention_parameter():
    template = load_template()
    functions = set(_of_type("AWS::Serverless::Function"))
    groups = _of_type("AWS::Logs::LogGroup")
    named = set()
    for group in groups.values():
        properties = group["Properties"]
        assert properties["RetentionInDays"] == {"Ref": "LogRetentionDays"} and "KmsKeyId" in properties
        name = properties.get("LogGroupName", {}).get("Fn::Sub", "")
        named |= {f for f in functions if f"${{{f}}}" in name}
        if "admin-job" in name:
            named.add("AdminJobFunction")
    assert named == functions
    assert template["Parameters"]["LogRetentionDays"]["Default"] >= 365


def test_api_access_logs_are_json_with_request_id_time_route_status_and_integration_error():
    api = load_template()["Resources"]["HttpApi"]["Properties"]["AccessLogSettings"]
    line = json.loads(api["Format"])
    assert line["requestId"] == "$context.requestId" and line["timeEpoch"] == "$context.requestTimeEpoch"
    assert line["route"] == "$context.routeKey" and line["status"] == "$context.status"
    assert line["integrationError"] == "$context.integrationErrorMessage"
    assert api["DestinationArn"] == {"Fn::GetAtt": "ApiAccessLogs.Arn"}


def test_alarms_cover_5xx_503s_throttles_errors_and_p99_and_notify_the_topic():
    from imvo import telemetry

    alarms = _of_type("AWS::CloudWatch::Alarm")
    composites = _of_type("AWS::CloudWatch::CompositeAlarm")
    grouped = {name for name in alarms for c in composites.values() if f"ALARM(${{{name}}})" in c["Properties"]["AlarmRule"]["Fn::Sub"]}
    assert all(c["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}] for c in composites.values())
    watched = set()
    for name, alarm in alarms.items():
        properties = alarm["Properties"]
        # An alarm notifies the topic itself, or is a group whose composite alarm does (the 10-metric limit).
        notifies = properties.get("AlarmActions") == [{"Ref": "AlarmTopic"}]
        assert (notifies or name in grouped) and len(properties["AlarmDescription"]) > 30, name
        for metric in [properties] + [m["MetricStat"]["Metric"] for m in properties.get("Metrics", []) if "MetricStat" in m]:
            if "MetricName" in metric:
                statistic = properties.get("ExtendedStatistic") or properties.get("Statistic")
                watched.add((metric["Namespace"], metric["MetricName"], statistic if metric is properties else "Sum"))
    assert {("AWS/ApiGateway", "5xx", "Sum"), ("IMVO", telemetry.UNAVAILABLE, "Sum"),
            ("IMVO", telemetry.INTERNAL_ERRORS, "Sum"), ("IMVO", telemetry.JOBS_FAILED, "Sum"),
            ("AWS/Lambda", "Throttles", "Sum"), ("AWS/Lambda", "Errors", "Sum"),
            ("AWS/Lambda", "Duration", "p99")} <= watched
    errors = alarms["ApiFunctionErrorsAlarm"]["Properties"]["Metrics"] + alarms["BackgroundFunctionErrorsAlarm"]["Properties"]["Metrics"]
    assert {m["MetricStat"]["Metric"]["Dimensions"][0]["Value"]["Ref"] for m in errors if "MetricStat" in m} == set(
        _of_type("AWS::Serverless::Function"))
    template = load_template()
    assert template["Resources"]["AlarmSubscription"]["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}
    assert template["Resources"]["AlarmSubscription"]["Condition"] == "HasAlarmEmail"
    ours = [a["Properties"] for a in alarms.values() if a["Properties"].get("Namespace") == "IMVO"]
    for alarm in ours:  # the dimensions our metrics are emitted with, or the alarm watches nothing
        names = {d["Name"] for d in alarm["Dimensions"]}
        assert names - {"service", "environment"} == ({"code"} if alarm["MetricName"] == telemetry.REFUSALS else set())
        assert {"service", "environment"} <= names
        assert {"Name": "service", "Value": telemetry.SERVICE} in alarm["Dimensions"]


def test_the_dashboard_is_valid_json_on_the_metrics_the_code_emits():
    from imvo import telemetry

    body = load_template()["Resources"]["OpeningDayDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    substituted = re.sub(r"\$\{[A-Za-z0-9:.]+\}", "X", body)
    dashboard = json.loads(substituted)
    text = json.dumps(dashboard)
    for metric in (telemetry.APPLICATIONS_STORED, telemetry.REFUSALS, telemetry.UNAVAILABLE, telemetry.INTERNAL_ERRORS,
                   telemetry.UPLOAD_VERIFICATIONS_FAILED):
        assert metric in text, metric
    alarm_widget = next(w for w in dashboard["widgets"] if w["type"] == "alarm")
    assert len(alarm_widget["properties"]["alarms"]) == len(_of_type("AWS::CloudWatch::Alarm")) + len(
        _of_type("AWS::CloudWatch::CompositeAlarm"))


def test_the_job_function_may_run_long_and_is_not_retried_by_lambda():
    from imvo.admin.jobs import JOB_TIMEOUT_SECONDS

    job = load_template()["Resources"]["AdminJobFunction"]["Properties"]
    assert job["Timeout"] == JOB_TIMEOUT_SECONDS and job["EventInvokeConfig"]["MaximumRetryAttempts"] == 0
    assert job["EphemeralStorage"]["Size"] >= 4096 and job["ImageConfig"]["Command"] == ["jobs/app.handler"]


def test_the_budget_meter_is_published_after_every_dutch_day():
    function = load_template()["Resources"]["BudgetFunction"]["Properties"]
    schedule = function["Events"]["AfterEachDutchDay"]
    assert schedule["Type"] == "ScheduleV2"
    assert schedule["Properties"]["ScheduleExpressionTimezone"] == "Europe/Amsterdam"
    assert schedule["Properties"]["ScheduleExpression"].startswith("cron(5 0 ")  # just after Dutch midnight
    granted = [s for s in function["Policies"][0]["Statement"] if s["Sid"] == "PublishTheMeter"]
    assert granted[0]["Resource"] == {"Fn::Sub": "${SiteBucket.Arn}/budget.json"}  # that one file, nothing else
