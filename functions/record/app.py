"""Lambda handler of the record function: after an application or supplement is stored, keeps its
attachments in the record under retention and files its audit event (SQS batch of EventBridge events)."""

from imvo.intake.record_keeping import keep_record
from imvo.intake.storage import ApplicationStore, s3_client
from imvo.record_events import handle_each
from imvo.settings import load_settings

_store: ApplicationStore | None = None  # built once per container


def handler(event, context=None):
    global _store
    settings = load_settings()
    _store = _store or ApplicationStore(s3_client(), settings.submissions_bucket, settings.retention_days)
    return handle_each(event, lambda key: keep_record(_store, settings.uploads_bucket, key), "record")
