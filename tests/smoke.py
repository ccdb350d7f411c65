"""Smoke checks that only a running stack can answer: `make smoke URL=…` (the same run against `make run` in
`make test`). Standard library only, so it runs unchanged anywhere. Against production it files one real,
incomplete application: run it on test or acceptance."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "pillar1-complete.json"
SECURITY_HEADERS = {
    "content-security-policy": "frame-ancestors 'none'",
    "strict-transport-security": "max-age=",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
}


def request(url: str, method: str = "GET", body: dict | None = None, headers: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    sent = urllib.request.Request(url, data=data, method=method,
                                  headers={"content-type": "application/json"} | (headers or {}) if data else headers or {})
    try:
        with urllib.request.urlopen(sent, timeout=30) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), error.read()


def _without_files(value):
    if isinstance(value, dict):
        return {k: _without_files(v) for k, v in value.items()
                if not (isinstance(v, dict) and {"key", "sha256", "filename"} <= v.keys())}
    if isinstance(value, list):
        return [_without_files(v) for v in value if not (isinstance(v, dict) and {"key", "sha256", "filename"} <= v.keys())]
    return value


def smoke_application() -> dict:
    """The example application without its attachments: stored as incomplete, nothing to upload first."""
    return _without_files(json.loads(FIXTURE.read_text(encoding="utf-8")))


def checks(site: str):
    site = site.rstrip("/")
    status, headers, _ = request(site + "/")
    lower = {k.lower(): v for k, v in headers.items()}
    yield "the site answers with its security headers", status == 200 and all(
        expected in lower.get(name, "") for name, expected in SECURITY_HEADERS.items())

    key = f"smoke-{uuid.uuid4().hex}"
    application = smoke_application()
    status, _, body = request(site + "/api/applications", "POST", application, {"idempotency-key": key})
    first = json.loads(body or b"{}")
    yield f"a keyed submission is received (201, got {status}: {first.get('error', {}).get('code', '')})", status == 201
    status, _, body = request(site + "/api/applications", "POST", application, {"idempotency-key": key})
    again = json.loads(body or b"{}")
    yield "its retry answers the same receipt", (status == 201 and again.get("replayed") is True
                                                 and again.get("reference") == first.get("reference"))

    status, _, body = request(site + "/api/uploads/verify", "POST",
                              {"key": f"attachments/smoke-{uuid.uuid4().hex[:16]}/missing.pdf"})
    message = json.loads(body or b"{}").get("error", {}).get("message", {}).get("en", "")
    yield "verifying a missing upload says to upload it again (4xx)", 400 <= status < 500 and "upload it again" in message

    status, _, _ = request(site + "/api/admin/bundles", "POST", {"day": "2023-05-01"})
    yield "an admin route without a session is refused (401)", status == 401


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m tests.smoke https://site.example", file=sys.stderr)
        return 2
    results = list(checks(argv[0]))
    for name, passed in results:
        print(f"{'ok  ' if passed else 'FAIL'}  {name}")
    failed = sum(not passed for _, passed in results)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
