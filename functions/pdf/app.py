"""Lambda handler of the PDF function: renders the PDF of each stored application or supplement once,
beside it under pdf/, so bundles collect it instead of rendering (SQS batch of EventBridge events)."""

from imvo.documents.stored_pdf import render_stored_pdf
from imvo.intake.storage import ApplicationStore, s3_client
from imvo.programme.facts import load_facts
from imvo.record_events import handle_each
from imvo.settings import load_settings
from imvo.telemetry import PDF_RENDERS, count

_store: ApplicationStore | None = None  # built once per container


def _render(key: str) -> str:
    if not render_stored_pdf(_store, key, load_facts(load_settings().data_dir)["name"]["nl"]):
        return "already rendered"
    count(PDF_RENDERS, document="application")
    return "rendered"


def handler(event, context=None):
    global _store
    settings = load_settings()
    _store = _store or ApplicationStore(s3_client(), settings.submissions_bucket)
    return handle_each(event, _render, "pdf")
