"""`make preflight ENV=…`: before a deploy, whether the account's Lambda quota can hold the stack's reserved
concurrency, and what to request when it cannot (issue 24, item 6)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from imvo.settings import PROJECT_ROOT
from imvo_local.sam_template import load_template

# Lambda keeps at least this much of the account's concurrency unreserved: a PutFunctionConcurrency that would
# leave less fails (Lambda developer guide, "Configuring reserved concurrency").
UNRESERVED_MINIMUM = 100
# Service Quotas' code of "Concurrent executions" for Lambda, for the request.
CONCURRENCY_QUOTA_CODE = "L-B99A9384"


def reserved_of(template: dict, environment: str) -> dict[str, int]:
    """Each function's reserved concurrency in this environment, as the template sets it."""
    capacity = template["Mappings"]["Capacity"][environment]
    reserved = {}
    for name, resource in template["Resources"].items():
        value = resource.get("Properties", {}).get("ReservedConcurrentExecutions")
        if value is None:
            continue
        if isinstance(value, dict) and "Fn::If" in value:
            value = value["Fn::If"][1]  # the ReservesConcurrency branch
        if isinstance(value, dict):
            (_, _, key) = value["Fn::FindInMap"]
            value = capacity[key]
        reserved[name] = int(value)
    return reserved


WARMED = ("SubmitFunction", "SupplementFunction")  # the functions OpeningProvisionedConcurrency warms


@dataclass(frozen=True)
class Verdict:
    environment: str
    reserved: int
    needed: int
    account_limit: int
    provisioned: int = 0  # OpeningProvisionedConcurrency
    room_for_provisioned: int = 0  # the smallest reservation of the warmed functions

    @property
    def fits(self) -> bool:
        return self.account_limit >= self.needed and self.provisioned <= self.room_for_provisioned

    def words(self) -> str:
        head = (f"{self.environment}: the functions reserve {self.reserved} concurrent executions; with the "
                f"{UNRESERVED_MINIMUM} Lambda keeps unreserved the account needs {self.needed} and has {self.account_limit}.")
        if self.provisioned > self.room_for_provisioned:
            return head + (f" OpeningProvisionedConcurrency={self.provisioned} is more than submit's or supplement's "
                           f"reserved concurrency ({self.room_for_provisioned}): lower it, or raise Capacity.")
        if self.fits:
            return head + " The deploy can go ahead."
        return head + (f" Request a Lambda 'Concurrent executions' quota ({CONCURRENCY_QUOTA_CODE}) of at least "
                       f"{self.needed} in Service Quotas (this region), or deploy with ReservedConcurrency=none until "
                       "it is granted (not for an opening; production refuses it).")


def verdict(template: dict, environment: str, account_limit: int, provisioned: int = 0) -> Verdict:
    reservations = reserved_of(template, environment)
    reserved = sum(reservations.values())
    return Verdict(environment, reserved, reserved + UNRESERVED_MINIMUM, account_limit, provisioned,
                   min(reservations[name] for name in WARMED))


def deploy_parameters(environment: str, samconfig: str | None = None) -> dict[str, str]:
    """The parameter overrides `make deploy ENV=…` passes (samconfig.toml), as name -> value."""
    import shlex
    import tomllib

    text = samconfig if samconfig is not None else (PROJECT_ROOT / "samconfig.toml").read_text()
    overrides = tomllib.loads(text)[environment]["deploy"]["parameters"].get("parameter_overrides", "")
    return dict(item.split("=", 1) for item in shlex.split(overrides))


def account_limit(lambda_client) -> int:
    """The account's concurrency in this region (GetAccountSettings: AccountLimit.ConcurrentExecutions)."""
    return int(lambda_client.get_account_settings()["AccountLimit"]["ConcurrentExecutions"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="imvo-preflight", description=__doc__.splitlines()[0])
    parser.add_argument("--environment", required=True, choices=("test", "acceptance", "production"))
    args = parser.parse_args(argv)
    import boto3

    if deploy_parameters(args.environment).get("ReservedConcurrency") == "none":
        print(f"{args.environment}: deployed with ReservedConcurrency=none (samconfig.toml): no reservation to check.")
        return 0
    provisioned = int(deploy_parameters(args.environment).get("OpeningProvisionedConcurrency", 0))
    result = verdict(load_template(), args.environment, account_limit(boto3.client("lambda")), provisioned)
    print(result.words())
    return 0 if result.fits else 1


if __name__ == "__main__":
    raise SystemExit(main())
