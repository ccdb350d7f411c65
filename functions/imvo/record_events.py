"""The work that follows the storing of an application or supplement (its PDF, its confirmation e-mail):
S3 "Object Created" events of the record, routed by an EventBridge rule to one queue per function, and
handled one stored version at a time. A failed item is handed back to the queue, which delivers it
again and finally parks it in its dead-letter queue (alarmed): nothing is lost."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable

from imvo.intake.storage import RECORD_PREFIXES
from imvo.telemetry import RECORD_EVENTS_FAILED, count, fault_detail, logger


def stored_keys(event: dict) -> list[tuple[str, str]]:
    """(message id, record key) for each SQS message carrying an EventBridge event of the record."""
    found = []
    for message in event.get("Records", []):
        detail = json.loads(message["body"]).get("detail", {})
        found.append((message["messageId"], detail.get("object", {}).get("key", "")))
    return found


def handle_each(event: dict, work: Callable[[str], str], name: str, prefixes: tuple[str, ...] = RECORD_PREFIXES) -> dict:
    """work(record key) for each message under `prefixes`; answers the SQS partial-batch response, so only the
    failed messages come back. One log line per message, its id as correlation id; no personal data."""
    failures = []
    for message_id, key in stored_keys(event):
        logger.set_correlation_id(message_id)
        started = time.monotonic()
        line = {"work": name, "key": key}
        if not key.startswith(prefixes):
            logger.info("record event", extra=line | {"outcome": "ignored: not for this function"})
            continue
        try:
            outcome = work(key)
        except Exception as error:  # every failure is retried by the queue; the log says which kind
            failures.append({"itemIdentifier": message_id})
            count(RECORD_EVENTS_FAILED, work=name)
            logger.info("record event", extra=line | {"outcome": "failed, will be delivered again",
                                                      "incident": uuid.uuid4().hex[:12], "detail": fault_detail(error),
                                                      "durationMs": round((time.monotonic() - started) * 1000)})
            continue
        logger.info("record event", extra=line | {"outcome": outcome,
                                                  "durationMs": round((time.monotonic() - started) * 1000)})
    return {"batchItemFailures": failures}
