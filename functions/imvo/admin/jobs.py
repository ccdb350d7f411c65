"""Admin jobs (a bundle, the allocation report): a request starts one and answers at once; the job
function runs it and writes its status (queued, running n of m, done, failed) under jobs/<id>.json."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from botocore.exceptions import BotoCoreError, ClientError

from imvo.intake.receipt import format_utc
from imvo.intake.storage import (JOBS_PREFIX, ApplicationStore, StorageDenied, StorageUnavailable, encode_document,
                                 storage_fault)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
BUNDLE, ALLOCATION = "bundle", "allocation"
# The job function's timeout (infra/template.yaml, AdminJobFunction) and a margin: a job still
# "running" after this was stopped by Lambda and will not finish.
JOB_TIMEOUT_SECONDS = 900
_GIVEN_UP_AFTER = timedelta(seconds=JOB_TIMEOUT_SECONDS + 60)
_JOB_ID = re.compile(r"^[0-9a-f]{32}$")


def job_key(job_id: str) -> str:
    return f"{JOBS_PREFIX}{job_id}.json"


def _parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class JobBoard:
    """Where jobs and their status live: the record bucket's jobs/ prefix (working state, expires)."""
    store: ApplicationStore

    def create(self, kind: str, params: dict, by: str, moment: datetime) -> dict:
        job = {"id": uuid.uuid4().hex, "kind": kind, "params": params, "requestedBy": by,
               "requestedAt": format_utc(moment), "updatedAt": format_utc(moment), "state": QUEUED,
               "progress": {"done": 0, "total": None}, "result": None, "reason": None}
        self.store.put_new(job_key(job["id"]), encode_document(job))
        return job

    def save(self, job: dict, moment: datetime) -> None:
        job["updatedAt"] = format_utc(moment)
        self.store.put_working(job_key(job["id"]), encode_document(job))

    def get(self, job_id: str, moment: datetime) -> dict | None:
        """The job as it stands; a running job not heard of for longer than its timeout has failed."""
        if not _JOB_ID.match(job_id or "") or not self.store.exists(job_key(job_id)):
            return None
        job = self.store.get_json(job_key(job_id))
        if job["state"] in (QUEUED, RUNNING) and moment - _parse_utc(job["updatedAt"]) > _GIVEN_UP_AFTER:
            job |= {"state": FAILED, "reason": "timeout"}
        return job


def progress_text(job: dict) -> dict:
    """n of m applications, in both languages, for the console and the command line."""
    done, total = job["progress"]["done"], job["progress"]["total"]
    if total is None:
        return {"nl": "wacht op start", "en": "waiting to start"} if job["state"] == QUEUED else \
               {"nl": "aanvragen tellen", "en": "counting applications"}
    return {"nl": f"{done} van {total} aanvragen", "en": f"{done} of {total} applications"}


REASONS = {
    "timeout": ("De taak duurde langer dan de tijd die de functie krijgt; start haar opnieuw of kies minder dagen.",
                "The job took longer than the function may run; start it again or choose fewer days."),
    "storage": ("De opslag was niet bereikbaar; start de taak opnieuw.", "Storage was unavailable; start the job again."),
    "internal": ("Er ging iets mis aan onze kant; het incidentnummer staat in de log.",
                 "Something went wrong on our side; the incident id is in the log."),
    "not_started": ("De taak kon niet worden gestart; probeer het opnieuw.", "The job could not be started; try again."),
    # Artikel 4 / issue 23: a lottery day's draw uses the receipt log's checkpoint of that day's end
    "draw_not_yet_possible": ("Op een dag met loting is het checkpoint van het eind van die dag nog niet ondertekend; dat "
                              "gebeurt binnen een minuut na middernacht. Start de taak daarna opnieuw.",
                              "A lottery day's checkpoint of its end is not signed yet; that happens within a minute after "
                              "midnight. Start the job again after that."),
}


def public_view(job: dict) -> dict:
    """What an admin sees of a job: its state, progress and, when done, what it made; no storage keys."""
    view = {"id": job["id"], "kind": job["kind"], "params": job["params"], "state": job["state"],
            "requestedAt": job["requestedAt"], "updatedAt": job["updatedAt"],
            "progress": job["progress"] | {"text": progress_text(job)}}
    if job["state"] == DONE:
        view["result"] = {k: v for k, v in job["result"].items() if k not in ("key", "files")}
        view["download"] = f"/api/admin/jobs/{job['id']}/download"
    if job["state"] == FAILED:
        nl, en = REASONS.get(job["reason"], REASONS["internal"])
        view["reason"] = {"code": job["reason"], "nl": nl, "en": en} | (
            {"incident": job["incident"]} if job.get("incident") else {})
    return view


class LambdaLauncher:
    """Starts the job function with an asynchronous invocation (Lambda queues it and answers 202 at once)."""

    def __init__(self, function_name: str):
        self.function_name = function_name

    def launch(self, job_id: str) -> None:
        import boto3

        try:
            boto3.client("lambda").invoke(FunctionName=self.function_name, InvocationType="Event",
                                          Payload=json.dumps({"jobId": job_id}).encode())
        except ClientError as error:
            raise storage_fault(error) from error
        except BotoCoreError as error:
            raise StorageUnavailable(str(error)) from error


_launcher = None


def use_launcher(launcher) -> None:
    """Where jobs are started: the local system runs them in a thread (imvo_local.job_launcher)."""
    global _launcher
    _launcher = launcher


def launcher(function_name: str):
    return _launcher or LambdaLauncher(function_name)


def start(board: JobBoard, kind: str, params: dict, by: str, moment: datetime, function_name: str) -> dict:
    """Queue a job and start the job function; if it cannot be started the job says so, and the caller gets a
    503 (a passing fault) or a 500 (a permission the stack lacks)."""
    job = board.create(kind, params, by, moment)
    try:
        launcher(function_name).launch(job["id"])
    except (StorageUnavailable, StorageDenied):
        job |= {"state": FAILED, "reason": "not_started"}
        board.save(job, moment)
        raise
    return job
