"""The pre-deploy quota check (issue 24, item 6): reserved concurrency needs the account's quota to exceed its sum
by 100 (Lambda developer guide, "Configuring reserved concurrency"); a new account has far less."""

import botocore.session
from botocore.stub import Stubber

from imvo_local.preflight import UNRESERVED_MINIMUM, account_limit, reserved_of, verdict
from imvo_local.sam_template import load_template


def test_the_sum_is_read_from_the_template_per_environment():
    template = load_template()
    for environment, capacity in template["Mappings"]["Capacity"].items():
        reserved = reserved_of(template, environment)
        assert reserved["SubmitFunction"] == capacity["Submit"] and reserved["BudgetFunction"] == 1
        assert "RecordFunction" not in reserved  # capped by its SQS event source, not by a reservation
    sums = {env: sum(reserved_of(template, env).values()) for env in ("test", "acceptance", "production")}
    assert sums["test"] < sums["acceptance"] < sums["production"]


def test_a_new_account_is_told_what_to_request_and_a_large_one_may_deploy():
    template = load_template()
    needed = sum(reserved_of(template, "production").values()) + UNRESERVED_MINIMUM
    small = verdict(template, "production", 10)
    assert not small.fits and small.needed == needed
    assert f"of at least {needed}" in small.words() and "L-B99A9384" in small.words()
    assert "ReservedConcurrency=none" in small.words()
    assert verdict(template, "production", needed).fits and not verdict(template, "production", needed - 1).fits


def test_the_account_limit_is_read_from_get_account_settings():
    """moto has no GetAccountSettings; botocore's Stubber checks our call and its documented answer's shape against
    the service model (a real account is the deploy's own preflight run, docs/runbook.md)."""
    client = botocore.session.get_session().create_client("lambda", region_name="eu-west-1",
                                                           aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_response("get_account_settings", {"AccountLimit": {
            "TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000, "CodeSizeZipped": 52428800,
            "ConcurrentExecutions": 10, "UnreservedConcurrentExecutions": 10}, "AccountUsage": {
            "TotalCodeSize": 0, "FunctionCount": 0}}, {})
        assert account_limit(client) == 10


def test_the_check_reads_what_the_deploy_will_pass():
    from imvo_local.preflight import deploy_parameters

    assert deploy_parameters("test")["Environment"] == "test"
    config = '[test.deploy.parameters]\nparameter_overrides = "Environment=test ReservedConcurrency=none"\n'
    assert deploy_parameters("test", config)["ReservedConcurrency"] == "none"


def test_warm_instances_for_an_opening_cannot_exceed_what_submit_and_supplement_reserve():
    template = load_template()
    reserved = reserved_of(template, "production")
    room = min(reserved["SubmitFunction"], reserved["SupplementFunction"])
    assert verdict(template, "production", 10_000, room).fits
    too_many = verdict(template, "production", 10_000, room + 1)
    assert not too_many.fits and "OpeningProvisionedConcurrency" in too_many.words()
