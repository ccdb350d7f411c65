"""The sequencer's pass: log what settled, sign the checkpoint, publish what the site lacks (Lambda and local)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone

from imvo.intake.storage import ApplicationStore, s3_client
from imvo.settings import Settings
from imvo.telemetry import LOG_LATE_RECEIPTS, count, logger
from imvo.programme.facts import DUTCH_TIME, load_openings
from imvo.transparency.publication import publish, publish_checkpoint, publish_keys
from imvo.transparency.receipt_log import ReceiptLog, signed_checkpoint
from imvo.transparency.signed_receipt import KmsSigner, kms_signer_from_environment


HEARTBEAT_MS = 50_000  # "at least every minute during an opening" (issue 23), with room for a pass's own time


@dataclass
class Sequencer:
    log: ReceiptLog
    signer: KmsSigner
    client: object  # S3, for the site bucket
    site_bucket: str
    settle_seconds: float
    published_batches: int = 0  # the batches whose tiles, day checkpoints and checkpoint the site has
    keys_published: bool = False  # this container has seen its key in the published key set
    openings: tuple = ()  # imvo.programme.facts.Opening: while one is open, a fresh checkpoint each HEARTBEAT_MS
    signed_at_ms: int = 0  # when the site's checkpoint was last signed

    @classmethod
    def from_settings(cls, settings: Settings) -> "Sequencer":
        client = s3_client()
        return cls(ReceiptLog(ApplicationStore(client, settings.submissions_bucket, settings.retention_days),
                              settings.log_origin),
                   kms_signer_from_environment(), client, settings.site_bucket, settings.log_settle_seconds,
                   openings=load_openings(settings.data_dir, settings.extra_openings_file))

    def _in_an_opening(self, now_ms: int) -> bool:
        moment = datetime.fromtimestamp(now_ms / 1000, tz=timezone.utc).astimezone(DUTCH_TIME)
        return any(o.announced and o.opens <= moment <= o.closes for o in self.openings)

    def run_pass(self, now_ms: int | None = None) -> dict | None:
        """One pass at `now_ms` (the receipt clock; now by default); the batch written, if any."""
        now_ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
        if not self.keys_published:  # before any checkpoint of this container: the key that signs it is published
            publish_keys(self.client, self.site_bucket, self.signer, self.log.origin,
                         datetime.fromtimestamp(now_ms / 1000, tz=timezone.utc))
            self.keys_published = True
        batch = self.log.sequence(self.signer, now_ms, int(self.settle_seconds * 1000))
        if len(self.log.batches) > self.published_batches:
            # What the site lacks: a new container knows nothing of it and publishes the whole log once (the same
            # files); a pass whose publishing failed after its batch was written leaves it to the next pass.
            unpublished = self.log.batches[self.published_batches:]
            days = [day for logged in unpublished for day in logged.get("days", [])]
            publish(self.client, self.site_bucket, self.log, unpublished[0]["start"], days)
            self.published_batches = len(self.log.batches)
            self.signed_at_ms = now_ms
        elif self.log.batches and self._in_an_opening(now_ms) and now_ms - self.signed_at_ms >= HEARTBEAT_MS:
            # Issue 23: during an opening a checkpoint at least each minute, also when nothing arrived: the same
            # size and root signed afresh, for the site only (the record keeps the batches that add something).
            publish_checkpoint(self.client, self.site_bucket,
                               signed_checkpoint(self.signer, self.log.origin, self.log.tree.size, self.log.tree.root()))
            self.signed_at_ms = now_ms
        if batch is not None:
            if batch["late"]:
                count(LOG_LATE_RECEIPTS, value=batch["late"])
            logger.info("sequenced", extra={"batch": batch["sequence"], "added": len(batch["entries"]),
                                            "treeSize": batch["treeSize"], "late": batch["late"]})
        return batch
