"""A finding about an application: where (JSON path), which rule, how serious, in Dutch and English."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

REJECT = "reject"
INCOMPLETE = "incomplete"
WARNING = "warning"


def path_parts(path: str) -> list[str | int]:
    """"$.partners[1].deMinimis.declaration" -> ["partners", 1, "deMinimis", "declaration"]."""
    return [int(index) if index else key for key, index in re.findall(r"\.([A-Za-z0-9_]+)|\[(\d+)\]", path)]


@dataclass(frozen=True)
class Finding:
    path: str  # JSON path of the field, e.g. "$.penvoerder.email"
    rule: str  # the regulation's section ("II.1.3") or "schema:<keyword>"
    severity: str
    message_nl: str
    message_en: str

    def as_dict(self) -> dict:
        data = asdict(self)
        return {
            "path": data["path"],
            "rule": data["rule"],
            "severity": data["severity"],
            "message": {"nl": data["message_nl"], "en": data["message_en"]},
        }


# The portal's check of an application, from its findings. It is the portal's reading, never a decision:
# the Minister (RVO under mandate, I.2) decides whether an application is complete and whether it is
# granted (I.5, II.2.2, II.3.1, III.2.2, III.3.1). Every word that shows it says whose judgement it is.
PARTS_PRESENT = "parts_present"
PARTS_MISSING = "parts_missing"
REJECTION_EXPECTED = "rejection_expected"
PORTAL_CHECK_WORDS = {
    PARTS_PRESENT: ("alle gevraagde onderdelen aanwezig (controle portaal)", "all requested parts present (portal check)"),
    PARTS_MISSING: ("onderdelen ontbreken (controle portaal)", "parts missing (portal check)"),
    REJECTION_EXPECTED: ("afwijzing verwacht (controle portaal)", "rejection expected (portal check)"),
}


def portal_check(findings: list[Finding]) -> str:
    """A finding that predicts rejection outweighs one that says a part is missing."""
    severities = {f.severity for f in findings}
    return REJECTION_EXPECTED if REJECT in severities else PARTS_MISSING if INCOMPLETE in severities else PARTS_PRESENT


def portal_check_message(check: str) -> dict:
    """The portal's check in both languages, as the API, the console and the herstel page give it."""
    nl, en = PORTAL_CHECK_WORDS[check]
    return {"nl": nl, "en": en}


def portal_check_words(check: str, language: str) -> str:
    nl, en = PORTAL_CHECK_WORDS[check]
    return nl if language == "nl" else en
