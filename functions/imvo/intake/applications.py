"""Receiving applications and supplements: window, validation, rules, attachments, write-once storage.

Order of receipt decides (Artikel 4, II.3.2, III.3.2), so what the intake stores is never overwritten
or deleted, a retried request never counts twice, and a fault leaves nothing half-written.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass, field

from imvo.intake.attachments import verify_attachments
from imvo.programme.findings import REJECT, Finding
from imvo.programme.facts import Opening, load_limits, opening_for
from imvo.intake.receipt import Receipt, format_dutch_for_people
from imvo.programme.rules import Judgement, judge
from imvo.settings import Settings
from imvo.intake.storage import (AlreadyStored, ApplicationStore, application_key, encode_document, idempotency_key_of,
                      supplement_key)
from imvo.intake.validation import available_pillars, schema_findings

JSON_MEDIA_TYPES = ("application/json",)
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")


class Refusal(Exception):
    """The request is refused; nothing was stored. `kind` decides the HTTP status (see imvo.apigw)."""

    def __init__(self, kind: str, message_nl: str, message_en: str, findings: list[Finding] | None = None):
        super().__init__(message_en)
        self.kind = kind
        self.message_nl = message_nl
        self.message_en = message_en
        self.findings = findings or []

    def as_dict(self) -> dict:
        return {
            "error": {
                "code": self.kind,
                "message": {"nl": self.message_nl, "en": self.message_en},
                "findings": [f.as_dict() for f in self.findings],
            }
        }


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def latest_version(original: dict, supplements: list[dict]) -> dict:
    """II.2.2, III.2.2: the last supplement received is the application as it now stands."""
    versions = [original] + supplements
    return max(versions, key=lambda v: (v["receipt"]["receivedAt"], v["receipt"]["requestId"]))


@dataclass
class Intake:
    settings: Settings
    store: ApplicationStore | None
    openings: tuple[Opening, ...]
    pillars: tuple[int, ...] = field(default=())

    def __post_init__(self):
        self.pillars = self.pillars or available_pillars(self.settings.schema_dir)

    @classmethod
    def from_environment(cls, with_storage: bool = True) -> "Intake":
        """What every handler builds once per container, from the variables in imvo.settings."""
        from imvo.programme.facts import load_openings
        from imvo.settings import load_settings
        from imvo.intake.storage import s3_client

        settings = load_settings()
        store = ApplicationStore(s3_client(), settings.submissions_bucket) if with_storage else None
        return cls(settings=settings, store=store, openings=load_openings(settings.data_dir, settings.extra_openings_file))

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
        try:
            document = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise Refusal(
                "invalid_json",
                f"De aanvraag is geen geldige JSON: {error}.",
                f"The application is not valid JSON: {error}.",
                [Finding("$", "json", REJECT, "Geen geldige JSON.", "Not valid JSON.")],
            ) from error
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
        """Schema findings first; the regulation's rules only run on a document the schema accepts."""
        findings = schema_findings(self.settings.schema_dir, pillar, document)
        if findings:
            return findings, None
        judgement = judge(document, receipt.received_dutch.date(), limits=load_limits(self.settings.data_dir))
        return judgement.findings, judgement

    def check(self, body: bytes, content_type: str | None, receipt: Receipt) -> dict:
        """The dry run of POST /api/applications/check: every finding and the calculator's result; stores nothing."""
        document = self.parse(body, content_type)
        pillar = self.pillar_of(document)
        findings, judgement = self.assess(document, pillar, receipt)
        opening = opening_for(self.openings, pillar, receipt.received_dutch)
        return {
            "status": judgement.status if judgement else "invalid",
            "findings": [f.as_dict() for f in findings],
            "calculation": judgement.calculation.as_dict() if judgement else None,
            "opening": {"open": opening is not None, "id": opening.id if opening else None},
        }

    def _judged(self, document: dict, pillar: int, receipt: Receipt) -> tuple[list[Finding], Judgement, list]:
        findings, judgement = self.assess(document, pillar, receipt)
        if judgement is None:
            raise Refusal("invalid",
                          "De aanvraag is niet volledig of niet juist ingevuld. Er is niets opgeslagen.",
                          "The application is incomplete or incorrect. Nothing was stored.", findings)
        if judgement.status == "rejected":
            raise Refusal("rejected",
                          "Deze aanvraag voldoet niet aan de beleidsregels en kan zo niet worden ingediend. Er is niets opgeslagen.",
                          "This application does not meet the policy rules and cannot be submitted as it is. Nothing was stored.",
                          judgement.of(REJECT))
        verified, problems = verify_attachments(self.store.client, self.store.bucket, document)
        if problems:
            raise Refusal("invalid",
                          "Niet alle bijlagen zijn in orde. Er is niets opgeslagen.",
                          "Not every attachment is in order. Nothing was stored.", problems)
        return findings, judgement, verified

    # --- storing -------------------------------------------------------------------------------

    def _replay(self, idempotency_key: str | None, body: bytes) -> dict | None:
        """A retried request with a known Idempotency-Key: finish what the first attempt began, answer the same."""
        if idempotency_key is None:
            return None
        claim = self.store.find_json(idempotency_key_of(idempotency_key))
        if claim is None:
            return None
        if claim["bodySha256"] != hashlib.sha256(body).hexdigest():
            raise _key_reused()
        try:
            self.store.put_new(claim["key"], encode_document(claim["stored"]))
        except AlreadyStored:
            pass
        return claim["response"] | {"replayed": True}

    def _store_once(self, idempotency_key: str | None, body: bytes, key: str, stored: dict, response: dict) -> dict:
        """Claim the Idempotency-Key first (write-once), then write the document (write-once).

        Of ten identical requests at once, one claims the key and the others answer its receipt; a
        fault between the two writes is finished by the retry, which finds the claim.
        """
        if idempotency_key is not None:
            claim = {"bodySha256": hashlib.sha256(body).hexdigest(), "key": key, "stored": stored, "response": response}
            claim_key = idempotency_key_of(idempotency_key)
            try:
                self.store.put_new(claim_key, encode_document(claim))
            except AlreadyStored:
                existing = self.store.get_json(claim_key)
                if existing["bodySha256"] != claim["bodySha256"]:
                    raise _key_reused()
                key, stored, response = existing["key"], existing["stored"], existing["response"] | {"replayed": True}
        try:
            self.store.put_new(key, encode_document(stored))
        except AlreadyStored:
            if idempotency_key is None:
                # The same request delivered twice (same request id, same key): the stored receipt stands.
                return self.store.get_json(key)["receipt"] | {"replayed": True}
        return response

    def receive(self, body: bytes, content_type: str | None, receipt: Receipt, idempotency_key: str | None = None) -> dict:
        """Check and store one application; returns the receipt the applicant keeps."""
        document = self.parse(body, content_type)
        _check_idempotency_key(idempotency_key)
        replayed = self._replay(idempotency_key, body)
        if replayed is not None:
            return replayed
        pillar = self.pillar_of(document)
        opening = self.check_window(pillar, receipt)
        findings, judgement, verified = self._judged(document, pillar, receipt)
        token = secrets.token_urlsafe(24)
        receipt_data = receipt.as_dict() | {
            "sha256": hashlib.sha256(encode_document(document)).hexdigest(),
            "pillar": pillar,
            "opening": opening.id,
            "status": judgement.status,
            "findings": len(findings),
            "attachments": [a.as_dict() for a in verified],
            "effectiveReceivedAt": receipt.as_dict()["receivedAt"],
        }
        stored = {
            "receipt": receipt_data,
            "application": document,
            "findings": [f.as_dict() for f in findings],
            "calculation": judgement.calculation.as_dict(),
            "supplementTokenSha256": token_digest(token),
        }
        response = receipt_data | {"supplementToken": token, "receiptUrl": f"/api/applications/{receipt.reference}/receipt"}
        key = application_key(receipt.dutch_day, receipt.epoch_ms, receipt.reference)
        return self._store_once(idempotency_key, body, key, stored, response)

    def supplement(self, reference: str, body: bytes, content_type: str | None, receipt: Receipt,
                   idempotency_key: str | None = None) -> dict:
        """Herstel (II.2.2, III.2.2): a supplement's time of receipt becomes the application's; the original stays."""
        request = self.parse(body, content_type)
        _check_idempotency_key(idempotency_key)
        replayed = self._replay(idempotency_key, body)
        if replayed is not None:
            return replayed
        original = self.authorised(reference, request.get("token"))
        current = latest_version(original, self.store.supplements_of(reference))
        if current["receipt"]["status"] != "incomplete":
            raise Refusal("conflict", "Deze aanvraag is niet als onvolledig gemarkeerd; aanvullen is niet nodig.",
                          "This application is not marked incomplete; there is nothing to supplement.")
        document = request.get("application")
        if not isinstance(document, dict):
            raise Refusal("invalid", "Stuur de aangevulde aanvraag mee als 'application'.", "Send the supplemented application as 'application'.",
                          [Finding("$.application", "schema:required", REJECT, "Verplicht.", "Required.")])
        pillar = original["receipt"]["pillar"]
        if document.get("pillar") != pillar:
            raise Refusal("invalid", "Een aanvulling hoort bij dezelfde pijler.", "A supplement belongs to the same pillar.",
                          [Finding("$.application.pillar", "schema:const", REJECT, f"Pijler {pillar}.", f"Pillar {pillar}.")])
        findings, judgement, verified = self._judged(document, pillar, receipt)
        receipt_data = receipt.as_dict() | {
            "reference": reference,
            "supplementReference": receipt.reference,
            "supplements": current["receipt"].get("supplementReference", reference),
            "sha256": hashlib.sha256(encode_document(document)).hexdigest(),
            "pillar": pillar,
            "opening": original["receipt"]["opening"],
            "status": judgement.status,
            "findings": len(findings),
            "attachments": [a.as_dict() for a in verified],
            "effectiveReceivedAt": receipt.as_dict()["receivedAt"],
        }
        stored = {"receipt": receipt_data, "application": document, "findings": [f.as_dict() for f in findings],
                  "calculation": judgement.calculation.as_dict()}
        key = supplement_key(reference, receipt.epoch_ms, receipt.request_id)
        return self._store_once(idempotency_key, body, key, stored, receipt_data)

    def authorised(self, reference: str, token) -> dict:
        """The original application, when `token` is the one its receipt gave out."""
        original = self.store.application(reference)
        if original is None:
            raise Refusal("not_found", f"Er is geen aanvraag met referentie {reference}.", f"There is no application with reference {reference}.")
        expected = original.get("supplementTokenSha256", "")
        if not isinstance(token, str) or not hmac.compare_digest(token_digest(token), expected):
            raise Refusal("forbidden", "De code bij deze aanvraag klopt niet. Gebruik de code van uw ontvangstbewijs.",
                          "The code for this application is not right. Use the code from your receipt.",
                          [Finding("$.token", "token", REJECT, "Onjuiste code.", "Wrong code.")])
        return original


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
