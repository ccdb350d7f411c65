"""The sequencer's pass: log what settled, sign the checkpoint, publish what the site lacks (Lambda and local)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone

from imvo.intake.storage import ApplicationStore, s3_client
from imvo.settings import Settings
from imvo.telemetry import LOG_LATE_RECEIPTS, count, logger
from imvo.transparency.publication import publish, publish_keys
from imvo.transparency.receipt_log import ReceiptLog
from imvo.transparency.signed_receipt import KmsSigner, kms_signer_from_environment


@dataclass
class Sequencer:
    log: ReceiptLog
    signer: KmsSigner
    client: object  # S3, for the site bucket
    site_bucket: str
    settle_seconds: float
    published: int = 0  # the tree size the site has
    keys_published: bool = False  # this container has seen its key in the published key set

    @classmethod
    def from_settings(cls, settings: Settings) -> "Sequencer":
        client = s3_client()
        return cls(ReceiptLog(ApplicationStore(client, settings.submissions_bucket, settings.retention_days),
                              settings.log_origin),
                   kms_signer_from_environment(), client, settings.site_bucket, settings.log_settle_seconds)

    def run_pass(self, now_ms: int | None = None) -> dict | None:
        """One pass at `now_ms` (the receipt clock; now by default); the batch written, if any."""
        now_ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
        if not self.keys_published:  # before the first checkpoint: a checkpoint's key is always published
            publish_keys(self.client, self.site_bucket, self.signer, self.log.origin,
                         datetime.fromtimestamp(now_ms / 1000, tz=timezone.utc))
            self.keys_published = True
        batch = self.log.sequence(self.signer, now_ms, int(self.settle_seconds * 1000))
        self.published = publish(self.client, self.site_bucket, self.log, self.published)
        if batch is not None:
            if batch["late"]:
                count(LOG_LATE_RECEIPTS, value=batch["late"])
            logger.info("sequenced", extra={"batch": batch["sequence"], "added": len(batch["entries"]),
                                            "treeSize": batch["treeSize"], "late": batch["late"]})
        return batch
