"""The monitor (`imvo-admin audit-log`): the receipt log recomputed from the record, and every way they could differ.

It proves, or names where it fails: each stored application and supplement carries a receipt signed by a published
key that states what is stored (its reference, time, pillar and the SHA-256 of its application); each is in the
log exactly once; nothing is in the log that is not in the record; the log's order is the order of the receipts'
times; every checkpoint the log signed (also those of each Dutch day's end) has the root of the log as recomputed,
so the log never rewrote its history (each earlier checkpoint is a prefix of the tree now).
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from dataclasses import dataclass, field

from imvo.intake.storage import APPLICATIONS_PREFIX, SUPPLEMENTS_PREFIX, ApplicationStore, encode_document, side_by_side
from imvo.transparency.merkle import Tree, leaf_hash
from imvo.transparency.receipt_log import ReceiptLog
from imvo.transparency.signed_receipt import log_entry, receipt_epoch_ms
from imvo.transparency.verification import NotVerified, verify_checkpoint, verify_receipt


@dataclass
class AuditReport:
    records: int = 0
    leaves: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return not self.problems


def _record_problems(key: str, stored: dict, keys: dict[str, dict]) -> list[str]:
    receipt = stored.get("receipt", {})
    signed = receipt.get("signedReceipt")
    if signed is None:
        return [f"{key}: has no signed receipt"]
    try:
        statement = verify_receipt(signed, keys)
    except NotVerified as refused:
        return [f"{key}: {refused.en}"]
    found = []
    if statement["reference"] != receipt.get("reference") or statement.get("supplementReference") != receipt.get("supplementReference"):
        found.append(f"{key}: the signed reference is not the stored one")
    if statement["receivedAtMs"] != receipt_epoch_ms(receipt) or not key.rsplit("/", 1)[1].startswith(f"{statement['receivedAtMs']:013d}-"):
        found.append(f"{key}: the signed time of receipt is not the stored one")
    if statement["sha256"] != hashlib.sha256(encode_document(stored.get("application"))).hexdigest():
        found.append(f"{key}: the stored application is not the one the receipt signed (SHA-256 differs)")
    if statement["pillar"] != receipt.get("pillar"):
        found.append(f"{key}: the signed pillar is not the stored one")
    return found


def audit(store: ApplicationStore, keys: dict[str, dict], origin: str, opening: str | None = None) -> AuditReport:
    """The whole check; `opening` limits which records must be in the log (every log entry is still checked)."""
    report = AuditReport()
    record_keys = store.keys_under(APPLICATIONS_PREFIX) + store.keys_under(SUPPLEMENTS_PREFIX)
    records = dict(zip(record_keys, side_by_side(store.get_json, record_keys)))
    entries: dict[bytes, tuple[str, int]] = {}
    for key, stored in records.items():
        report.problems += _record_problems(key, stored, keys)
        signed = stored.get("receipt", {}).get("signedReceipt")
        if signed is not None:
            entries[log_entry(signed)] = (key, signed["statement"]["receivedAtMs"])
    in_scope = {k for k, stored in records.items() if opening is None or stored.get("receipt", {}).get("opening") == opening}
    report.records = len(in_scope)

    log = ReceiptLog(store, origin)
    log.refresh()
    report.leaves = log.tree.size
    seen = Counter(leaf.entry for leaf in log.leaves)
    for entry, (key, moment) in entries.items():
        # A receipt younger than the log's sealed moment may not be in it yet; every older one must be.
        if key in in_scope and seen[entry] == 0 and moment < log.sealed_through_ms:
            report.problems.append(f"{key}: stored, but not in the log")
    for entry, times in seen.items():
        if entry not in entries:
            report.problems.append(f"log entry {entry.hex()}: in the log, but no stored record has this receipt")
        elif times > 1:
            report.problems.append(f"{entries[entry][0]}: in the log {times} times")
    previous_time, previous_key = None, None
    for index, leaf in enumerate(log.leaves):
        if leaf.entry not in entries:
            continue
        key, moment = entries[leaf.entry]
        if previous_time is not None and moment < previous_time:
            report.problems.append(f"log position {index}: {key} was received before {previous_key}, which the log has before it")
        previous_time, previous_key = moment, key

    tree = Tree([leaf_hash(leaf.entry) for leaf in log.leaves])
    for batch in log.batches:
        report.problems += _checkpoint_problems(batch["checkpoint"], f"checkpoint of batch {batch['sequence']}", tree, keys, origin)
        report.checkpoints += 1
        for day in batch.get("days", []):
            report.problems += _checkpoint_problems(day["checkpoint"], f"checkpoint of the end of {day['day']}", tree, keys, origin)
            if day["treeSize"] != sum(1 for _, moment in (entries.get(leaf.entry, ("", 0)) for leaf in log.leaves)
                                      if moment < day["endedAtMs"]):
                report.problems.append(f"checkpoint of the end of {day['day']}: its size is not the number of receipts before midnight")
    return report


def _checkpoint_problems(text: str, name: str, tree: Tree, keys: dict[str, dict], origin: str) -> list[str]:
    try:
        size, root = verify_checkpoint(text, keys, origin)
    except NotVerified as refused:
        return [f"{name}: {refused.en}"]
    if size > tree.size:
        return [f"{name}: signs a tree of {size} entries, but the log has {tree.size}"]
    if tree.root(size) != root:
        return [f"{name}: its root hash {base64.b64encode(root).decode()} is not that of the log's first {size} entries: "
                "the log was changed after it was signed"]
    return []
