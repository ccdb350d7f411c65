"""The applicant's e-mails: the confirmation (reference, Dutch time of receipt, the portal's check, what happens
next, the PDF receipt attached) and RVO's supplement request (what, until when, where); Dutch, or English for
a pillar-1 application (which is written in English, II.2.1).

Sent after the record is stored (started by its storing, never by a request), so it can neither delay
nor change an application; sent once per stored version: a retried event finds the audit event of the
earlier send and sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from imvo.audit.trail import AuditTrail
from imvo.notify import allowance
from imvo.documents.receipt_document import receipt_pdf, signed_receipt_files

VERIFY_PAGES = {"nl": "/ontvangstbewijs-controleren/", "en": "/en/verify-a-receipt/"}  # content/pages
from imvo.intake.receipt import format_dutch_for_people
from imvo.intake.applications import latest_version
from imvo.intake.storage import ApplicationStore, StorageUnavailable, error_code
from imvo.programme.facts import load_facts
from imvo.settings import load_settings
from imvo.programme.findings import PARTS_MISSING, PARTS_PRESENT, REJECTION_EXPECTED, portal_check_words

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
        "greeting": "Geachte aanvrager,",
        "received": "Wij hebben uw aanvraag voor het {programme} ontvangen.",
        "supplemented": "Wij hebben uw aanvulling op aanvraag {reference} voor het {programme} ontvangen.",
        "reference": "Referentie",
        "supplement": "Referentie van de aanvulling",
        "moment": "Tijdstip van ontvangst (Nederlandse tijd)",
        "status": "Controle door het portaal",
        "next": "Wat gebeurt er nu?",
        "order": ("De aanvragen worden behandeld in volgorde van binnenkomst (artikel 4 van het Besluit). Dreigt het "
                  "subsidieplafond op een dag te worden overschreden, dan bepaalt loting de volgorde van de aanvragen "
                  "van die dag. RVO beoordeelt uw aanvraag namens de Minister en laat u weten wat zij besluit."),
        PARTS_PRESENT: "Het portaal vond alle gevraagde onderdelen. Dat is geen besluit: RVO beoordeelt of uw aanvraag volledig is.",
        PARTS_MISSING: ("Het portaal vond dat onderdelen ontbreken; het ontvangstbewijs in de bijlage noemt ze. Tot het einde "
                        "van de openstelling kunt u uw aanvraag aanvullen op de pagina 'Aanvraag aanvullen' van de website, "
                        "met de referentie en de herstelcode die u na het versturen op de bevestigingspagina kreeg (de "
                        "code staat om veiligheidsredenen niet in deze e-mail). RVO kan ook om een aanvulling vragen; u "
                        "krijgt dan een e-mail. Als tijdstip van ontvangst geldt dan het tijdstip waarop de aanvulling is "
                        "ontvangen (II.2.2, III.2.2)."),
        REJECTION_EXPECTED: ("Volgens de controle van het portaal voldoet uw aanvraag niet aan de beleidsregels; het "
                             "ontvangstbewijs in de bijlage noemt waarom. RVO beslist; tegen dat besluit kunt u bezwaar maken."),
        "now_counts": "Het tijdstip van ontvangst van deze aanvulling geldt nu als het tijdstip van ontvangst van uw aanvraag (II.2.2, III.2.2).",
        "attached": "In de bijlage vindt u het ontvangstbewijs (PDF).",
        "signed": ("Het ontvangstbewijs is digitaal ondertekend door het portaal en opgenomen in het openbare "
                   "ontvangstlogboek; de ondertekende gegevens zitten in de bijlage {file}. Controleren kan op de pagina "
                   "'Ontvangstbewijs controleren'{where}."),
        "closing": "Dit bericht is automatisch verstuurd; antwoorden op dit adres worden niet gelezen.",
        "file": "ontvangstbewijs",
    },
    "en": {
        "subject": "Confirmation of receipt {reference} – {programme}",
        "greeting": "Dear applicant,",
        "received": "We have received your application for the {programme}.",
        "supplemented": "We have received your supplement to application {reference} for the {programme}.",
        "reference": "Reference",
        "supplement": "Reference of the supplement",
        "moment": "Time of receipt (Dutch time)",
        "status": "The portal's check",
        "next": "What happens next?",
        "order": ("Applications are handled in the order in which they were received (Article 4 of the Decision). If a "
                  "budget ceiling threatens to be exceeded on one day, a lottery decides the order of that day's "
                  "applications. RVO assesses your application on behalf of the Minister and will let you know its decision."),
        PARTS_PRESENT: "The portal found every requested part. That is not a decision: RVO assesses whether your application is complete.",
        PARTS_MISSING: ("The portal found parts missing; the receipt attached names them. Until the opening closes you can "
                        "supplement your application on the website's 'Supplement an application' page, with the reference "
                        "and the supplement code shown on the confirmation page after you submitted (for safety the code is "
                        "not in this e-mail). RVO may also ask for a supplement; you will then get an e-mail. The time of "
                        "receipt is then the time the supplement is received (II.2.2, III.2.2)."),
        REJECTION_EXPECTED: ("According to the portal's check your application does not meet the policy rules; the receipt "
                             "attached says why. RVO decides; you can object to that decision."),
        "now_counts": "The time of receipt of this supplement is now your application's time of receipt (II.2.2, III.2.2).",
        "attached": "Attached is the receipt (PDF).",
        "signed": ("The portal signed the receipt digitally and added it to the public receipt log; the signed data are "
                   "in the attachment {file}. You can check them on the page 'Verify a receipt'{where}."),
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
    moment = format_dutch_for_people(datetime.fromisoformat(receipt["receivedAt"]), language)
    status = portal_check_words(receipt["status"], language)
    lines = [texts["greeting"], "",
             texts["supplemented" if supplement else "received"].format(reference=reference, programme=programme), "",
             f"{texts['reference']}: {reference}"]
    if supplement:
        lines.append(f"{texts['supplement']}: {supplement}")
    lines += [f"{texts['moment']}: {moment}", f"{texts['status']}: {status}", ""]
    if supplement:
        lines += [texts["now_counts"], ""]
    signed = signed_receipt_files(current, current)
    site = load_settings().site_url
    where = f" ({site}{VERIFY_PAGES[language]})" if site else ""
    lines += [texts["next"], texts[receipt["status"]], texts["order"], "", texts["attached"]]
    if signed:
        lines += [texts["signed"].format(file=next(iter(signed)), where=where)]
    lines += ["", texts["closing"]]

    message = EmailMessage()
    message["Subject"] = texts["subject"].format(reference=supplement or reference, programme=programme)
    message["From"] = formataddr((programme, sender))
    message["To"] = _address_of(current)  # the address alone: no text of the applicant in a header
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    message.set_content("\n".join(lines) + "\n")
    message.add_attachment(pdf, maintype="application", subtype="pdf",
                           filename=f"{texts['file']}-{supplement or reference}.pdf")
    for name, content in signed.items():  # the signed receipt for machines (issue 23): no text of the applicant in it
        message.add_attachment(content, maintype="application", subtype="json", filename=name)
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
    address = _address_of(current)
    if address is None:
        trail.confirmation_failed(current, "NoAddress", will_retry=False, failed_at=_now())
        return Outcome(False, "NoAddress")
    if not allowance.claim(store, address, record_key, load_settings().confirmations_per_address):
        trail.confirmation_failed(current, "RecipientLimit", will_retry=False, failed_at=_now())
        return Outcome(False, "RecipientLimit")
    message = confirmation_message(original, current, sender, receipt_pdf(original, current, data_dir, mailed=True), data_dir)
    sent = _send(ses, sender, address, message, lambda code, retry: trail.confirmation_failed(current, code, retry, _now()))
    if isinstance(sent, Outcome):
        return sent
    trail.confirmation_sent(current, record_key, sent, _now())
    return Outcome(True, "sent")


def _address_of(stored: dict) -> str | None:
    """The contact's e-mail address, where the application has one (one with parts missing may not) that the
    e-mail library takes as one address and nothing else: no line break, no second address, no display name
    (issue 25, item 6: a CR/LF in a header sent the job to the dead-letter queue)."""
    address = ((stored["application"].get("penvoerder") or {}).get("contact") or {}).get("email")
    if not isinstance(address, str) or "@" not in address or any(c in address for c in "\r\n,;<>\"") or address != address.strip():
        return None
    try:
        parsed = Address(addr_spec=address)
    except (ValueError, IndexError, HeaderParseError):
        return None
    return address if parsed.addr_spec == address and len(address) <= 254 else None


def _send(ses, sender: str, address: str, message: EmailMessage, file_failure) -> str | Outcome:
    """The SES message id; an Outcome for a refusal no retry can cure; EmailUnavailable for a passing fault.
    `file_failure(code, will_retry)` files each failed attempt in the trail."""
    try:
        # With the configuration set, SES keeps a bounced or complaining address off its list (its suppression
        # list) and publishes the reputation the alarms watch (infra/template.yaml, ConfirmationConfigurationSet).
        return ses.send_raw_email(Source=sender, Destinations=[address], RawMessage={"Data": message.as_bytes()},
                                  ConfigurationSetName=load_settings().configuration_set)["MessageId"]
    except ClientError as error:
        permanent = error_code(error) in _PERMANENT
        file_failure(error_code(error), not permanent)
        if permanent:
            return Outcome(False, error_code(error))
        raise EmailUnavailable(error_code(error)) from error
    except BotoCoreError as error:
        file_failure(type(error).__name__, True)
        raise EmailUnavailable(type(error).__name__) from error


_REQUEST_TEXTS = {
    "nl": {
        "subject": "Verzoek om aanvulling van aanvraag {reference} – {programme}",
        "asked": ("RVO vraagt u namens de Minister om uw aanvraag {reference} voor het {programme} aan te vullen "
                  "(II.2.2, III.2.2; artikel 4:5 van de Algemene wet bestuursrecht)."),
        "items": "Wat ontbreekt of onvoldoende is onderbouwd:",
        "term": "Uw aanvulling moet binnen zijn uiterlijk {until} (Nederlandse tijd).",
        "how": ("Vul uw aanvraag aan op {page}, met uw referentie en de herstelcode die u na het versturen op de "
                "bevestigingspagina kreeg (de code staat om veiligheidsredenen niet in deze e-mail). Bent u de code "
                "kwijt, neem dan contact op met RVO."),
        "counts": ("Als tijdstip van ontvangst van uw aanvraag geldt daarna het tijdstip waarop de aanvulling is "
                   "ontvangen. Komt er binnen de termijn geen aanvulling, dan kan RVO besluiten de aanvraag niet te "
                   "behandelen (artikel 4:5 Awb)."),
        "page": "de pagina 'Aanvraag aanvullen'",
    },
    "en": {
        "subject": "Request to supplement application {reference} – {programme}",
        "asked": ("On behalf of the Minister, RVO asks you to supplement your application {reference} for the {programme} "
                  "(II.2.2, III.2.2; article 4:5 of the General Administrative Law Act)."),
        "items": "What is missing or insufficiently substantiated:",
        "term": "Your supplement must arrive by {until} (Dutch time) at the latest.",
        "how": ("Supplement your application at {page}, with your reference and the supplement code shown on the "
                "confirmation page after you submitted (for safety the code is not in this e-mail). If you no longer "
                "have the code, contact RVO."),
        "counts": ("The time your supplement is received then becomes your application's time of receipt. If no "
                   "supplement arrives within the term, RVO may decide not to consider the application (article 4:5 Awb)."),
        "page": "the 'Supplement an application' page",
    },
}
HERSTEL_PAGES = {"nl": "/aanvragen/aanvullen/", "en": "/en/apply/supplement/"}


def supplement_request_message(original: dict, request: dict, sender: str, data_dir: Path, site_url: str) -> EmailMessage:
    """RVO's request: its items, its term and the herstel page; no free text of the applicant (II.2.2, III.2.2)."""
    language = language_of(original["receipt"]["pillar"])
    texts, common = _REQUEST_TEXTS[language], _TEXTS[language]
    programme = load_facts(data_dir)["name"][language]
    reference = original["receipt"]["reference"]
    until = format_dutch_for_people(datetime.fromisoformat(request["termEndsAt"].replace("Z", "+00:00")), language)
    page = f"{site_url}{HERSTEL_PAGES[language]}" if site_url else f"{texts['page']} ({HERSTEL_PAGES[language]})"
    lines = [common["greeting"], "", texts["asked"].format(reference=reference, programme=programme), "",
             texts["items"], *[f"- {item}" for item in request["items"]], "",
             texts["term"].format(until=until), "", texts["how"].format(page=page), "", texts["counts"], "",
             f"{common['reference']}: {reference}", "", common["closing"]]
    message = EmailMessage()
    message["Subject"] = texts["subject"].format(reference=reference, programme=programme)
    message["From"] = formataddr((programme, sender))
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    message.set_content("\n".join(lines) + "\n")
    message["Content-Language"] = language
    return message


def send_supplement_request(store: ApplicationStore, ses, request_key: str, sender: str, data_dir: Path,
                            site_url: str) -> Outcome:
    """E-mail RVO's supplement request stored at `request_key` to the contact of the application as it stands, once."""
    request = store.get_json(request_key)
    trail = AuditTrail(store)
    if trail.request_mail_was_sent(request, request_key):
        return Outcome(False, "already sent")
    original = store.application(request["reference"])
    if original is None:
        raise StorageUnavailable(f"the application {request['reference']} is not readable")
    current = latest_version(original, store.supplements_of(request["reference"]))
    address = _address_of(current)
    if address is None:
        trail.confirmation_failed(current, "NoAddress", will_retry=False, failed_at=_now())
        return Outcome(False, "NoAddress")
    message = supplement_request_message(original, request, sender, data_dir, site_url)
    message["To"] = address
    sent = _send(ses, sender, address, message, lambda code, retry: trail.confirmation_failed(current, code, retry, _now()))
    if isinstance(sent, Outcome):
        return sent
    trail.request_mail_sent(request, request_key, sent, _now())
    return Outcome(True, "sent")


def _now() -> datetime:
    return datetime.now(timezone.utc)
