"""What the embedded SES has sent: the local outbox of `make run` (/local/outbox/), read from moto's SES
backend in this process. Nothing leaves the machine: the mail stops here."""

from __future__ import annotations

import email
import html
from email import policy

from imvo_local.iam_model import LOCAL_ACCOUNT, LOCAL_REGION

OUTBOX_PATH = "/local/outbox/"
OUTBOX_JSON_PATH = "/local/outbox.json"


def sent_messages() -> list[email.message.EmailMessage]:
    from moto.ses.models import ses_backends

    backend = ses_backends[LOCAL_ACCOUNT][LOCAL_REGION]
    raw = [m.raw_data for m in backend.sent_messages if hasattr(m, "raw_data")]
    return [email.message_from_string(data, policy=policy.default) for data in raw]


def _summary(message) -> dict:
    attachments = [{"filename": part.get_filename(), "contentType": part.get_content_type(),
                    "size": len(part.get_payload(decode=True) or b"")} for part in message.iter_attachments()]
    body = message.get_body(preferencelist=("plain",))
    return {"subject": message["subject"], "from": message["from"], "to": message["to"],
            "language": message["content-language"], "text": body.get_content() if body else "",
            "attachments": attachments}


def outbox() -> list[dict]:
    return [_summary(message) for message in sent_messages()]


def attachment(index: int, part: int) -> tuple[str, str, bytes] | None:
    """(filename, content type, bytes) of one attachment of the index-th message sent, or None."""
    messages = sent_messages()
    if not 0 <= index < len(messages):
        return None
    parts = list(messages[index].iter_attachments())
    if not 0 <= part < len(parts):
        return None
    return parts[part].get_filename(), parts[part].get_content_type(), parts[part].get_payload(decode=True)


def outbox_page() -> str:
    """A plain, accessible page of every e-mail sent, newest first, with its attachments to download."""
    items = []
    for index, message in reversed(list(enumerate(outbox()))):
        files = "".join(f'<li><a href="{OUTBOX_PATH}{index}/{n}">{html.escape(a["filename"] or "bijlage")}</a> '
                        f'({html.escape(a["contentType"])}, {a["size"]} bytes)</li>'
                        for n, a in enumerate(message["attachments"]))
        items.append(f'<article><h2>{html.escape(message["subject"] or "")}</h2>'
                     f'<p>Aan / to: {html.escape(message["to"] or "")}<br>Van / from: {html.escape(message["from"] or "")}</p>'
                     f'<pre>{html.escape(message["text"])}</pre>'
                     + (f"<h3>Bijlagen / attachments</h3><ul>{files}</ul>" if files else "") + "</article>")
    listing = "".join(items) or "<p>Nog niets verzonden. / Nothing sent yet.</p>"
    return ("<!doctype html><html lang=\"nl\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
            "content=\"width=device-width, initial-scale=1\"><title>Lokale uitgaande e-mail</title>"
            "<style>body{font-family:sans-serif;max-width:50rem;margin:1rem auto;padding:0 1rem}"
            "pre{white-space:pre-wrap;overflow-wrap:anywhere}li,p{overflow-wrap:anywhere}article{border-top:1px solid #888;padding-top:.5rem}</style></head>"
            "<body><main><h1>Lokale uitgaande e-mail <span lang=\"en\">(local outbox)</span></h1>"
            "<p>Wat de ingebouwde SES van <code>make run</code> heeft verzonden; niets verlaat deze machine. "
            "<span lang=\"en\">What the embedded SES of <code>make run</code> sent; nothing leaves this machine.</span></p>"
            f"{listing}</main></body></html>")
