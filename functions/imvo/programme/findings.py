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
