"""A refused request: its kind (which decides the HTTP status), the reason in Dutch and English, and the
findings that name each field and rule. Nothing is stored for a refused request."""

from __future__ import annotations

from imvo.programme.findings import Finding


class Refusal(Exception):
    """The request is refused; nothing was stored. `kind` decides the HTTP status (see imvo.api.gateway)."""

    def __init__(self, kind: str, message_nl: str, message_en: str, findings: list[Finding] | None = None,
                 retry_after: int | None = None):
        super().__init__(message_en)
        self.kind = kind
        self.message_nl = message_nl
        self.message_en = message_en
        self.findings = findings or []
        self.retry_after = retry_after  # seconds, for a refusal that the same request may overcome later

    def as_dict(self) -> dict:
        return {
            "error": {
                "code": self.kind,
                "message": {"nl": self.message_nl, "en": self.message_en},
                "findings": [f.as_dict() for f in self.findings],
            }
        }
