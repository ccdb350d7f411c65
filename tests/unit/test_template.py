"""infra/template.yaml: cfn-lint passes, and its handlers and environment are the ones the code has."""

import inspect
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


def test_admin_routes_need_iam_and_public_routes_do_not():
    for route in routes():
        assert route.iam_only == route.path.startswith("/api/admin/"), route


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
