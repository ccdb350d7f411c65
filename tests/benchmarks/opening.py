"""The opening minute: 2,000 applications offered to the local system as fast as it takes them, with 5%
of S3 calls failing (injected: half before S3 acts, half after it acted and its answer was lost) and every
client retrying with its Idempotency-Key; then 0 lost, 0 duplicated, stored order = receipt order.
Its throughput and p50/p99 stand next to the same number of static-page requests to the same server."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.benchmarks.figures import percentile

ROOT = Path(__file__).resolve().parents[2]
COUNT = 2000
CLIENTS = 16
FAULT_SHARE = 0.05


STACK_SETTLE_SECONDS = 40  # infra/template.yaml, IMVO_LOG_SETTLE_SECONDS


def _until_accepted(url: str, body: bytes, key: str) -> tuple[float, int, dict]:
    """As the form does: the same body and key again after a 5xx or a lost connection, until 201."""
    from tests.integration.test_concurrency import post_or_lost

    started, attempts = time.perf_counter(), 0
    while True:
        attempts += 1
        status, answer = post_or_lost(url, body, key)
        if status == 201:
            return time.perf_counter() - started, attempts, answer
        if status and status < 500:
            raise AssertionError(f"refused: {status} {answer}")
        time.sleep(0.05 * attempts)


def _get(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as answer:
        answer.read()
    return time.perf_counter() - started


def _log_lag(site: str, s3, last_answer: float, limit_seconds: float = 300) -> tuple[float, list[str]]:
    """Seconds from the last answer until the receipt log's signed checkpoint holds all COUNT receipts (issue 23),
    and the log's record keys in log order."""
    from imvo.intake.storage import ApplicationStore
    from imvo.transparency.receipt_log import ReceiptLog

    while time.perf_counter() - last_answer < limit_seconds:
        try:
            with urllib.request.urlopen(f"{site}/log/checkpoint", timeout=10) as answer:
                if int(answer.read().decode().split("\n")[1]) >= COUNT:
                    lag = time.perf_counter() - last_answer
                    break
        except (OSError, ValueError, IndexError):  # not published yet, or an injected fault on the way
            pass
        time.sleep(0.2)
    else:
        raise RuntimeError(f"the receipt log did not hold {COUNT} receipts within {limit_seconds} s")
    for attempt in range(20):  # through the same injected faults
        try:
            log = ReceiptLog(ApplicationStore(s3, "imvo-submissions-local"), "")
            log.refresh()
            return lag, [leaf.record_key for leaf in log.leaves]
        except Exception:  # noqa: BLE001 - an injected fault; read again
            time.sleep(0.2)
    raise RuntimeError("the receipt log could not be read")


def run() -> None:
    from imvo_local.sequencing import LOCAL_SETTLE_SECONDS
    from tests.conftest import ROOT as _root, start_local_server, upload_fixture_attachments
    from tests.integration.test_concurrency import document_with_statements
    import boto3

    site_dir = _root / "output"
    if not (site_dir / "index.html").exists():
        print("  (build the site first: make site)")
        return
    process, text = start_local_server(site_dir, "--clock", "2023-05-01T10:00:00+02:00", "--after-store", "off",
                                       "--inject-s3-faults", str(FAULT_SHARE), "--bucket", "imvo-submissions-local",
                                       "--uploads-bucket", "imvo-uploads-local")
    # Keep reading what the server prints (a log line per request), so a full pipe never blocks it.
    threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
    try:
        site = re.search(r"Site:\s+(\S+)", text).group(1)
        storage = re.search(r"Storage:\s+(\S+)", text).group(1)
        s3 = boto3.client("s3", endpoint_url=storage, region_name="eu-west-1", aws_access_key_id="local",
                          aws_secret_access_key="local")
        for attempt in range(50):  # the fixture uploads, through the same faults
            try:
                upload_fixture_attachments(s3, "imvo-uploads-local")
                break
            except Exception:  # noqa: BLE001 - an injected fault; put them again
                time.sleep(0.1)
        else:
            raise RuntimeError("the example uploads could not be put")
        body = json.dumps(document_with_statements(site)).encode()

        with ThreadPoolExecutor(CLIENTS) as pool:  # the baseline: the same number of static-page requests
            started = time.perf_counter()
            static = list(pool.map(lambda _: _get(f"{site}/aanvragen/"), range(COUNT)))
            static_seconds = time.perf_counter() - started
        with ThreadPoolExecutor(CLIENTS) as pool:
            started = time.perf_counter()
            results = list(pool.map(lambda n: _until_accepted(f"{site}/api/applications", body, f"opening-{n:06d}"),
                                    range(COUNT)))
            submit_seconds = time.perf_counter() - started
        lag, log_order = _log_lag(site, s3, time.perf_counter())

        stored = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket="imvo-submissions-local", Prefix="applications/"):
            stored += [item["Key"] for item in page.get("Contents", [])]
    finally:
        process.terminate()
        process.wait(timeout=10)

    receipts = [answer for _, _, answer in results]
    references = {r["reference"] for r in receipts}
    stored_references = [key.rsplit("/", 1)[1].split("-", 1)[1].removesuffix(".json") for key in sorted(stored)]
    # The keys carry the time of receipt (UTC ms) then the reference: in key order, the applications stand
    # in the order of the receipts the clients were given (a replay answers the stored receipt).
    by_receipt = [r["reference"] for r in sorted(receipts, key=lambda r: (r["receivedAt"], r["reference"]))]
    lost = len(references - set(stored_references))
    duplicated = len(stored_references) - len(set(stored_references)) + len(set(stored_references) - references)
    retried = sum(1 for _, attempts, _ in results if attempts > 1)
    latencies = [seconds for seconds, _, _ in results]
    print(f"opening minute: {COUNT} applications from {CLIENTS} clients, {FAULT_SHARE:.0%} of S3 calls failing "
          f"(injected), {retried} clients retried with their key")
    print(f"  lost {lost}   duplicated {duplicated}   stored order = receipt order: "
          f"{'yes' if stored_references == by_receipt else 'NO'}   ({len(stored)} stored, {len(references)} receipts)")
    print(f"  submit  {COUNT / submit_seconds:8.1f} /s   p50 {percentile(latencies, .5) * 1000:7.1f} ms   "
          f"p99 {percentile(latencies, .99) * 1000:7.1f} ms   (with retries)")
    print(f"  static  {COUNT / static_seconds:8.1f} /s   p50 {percentile(static, .5) * 1000:7.1f} ms   "
          f"p99 {percentile(static, .99) * 1000:7.1f} ms   (GET /aanvragen/, the baseline)")
    print(f"  ratio   throughput {(COUNT / submit_seconds) / (COUNT / static_seconds):.3f}x of static   "
          f"p50 {percentile(latencies, .5) / percentile(static, .5):.1f}x   p99 {percentile(latencies, .99) / percentile(static, .99):.1f}x")
    # The log's order is the intake's total order of receipt, (time of receipt, request id): two receipts of the
    # same millisecond stand in request-id order there (as in the bundles and the allocation), not by reference.
    key_of = {key.rsplit("/", 1)[1].split("-", 1)[1].removesuffix(".json"): key for key in stored}
    in_receipt_order = [key_of[r["reference"]] for r in sorted(receipts, key=lambda r: (r["receivedAt"], r["requestId"]))]
    same_moment = len(receipts) - len({r["receivedAt"] for r in receipts})
    print(f"  receipt log: {len(log_order)} leaves, in order of receipt: {'yes' if log_order == in_receipt_order else 'NO'}"
          f" ({same_moment} receipts share their millisecond with an earlier one);"
          f" checkpoint lag after the last answer {lag:5.1f} s with the local settle time of "
          f"{LOCAL_SETTLE_SECONDS:g} s and a pass each second")
    print(f"  (the stack: settle {STACK_SETTLE_SECONDS} s and a pass each 5 s: lag at most about "
          f"{lag - LOCAL_SETTLE_SECONDS + STACK_SETTLE_SECONDS + 4:.0f} s, aim < 60 s)")
    assert lost == 0 and duplicated == 0 and stored_references == by_receipt, "the opening minute lost or doubled"
    assert len(log_order) == COUNT and log_order == in_receipt_order, "the receipt log is not the order of receipt"
