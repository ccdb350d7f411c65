"""Receiving an application: window check, validation, and the write-once store (Artikel 2, Artikel 4)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from .findings import REJECT, Finding
from .programme import Opening, opening_for
from .receipt import Receipt, format_dutch_for_people
from .rules import Judgement, judge
from .settings import Settings
from .storage import AlreadyStored, ApplicationStore, application_key, encode_document
from .validation import available_pillars, schema_findings

JSON_MEDIA_TYPES = ("application/json",)


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


@dataclass
class Intake:
    settings: Settings
    store: ApplicationStore
    openings: tuple[Opening, ...]
    pillars: tuple[int, ...] = field(default=())

    def __post_init__(self):
        self.pillars = self.pillars or available_pillars(self.settings.schema_dir)

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
                [Finding("$", "json", "reject", "Geen geldige JSON.", "Not valid JSON.")],
            ) from error
        if not isinstance(document, dict):
            raise Refusal("invalid", "De aanvraag moet een JSON-object zijn.", "The application must be a JSON object.",
                          [Finding("$", "schema:type", "reject", "Verwacht een object.", "Expected an object.")])
        return document

    def pillar_of(self, document: dict) -> int:
        pillar = document.get("pillar")
        if pillar not in self.pillars:
            allowed = " of ".join(map(str, self.pillars))
            raise Refusal(
                "invalid",
                "Geef aan voor welke pijler u aanvraagt.",
                "State which pillar you apply for.",
                [Finding("$.pillar", "schema:enum", "reject", f"Kies pijler {allowed}.",
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

    def assess(self, document: dict, pillar: int, receipt: Receipt) -> tuple[list[Finding], Judgement | None]:
        """Schema findings first; the regulation's rules only run on a document the schema accepts."""
        findings = schema_findings(self.settings.schema_dir, pillar, document)
        if findings:
            return findings, None
        judgement = judge(document, receipt.received_dutch.date())
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

    def receive(self, body: bytes, content_type: str | None, receipt: Receipt) -> dict:
        """Check and store one application; returns the receipt the applicant keeps."""
        document = self.parse(body, content_type)
        pillar = self.pillar_of(document)
        opening = self.check_window(pillar, receipt)
        findings, judgement = self.assess(document, pillar, receipt)
        if judgement is None:
            raise Refusal(
                "invalid",
                "De aanvraag is niet volledig of niet juist ingevuld. Er is niets opgeslagen.",
                "The application is incomplete or incorrect. Nothing was stored.",
                findings,
            )
        if judgement.status == "rejected":
            raise Refusal(
                "rejected",
                "Deze aanvraag voldoet niet aan de beleidsregels en kan zo niet worden ingediend. Er is niets opgeslagen.",
                "This application does not meet the policy rules and cannot be submitted as it is. Nothing was stored.",
                judgement.of(REJECT),
            )
        application_bytes = encode_document(document)
        receipt_data = receipt.as_dict() | {
            "sha256": hashlib.sha256(application_bytes).hexdigest(),
            "pillar": pillar,
            "opening": opening.id,
            "status": judgement.status,
            "findings": len(findings),
        }
        stored = {
            "receipt": receipt_data,
            "application": document,
            "findings": [f.as_dict() for f in findings],
            "calculation": judgement.calculation.as_dict(),
        }
        key = application_key(receipt.dutch_day, receipt.epoch_ms, receipt.reference)
        try:
            self.store.put_new(key, encode_document(stored))
        except AlreadyStored:
            # The same request delivered twice (same request id, so the same reference and key):
            # what is stored already is the receipt.
            return self.store.get_json(key)["receipt"]
        return receipt_data


def _window_text(opening: Opening, language: str) -> str:
    label = opening.label_nl if language == "nl" else opening.label_en
    if not opening.announced:
        return f"{label}: {'nog niet bekendgemaakt' if language == 'nl' else 'not yet announced'}"
    until = "tot en met" if language == "nl" else "up to and including"
    return (f"{label} {format_dutch_for_people(opening.opens, language)} {until} "
            f"{format_dutch_for_people(opening.closes, language)}")
