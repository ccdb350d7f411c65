"""`make smoke URL=…`: the whole path through a running stack, as an applicant and an officer take it (issue 24,
item 10); `make test` runs the same against `make run`. Against AWS it files one real application with one
attachment and the SES mailbox simulator as its address: run it on test or acceptance after every deploy, never
on production.

The path: the site's security headers; in a real Chromium on the form's page, under the site's own CSP, an upload
through the real presigned POST; its malware scan awaited (GuardDuty's tag on AWS); a keyed submission and its
retry; the record's copy of the attachment and the confirmation e-mail awaited in the audit trail (an officer's
sign-in: ADMIN_USER and ADMIN_PASSWORD, an account without MFA in the test pool); a bundle job and its download
holding the attachment; the error shapes through CloudFront (a missing page, an API refusal).
"""

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
    """The example application without its attachments (one is uploaded and added by checks)."""
    return _without_files(json.loads(FIXTURE.read_text(encoding="utf-8")))


# The SES mailbox simulator: SES accepts the e-mail and reports it delivered, and nobody receives it.
MAILBOX = "success@simulator.amazonses.com"
SMOKE_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
             b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
UPLOAD_IN_THE_BROWSER = """async (pdf) => {
  const bytes = Uint8Array.from(atob(pdf), c => c.charCodeAt(0));
  const digest = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)))
    .map(b => b.toString(16).padStart(2, "0")).join("");
  const presign = await fetch("/api/uploads", {method: "POST", headers: {"content-type": "application/json"},
    body: JSON.stringify({filename: "smoke.pdf", contentType: "application/pdf", size: bytes.length, sha256: digest})});
  const upload = await presign.json();
  if (presign.status !== 201) return {presign: presign.status};
  const form = new FormData();
  Object.entries(upload.fields).forEach(([name, value]) => form.append(name, value));
  form.append("file", new Blob([bytes], {type: "application/pdf"}), "smoke.pdf");
  try {
    const posted = await fetch(upload.url, {method: "POST", body: form});
    return {presign: 201, status: posted.status, key: upload.key, sha256: digest};
  } catch (error) { return {presign: 201, status: 0, error: String(error)}; }
}"""
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _json(body: bytes) -> dict:
    try:
        return json.loads(body or b"{}")
    except ValueError:
        return {}


def _until(seconds: float, attempt):
    """attempt() until it gives something truthy or the time is up; its last answer."""
    import time

    deadline, answer = time.monotonic() + seconds, None
    while time.monotonic() < deadline:
        answer = attempt()
        if answer:
            return answer
        time.sleep(2)
    return answer


def upload_in_a_browser(site: str) -> dict:
    """One PDF uploaded from the form's page as the form does it: the site's CSP must allow the bucket's host."""
    import base64

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.goto(site + "/aanvragen/pijler-1/formulier/")
            return page.evaluate(UPLOAD_IN_THE_BROWSER, base64.b64encode(SMOKE_PDF).decode())
        finally:
            browser.close()


def _receipt_log_checks(site: str, receipt: dict):
    """The signed receipt against the site's published keys, then its RFC 9162 proof to a signed checkpoint (the
    deployed stack logs a receipt 40 s after its time of receipt, then within 5 s)."""
    from imvo.transparency.verification import NotVerified, published_keys, verify_inclusion_answer, verify_receipt

    status, _, body = request(site + "/log/receipt-keys.json")
    document = _json(body)
    try:
        statement = verify_receipt(receipt.get("signedReceipt"), published_keys(document))
        signed = statement["reference"] == receipt.get("reference")
    except (NotVerified, TypeError, AttributeError):
        signed = False
    yield "the receipt is signed by a key the site publishes", status == 200 and signed
    if not signed:
        return

    def included():
        status, _, body = request(site + (receipt.get("logProofUrl") or ""))
        return _json(body) if status == 200 else None

    proof = _until(120, included)
    try:
        place = verify_inclusion_answer(receipt["signedReceipt"], proof, published_keys(document), document["origin"])
    except (NotVerified, TypeError, KeyError):
        place = None
    yield f"the receipt log holds it, proven to a signed checkpoint (place {place})", place is not None


def checks(site: str, admin_user: str | None = None, admin_password: str | None = None, mailbox: str = MAILBOX):
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

    # --- issue 23: the receipt is signed by a published key, and the receipt log takes it in within a minute -------
    yield from _receipt_log_checks(site, first)

    status, _, body = request(site + "/api/uploads/verify", "POST",
                              {"key": f"attachments/smoke-{uuid.uuid4().hex[:16]}/missing.pdf"})
    message = json.loads(body or b"{}").get("error", {}).get("message", {}).get("en", "")
    yield "verifying a missing upload says to upload it again (4xx)", 400 <= status < 500 and "upload it again" in message

    status, _, _ = request(site + "/api/admin/bundles", "POST", {"day": "2023-05-01"})
    yield "an admin route without a session is refused (401)", status == 401

    # --- the error shapes through the edge: the site's 404 page for a page, JSON for the API ----------------
    status, headers, body = request(site + f"/bestaat-niet-{uuid.uuid4().hex[:8]}/")
    yield "a missing page is the site's 404 page (404, HTML)", status == 404 and "html" in (
        {k.lower(): v for k, v in headers.items()}.get("content-type", ""))
    status, headers, body = request(site + "/api/applications/IMVO-20990101-NOSUCHAP/current", "POST", {"token": "x"})
    error = _json(body).get("error", {})
    yield "an API refusal stays JSON in the API's shape (403)", status == 403 and bool(error.get("message", {}).get("en"))

    # --- an application with an attachment, as the form sends it ---------------------------------------------
    uploaded = upload_in_a_browser(site)
    yield f"the browser uploads through the presigned POST under the site's CSP ({uploaded})", (
        uploaded.get("presign") == 201 and uploaded.get("status") in (200, 201, 204))
    if not uploaded.get("key"):
        return
    def scanned():
        answer = request(site + "/api/uploads/verify", "POST", {"key": uploaded["key"]})
        return answer if answer[0] != 409 and _json(answer[2]).get("scan") not in (None, "PENDING") else None

    verified = _until(180, scanned)
    scan = _json(verified[2]) if verified else {}
    yield f"its malware scan finished and found it clean ({scan.get('scan')})", (
        bool(verified) and verified[0] == 200 and scan.get("scan") in ("NO_THREATS_FOUND", "NOT_SCANNED_LOCAL"))
    application = smoke_application()
    application["attachments"]["planOfApproach"] = {"key": uploaded["key"], "sha256": uploaded["sha256"],
                                                    "filename": "smoke.pdf", "verified": scan.get("statement")}
    application["penvoerder"]["contact"]["email"] = mailbox
    status, _, body = request(site + "/api/applications", "POST", application, {"idempotency-key": f"smoke-{uuid.uuid4().hex}"})
    receipt = _json(body)
    yield f"the application with its attachment is received (201, got {status})", status == 201 and bool(receipt.get("reference"))
    if status != 201 or not admin_user:
        yield "an officer's account is given (ADMIN_USER, ADMIN_PASSWORD) for what follows", bool(admin_user)
        return

    # --- what follows the storing, seen by an officer ----------------------------------------------------------
    status, _, body = request(site + "/api/admin/session", "POST", {"username": admin_user, "password": admin_password})
    token = _json(body).get("accessToken")
    yield "an officer signs in (200 with an access token)", status == 200 and bool(token)
    if not token:
        return
    officer = {"authorization": f"Bearer {token}"}
    reference = receipt["reference"]

    def trail_has(*events):
        status, _, body = request(site + f"/api/admin/applications/{reference}", headers=officer)
        seen = {event["event"] for event in _json(body).get("trail", [])}
        return _json(body) if status == 200 and set(events) <= seen else None

    case = _until(180, lambda: trail_has("received", "emailed"))
    yield "the record kept the attachment and the confirmation was sent (audit trail)", bool(case) and any(
        a["sha256"] == uploaded["sha256"] and a.get("recordKey") for a in case.get("attachments", []))
    status, _, body = request(site + "/api/admin/bundles", "POST", {"day": receipt["dutchDay"]}, officer)
    job = _json(body)
    def finished():
        state = _json(request(site + f"/api/admin/jobs/{job.get('id')}", headers=officer)[2])
        return state if state.get("state") in ("done", "failed") else None

    done = _until(600, finished)
    yield f"a bundle job of the day runs to its end ({(done or {}).get('state')})", bool(done) and done.get("state") == "done"
    if not done or done.get("state") != "done":
        return
    status, _, body = request(site + f"/api/admin/jobs/{job['id']}/download", "POST", {}, officer)
    (link,) = _json(body).get("files", {}).values() or [None]
    status, _, archive = request(link) if link else (0, {}, b"")
    import io
    import zipfile

    try:
        names = zipfile.ZipFile(io.BytesIO(archive)).read("SHA256SUMS").decode()
    except (zipfile.BadZipFile, KeyError):
        names = ""
    yield "its download holds the application and the attachment (by its SHA-256)", (
        status == 200 and reference in names and uploaded["sha256"] in names)


def main(argv: list[str] | None = None) -> int:
    import os

    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: [ADMIN_USER=… ADMIN_PASSWORD=…] python -m tests.smoke https://site.example", file=sys.stderr)
        return 2
    results = []
    for name, passed in checks(argv[0], os.environ.get("ADMIN_USER"), os.environ.get("ADMIN_PASSWORD"),
                               os.environ.get("SMOKE_MAILBOX", MAILBOX)):
        print(f"{'ok  ' if passed else 'FAIL'}  {name}", flush=True)
        results.append((name, passed))
    failed = sum(not passed for _, passed in results)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
