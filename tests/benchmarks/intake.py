"""Submit: warm latency against its floor, unkeyed and with an Idempotency-Key; and each zip function's
cold import, from its own artefact under the runtime's Python, against `import boto3` there."""

from __future__ import annotations

import contextlib
import copy
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks.figures import REPEATS, percentile, ratio_line

ROOT = Path(__file__).resolve().parents[2]
RUNS = 200
QUIET = open(os.devnull, "w")  # where the handler's log line and metrics go while timed (written, not shown)
COLD_STARTS = 5  # fresh interpreters per figure per repeat; the fastest counts (the least disturbed)


def _with_statements(document: dict, client) -> dict:
    """The document as the form sends it: each attachment with the signed statement of its check."""
    from imvo.intake.attachments import referenced_attachments, statement_of, verify_upload
    from imvo.intake.storage import ApplicationStore
    from imvo.intake.tokens import TokenKey
    from imvo.settings import load_settings
    from tests.conftest import UPLOADS_BUCKET

    settings = load_settings()
    uploads, tokens = ApplicationStore(client, UPLOADS_BUCKET), TokenKey(settings.upload_key_secret_id)
    document = copy.deepcopy(document)
    for _, reference in referenced_attachments(document):
        reference["verified"] = statement_of(verify_upload(uploads, reference["key"]), tokens)
    return document


def floor_validator(pillar: int):
    """The floor's validation: the pillar's schema compiled once with jsonschema the plain way, its $refs
    resolved through jsonschema's registry (what the submit handler did before it inlined them)."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    from imvo.intake.validation import load_schema

    schemas = [json.loads(path.read_text(encoding="utf-8")) for path in sorted((ROOT / "schemas").glob("*.schema.json"))]
    registry = Registry().with_resources((schema["$id"], Resource.from_contents(schema)) for schema in schemas)
    return Draft202012Validator(load_schema(ROOT / "schemas", pillar), registry=registry,
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def warm() -> None:
    from tests.benchmarks.world import intake_world

    with intake_world() as (client, module):
        from tests.conftest import BUCKET, load_event

        event = load_event("submit-pillar1-valid.json")
        document = _with_statements(json.loads(event["body"]), client)
        event["body"] = json.dumps(document)
        validator = floor_validator(1)
        from imvo.intake.validation import gate_for
        fastest = gate_for(ROOT / "schemas", 1)
        record = None

        def handler_once(i, key=None):
            event["requestContext"]["requestId"] = f"bench-{i}"
            event["headers"].pop("idempotency-key", None)
            if key:
                event["headers"]["idempotency-key"] = key
            started = time.perf_counter()
            with contextlib.redirect_stdout(QUIET):  # its log line and metrics are written (as on Lambda), not shown
                response = module.handler(event)
            elapsed = time.perf_counter() - started
            assert response["statusCode"] == 201, response["body"]
            return elapsed

        import boto3

        from imvo.settings import load_settings

        kms, receipt_key = boto3.client("kms", region_name="eu-west-1"), load_settings().receipt_key_id
        statement = b'{"keyId":"' + b"0" * 64 + b'","pillar":1,"receivedAtMs":1678871730250,"reference":"IMVO-20230315-AAAAAAAA","sha256":"' + b"0" * 64 + b'","type":"application","v":1}'

        def kms_sign():  # what signing a receipt costs at least (issue 23): one KMS Sign of the statement's bytes
            kms.sign(KeyId=receipt_key, Message=statement, MessageType="RAW", SigningAlgorithm="ECDSA_SHA_256")

        def sign_once(i):
            started = time.perf_counter()
            kms_sign()
            return time.perf_counter() - started

        def floor_once(i):
            started = time.perf_counter()
            errors = list(validator.iter_errors(json.loads(event["body"])))
            kms_sign()
            client.put_object(Bucket=BUCKET, Key=f"floor/{i}.json", Body=record, IfNoneMatch="*")
            elapsed = time.perf_counter() - started
            assert not errors
            return elapsed

        for i in range(20):  # warm up every path
            handler_once(f"w{i}")
            handler_once(f"wk{i}", f"warm-key-{i:06d}")
        stored_key = client.list_objects_v2(Bucket=BUCKET, Prefix="applications/")["Contents"][0]["Key"]
        record = client.get_object(Bucket=BUCKET, Key=stored_key)["Body"].read()
        def fastest_floor_once(i):
            started = time.perf_counter()
            valid = fastest.is_valid(json.loads(event["body"]))
            kms_sign()
            client.put_object(Bucket=BUCKET, Key=f"fastest-floor/{i}.json", Body=record, IfNoneMatch="*")
            elapsed = time.perf_counter() - started
            assert valid
            return elapsed

        for i in range(20):
            floor_once(f"w{i}")
            fastest_floor_once(f"w{i}")
        unkeyed, keyed, lines, against_fastest = [], [], [], []
        for repeat in range(REPEATS):
            handler_times, keyed_times, floor_times, fastest_times, sign_times = [], [], [], [], []
            for i in range(RUNS):  # interleaved, so all see the same machine
                sign_times.append(sign_once(i))
                handler_times.append(handler_once(f"{repeat}-{i}"))
                keyed_times.append(handler_once(f"{repeat}-k{i}", f"bench-key-{repeat}-{i:06d}"))
                floor_times.append(floor_once(f"{repeat}-{i}"))
                fastest_times.append(fastest_floor_once(f"{repeat}-{i}"))
            f50 = percentile(floor_times, .5)
            unkeyed.append(percentile(handler_times, .5) / f50)
            keyed.append(percentile(keyed_times, .5) / f50)
            against_fastest.append(percentile(keyed_times, .5) / percentile(fastest_times, .5))
            lines.append(f"    repeat {repeat + 1}: handler p50 {percentile(handler_times, .5) * 1000:6.2f} ms, keyed "
                         f"{percentile(keyed_times, .5) * 1000:6.2f} ms, floor {f50 * 1000:6.2f} ms; p99 "
                         f"{percentile(handler_times, .99) * 1000:6.2f} / {percentile(keyed_times, .99) * 1000:6.2f} / "
                         f"{percentile(floor_times, .99) * 1000:6.2f} ms; of the floor, one KMS Sign alone: p50 "
                         f"{percentile(sign_times, .5) * 1000:6.2f} ms ({percentile(sign_times, .5) / f50:.2f} of the floor)")
    print(f"submit handler, warm: {RUNS} complete pillar-1 applications (14 attachments, each with the statement of its "
          f"check) per repeat, moto S3 in-process")
    print("floor: the same document validated by the schema compiled once with jsonschema (references resolved through\n"
          "its registry), one KMS Sign (moto's KMS, in-process) and one put_object of the stored bytes; the handler also\n"
          "reads and checks the JSON, applies the regulation's rules, checks 14 upload statements, signs the receipt,\n"
          "derives the herstel code, logs and counts")
    print("\n".join(lines))
    print(ratio_line("submit p50 / floor", unkeyed, 1.2))
    print(ratio_line("submit with Idempotency-Key p50 / floor", keyed, 1.2))
    print(ratio_line("(keyed, against jsonschema-rs + one put)", against_fastest)
          + "\n  (for information: the floor validated the way submit now does; the keyed path writes twice)")


def _runtime_python() -> str | None:
    candidates = [shutil.which("python3.12")] + sorted(glob.glob("/root/.pyenv/versions/3.12*/bin/python3"))
    for candidate in filter(None, candidates):
        if subprocess.run([candidate, "-c", "pass"], capture_output=True).returncode == 0:
            return candidate
    return None


def _cold(python: str, folder: Path, module: str) -> float:
    script = (f"import sys; sys.path[:0] = [{str(folder)!r}]; import time; t = time.perf_counter(); "
              f"import {module}; print(time.perf_counter() - t)")
    return float(subprocess.run([python, "-I", "-S", "-c", script], capture_output=True, text=True, check=True,
                                env={"AWS_DEFAULT_REGION": "eu-west-1"}).stdout)


def cold() -> None:
    from imvo_local import lambda_build
    from imvo_local.sam_template import load_template

    python = _runtime_python()
    if python is None:
        print("cold import: no Python 3.12 (the runtime's) on this machine; skipped")
        return
    functions = sorted(name for name, resource in load_template()["Resources"].items()
                       if resource.get("Metadata", {}).get("BuildMethod") == "makefile")
    with tempfile.TemporaryDirectory() as tmp:
        dependencies = Path(tmp) / "dependencies"
        lambda_build.install_dependencies(dependencies)
        print(f"cold import of each zip function's artefact (as `sam build` makes it) under {python} -I -S, "
              f"fastest of {COLD_STARTS} fresh interpreters, against `import boto3` from the same artefact:")
        for function in functions:
            folder = lambda_build.build(function, Path(tmp) / function, dependencies)
            module = lambda_build.handler_of(function).split(".")[0].replace("/", ".")
            _cold(python, folder, module)  # compile the .pyc files once, as the deployed package has them
            ratios, seconds = [], []
            for _ in range(REPEATS):
                handler = min(_cold(python, folder, module) for _ in range(COLD_STARTS))
                boto3 = min(_cold(python, folder, "boto3") for _ in range(COLD_STARTS))
                ratios.append(handler / boto3)
                seconds.append((handler, boto3))
            fastest = min(seconds)
            print(ratio_line(f"{function} / import boto3", ratios, 1.3 if function == "SubmitFunction" else None)
                  + f"  [{fastest[0] * 1000:.0f} ms vs {fastest[1] * 1000:.0f} ms]")


def run() -> None:
    warm()
    cold()


if __name__ == "__main__":
    sys.exit(run())
