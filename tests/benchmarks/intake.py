"""Submit handler: warm latency against a floor, and cold import time against `import boto3` alone."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNS = 300


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _cold_import_seconds(code: str) -> float:
    """Best of five fresh interpreters, like a Lambda cold start."""
    script = f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
    env = os.environ | {"PYTHONPATH": str(ROOT / "functions")}
    return min(float(subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                                    check=True).stdout) for _ in range(5))


def run() -> None:
    from tests.benchmarks.world import intake_world

    with intake_world() as (client, module):
        from imvo.intake.validation import validator_for
        from tests.conftest import BUCKET, load_event

        event = load_event("submit-pillar1-valid.json")
        validator = validator_for(ROOT / "schemas", 1)
        stored_bytes = None

        def handler_once(i):
            event["requestContext"]["requestId"] = f"bench-{i}"
            started = time.perf_counter()
            response = module.handler(event)
            elapsed = time.perf_counter() - started
            assert response["statusCode"] == 201, response["body"]
            return elapsed

        def floor_once(i):
            started = time.perf_counter()
            errors = list(validator.iter_errors(json.loads(event["body"])))
            client.put_object(Bucket=BUCKET, Key=f"floor/{i}.json", Body=stored_bytes, IfNoneMatch="*")
            elapsed = time.perf_counter() - started
            assert not errors
            return elapsed

        for i in range(20):  # warm up both paths
            handler_once(f"w{i}")
        stored_key = client.list_objects_v2(Bucket=BUCKET, Prefix="applications/")["Contents"][0]["Key"]
        stored_bytes = client.get_object(Bucket=BUCKET, Key=stored_key)["Body"].read()
        for i in range(20):
            floor_once(f"w{i}")
        handler_times, floor_times = [], []
        for i in range(RUNS):  # interleaved, so both see the same machine
            handler_times.append(handler_once(i))
            floor_times.append(floor_once(i))

    h50, h99 = _percentile(handler_times, 0.50), _percentile(handler_times, 0.99)
    f50, f99 = _percentile(floor_times, 0.50), _percentile(floor_times, 0.99)
    print(f"submit handler, warm, {RUNS} complete pillar-1 applications with 14 attachments each, verified at upload")
    print("(moto S3 in-process; the handler also runs the regulation's rules and one LIST of the upload checks):")
    print(f"  handler p50 {h50 * 1000:7.2f} ms   p99 {h99 * 1000:7.2f} ms")
    print(f"  floor   p50 {f50 * 1000:7.2f} ms   p99 {f99 * 1000:7.2f} ms   (schema validation + one put_object of the same bytes)")
    print(f"  ratio   p50 {h50 / f50:5.2f}x      p99 {h99 / f99:5.2f}x   (aim: p50 within 1.5x)")
    print(f"  mean {statistics.mean(handler_times) * 1000:.2f} ms")

    handler_import = _cold_import_seconds(
        "import importlib.util as u; s = u.spec_from_file_location('a', 'functions/submit/app.py'); "
        "m = u.module_from_spec(s); s.loader.exec_module(m)")
    boto_import = _cold_import_seconds("import boto3")
    print("cold import (best of 5 fresh interpreters):")
    print(f"  submit function {handler_import * 1000:7.1f} ms")
    print(f"  import boto3    {boto_import * 1000:7.1f} ms")
    print(f"  ratio           {handler_import / boto_import:5.2f}x   (aim: 1.3x; WeasyPrint and Pelican stay off this path)")
