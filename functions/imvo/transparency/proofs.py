"""RFC 9162 proofs of the receipt log, as the API answers them: inclusion of a receipt, consistency of two sizes."""

from __future__ import annotations

import base64
import re

from imvo.intake.refusal import Refusal
from imvo.programme.findings import REJECT, Finding
from imvo.transparency.receipt_log import ReceiptLog, checkpoint_body

ENTRY = re.compile(r"[0-9a-f]{64}")
SIZE = re.compile(r"[0-9]{1,18}")  # ASCII digits only, as the contract says: int() would also read "١" or " 1_0"


def _b64(values) -> list[str]:
    return [base64.b64encode(value).decode() for value in values]


def inclusion_answer(log: ReceiptLog, entry_hex: str) -> dict:
    """Where a receipt's log entry (SHA-256 of the signed receipt, hex) stands, with its audit path to the latest
    signed checkpoint; a receipt not yet in the log is answered so (it is logged within a minute of receipt)."""
    if not isinstance(entry_hex, str) or not ENTRY.fullmatch(entry_hex):
        raise Refusal("invalid", "Geef de logboekregel van het ontvangstbewijs: 64 hexadecimale tekens.",
                      "Give the receipt's log entry: 64 hexadecimal characters.",
                      [Finding("$.entry", "schema:pattern", REJECT, "64 tekens 0-9 en a-f.", "64 characters 0-9 and a-f.")])
    log.refresh()
    index = log.index_of(bytes.fromhex(entry_hex))
    if index is None or log.checkpoint is None:
        raise Refusal("not_found",
                      "Dit ontvangstbewijs staat (nog) niet in het logboek. Een ontvangstbewijs wordt binnen een minuut na "
                      "ontvangst opgenomen; probeer het zo opnieuw.",
                      "This receipt is not (yet) in the log. A receipt is logged within a minute of receipt; try again shortly.",
                      retry_after=30)
    size = log.tree.size
    return {"index": index, "treeSize": size, "rootHash": base64.b64encode(log.tree.root()).decode(),
            "path": _b64(log.tree.inclusion_path(index)), "checkpoint": log.checkpoint}


def consistency_answer(log: ReceiptLog, first: str, second: str | None) -> dict:
    """PROOF(first, D[second]) between two sizes the log has had (second: the latest when left out)."""
    log.refresh()
    try:
        if not all(isinstance(size, str) and SIZE.fullmatch(size) for size in (first, second or "0")):
            raise ValueError("a size is written in the digits 0-9")
        first_size = int(first)
        second_size = log.tree.size if second in (None, "") else int(second)
        proof = log.tree.consistency_proof(first_size, second_size)
    except (TypeError, ValueError) as error:
        raise Refusal("invalid", f"Kies twee omvangen 1 ≤ from ≤ to ≤ {log.tree.size}.",
                      f"Choose two sizes 1 ≤ from ≤ to ≤ {log.tree.size}.",
                      [Finding("$.from", "range", REJECT, f"1 tot en met {log.tree.size}.", f"1 to {log.tree.size}.")]) from error
    return {"from": first_size, "to": second_size, "proof": _b64(proof),
            "fromRoot": base64.b64encode(log.tree.root(first_size)).decode(),
            "toRoot": base64.b64encode(log.tree.root(second_size)).decode(),
            "fromBody": checkpoint_body(log.origin, first_size, log.tree.root(first_size))}
