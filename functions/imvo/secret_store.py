"""Secrets read at run time from AWS Secrets Manager (locally: the embedded one), never from the environment."""

from __future__ import annotations

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from imvo.intake.storage import StorageUnavailable, storage_fault

CURRENT = "AWSCURRENT"
PREVIOUS = "AWSPREVIOUS"


def read_secret(secret_id: str, stage: str = CURRENT, client=None) -> str | None:
    """The secret's text at `stage`; None when no version has that stage (a secret never rotated has no
    AWSPREVIOUS). A fault of Secrets Manager is a StorageUnavailable (a retry-safe 503), a denial a StorageDenied."""
    client = client or boto3.client("secretsmanager")
    try:
        return client.get_secret_value(SecretId=secret_id, VersionStage=stage)["SecretString"]
    except ClientError as error:
        if stage != CURRENT and error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return None
        raise storage_fault(error) from error
    except BotoCoreError as error:
        raise StorageUnavailable(str(error)) from error
