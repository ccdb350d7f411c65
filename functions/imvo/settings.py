"""The environment variables the functions read, in one place, with their local defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# functions/imvo/settings.py -> repository root. The Lambda artefacts set IMVO_DATA_DIR and
# IMVO_SCHEMA_DIR, so this default only serves a checkout.
PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Every variable the code reads. tests/unit/test_template.py checks that infra/template.yaml sets
# exactly these on the functions, so a renamed variable cannot drift silently.
ENV_SUBMISSIONS_BUCKET = "IMVO_SUBMISSIONS_BUCKET"
ENV_UPLOADS_BUCKET = "IMVO_UPLOADS_BUCKET"
ENV_DATA_DIR = "IMVO_DATA_DIR"
ENV_SCHEMA_DIR = "IMVO_SCHEMA_DIR"
ENV_EXTRA_OPENINGS = "IMVO_EXTRA_OPENINGS_FILE"
ENV_MAX_BODY_BYTES = "IMVO_MAX_BODY_BYTES"
ENV_RETENTION_DAYS = "IMVO_RETENTION_DAYS"
ENV_TOKEN_SECRET = "IMVO_TOKEN_SECRET_ID"
ENV_UPLOAD_KEY_SECRET = "IMVO_UPLOAD_KEY_SECRET_ID"
ENV_MALWARE_SCAN = "IMVO_MALWARE_SCAN"
ENV_ORIGIN_SECRET = "IMVO_ORIGIN_SECRET_ID"
ENV_ENVIRONMENT = "IMVO_ENVIRONMENT"
ENV_JOB_FUNCTION = "IMVO_JOB_FUNCTION"
ENV_ADMIN_CLIENT_ID = "IMVO_ADMIN_CLIENT_ID"
ENV_SITE_BUCKET = "IMVO_SITE_BUCKET"
ENV_CONFIRMATION_SENDER = "IMVO_CONFIRMATION_SENDER"
ENV_SITE_URL = "IMVO_SITE_URL"
ENV_CONFIRMATIONS_PER_ADDRESS = "IMVO_CONFIRMATIONS_PER_ADDRESS_PER_DAY"
ENV_SES_CONFIGURATION_SET = "IMVO_SES_CONFIGURATION_SET"
ENV_RECEIPT_KEY = "IMVO_RECEIPT_KEY_ID"
ENV_LOG_ORIGIN = "IMVO_LOG_ORIGIN"
ENV_LOG_SETTLE = "IMVO_LOG_SETTLE_SECONDS"

FUNCTION_ENV_VARS = frozenset({
    ENV_SUBMISSIONS_BUCKET, ENV_UPLOADS_BUCKET, ENV_DATA_DIR, ENV_SCHEMA_DIR, ENV_EXTRA_OPENINGS,
    ENV_MAX_BODY_BYTES, ENV_RETENTION_DAYS, ENV_TOKEN_SECRET, ENV_UPLOAD_KEY_SECRET, ENV_MALWARE_SCAN, ENV_ORIGIN_SECRET,
    ENV_ENVIRONMENT, ENV_JOB_FUNCTION, ENV_ADMIN_CLIENT_ID, ENV_SITE_BUCKET, ENV_CONFIRMATION_SENDER, ENV_SITE_URL,
    ENV_CONFIRMATIONS_PER_ADDRESS, ENV_SES_CONFIGURATION_SET, ENV_RECEIPT_KEY, ENV_LOG_ORIGIN, ENV_LOG_SETTLE,
})

# GuardDuty Malware Protection for S3 tags each scanned upload; without it (locally) nothing scans.
SCAN_GUARDDUTY = "guardduty"
SCAN_NONE = "none"
# The sender `make run` verifies in its embedded SES (a reserved .example domain: nothing leaves the machine).
LOCAL_CONFIRMATION_SENDER = "aanvragen@imvo-portal.example"
# The SES configuration set every e-mail is sent with (bounces and complaints to the suppression list).
LOCAL_CONFIGURATION_SET = "imvo-local-confirmations"
# The receipt key's alias (infra/template.yaml's ReceiptSigningKeyAlias; `make run` makes it in the embedded KMS).
LOCAL_RECEIPT_KEY = "alias/imvo-receipts-local"
LOCAL_LOG_ORIGIN = "imvo-portal.example/log"


@dataclass(frozen=True)
class Settings:
    submissions_bucket: str
    uploads_bucket: str
    data_dir: Path
    schema_dir: Path
    extra_openings_file: Path | None
    max_body_bytes: int
    retention_days: int | None
    token_secret_id: str  # the herstel-code key
    upload_key_secret_id: str  # the key of the uploads function's statements (never the herstel key)
    malware_scan: str
    origin_secret_id: str  # the secret CloudFront sends as x-origin-verify (imvo.api.origin)
    environment: str
    job_function: str
    admin_client_id: str  # the Cognito app client the console signs in with
    site_bucket: str  # where the static site (and the public budget.json) is served from
    confirmation_sender: str  # the From of the confirmation e-mail: an SES identity of the stack
    site_url: str  # the site's address for links in e-mails ("https://…"); empty where the stack has no domain
    confirmations_per_address: int  # confirmation e-mails one address may receive in a Dutch day (imvo.notify.allowance)
    configuration_set: str  # the SES configuration set: suppression of bounced and complaining addresses
    receipt_key_id: str  # the KMS key that signs receipts and the log's checkpoints (imvo.transparency)
    log_origin: str  # the receipt log's checkpoint origin (C2SP tlog-checkpoint), also its signed-note key name
    log_settle_seconds: float  # how old a receipt is before the sequencer logs it: longer than any request can take


def load_settings(environ: os._Environ | dict | None = None) -> Settings:
    env = os.environ if environ is None else environ
    extra = env.get(ENV_EXTRA_OPENINGS) or None
    return Settings(
        submissions_bucket=env.get(ENV_SUBMISSIONS_BUCKET, "imvo-submissions-local"),
        uploads_bucket=env.get(ENV_UPLOADS_BUCKET, "imvo-uploads-local"),
        data_dir=Path(env.get(ENV_DATA_DIR) or PROJECT_ROOT / "content" / "data"),
        schema_dir=Path(env.get(ENV_SCHEMA_DIR) or PROJECT_ROOT / "schemas"),
        extra_openings_file=Path(extra) if extra else None,
        max_body_bytes=int(env.get(ENV_MAX_BODY_BYTES) or 1_000_000),
        retention_days=int(env[ENV_RETENTION_DAYS]) if env.get(ENV_RETENTION_DAYS) else None,
        token_secret_id=env.get(ENV_TOKEN_SECRET, "imvo-token-key-local"),
        upload_key_secret_id=env.get(ENV_UPLOAD_KEY_SECRET, "imvo-upload-key-local"),
        malware_scan=env.get(ENV_MALWARE_SCAN) or SCAN_NONE,
        origin_secret_id=env.get(ENV_ORIGIN_SECRET, ""),
        environment=env.get(ENV_ENVIRONMENT) or "local",
        job_function=env.get(ENV_JOB_FUNCTION) or "imvo-local-admin-job",
        admin_client_id=env.get(ENV_ADMIN_CLIENT_ID, ""),
        site_bucket=env.get(ENV_SITE_BUCKET, "imvo-site-local"),
        confirmation_sender=env.get(ENV_CONFIRMATION_SENDER) or LOCAL_CONFIRMATION_SENDER,
        site_url=(env.get(ENV_SITE_URL) or "").rstrip("/"),
        confirmations_per_address=int(env.get(ENV_CONFIRMATIONS_PER_ADDRESS) or 5),
        configuration_set=env.get(ENV_SES_CONFIGURATION_SET) or LOCAL_CONFIGURATION_SET,
        receipt_key_id=env.get(ENV_RECEIPT_KEY) or LOCAL_RECEIPT_KEY,
        log_origin=env.get(ENV_LOG_ORIGIN) or LOCAL_LOG_ORIGIN,
        log_settle_seconds=float(env.get(ENV_LOG_SETTLE) or 35),
    )
