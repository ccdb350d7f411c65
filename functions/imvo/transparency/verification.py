"""Checking what the portal signed, as anyone can: a receipt against the published keys, a checkpoint, a proof.

Used by `imvo-admin verify-receipt` and `imvo-admin audit-log`; the verification page does the same in the browser
(theme/static/js/verify.js). Every refusal says why, in Dutch and English.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key

from imvo.transparency.merkle import ProofFailed, leaf_hash, verify_consistency, verify_inclusion
from imvo.transparency.receipt_log import note_key_id, parse_checkpoint
from imvo.transparency.signed_receipt import ALGORITHM, STATEMENT_FIELDS, canonical, log_entry, raw_to_der


class NotVerified(Exception):
    def __init__(self, nl: str, en: str):
        super().__init__(en)
        self.nl, self.en = nl, en


def published_keys(document: dict) -> dict[str, dict]:
    """{keyId: key} of a receipt-keys.json (imvo.transparency.publication)."""
    return {key["keyId"]: key for key in document.get("keys", [])}


def _public_key(key: dict) -> ec.EllipticCurvePublicKey:
    return load_der_public_key(base64.b64decode(key["publicKey"]))


def _moment_ms(value: str | None) -> int | None:
    return None if value is None else round(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)


def verify_receipt(signed: dict, keys: dict[str, dict]) -> dict:
    """The statement of a signed receipt whose signature holds, by a published key valid at its time of receipt."""
    try:
        statement, signature = signed["statement"], base64.b64decode(signed["signature"], validate=True)
    except (KeyError, TypeError, binascii.Error) as error:
        raise NotVerified("Dit is geen ondertekend ontvangstbewijs (statement en signature ontbreken of zijn onleesbaar).",
                          "This is not a signed receipt (statement and signature are missing or unreadable).") from error
    if signed.get("algorithm") != ALGORITHM or not isinstance(statement, dict) or set(statement) - set(STATEMENT_FIELDS):
        raise NotVerified("Het ontvangstbewijs heeft niet de vorm die het portaal ondertekent.",
                          "The receipt does not have the form the portal signs.")
    key = keys.get(statement.get("keyId"))
    if key is None:
        raise NotVerified("Het ontvangstbewijs is ondertekend met een sleutel die het portaal niet heeft gepubliceerd.",
                          "The receipt was signed with a key the portal has not published.")
    try:
        _public_key(key).verify(raw_to_der(signature), canonical(statement), ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError) as error:
        raise NotVerified("De handtekening klopt niet: het ontvangstbewijs is na ondertekening gewijzigd, of niet door het portaal ondertekend.",
                          "The signature does not match: the receipt was changed after signing, or not signed by the portal.") from error
    # A key stops signing when the next one is published (validUntil); validFrom only tells when it was first
    # published, since a key signs from the moment the stack makes it.
    moment, valid_until = statement.get("receivedAtMs"), _moment_ms(key.get("validUntil"))
    if not isinstance(moment, int) or (valid_until is not None and moment > valid_until + 60_000):
        raise NotVerified("Het tijdstip van ontvangst valt buiten de geldigheid van de sleutel.",
                          "The time of receipt lies outside the key's validity.")
    return statement


def verify_checkpoint(text: str, keys: dict[str, dict], origin: str) -> tuple[int, bytes]:
    """(tree size, root hash) of a checkpoint signed (C2SP signed-note, type 0x02) by a published key."""
    try:
        found_origin, size, root, body, signatures = parse_checkpoint(text)
    except (ValueError, binascii.Error) as error:
        raise NotVerified("Dit is geen checkpoint van het ontvangstlogboek.", "This is not a checkpoint of the receipt log.") from error
    if found_origin != origin:
        raise NotVerified(f"Dit checkpoint hoort bij een ander logboek ({found_origin}).",
                          f"This checkpoint belongs to another log ({found_origin}).")
    for key in keys.values():
        der = base64.b64decode(key["publicKey"])
        for name, signature in signatures:
            if name == origin and signature[:4] == note_key_id(der):
                try:
                    _public_key(key).verify(signature[4:], body.encode(), ec.ECDSA(hashes.SHA256()))
                    return size, root
                except InvalidSignature:
                    break
    raise NotVerified("Het checkpoint is niet ondertekend met een gepubliceerde sleutel.",
                      "The checkpoint is not signed with a published key.")


def verify_inclusion_answer(signed: dict, answer: dict, keys: dict[str, dict], origin: str) -> tuple[int, int]:
    """(leaf index, tree size) when `answer` (GET /api/log/inclusion) proves the receipt is in the signed tree."""
    size, root = verify_checkpoint(answer["checkpoint"], keys, origin)
    if answer["treeSize"] != size:
        raise NotVerified("Het bewijs hoort bij een andere omvang van het logboek dan het checkpoint.",
                          "The proof is for another size of the log than the checkpoint.")
    try:
        verify_inclusion(leaf_hash(log_entry(signed)), answer["index"], size,
                         [base64.b64decode(p) for p in answer["path"]], root)
    except ProofFailed as error:
        raise NotVerified("Het ontvangstbewijs staat niet in het logboek zoals het bewijs beweert.",
                          "The receipt is not in the log as the proof claims.") from error
    return answer["index"], size


def verify_checkpoints_consistent(first: str, second: str, answer: dict, keys: dict[str, dict], origin: str) -> tuple[int, int]:
    """(size, size) when both checkpoints are signed by published keys and `answer` (GET /api/log/consistency) proves
    the second continues the first (RFC 9162 2.1.4.2): the log did not rewrite what the first one signed."""
    (first_size, first_root), (second_size, second_root) = (verify_checkpoint(first, keys, origin),
                                                            verify_checkpoint(second, keys, origin))
    if (answer.get("from"), answer.get("to")) != (first_size, second_size):
        raise NotVerified("Het bewijs hoort bij andere omvangen dan de checkpoints.",
                          "The proof is for other sizes than the checkpoints.")
    try:
        verify_consistency(first_size, second_size, first_root, second_root, [base64.b64decode(p) for p in answer["proof"]])
    except ProofFailed as error:
        raise NotVerified("Het latere checkpoint zet het eerdere niet voort: het logboek is herschreven.",
                          "The later checkpoint does not continue the earlier one: the log was rewritten.") from error
    return first_size, second_size
