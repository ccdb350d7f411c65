"""The receipt log: one append-only Merkle log of every signed receipt, in order of receipt, with signed checkpoints.

One sequencer appends (the sequencer function, reserved concurrency 1; and each batch is a write-once object, so
even two sequencers at once cannot give the log two orders: the second one's batch is refused and it reloads).
A receipt is logged once it is older than the settle time, longer than any request can take to store what it
stamped; so every receipt stamped before a moment is in the log before any stamped after it, and the log's order
is the order of receipt (Artikel 4, II.3.2, III.3.2). Checkpoints are C2SP tlog-checkpoint notes signed per C2SP
signed-note with the receipt key (signature type 0x02, ECDSA P-256). The record keeps the batches under
log/batches/ (write-once, under retention); imvo.transparency.publication puts the public tiles on the site.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from imvo.intake.storage import (APPLICATIONS_PREFIX, SUPPLEMENTS_PREFIX, AlreadyStored, ApplicationStore,
                                 encode_document, side_by_side)
from imvo.programme.facts import DUTCH_TIME
from imvo.transparency.merkle import Tree, leaf_hash
from imvo.transparency.signed_receipt import KmsSigner, log_entry

LOG_PREFIX = "log/"
BATCHES_PREFIX = "log/batches/"
NOTE_SIGNATURE_TYPE = b"\x02"  # C2SP signed-note: ECDSA (P-256)


def batch_key(sequence: int) -> str:
    return f"{BATCHES_PREFIX}{sequence:09d}.json"


def epoch_ms_of_record_key(key: str) -> int:
    """Both kinds of record key carry the time of receipt: applications/<day>/<ms>-<ref>.json and
    supplements/<ref>/<ms>-<token>.json (imvo.intake.storage)."""
    return int(key.rsplit("/", 1)[1].split("-", 1)[0])


def note_key_id(public_key_der: bytes) -> bytes:
    """C2SP signed-note, type 0x02: the first four bytes of SHA-256 of the DER SubjectPublicKeyInfo."""
    return hashlib.sha256(public_key_der).digest()[:4]


def checkpoint_body(origin: str, size: int, root: bytes) -> str:
    """C2SP tlog-checkpoint: origin, tree size, base64 root hash, each on a line."""
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def signed_checkpoint(signer: KmsSigner, origin: str, size: int, root: bytes) -> str:
    body = checkpoint_body(origin, size, root)
    signature = note_key_id(signer.public_key_der) + signer.sign_der(body.encode())
    return f"{body}\n\u2014 {origin} {base64.b64encode(signature).decode()}\n"


def dutch_day_of(moment_ms: int) -> str:
    return datetime.fromtimestamp(moment_ms / 1000, tz=timezone.utc).astimezone(DUTCH_TIME).date().isoformat()


def dutch_midnights_between(after_ms: int, until_ms: int) -> list[tuple[str, int]]:
    """(the Dutch day that ended, the moment it ended in UTC ms) for each Dutch midnight in (after_ms, until_ms]."""
    found = []
    day = datetime.fromtimestamp(after_ms / 1000, tz=timezone.utc).astimezone(DUTCH_TIME).date()
    while True:
        next_day = day + timedelta(days=1)
        midnight = datetime(next_day.year, next_day.month, next_day.day, tzinfo=DUTCH_TIME)
        midnight_ms = int(midnight.timestamp() * 1000)
        if midnight_ms > until_ms:
            return found
        if midnight_ms > after_ms:
            found.append((day.isoformat(), midnight_ms))
        day = next_day


@dataclass
class Leaf:
    entry: bytes  # SHA-256 of the signed receipt (imvo.transparency.signed_receipt.log_entry)
    received_ms: int
    request_id: str
    record_key: str

    def as_dict(self) -> dict:
        return {"entry": self.entry.hex(), "receivedAtMs": self.received_ms, "requestId": self.request_id,
                "recordKey": self.record_key}

    @classmethod
    def from_dict(cls, data: dict) -> "Leaf":
        return cls(bytes.fromhex(data["entry"]), data["receivedAtMs"], data["requestId"], data["recordKey"])


def leaf_of_record(key: str, stored: dict) -> Leaf:
    receipt = stored["receipt"]
    return Leaf(log_entry(receipt["signedReceipt"]), receipt["signedReceipt"]["statement"]["receivedAtMs"],
                receipt["requestId"], key)


@dataclass
class ReceiptLog:
    """The log as the record keeps it: its batches, read once each (a batch never changes)."""

    store: ApplicationStore
    origin: str
    leaves: list[Leaf] = field(default_factory=list)
    tree: Tree = field(default_factory=Tree)
    batches: list[dict] = field(default_factory=list)
    _logged: set[str] = field(default_factory=set)
    _index: dict[bytes, int] = field(default_factory=dict)  # entry -> its first index
    _read: dict[str, Leaf] = field(default_factory=dict)  # records read for a batch not yet written

    def refresh(self) -> None:
        """Read the batches written since the last read (by this sequencer or another)."""
        keys = self.store.keys_under(BATCHES_PREFIX, batch_key(len(self.batches) - 1) if self.batches else None)
        for batch in side_by_side(self.store.get_json, keys):
            if batch["sequence"] != len(self.batches) or batch["start"] != len(self.leaves):
                raise ValueError(f"the log's batch {batch['sequence']} does not follow its predecessor")
            self.batches.append(batch)
            for data in batch["entries"]:
                leaf = Leaf.from_dict(data)
                self._index.setdefault(leaf.entry, len(self.leaves))
                self.leaves.append(leaf)
                self.tree.append(leaf_hash(leaf.entry))
                self._logged.add(leaf.record_key)

    @property
    def sealed_through_ms(self) -> int:
        """Every receipt stamped before this moment is in the log."""
        return self.batches[-1]["sealedThroughMs"] if self.batches else 0

    @property
    def checkpoint(self) -> str | None:
        return self.batches[-1]["checkpoint"] if self.batches else None

    def index_of(self, entry: bytes) -> int | None:
        return self._index.get(entry)

    def day_checkpoints(self) -> dict[str, dict]:
        """{Dutch day: {day, treeSize, checkpoint}}: the signed checkpoint of each sealed day's end (the lottery's)."""
        return {day["day"]: day for batch in self.batches for day in batch.get("days", [])}

    def _unlogged_keys(self, sealed_ms: int) -> list[str]:
        """Record keys stamped before `sealed_ms` and not in the log. Applications are listed from the day before
        the last sealed moment on (everything older was logged); supplements are few and listed whole."""
        since = self.sealed_through_ms
        first_day = (datetime.fromtimestamp(since / 1000, tz=timezone.utc).astimezone(DUTCH_TIME).date()
                     - timedelta(days=1)).isoformat() if since else ""
        keys = [k for k in self.store.keys_under(APPLICATIONS_PREFIX) if k >= f"{APPLICATIONS_PREFIX}{first_day}"]
        keys += self.store.keys_under(SUPPLEMENTS_PREFIX)
        return [k for k in keys if k not in self._logged and epoch_ms_of_record_key(k) < sealed_ms]

    def _leaves_of(self, keys: list[str]) -> list[Leaf]:
        """The leaves of these records, each read once: a record never changes, so what a failed pass read (one
        read in a few hundred failing, during an opening) is kept, and the next pass reads only the rest."""
        self._read = {key: leaf for key, leaf in self._read.items() if key not in self._logged}

        def read(key: str) -> Exception | None:
            try:
                self._read[key] = leaf_of_record(key, self.store.get_json(key))
            except Exception as error:  # noqa: BLE001 - raised below, once every other read is kept
                return error
            return None

        failed = [error for error in side_by_side(read, [k for k in keys if k not in self._read]) if error]
        if failed:
            raise failed[0]
        return [self._read[key] for key in keys]

    def sequence(self, signer: KmsSigner, now_ms: int, settle_ms: int) -> dict | None:
        """Append every receipt stamped more than `settle_ms` ago that is not yet in the log, in order of receipt,
        sign the checkpoint (and that of each Dutch day that ended), and write the batch once. None when there was
        nothing to add (no receipt, no day ended), or another sequencer wrote this batch first (then the log is read
        again)."""
        self.refresh()
        sealed_ms = now_ms - settle_ms
        if sealed_ms <= self.sealed_through_ms:
            return None
        new = sorted(self._leaves_of(self._unlogged_keys(sealed_ms)), key=lambda leaf: (leaf.received_ms, leaf.request_id))
        received = [leaf.received_ms for leaf in self.leaves] + [leaf.received_ms for leaf in new]
        # Each Dutch day with receipts whose end is now sealed gets the signed checkpoint of its end (the lottery's).
        since = self.sealed_through_ms if self.batches else (min(received) if received else sealed_ms)
        days_with_receipts = {dutch_day_of(moment) for moment in received}
        ended = [(day, midnight) for day, midnight in dutch_midnights_between(since, sealed_ms) if day in days_with_receipts]
        if not new and not ended and self.batches:
            return None  # nothing to add: the sequencer re-signs the checkpoint for the site (imvo.transparency.sequencing)
        tree = Tree(self.tree.leaves + [leaf_hash(leaf.entry) for leaf in new])
        days = []
        for day, midnight_ms in ended:
            size = sum(1 for moment in received if moment < midnight_ms)
            days.append({"day": day, "endedAtMs": midnight_ms, "treeSize": size,
                         "checkpoint": signed_checkpoint(signer, self.origin, size, tree.root(size))})
        batch = {"sequence": len(self.batches), "start": len(self.leaves), "entries": [leaf.as_dict() for leaf in new],
                 "late": sum(1 for leaf in new if self.leaves and leaf.received_ms < self.leaves[-1].received_ms),
                 "sealedThroughMs": sealed_ms, "writtenAtMs": now_ms, "treeSize": tree.size,
                 "checkpoint": signed_checkpoint(signer, self.origin, tree.size, tree.root()), "days": days}
        try:
            self.store.put_record(batch_key(batch["sequence"]), encode_document(batch))
        except AlreadyStored:
            self.refresh()
            return None
        self.refresh()
        return batch


def parse_checkpoint(text: str) -> tuple[str, int, bytes, str, list[tuple[str, bytes]]]:
    """(origin, size, root hash, the signed body, [(key name, signature bytes)]) of a signed checkpoint note."""
    body, _, signatures = text.partition("\n\n")
    lines = body.split("\n")
    if len(lines) < 3 or not lines[1].isdigit():
        raise ValueError("not a checkpoint")
    found = []
    for line in signatures.splitlines():
        if line.startswith("\u2014 "):
            name, _, value = line[2:].partition(" ")
            found.append((name, base64.b64decode(value)))
    return lines[0], int(lines[1]), base64.b64decode(lines[2]), body + "\n", found
