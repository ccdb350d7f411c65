"""The PDF of each stored application or supplement: rendered once, when it is stored, and kept beside it.

Bundles then collect these bytes instead of rendering (issue 16). The PDF is made from the stored JSON
alone, so rendering it again (for one whose asynchronous rendering has not run yet) gives the same bytes.
"""

from __future__ import annotations

from imvo.documents.application_document import application_html
from imvo.documents.render import html_to_pdf
from imvo.intake.storage import AlreadyStored, ApplicationStore, pdf_key_of


def application_pdf(stored: dict, programme_name: str) -> bytes:
    return html_to_pdf(application_html(stored, programme_name))[0]


def keep_pdf(store: ApplicationStore, record_key: str, pdf: bytes) -> bool:
    """Write the PDF of `record_key` once; False when it was already there (a retried event)."""
    try:
        store.put_new(pdf_key_of(record_key), pdf, "application/pdf")
        return True
    except AlreadyStored:
        return False


def render_stored_pdf(store: ApplicationStore, record_key: str, programme_name: str) -> bool:
    """Render the PDF of the stored application or supplement at `record_key` and keep it; False when a
    previous delivery of the same event already did."""
    return keep_pdf(store, record_key, application_pdf(store.get_json(record_key), programme_name))
