"""Admin jobs: how fast the route that starts one answers, against one S3 write of the job's status and
against the job it starts (a bundle of 200 applications), measured in the same run."""

from __future__ import annotations

import statistics
import time

from tests.benchmarks.figures import percentile as _percentile

COUNT = 200
STARTS = 50


class _Recorder:
    """A launcher that only notes the job: what is measured is the route, not Lambda's queue."""

    def __init__(self):
        self.launched: list[str] = []

    def launch(self, job_id: str) -> None:
        self.launched.append(job_id)


def run() -> None:
    from tests.benchmarks.world import intake_world

    with intake_world() as (client, _module):
        from imvo.admin import jobs
        from imvo.admin.runner import run as run_job
        from imvo.intake.storage import ApplicationStore
        from imvo.settings import PROJECT_ROOT
        from tests.conftest import BUCKET, admin_call, handler_module
        from tests.integration.test_admin_jobs import generate_day

        generate_day(client, handler_module("submit").handler, COUNT, not_yet_rendered=COUNT)  # the job renders every PDF
        admin = handler_module("admin")
        recorder = _Recorder()
        jobs.use_launcher(recorder)
        route, put = [], []
        for _ in range(STARTS):
            started = time.perf_counter()
            status, _ = admin_call(admin, "admin-start-bundle.json", {"day": "2023-03-15"})
            route.append(time.perf_counter() - started)
            assert status == 202
            started = time.perf_counter()
            client.put_object(Bucket=BUCKET, Key="bench/status.json", Body=b"{" + b" " * 400 + b"}")
            put.append(time.perf_counter() - started)
        board = jobs.JobBoard(ApplicationStore(client, BUCKET))
        started = time.perf_counter()
        run_job(board, PROJECT_ROOT / "content" / "data", recorder.launched[0])
        job_seconds = time.perf_counter() - started

    p50_route, p50_put = statistics.median(route), statistics.median(put)
    print(f"start a bundle job (POST /api/admin/bundles):  p50 {p50_route * 1000:6.1f} ms, p95 {_percentile(route, 0.95) * 1000:6.1f} ms")
    print(f"one S3 PutObject of a job status (the floor):  p50 {p50_put * 1000:6.1f} ms")
    print(f"the job it starts, {COUNT} applications:          {job_seconds:6.1f} s")
    print(f"ratio route/floor: {p50_route / p50_put:.1f}x   route/job: {p50_route / job_seconds:.4f}x"
          f"   (aim: the route answers within a second whatever the day's size)")

