"""The confirmation e-mail: reference, Dutch time of receipt, status, what happens next, the PDF receipt
attached; Dutch, or English for a pillar-1 application (which is written in English, II.2.1).

Sent after the record is stored (started by its storing, never by a request), so it can neither delay
nor change an application; sent once per stored version: a retried event finds the audit event of the
earlier send and sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from imvo.audit.trail import AuditTrail
from imvo.documents.receipt_document import STATUS_FOR_PEOPLE, receipt_pdf
from imvo.intake.receipt import format_dutch_for_people
from imvo.intake.storage import ApplicationStore, StorageUnavailable, error_code
from imvo.programme.facts import load_facts

# SES refuses these for good (a bad address, an unverified sender): trying again cannot help.
_PERMANENT = {"MessageRejected", "MailFromDomainNotVerified", "InvalidParameterValue", "AccountSendingPausedException",
              "ConfigurationSetDoesNotExist"}


class EmailUnavailable(Exception):
    """SES failed in a way a later attempt may not (throttling, a timeout, a 5xx): deliver the event again."""


@dataclass(frozen=True)
class Outcome:
    sent: bool
    reason: str  # "sent", "already sent", or the SES error code of a refusal that no retry can cure


def language_of(pillar: int) -> str:
    """II.2.1: a pillar-1 application is written in English, so its applicant reads English."""
    return "en" if pillar == 1 else "nl"


_TEXTS = {
    "nl": {
        "subject": "Ontvangstbevestiging {reference} – {programme}",
        "greeting": "Beste {name},",
        "received": "Wij hebben uw aanvraag voor het {programme} ontvangen.",
        "supplemented": "Wij hebben uw aanvulling op aanvraag {reference} voor het {programme} ontvangen.",
        "reference": "Referentie",
        "supplement": "Referentie van de aanvulling",
        "moment": "Tijdstip van ontvangst (Nederlandse tijd)",
        "status": "Status",
        "next": "Wat gebeurt er nu?",
        "complete": ("Aanvragen worden behandeld in volgorde van binnenkomst (artikel 4 van de beleidsregels). "
                     "U hoort van ons wanneer op uw aanvraag is besloten."),
        "incomplete": ("Uw aanvraag is onvolledig: het ontvangstbewijs in de bijlage noemt wat ontbreekt. U kunt haar "
                       "aanvullen op de pagina 'Aanvraag aanvullen' van de website, met de referentie en de code die u "
                       "bij het indienen kreeg. De Minister kan ook om een aanvulling vragen. Als tijdstip van ontvangst "
                       "geldt dan het tijdstip waarop de aanvulling is ontvangen (II.2.2, III.2.2). Een onvolledige "
                       "aanvraag kan worden afgewezen."),
        "now_counts": "Het tijdstip van ontvangst van deze aanvulling geldt nu als het tijdstip van ontvangst van uw aanvraag (II.2.2, III.2.2).",
        "attached": "In de bijlage vindt u het ontvangstbewijs (PDF) met al uw antwoorden.",
        "closing": "Dit bericht is automatisch verstuurd; antwoorden op dit adres worden niet gelezen.",
        "file": "ontvangstbewijs",
    },
    "en": {
        "subject": "Confirmation of receipt {reference} – {programme}",
        "greeting": "Dear {name},",
        "received": "We have received your application for the {programme}.",
        "supplemented": "We have received your supplement to application {reference} for the {programme}.",
        "reference": "Reference",
        "supplement": "Reference of the supplement",
        "moment": "Time of receipt (Dutch time)",
        "status": "Status",
        "next": "What happens next?",
        "complete": ("Applications are handled in the order in which they were received (Article 4 of the policy rules). "
                     "You will hear from us when a decision on your application has been made."),
        "incomplete": ("Your application is incomplete: the receipt attached says what is missing. You can supplement it "
                       "on the website's 'Supplement an application' page, with the reference and the code you were "
                       "given when you submitted. The Minister may also ask for a supplement. The time of receipt is "
                       "then the time the supplement is received (II.2.2, III.2.2). An incomplete application may be "
                       "refused."),
        "now_counts": "The time of receipt of this supplement is now your application's time of receipt (II.2.2, III.2.2).",
        "attached": "Attached is the receipt (PDF) with all your answers.",
        "closing": "This message was sent automatically; replies to this address are not read.",
        "file": "receipt",
    },
}


def confirmation_message(original: dict, current: dict, sender: str, pdf: bytes, data_dir: Path) -> EmailMessage:
    """The e-mail for `current` (the application itself, or a supplement to `original`)."""
    receipt = current["receipt"]
    language = language_of(original["receipt"]["pillar"])
    texts = _TEXTS[language]
    programme = load_facts(data_dir)["name"][language]
    reference = receipt["reference"]
    supplement = receipt.get("supplementReference")
    contact = current["application"]["penvoerder"]["contact"]
    moment = format_dutch_for_people(datetime.fromisoformat(receipt["receivedAt"]), language)
    status = STATUS_FOR_PEOPLE.get(receipt["status"], (receipt["status"],) * 2)[0 if language == "nl" else 1]
    lines = [texts["greeting"].format(name=contact["name"]), "",
             texts["supplemented" if supplement else "received"].format(reference=reference, programme=programme), "",
             f"{texts['reference']}: {reference}"]
    if supplement:
        lines.append(f"{texts['supplement']}: {supplement}")
    lines += [f"{texts['moment']}: {moment}", f"{texts['status']}: {status}", ""]
    if supplement:
        lines += [texts["now_counts"], ""]
    lines += [texts["next"], texts["complete" if receipt["status"] == "complete" else "incomplete"], "",
              texts["attached"], "", texts["closing"]]

    message = EmailMessage()
    message["Subject"] = texts["subject"].format(reference=supplement or reference, programme=programme)
    message["From"] = formataddr((programme, sender))
    message["To"] = formataddr((contact["name"], contact["email"]))
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    message.set_content("\n".join(lines) + "\n")
    message.add_attachment(pdf, maintype="application", subtype="pdf",
                           filename=f"{texts['file']}-{supplement or reference}.pdf")
    message["Content-Language"] = language  # after the content: setting the content clears Content-* headers
    return message


def send_confirmation(store: ApplicationStore, ses, record_key: str, sender: str, data_dir: Path) -> Outcome:
    """Send the confirmation of the application or supplement stored at `record_key`, once.

    A fault SES may not repeat raises EmailUnavailable (the event is delivered again); a refusal no retry
    can cure is filed and answered, so admins see it in the trail and the alarm on EmailsFailed fires.
    """
    current = store.get_json(record_key)
    trail = AuditTrail(store)
    if trail.confirmation_was_sent(current, record_key):
        return Outcome(False, "already sent")
    reference = current["receipt"]["reference"]
    original = current if not current["receipt"].get("supplementReference") else store.application(reference)
    if original is None:
        raise StorageUnavailable(f"the original of {reference} is not readable")
    message = confirmation_message(original, current, sender, receipt_pdf(original, current, data_dir), data_dir)
    try:
        sent = ses.send_raw_email(Source=sender, Destinations=[current["application"]["penvoerder"]["contact"]["email"]],
                                  RawMessage={"Data": message.as_bytes()})
    except ClientError as error:
        permanent = error_code(error) in _PERMANENT
        trail.confirmation_failed(current, error_code(error), will_retry=not permanent, failed_at=_now())
        if permanent:
            return Outcome(False, error_code(error))
        raise EmailUnavailable(error_code(error)) from error
    except BotoCoreError as error:
        trail.confirmation_failed(current, type(error).__name__, will_retry=True, failed_at=_now())
        raise EmailUnavailable(type(error).__name__) from error
    trail.confirmation_sent(current, record_key, sent["MessageId"], _now())
    return Outcome(True, "sent")


def _now() -> datetime:
    return datetime.now(timezone.utc)
