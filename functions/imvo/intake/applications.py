"""Receiving applications and supplements: window, validation, rules, attachments, write-once storage.

Order of receipt decides (Artikel 4, II.3.2, III.3.2), so what the intake stores is never overwritten
or deleted, a retried request never counts twice, and a fault leaves nothing half-written. The request
writes the record alone (and, with an Idempotency-Key, its claim first); what follows from it (its
attachments kept under retention, its audit event, its PDF, the e-mail) is done after, started by the
stored object (imvo.record_events), so the applicant's receipt waits on one write.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from imvo.casework.herstel import HerstelRoute, herstel_route
from imvo.casework.records import Casework
from imvo.intake.attachments import ScanPending, draft_token, drafts_of, referenced_attachments, verify_attachments
from imvo.intake.json_input import read_json, read_json_object
from imvo.intake.refusal import Refusal
from imvo.programme.findings import REJECT, WARNING, Finding, portal_check, portal_check_message
from imvo.programme.facts import Opening, load_limits, opening_for
from imvo.intake.receipt import Receipt, format_dutch_for_people
from imvo.programme.rules import Judgement, judge, judge_organisations
from imvo.settings import Settings
from imvo.intake.storage import (AlreadyStored, ApplicationStore, application_key, encode_document, encode_from_parts,
                                 idempotency_key_of, record_attachment_key, supplement_key)
from imvo.intake.tokens import TokenKey
from imvo.intake.validation import available_pillars, schema_findings
from imvo.transparency.signed_receipt import KmsSigner, kms_signer_from_environment, log_entry

JSON_MEDIA_TYPES = ("application/json",)
SCAN_RETRY_SECONDS = 30
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")


def latest_version(original: dict, supplements: list[dict]) -> dict:
    """II.2.2, III.2.2: the last supplement received is the application as it now stands."""
    versions = [original] + supplements
    return max(versions, key=lambda v: (v["receipt"]["receivedAt"], v["receipt"]["requestId"]))


@dataclass
class Intake:
    settings: Settings
    store: ApplicationStore | None  # the record (submissions bucket)
    openings: tuple[Opening, ...]
    pillars: tuple[int, ...] = field(default=())
    uploads: ApplicationStore | None = None  # the staging bucket the browser uploads to
    tokens: TokenKey | None = None  # the herstel codes
    upload_key: TokenKey | None = None  # the uploads function's statements on checked uploads
    signer: KmsSigner | None = None  # the receipt key (issue 23): every stored receipt is signed

    def __post_init__(self):
        self.pillars = self.pillars or available_pillars(self.settings.schema_dir)

    @classmethod
    def from_environment(cls, with_storage: bool = True) -> "Intake":
        """What every handler builds once per container, from the variables in imvo.settings."""
        from imvo.programme.facts import load_openings
        from imvo.settings import load_settings
        from imvo.intake.storage import s3_client

        settings = load_settings()
        openings = load_openings(settings.data_dir, settings.extra_openings_file)
        if not with_storage:
            return cls(settings=settings, store=None, openings=openings)
        client = s3_client()
        return cls(settings=settings, openings=openings,
                   store=ApplicationStore(client, settings.submissions_bucket, settings.retention_days),
                   uploads=ApplicationStore(client, settings.uploads_bucket),
                   tokens=TokenKey(settings.token_secret_id), upload_key=TokenKey(settings.upload_key_secret_id),
                   signer=kms_signer_from_environment())

    # --- parsing -------------------------------------------------------------------------------

    def parse(self, body: bytes, content_type: str | None) -> dict:
        media_type = (content_type or "").split(";")[0].strip().lower()
        if media_type not in JSON_MEDIA_TYPES:
            raise Refusal(
                "unsupported_media_type",
                f"Stuur de aanvraag als JSON (Content-Type: application/json), niet als '{media_type or 'onbekend'}'.",
                f"Send the application as JSON (Content-Type: application/json), not as '{media_type or 'unknown'}'.",
            )
        limit = self.settings.max_body_bytes
        if len(body) > limit:
            raise Refusal(
                "too_large",
                f"De aanvraag is {len(body)} bytes; de grens is {limit} bytes. Voeg grote bestanden toe als bijlage.",
                f"The application is {len(body)} bytes; the limit is {limit} bytes. Add large files as attachments.",
            )
        document = read_json(body)
        if not isinstance(document, dict):
            raise Refusal("invalid", "De aanvraag moet een JSON-object zijn.", "The application must be a JSON object.",
                          [Finding("$", "schema:type", REJECT, "Verwacht een object.", "Expected an object.")])
        return document

    def pillar_of(self, document: dict) -> int:
        pillar = document.get("pillar")
        if pillar not in self.pillars:
            allowed = " of ".join(map(str, self.pillars))
            raise Refusal(
                "invalid",
                "Geef aan voor welke pijler u aanvraagt.",
                "State which pillar you apply for.",
                [Finding("$.pillar", "schema:enum", REJECT, f"Kies pijler {allowed}.",
                         f"Choose pillar {allowed.replace(' of ', ' or ')}.")],
            )
        return pillar

    def check_window(self, pillar: int, receipt: Receipt) -> Opening:
        """Artikel 2: an application counts only when received inside an opening, in Dutch time."""
        opening = opening_for(self.openings, pillar, receipt.received_dutch)
        if opening is not None:
            return opening
        moment_nl = format_dutch_for_people(receipt.received_utc, "nl")
        moment_en = format_dutch_for_people(receipt.received_utc, "en")
        windows = [o for o in self.openings if pillar in o.pillars]
        nl = "; ".join(_window_text(o, "nl") for o in windows)
        en = "; ".join(_window_text(o, "en") for o in windows)
        raise Refusal(
            "outside_opening",
            f"Uw aanvraag kwam binnen op {moment_nl}, buiten elke openstelling voor pijler {pillar} (Artikel 2): {nl}. Er is niets opgeslagen.",
            f"Your application arrived on {moment_en}, outside every opening for pillar {pillar} (Artikel 2): {en}. Nothing was stored.",
        )

    # --- judging -------------------------------------------------------------------------------

    def assess(self, document: dict, pillar: int, receipt: Receipt) -> tuple[list[Finding], Judgement | None]:
        """Schema findings first; the regulation's rules only run on a document the schema accepts, except
        who may take part (II.1.3), said as soon as the organisations are all filled in: so the form says
        "too few companies" on the step where the companies are entered."""
        findings = schema_findings(self.settings.schema_dir, pillar, document)
        if findings:
            if not any(f.path.startswith(("$.penvoerder", "$.partners")) for f in findings):
                findings += judge_organisations(document, receipt.received_dutch.date(), load_limits(self.settings.data_dir))
            return findings, None
        judgement = judge(document, receipt.received_dutch.date(), limits=load_limits(self.settings.data_dir))
        return judgement.findings, judgement

    def check(self, body: bytes, content_type: str | None, receipt: Receipt) -> dict:
        """The dry run of POST /api/applications/check: every finding and the calculator's result; stores nothing."""
        document = self.parse(body, content_type)
        pillar = self.pillar_of(document)
        findings, judgement = self.assess(document, pillar, receipt)
        opening = opening_for(self.openings, pillar, receipt.received_dutch)
        readable = not_an_application(document, findings) is None
        return {
            # "invalid": sending it would be refused (it cannot be read); otherwise the portal's check of what would be stored
            "status": portal_check(findings) if readable else "invalid",
            "findings": [f.as_dict() for f in findings],
            "calculation": judgement.calculation.as_dict() if judgement else None,
            "opening": {"open": opening is not None, "id": opening.id if opening else None},
        }

    def _judged(self, document: dict, pillar: int, receipt: Receipt) -> tuple[list[Finding], Judgement | None, list]:
        """The portal's check of an application it will store, whatever the check says (I.5: rejecting is the
        Minister's decision, on an application received). Refused, with nothing stored, is only what cannot
        be read as an application: a value of the wrong type or form, or an unknown field (see Keuzes in de
        uitvoering); and attachments the portal cannot keep (not uploaded, altered, a threat, still scanning)."""
        findings, judgement = self.assess(document, pillar, receipt)
        refused = not_an_application(document, findings)
        if refused is not None:
            raise refused
        try:
            verified, problems = verify_attachments(self.uploads, document, self.upload_key, self.settings.malware_scan)
        except ScanPending as pending:
            raise Refusal("scan_pending",
                          "De virusscan van een bijlage is nog bezig. Er is niets opgeslagen; verstuur de aanvraag over een minuut opnieuw.",
                          "The malware scan of an attachment has not finished. Nothing was stored; send the application again in a minute.",
                          retry_after=SCAN_RETRY_SECONDS) from pending
        if problems:
            raise Refusal("invalid",
                          "Niet alle bijlagen zijn in orde. Er is niets opgeslagen.",
                          "Not every attachment is in order. Nothing was stored.", problems)
        # Each names the upload version checked and where the record keeps it (copied there after storing).
        return findings, judgement, [attachment.as_dict() | {"recordKey": record_attachment_key(attachment.sha256)}
                                     for attachment in verified]

    # --- storing -------------------------------------------------------------------------------

    def _earlier_answer(self, idempotency_key: str | None, body: bytes) -> dict | None:
        """For a refused request with an Idempotency-Key: the answer an earlier attempt was given, if any.

        Asked only on this rare path, with a LIST (a prefix grant), so a first attempt never reads a key
        that may be missing: without s3:ListBucket such a read answers 403, not 404.
        """
        if idempotency_key is None or not self.store.exists(idempotency_key_of(idempotency_key)):
            return None
        return self._answer_of_claim(idempotency_key_of(idempotency_key), body)

    def _answer_of_claim(self, claim_key: str, body: bytes) -> dict:
        """Finish what the first attempt began (its record write) and answer what it answered."""
        claim = self.store.get_json(claim_key)
        if claim["bodySha256"] != hashlib.sha256(body).hexdigest():
            raise _key_reused()
        if not self.store.exists(claim["key"]):
            self._put_record(claim["key"], encode_document(claim["stored"]))
        return claim["response"] | {"replayed": True}

    def _put_record(self, key: str, record: bytes) -> bool:
        """Write the record once; False when it was already there."""
        try:
            self.store.put_record(key, record)
            return True
        except AlreadyStored:
            return False

    def _store_once(self, idempotency_key: str | None, body: bytes, key: str, parts: dict[str, bytes], response: dict) -> dict:
        """Claim the Idempotency-Key first (write-once), then write the record (write-once); `parts` are the
        record's members, each encoded once, and the record's bytes serve the claim too.

        No read comes first: of ten identical requests at once, one claims the key and the others,
        answered 412, read its claim and answer its receipt; a fault between the two writes is finished
        by the retry, which finds the claim.
        """
        record = encode_from_parts(parts)
        if idempotency_key is not None:
            claim = encode_from_parts({"bodySha256": encode_document(hashlib.sha256(body).hexdigest()),
                                       "key": encode_document(key), "stored": record,
                                       "response": encode_document(response)})
            claim_key = idempotency_key_of(idempotency_key)
            try:
                self.store.put_new(claim_key, claim)
            except AlreadyStored:
                return self._answer_of_claim(claim_key, body)
        if not self._put_record(key, record) and idempotency_key is None:
            # The same request delivered twice (same request id, same key): the stored receipt stands.
            return _for_the_applicant(self.store.get_json(key)["receipt"]) | {"replayed": True}
        return response

    def _with_token(self, answer: dict) -> dict:
        """The herstel code is derived, never stored: add it to the answer the applicant gets."""
        return answer | {"supplementToken": self.tokens.token_for(answer["reference"])}

    def _judged_or_earlier(self, idempotency_key: str | None, body: bytes, judge_it):
        """(judge_it(), None), or (None, the earlier answer) when judging refuses a retry that was already stored."""
        try:
            return judge_it(), None
        except Refusal:
            earlier = self._earlier_answer(idempotency_key, body)
            if earlier is None:
                raise
            return None, earlier

    def receive(self, body: bytes, content_type: str | None, receipt: Receipt, idempotency_key: str | None = None) -> dict:
        """Check and store one application; returns the receipt the applicant keeps."""
        document = self.parse(body, content_type)
        _check_idempotency_key(idempotency_key)

        def judged():
            pillar = self.pillar_of(document)
            opening = self.check_window(pillar, receipt)
            return (pillar, opening, *self._judged(document, pillar, receipt))

        outcome, earlier = self._judged_or_earlier(idempotency_key, body, judged)
        if earlier is not None:  # a retry after the window closed (or the rules changed) still gets its receipt
            return self._with_token(earlier)
        pillar, opening, findings, judgement, verified = outcome
        application = encode_document(document)  # once: for its hash and in the record
        receipt_data = receipt.as_dict() | {
            "sha256": hashlib.sha256(application).hexdigest(),
            "pillar": pillar,
            "opening": opening.id,
            "status": portal_check(findings),
            "findings": len(findings),
            "attachments": verified,
            "effectiveReceivedAt": receipt.as_dict()["receivedAt"],
        }
        receipt_data["signedReceipt"] = self.signer.sign_receipt(receipt_data)
        response = _for_the_applicant(receipt_data, findings) | {
            "receiptUrl": f"/api/applications/{receipt.reference}/receipt"}
        key = application_key(receipt.dutch_day, receipt.epoch_ms, receipt.reference)
        return self._with_token(self._store_once(idempotency_key, body, key,
                                                 _record_parts(receipt_data, application, findings, judgement), response))

    def supplement(self, reference: str, body: bytes, content_type: str | None, receipt: Receipt,
                   idempotency_key: str | None = None) -> dict:
        """Herstel (II.2.2, III.2.2): a supplement's time of receipt becomes the application's; the original stays."""
        request = self.parse(body, content_type)
        _check_idempotency_key(idempotency_key)
        outcome, earlier = self._judged_or_earlier(idempotency_key, body,
                                                   lambda: self._supplement_judged(reference, request, receipt))
        if earlier is not None:
            return earlier
        findings, judgement, verified, original, current = outcome
        application = encode_document(request["application"])
        receipt_data = receipt.as_dict() | {
            "reference": reference,
            "supplementReference": receipt.reference,
            "supplements": current["receipt"].get("supplementReference", reference),
            "sha256": hashlib.sha256(application).hexdigest(),
            "pillar": original["receipt"]["pillar"],
            "opening": original["receipt"]["opening"],
            "status": portal_check(findings),
            "findings": len(findings),
            "attachments": verified,
            "effectiveReceivedAt": receipt.as_dict()["receivedAt"],
        }
        receipt_data["signedReceipt"] = self.signer.sign_receipt(receipt_data)
        key = supplement_key(reference, receipt.epoch_ms, receipt.request_id)
        return self._store_once(idempotency_key, body, key, _record_parts(receipt_data, application, findings, judgement),
                                _for_the_applicant(receipt_data, findings))

    def _supplement_judged(self, reference: str, request: dict, receipt: Receipt):
        original = self.authorised(reference, request.get("token"))
        current = latest_version(original, self.store.supplements_of(reference))
        route = self.herstel_route(original, current, receipt.received_utc)
        if not route.open:
            raise Refusal("herstel_closed", f"Deze aanvulling is niet opgeslagen. {route.reason_nl}",
                          f"This supplement was not stored. {route.reason_en}")
        document = request.get("application")
        if not isinstance(document, dict):
            raise Refusal("invalid", "Stuur de aangevulde aanvraag mee als 'application'.", "Send the supplemented application as 'application'.",
                          [Finding("$.application", "schema:required", REJECT, "Verplicht.", "Required.")])
        pillar = original["receipt"]["pillar"]
        if document.get("pillar") != pillar:
            raise Refusal("invalid", "Een aanvulling hoort bij dezelfde pijler.", "A supplement belongs to the same pillar.",
                          [Finding("$.application.pillar", "schema:const", REJECT, f"Pijler {pillar}.", f"Pillar {pillar}.")])
        return (*self._judged(document, pillar, receipt), original, current)

    def herstel_route(self, original: dict, current: dict, now) -> HerstelRoute:
        """II.2.2, III.2.2: open when RVO asked (until its term), or for what the portal found missing (until the
        opening closes); never after a decision."""
        reference = original["receipt"]["reference"]
        casework = Casework(self.store)
        opening = next((o for o in self.openings if o.id == original["receipt"]["opening"]), None)
        return herstel_route(current, casework.requests_of(reference), casework.decision_of(reference), opening, now)

    def versions_for_the_applicant(self, reference: str, body: bytes) -> tuple[dict, dict]:
        """(the original, the latest version) of an application, for whoever holds its code; the code
        comes in the JSON body, never in a URL. The receipt PDF and the herstel page read it so."""
        original = self.authorised(reference, read_json_object(body).get("token"))
        return original, latest_version(original, self.store.supplements_of(reference))

    def current(self, reference: str, body: bytes, now) -> dict:
        """The application as it now stands (its latest version): what the herstel page shows and completes
        (II.2.2, III.2.2), with whether it may be supplemented now and RVO's request if it asked."""
        original, current = self.versions_for_the_applicant(reference, body)
        receipt = current["receipt"]
        return {"reference": reference, "pillar": original["receipt"]["pillar"], "status": receipt["status"],
                "portalCheck": portal_check_message(receipt["status"]),
                "receivedAtDutch": receipt["receivedAtDutch"], "supplementReference": receipt.get("supplementReference"),
                "application": current["application"], "findings": current.get("findings", []),
                "herstel": self.herstel_route(original, current, now).as_dict(),
                # the herstel code's holder may add attachments to the application's draft (imvo.intake.attachments)
                "draftToken": self._draft_token_of(current["application"])}

    def _draft_token_of(self, application: dict) -> str | None:
        drafts = drafts_of(referenced_attachments(application)) - {""}
        return draft_token(self.upload_key, drafts.pop()) if len(drafts) == 1 else None

    def authorised(self, reference: str, token) -> dict:
        """The original application, when `token` is the one its receipt gave out. An unknown reference and a
        wrong code get one answer, after the same work (issue 25, item 6): the answer never tells whether a
        reference exists."""
        matches = self.tokens.matches(reference, token)
        original = self.store.application(reference)
        if original is None or not matches:
            raise Refusal("forbidden",
                          "De referentie en de herstelcode horen niet bij elkaar. Controleer beide: de code stond na het "
                          "versturen op de bevestigingspagina, bij de referentie.",
                          "The reference and the supplement code do not belong together. Check both: the code was shown "
                          "on the confirmation page after you submitted, with the reference.",
                          [Finding("$.token", "token", REJECT, "Referentie en code horen niet bij elkaar.",
                                   "Reference and code do not belong together.")])
        return original


def not_an_application(document: dict, findings: list[Finding]) -> Refusal | None:
    """The refusal for what cannot be kept as an application (Keuzes in de uitvoering, #wat-het-portaal-bewaart):
    an answer of the wrong type or form, an unknown field, or no applicant named (Awb 4:2: an application names
    its applicant); None for everything else, which is kept whatever the portal's check finds."""
    unreadable = [f for f in findings if f.rule.startswith("schema:") and f.severity == REJECT]
    if unreadable:
        return Refusal("invalid",
                       "De aanvraag kan zo niet worden gelezen: een antwoord heeft niet de vorm die het formulier vraagt. Er is niets opgeslagen.",
                       "The application cannot be read as it is: an answer does not have the form the form asks for. Nothing was stored.",
                       unreadable)
    penvoerder = document.get("penvoerder")
    if not (isinstance(penvoerder, dict) and isinstance(penvoerder.get("name"), str) and penvoerder["name"].strip()):
        return Refusal("invalid",
                       "Een aanvraag noemt ten minste de aanvrager: vul de naam van de penvoerder in (artikel 4:2 Awb). Er is niets opgeslagen.",
                       "An application names at least its applicant: fill in the penvoerder's name (article 4:2 of the Awb). Nothing was stored.",
                       findings)
    return None


def _record_parts(receipt_data: dict, application: bytes, findings: list[Finding], judgement: Judgement | None) -> dict[str, bytes]:
    """The stored document's members, encoded: {"receipt", "application", "findings", "calculation"}; no
    calculation where a part the calculator needs is missing."""
    return {"receipt": encode_document(receipt_data), "application": application,
            "findings": encode_document([f.as_dict() for f in findings]),
            "calculation": encode_document(judgement.calculation.as_dict() if judgement else None)}


def _for_the_applicant(receipt_data: dict, findings: list[Finding] | None = None) -> dict:
    """The receipt as answered: attachments by their place in the form and hash, no storage keys; the portal's
    check in words, and what it found (a replay, answered from the stored receipt, has the words only)."""
    answer = receipt_data | {"attachments": [{name: a[name] for name in ("path", "sha256", "size", "scan")}
                                             for a in receipt_data["attachments"]],
                             "portalCheck": portal_check_message(receipt_data["status"])}
    if "signedReceipt" in receipt_data:  # the receipt log's entry, and where its inclusion proof is asked (issue 23)
        entry = log_entry(receipt_data["signedReceipt"]).hex()
        answer |= {"logEntry": entry, "logProofUrl": f"/api/log/inclusion?entry={entry}"}
    return answer | ({"portalFindings": [f.as_dict() for f in findings if f.severity != WARNING]} if findings is not None else {})


def _check_idempotency_key(key: str | None) -> None:
    if key is not None and not IDEMPOTENCY_KEY.match(key):
        raise Refusal("invalid", "De Idempotency-Key moet 8 tot 128 letters, cijfers of _.:- zijn.",
                      "The Idempotency-Key must be 8 to 128 letters, digits or _.:-.")


def _key_reused() -> Refusal:
    return Refusal("conflict",
                   "Deze Idempotency-Key is al gebruikt voor een andere aanvraag. Gebruik een nieuwe sleutel voor nieuwe inhoud.",
                   "This Idempotency-Key was already used for a different request. Use a new key for new content.")


def _window_text(opening: Opening, language: str) -> str:
    label = opening.label_nl if language == "nl" else opening.label_en
    if not opening.announced:
        return f"{label}: {'nog niet bekendgemaakt' if language == 'nl' else 'not yet announced'}"
    until = "tot en met" if language == "nl" else "up to and including"
    return (f"{label} {format_dutch_for_people(opening.opens, language)} {until} "
            f"{format_dutch_for_people(opening.closes, language)}")
