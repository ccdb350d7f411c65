"""Lambda handler of the admin job function: runs one queued job ({"jobId": …}, an asynchronous invocation)."""

import time

from imvo.admin.jobs import BUNDLE, JobBoard
from imvo.admin.runner import JobFailed, run
from imvo.intake.storage import ApplicationStore, s3_client
from imvo.settings import load_settings
from imvo.telemetry import JOBS_FAILED, PDF_RENDERS, count, fault_detail, logger

_board: JobBoard | None = None  # built once per container


def handler(event, context=None):
    global _board
    settings = load_settings()
    _board = _board or JobBoard(ApplicationStore(s3_client(), settings.submissions_bucket, settings.retention_days))
    job_id = str(event.get("jobId", ""))
    logger.set_correlation_id(job_id)
    started = time.monotonic()
    try:
        job = run(_board, settings.data_dir, job_id)
    except KeyError:
        logger.info("job", extra={"job": job_id, "state": "unknown"})
        return {"state": "unknown"}
    except JobFailed as failed:
        job = failed.job
        count(JOBS_FAILED)
        logger.info("job", extra={"job": job_id, "kind": job["kind"], "state": job["state"], "reason": job["reason"],
                                  "incident": job.get("incident"), "detail": fault_detail(failed.__cause__),
                                  "durationMs": round((time.monotonic() - started) * 1000)})
        return {"state": job["state"]}
    renders = job["result"]["rendered"] if job["kind"] == BUNDLE else 1
    count(PDF_RENDERS, renders, document=job["kind"])
    logger.info("job", extra={"job": job_id, "kind": job["kind"], "state": job["state"],
                              "progress": job["progress"], "durationMs": round((time.monotonic() - started) * 1000)})
    return {"state": job["state"]}
