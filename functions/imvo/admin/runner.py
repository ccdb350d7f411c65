"""Running an admin job to its end: the bundle of Dutch days or the allocation report, with progress."""

from __future__ import annotations

import hashlib
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from imvo.admin.actions import allocation_report
from imvo.admin.allocation import DrawNotYetPossible
from imvo.admin.bundle import build_bundle, days_between
from imvo.admin.jobs import ALLOCATION, BUNDLE, DONE, FAILED, QUEUED, RUNNING, JobBoard
from imvo.audit.trail import AuditTrail
from imvo.intake.storage import BUNDLES_PREFIX, StorageUnavailable

# How often a running job writes its progress: often enough for a live bar, rarely enough to cost nothing.
PROGRESS_EVERY_SECONDS = 2.0
_CONTENT_TYPES = {"csv": "text/csv", "html": "text/html", "pdf": "application/pdf", "zip": "application/zip"}
# A bundle is built on disk (Lambda's /tmp, sized in the template), never whole in memory.
SPOOL_IN_MEMORY_BYTES = 64 * 1024 * 1024


def _now() -> datetime:
    return datetime.now(timezone.utc)


class _Progress:
    """Saves the job's progress at most every PROGRESS_EVERY_SECONDS (and at the end); tells `watcher` each step."""

    def __init__(self, board: JobBoard, job: dict, watcher: Callable[[int, int], None] | None):
        self.board, self.job, self.watcher = board, job, watcher
        self.saved_at = 0.0

    def __call__(self, done: int, total: int) -> None:
        self.job["progress"] = {"done": done, "total": total}
        if self.watcher:
            self.watcher(done, total)
        if done == total or time.monotonic() - self.saved_at >= PROGRESS_EVERY_SECONDS:
            self.board.save(self.job, _now())
            self.saved_at = time.monotonic()


def _bundle(board: JobBoard, job: dict, data_dir: Path, progress: _Progress) -> dict:
    params = job["params"]
    days = days_between(params["from"], params["to"])
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES) as target:
        bundle = build_bundle(board.store, days, data_dir, target, progress=progress)
        key = f"{BUNDLES_PREFIX}{days[0]}/{bundle.sha256}.zip"
        board.store.upload(key, target, _CONTENT_TYPES["zip"])
    AuditTrail(board.store).bundled(list(bundle.references), job["id"], key, bundle.sha256, job["requestedBy"], _now())
    return {"days": days, "applications": bundle.count, "rendered": bundle.rendered, "sha256": bundle.sha256, "size": bundle.size,
            "filename": bundle.filename, "key": key}


def _allocation(board: JobBoard, job: dict, data_dir: Path, progress: _Progress) -> dict:
    params = job["params"]
    files, draw_used = allocation_report(board.store, data_dir, params["seed"], params["opening"], progress=progress,
                                         commitment=params.get("commitment"))
    keys = {}
    for name, content in files.items():
        digest = hashlib.sha256(content).hexdigest()
        keys[name] = f"{BUNDLES_PREFIX}allocation/{digest[:16]}-{name}"
        board.store.put_working(keys[name], content, _CONTENT_TYPES[name.rsplit(".", 1)[1]])
    return {"opening": params["opening"], "names": sorted(files), "files": keys} | draw_used


_KINDS = {BUNDLE: _bundle, ALLOCATION: _allocation}


class JobFailed(Exception):
    """The job stopped; its status says why (and, for a defect, the incident id that is in the log)."""

    def __init__(self, job: dict):
        super().__init__(job.get("reason"))
        self.job = job


def run(board: JobBoard, data_dir: Path, job_id: str, watcher: Callable[[int, int], None] | None = None) -> dict:
    """Run the job to DONE or FAILED and return it. Lambda may deliver an asynchronous event twice: a job
    that is no longer queued is left as it is."""
    job = board.get(job_id, _now())
    if job is None:
        raise KeyError(job_id)
    if job["state"] != QUEUED:
        return job
    job |= {"state": RUNNING}
    board.save(job, _now())
    try:
        job |= {"state": DONE, "result": _KINDS[job["kind"]](board, job, data_dir, _Progress(board, job, watcher))}
    except Exception as error:  # noqa: BLE001 - whatever stopped it, the job must say it failed
        if isinstance(error, StorageUnavailable):
            failure = {"reason": "storage"}
        elif isinstance(error, DrawNotYetPossible):  # the day's checkpoint is signed within a minute of its end
            failure = {"reason": "draw_not_yet_possible", "day": error.day}
        else:
            failure = {"reason": "internal", "incident": uuid.uuid4().hex[:12]}
        job |= {"state": FAILED} | failure
        board.save(job, _now())
        raise JobFailed(job) from error
    board.save(job, _now())
    return job
