"""Lambda handler of the notify function: through Amazon SES, the confirmation e-mail of each stored application
or supplement, and the e-mail of each supplement request RVO stored (SQS batch of EventBridge events); never
for a refusal, which stores nothing."""

import boto3

from imvo.intake.storage import RECORD_PREFIXES, SUPPLEMENT_REQUESTS_PREFIX, ApplicationStore, s3_client
from imvo.notify.confirmation import EmailUnavailable, send_confirmation, send_supplement_request
from imvo.record_events import handle_each
from imvo.settings import load_settings
from imvo.telemetry import EMAILS_FAILED, EMAILS_SENT, count

_store: ApplicationStore | None = None  # built once per container
_ses = None


def _send(key: str) -> str:
    settings = load_settings()
    try:
        if key.startswith(SUPPLEMENT_REQUESTS_PREFIX):
            outcome = send_supplement_request(_store, _ses, key, settings.confirmation_sender, settings.data_dir,
                                              settings.site_url)
        else:
            outcome = send_confirmation(_store, _ses, key, settings.confirmation_sender, settings.data_dir)
    except EmailUnavailable:
        count(EMAILS_FAILED, retry="yes")
        raise
    if outcome.sent:
        count(EMAILS_SENT)
    elif outcome.reason != "already sent":
        count(EMAILS_FAILED, retry="no")
    return outcome.reason


def handler(event, context=None):
    global _store, _ses
    settings = load_settings()
    _store = _store or ApplicationStore(s3_client(), settings.submissions_bucket, settings.retention_days)
    _ses = _ses or boto3.client("ses")
    return handle_each(event, _send, "notify", RECORD_PREFIXES + (SUPPLEMENT_REQUESTS_PREFIX,))
