"""Reading a JSON request body, refusing what JSON (or Python's reader) lets through but no application can
hold: nesting deeper than any form makes, numbers that are not finite or have absurdly many digits, and text
that cannot be written as UTF-8 (a lone surrogate such as "\\ud800"). Each refusal names the field."""

from __future__ import annotations

import json
import math

from imvo.intake.refusal import Refusal
from imvo.programme.findings import REJECT, Finding

# The deepest our schemas go is 6 (penvoerder.budget[].…); 32 leaves room and refuses abuse.
MAX_DEPTH = 32
# Amounts are below a billion euros and hours below a million: 15 digits is more than any field needs.
MAX_NUMBER_CHARACTERS = 24


class _Impossible:
    """Stands where the reader met a number we refuse, so the walk afterwards can name its field."""

    def __init__(self, text: str):
        self.text = text


def _integer(text: str):
    return int(text) if len(text) <= MAX_NUMBER_CHARACTERS else _Impossible(text)


def _float(text: str):
    value = float(text) if len(text) <= MAX_NUMBER_CHARACTERS else math.inf
    return value if math.isfinite(value) else _Impossible(text)


def _finding(path: str, nl: str, en: str) -> Finding:
    return Finding(path, "json", REJECT, nl, en)


def _problems(value, path: str, depth: int, found: list[Finding]) -> None:
    if len(found) >= 20:
        return
    if depth > MAX_DEPTH:
        found.append(_finding(path, f"Te diep genest (meer dan {MAX_DEPTH} niveaus).", f"Nested too deep (over {MAX_DEPTH} levels)."))
        return
    if isinstance(value, _Impossible):
        shown = value.text if len(value.text) <= 12 else value.text[:12] + "…"
        found.append(_finding(path, f"'{shown}' is geen bruikbaar getal (eindig, hoogstens {MAX_NUMBER_CHARACTERS} tekens).",
                              f"'{shown}' is not a usable number (finite, at most {MAX_NUMBER_CHARACTERS} characters)."))
    elif isinstance(value, str):
        if not _utf8(value):
            found.append(_finding(path, "Deze tekst bevat een ongeldig teken (een losse surrogaat).",
                                  "This text contains an invalid character (a lone surrogate)."))
    elif isinstance(value, dict):
        for key, item in value.items():
            if not _utf8(key):
                found.append(_finding(path, "Een veldnaam bevat een ongeldig teken.", "A field name contains an invalid character."))
                continue
            _problems(item, f"{path}.{key}", depth + 1, found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _problems(item, f"{path}[{index}]", depth + 1, found)


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def read_json(body: bytes):
    """The document in a request body, or a Refusal (400) that names what is wrong and where."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Refusal("invalid_json", "De inhoud is geen geldige UTF-8.", "The body is not valid UTF-8.",
                      [_finding("$", "Geen geldige UTF-8.", "Not valid UTF-8.")]) from error
    try:
        document = json.loads(text, parse_int=_integer, parse_float=_float, parse_constant=_Impossible)
    except RecursionError as error:
        raise Refusal("invalid_json", f"De JSON is te diep genest (meer dan {MAX_DEPTH} niveaus).",
                      f"The JSON is nested too deep (over {MAX_DEPTH} levels).",
                      [_finding("$", "Te diep genest.", "Nested too deep.")]) from error
    except json.JSONDecodeError as error:
        raise Refusal("invalid_json", f"De inhoud is geen geldige JSON: {error}.", f"The body is not valid JSON: {error}.",
                      [_finding("$", "Geen geldige JSON.", "Not valid JSON.")]) from error
    found: list[Finding] = []
    _problems(document, "$", 0, found)
    if found:
        raise Refusal("invalid", "De inhoud bevat waarden die niet kunnen worden verwerkt. Er is niets opgeslagen.",
                      "The body holds values that cannot be processed. Nothing was stored.", found)
    return document


def read_json_object(body: bytes, empty_allowed: bool = True) -> dict:
    """A JSON object body (an empty body reads as {} where allowed)."""
    if not body.strip() and empty_allowed:
        return {}
    document = read_json(body)
    if not isinstance(document, dict):
        raise Refusal("invalid", "Stuur een JSON-object.", "Send a JSON object.",
                      [Finding("$", "schema:type", REJECT, "Verwacht een object.", "Expected an object.")])
    return document
