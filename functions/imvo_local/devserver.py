"""The local system of `make run`: the built site, /api/* routed to the real handlers, an embedded S3 (and
SES, EventBridge, SQS), the functions that follow a stored application, and a local outbox."""

from __future__ import annotations

import argparse
import faulthandler
import base64
import json
import os
import signal
import sys
import threading
import time
import uuid
from datetime import datetime
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NoReturn
from urllib.parse import parse_qs, urlsplit

from imvo.admin.signin import ADMIN_GROUP
from imvo.api.origin import ORIGIN_HEADER
from imvo.secret_store import read_secret
from imvo_local.embedded_s3 import (create_admin_sign_in, create_mail_identity, create_receipt_key, create_site_bucket,
                                    start_embedded_s3)
from imvo_local.sequencing import LOCAL_SETTLE_SECONDS, LocalSequencer
from imvo_local.event_delivery import LOCAL_VISIBILITY_SECONDS, RecordEvents
from imvo_local.outbox import OUTBOX_JSON_PATH, OUTBOX_PATH, attachment, outbox, outbox_page
from imvo_local.jwt_authorizer import JwtAuthorizer, Unauthorized
from imvo.intake.applications import Refusal
from imvo.admin.jobs import use_launcher
from imvo_local.iam_model import IamModel, acting_as, local_names
from imvo_local.job_launcher import ThreadLauncher
from imvo_local.sam_template import Route, jwt_authorizer, load_handler_of, load_template, routes, security_headers
from imvo.programme.facts import DUTCH_TIME, load_openings, opening_for
from imvo.settings import (ENV_ADMIN_CLIENT_ID, ENV_SITE_URL, ENV_EXTRA_OPENINGS, ENV_MALWARE_SCAN, ENV_RETENTION_DAYS,
                           ENV_ORIGIN_SECRET, ENV_SUBMISSIONS_BUCKET, ENV_TOKEN_SECRET, ENV_UPLOAD_KEY_SECRET, ENV_UPLOADS_BUCKET, PROJECT_ROOT, SCAN_NONE,
                           ENV_RECEIPT_KEY, ENV_LOG_SETTLE, LOCAL_RECEIPT_KEY,
                           load_settings)

# How long stopping may take before the process ends regardless (RecordEvents.stop alone may take 15 s).
STOP_SECONDS = 25
# API Gateway HTTP APIs refuse request bodies over 10 MB before any function runs.
GATEWAY_MAX_BODY = 10 * 1024 * 1024


def load_handler(route: Route):
    return load_handler_of(route.handler)


def gateway_event(method: str, raw_path: str, headers: dict[str, str], body: bytes, source_ip: str,
                  time_epoch_ms: int, request_id: str, path_parameters: dict[str, str], route: Route) -> dict:
    """An API Gateway HTTP API payload 2.0 event, as the real gateway would send it."""
    parts = urlsplit(raw_path)
    try:
        text, is_base64 = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, is_base64 = base64.b64encode(body).decode("ascii"), True
    return {
        "version": "2.0",
        "routeKey": f"{route.method} {route.path}",
        "rawPath": parts.path,
        "rawQueryString": parts.query,
        "headers": headers,
        "queryStringParameters": {k: ",".join(v) for k, v in parse_qs(parts.query).items()} or None,
        "pathParameters": path_parameters or None,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": headers.get("host", "127.0.0.1"),
            "http": {"method": method, "path": parts.path, "protocol": "HTTP/1.1", "sourceIp": source_ip,
                     "userAgent": headers.get("user-agent", "")},
            "requestId": request_id,
            "routeKey": f"{route.method} {route.path}",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(time_epoch_ms / 1000)),
            "timeEpoch": time_epoch_ms,
        },
        "body": text if body else None,
        "isBase64Encoded": is_base64,
    }


LOCAL_CLOCK_PATH = "/local/clock.json"
PUBLISHED_BY_THE_STACK = "/log/"  # what the stack writes into the site bucket itself (imvo.transparency.publication)


class LocalLambdaContext:
    """What a handler reads of Lambda's context: the time left before the function's timeout."""

    def __init__(self, timeout_seconds: int):
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class PortalRequestHandler(SimpleHTTPRequestHandler):
    server_version = "imvo-local"
    api_routes: list[tuple[Route, object]] = []
    edge_headers: dict[str, str] = {}  # what CloudFront's response headers policy adds
    origin_headers: dict[str, str] = {}  # what CloudFront adds to each API request (OriginCustomHeaders)
    authorizers: dict[str, JwtAuthorizer] = {}  # the HTTP API's JWT authorizers, by name

    clock_offset_ms = 0

    def _receive_time(self) -> int:
        # The receipt clock (Artikel 4): the moment the request line and headers are in, before the
        # body is read, as API Gateway stamps requestContext.timeEpoch. Tests may shift it (--clock).
        return time.time_ns() // 1_000_000 + self.clock_offset_ms

    def do_GET(self):
        if self.path.startswith("/api/"):
            return self._api("GET")
        path = urlsplit(self.path).path
        if path == LOCAL_CLOCK_PATH:
            return self._send_json(200, self._clock(), {"cache-control": "no-store"})
        if path == OUTBOX_JSON_PATH:
            return self._send_json(200, {"messages": outbox()}, {"cache-control": "no-store"})
        if path.startswith(OUTBOX_PATH):
            return self._outbox(path[len(OUTBOX_PATH):])
        if path.startswith(PUBLISHED_BY_THE_STACK):
            return self._from_site_bucket(path)
        return super().do_GET()

    def _from_site_bucket(self, path: str):
        """What the stack itself writes into the site bucket (the receipt log), served from the embedded one, as
        CloudFront serves it from the bucket."""
        import boto3

        try:
            found = boto3.client("s3").get_object(Bucket=load_settings().site_bucket, Key=path.lstrip("/"))
        except boto3.client("s3").exceptions.NoSuchKey:
            return self._send_raw(404, {"content-type": "text/plain; charset=utf-8"}, b"Not found\n")
        return self._send_raw(200, {"content-type": found["ContentType"], "cache-control": found.get("CacheControl", "no-cache")},
                              found["Body"].read())

    def _outbox(self, rest: str):
        """Local only: the e-mails the embedded SES sent, and their attachments."""
        if not rest:
            return self._send_raw(200, {"content-type": "text/html; charset=utf-8", "cache-control": "no-store"},
                                  outbox_page().encode("utf-8"))
        parts = rest.strip("/").split("/")
        found = attachment(int(parts[0]), int(parts[1])) if len(parts) == 2 and all(p.isdigit() for p in parts) else None
        if found is None:
            return self.send_error(HTTPStatus.NOT_FOUND)
        filename, content_type, data = found
        return self._send_raw(200, {"content-type": content_type, "cache-control": "no-store",
                                    "content-disposition": f'attachment; filename="{filename}"'}, data)

    def _clock(self) -> dict:
        """Local only (no such route in the stack): the moment the receipt clock reads now and the opening
        that applies at it, so the demo banner can say which opening and which moment count here."""
        settings = load_settings()
        moment = datetime.fromtimestamp(self._receive_time() / 1000, tz=DUTCH_TIME)
        openings = load_openings(settings.data_dir, settings.extra_openings_file)
        opening = next((o for o in (opening_for(openings, pillar, moment) for pillar in (1, 2)) if o), None)
        return {"now": moment.isoformat(timespec="milliseconds"), "set": self.clock_offset_ms != 0,
                "opening": None if opening is None else {
                    "id": opening.id, "label": {"nl": opening.label_nl, "en": opening.label_en}, "demo": opening.demo,
                    "opens": opening.opens.isoformat(), "closes": opening.closes.isoformat()}}

    def do_HEAD(self):
        if self.path.startswith("/api/"):
            return self._api("HEAD")
        return super().do_HEAD()

    def do_POST(self):
        return self._api("POST") if self.path.startswith("/api/") else self._send_json(405, _error("method_not_allowed"))

    def do_PUT(self):
        return self._api("PUT") if self.path.startswith("/api/") else self._send_json(405, _error("method_not_allowed"))

    def do_DELETE(self):
        return self._api("DELETE") if self.path.startswith("/api/") else self._send_json(405, _error("method_not_allowed"))

    def __getattr__(self, name: str):
        # Any other method (PATCH, OPTIONS, TRACE, …): the gateway's 405 with Allow, never http.server's 501.
        if name.startswith("do_") and name[3:].isalpha() and name[3:].isupper():
            method = name[3:]
            return lambda: (self._api(method) if self.path.startswith("/api/")
                            else self._send_json(405, _error("method_not_allowed")))
        raise AttributeError(name)

    def send_error(self, code, message=None, explain=None):
        # Our own 404 page for the static site, like the S3/CloudFront error document.
        not_found = Path(self.directory) / "404.html"
        if code == HTTPStatus.NOT_FOUND and not_found.exists():
            body = not_found.read_bytes()
            self.send_response(404)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def _api(self, method: str):
        received = self._receive_time()
        path = urlsplit(self.path).path
        matches = [(route, handler, route.match(path)) for route, handler in self.api_routes]
        matches = [m for m in matches if m[2] is not None]
        if not matches:
            return self._send_json(404, _error("not_found"))
        chosen = next((m for m in matches if m[0].method == method), None)
        if chosen is None:
            allowed = ", ".join(sorted({m[0].method for m in matches}))
            return self._send_json(405, _error("method_not_allowed"), {"allow": allowed})
        route, handler, parameters = chosen
        claims = None
        if route.authorizer:
            try:
                claims = self.authorizers[route.authorizer].claims(self.headers.get("authorization"))
            except Unauthorized:
                return self._send_json(401, _error("unauthorized"))
        length = int(self.headers.get("content-length") or 0)
        if length > GATEWAY_MAX_BODY:
            return self._send_json(413, _error("too_large"))
        body = self.rfile.read(length) if length else b""
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]},{value}" if key in headers else value
        headers |= self.origin_headers
        event = gateway_event(method, self.path, headers, body, self.client_address[0], received,
                              str(uuid.uuid4()), parameters, route)
        if claims is not None:
            event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
        try:
            with acting_as(route.function):
                response = handler(event, LocalLambdaContext(route.timeout_seconds))
        except Exception as error:  # a crashing function is a 500 at the gateway too
            print(f"handler {route.function} failed: {error!r}", file=sys.stderr)
            return self._send_json(500, _error("internal"))
        self._send_raw(response.get("statusCode", 200), response.get("headers") or {},
                       _response_body(response))

    def end_headers(self):
        for name, value in self.edge_headers.items():
            self.send_header(name, value)
        super().end_headers()

    def _send_json(self, status: int, payload: dict, headers: dict | None = None):
        self._send_raw(status, {"content-type": "application/json; charset=utf-8"} | (headers or {}),
                       json.dumps(payload, ensure_ascii=False).encode("utf-8"))

    def _send_raw(self, status: int, headers: dict, body: bytes):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, str(value))
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format, *args):
        if os.environ.get("IMVO_QUIET_LOG") != "1":
            super().log_message(format, *args)


_GATEWAY_ERRORS = {
    "not_found": ("Deze API-route bestaat niet.", "This API route does not exist."),
    "method_not_allowed": ("Deze methode is hier niet toegestaan.", "This method is not allowed here."),
    "unauthorized": ("Meld u aan als beheerder; uw sessie ontbreekt of is verlopen.",
                     "Sign in as an administrator; your session is missing or has expired."),
    "too_large": ("De aanvraag is groter dan 10 MB.", "The request is larger than 10 MB."),
    "internal": ("Er ging iets mis aan onze kant. Er is niets opgeslagen.", "Something went wrong on our side. Nothing was stored."),
}


def _error(code: str) -> dict:
    """What the gateway itself answers, in the same shape as every refusal of the functions."""
    return Refusal(code, *_GATEWAY_ERRORS[code]).as_dict()


def _response_body(response: dict) -> bytes:
    body = response.get("body") or ""
    if response.get("isBase64Encoded"):
        return base64.b64decode(body)
    return body.encode("utf-8")


def local_authorizer(admin, endpoint: str) -> JwtAuthorizer:
    """The template's AdminSignIn authorizer with the embedded pool: its issuer and audience, and the JWKS
    the embedded Cognito serves."""
    configuration = jwt_authorizer("AdminSignIn")["JwtConfiguration"]
    region = os.environ.get("AWS_DEFAULT_REGION", "eu-west-1")
    issuer = configuration["issuer"]["Fn::Sub"].replace("${AWS::Region}", region).replace("${AdminUserPool}", admin.pool_id)
    if issuer != admin.issuer(region) or configuration["audience"] != [{"Ref": "AdminUserPoolClient"}]:
        raise RuntimeError(f"the template's AdminSignIn no longer fits the embedded pool: {configuration}")
    return JwtAuthorizer.from_jwks_url(issuer, [admin.client_id], f"{endpoint}/{admin.pool_id}/.well-known/jwks.json")


class PortalServer(ThreadingHTTPServer):
    # The default backlog of 5 resets connections when many applicants submit at once.
    request_queue_size = 256
    daemon_threads = True


def make_server(site_dir: Path, host: str, port: int, clock_offset_ms: int = 0,
                edge_headers: dict[str, str] | None = None,
                authorizers: dict[str, JwtAuthorizer] | None = None,
                origin_headers: dict[str, str] | None = None) -> ThreadingHTTPServer:
    """The site and the API on one port. `origin_headers` are what CloudFront adds to each API request
    (OriginCustomHeaders: the origin-verify secret), overwriting a header of the same name the caller sent."""
    handler_class = type("BoundPortalRequestHandler", (PortalRequestHandler,),
                         {"api_routes": [(route, load_handler(route)) for route in routes()],
                          "clock_offset_ms": clock_offset_ms, "edge_headers": edge_headers or {},
                          "authorizers": authorizers or {}, "origin_headers": origin_headers or {}})
    return PortalServer((host, port), partial(handler_class, directory=str(site_dir)))


def main(argv: list[str] | None = None) -> NoReturn:
    parser = argparse.ArgumentParser(prog="imvo-run", description="Start the whole portal locally.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--s3-port", type=int, default=int(os.environ.get("S3_PORT", "8001")))
    parser.add_argument("--site", type=Path, default=PROJECT_ROOT / "output")
    parser.add_argument("--bucket", default=os.environ.get(ENV_SUBMISSIONS_BUCKET, "imvo-submissions-local"))
    parser.add_argument("--uploads-bucket", default=os.environ.get(ENV_UPLOADS_BUCKET, "imvo-uploads-local"))
    parser.add_argument("--openings", type=Path, default=PROJECT_ROOT / "infra" / "local" / "demo-opening.json",
                        help="extra openings file (the demo opening); the programme's real windows stay as they are")
    parser.add_argument("--iam-calls", type=Path, default=None,
                        help="also write every AWS call of each function, as the IAM model judged it, to this file")
    parser.add_argument("--clock", type=datetime.fromisoformat, default=None,
                        help="start the receipt clock at this moment (ISO 8601 with offset) and let it run; for tests")
    parser.add_argument("--inject-s3-faults", type=float, default=0.0, metavar="SHARE",
                        help="for the benchmark: this share of bucket requests fails with 503 SlowDown; default none")
    parser.add_argument("--after-store", choices=("on", "off"), default="on",
                        help="off: no event of the record and no function after storing: to measure the intake alone")
    args = parser.parse_args(argv)

    stop = threading.Event()
    # Ctrl-C (SIGINT) and SIGTERM both stop everything cleanly, also when started in the background
    # (where a shell starts children with SIGINT ignored). Installed before anything starts, so a
    # Ctrl-C right after "Stop with Ctrl-C." (or during start-up) never kills a half-started system.
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stop.set())

    os.environ[ENV_SUBMISSIONS_BUCKET] = args.bucket
    os.environ[ENV_UPLOADS_BUCKET] = args.uploads_bucket
    os.environ[ENV_EXTRA_OPENINGS] = str(args.openings)
    os.environ[ENV_MALWARE_SCAN] = SCAN_NONE
    os.environ.setdefault(ENV_RETENTION_DAYS, "1")  # COMPLIANCE retention is real in moto too: keep it short
    s3_server, endpoint, (token_secret, upload_key_secret, origin_secret) = start_embedded_s3(
        "127.0.0.1", args.s3_port, args.bucket, args.uploads_bucket,
        ("imvo-token-key-local", "imvo-upload-key-local", "imvo-origin-verify-local"), args.inject_s3_faults)
    os.environ[ENV_TOKEN_SECRET] = token_secret
    os.environ[ENV_UPLOAD_KEY_SECRET] = upload_key_secret
    os.environ[ENV_ORIGIN_SECRET] = origin_secret
    import boto3

    os.environ[ENV_RECEIPT_KEY] = create_receipt_key(boto3.client("kms"), LOCAL_RECEIPT_KEY)
    admin = create_admin_sign_in(boto3.client("cognito-idp"), ADMIN_GROUP)
    os.environ[ENV_ADMIN_CLIENT_ID] = admin.client_id
    sender = load_settings().confirmation_sender
    create_mail_identity(boto3.client("ses"), sender, load_settings().configuration_set)
    create_site_bucket(boto3.client("s3"), load_settings().site_bucket)
    os.environ.setdefault(ENV_LOG_SETTLE, str(LOCAL_SETTLE_SECONDS))
    deliveries = RecordEvents.from_template(args.bucket)
    if args.after_store == "on":
        deliveries.create(boto3.client("s3"), boto3.client("events"), boto3.client("sqs"))
    server = sequencer = None
    try:
        model = IamModel.from_template(load_template(), local_names(args.bucket, args.uploads_bucket,
                                                                    confirmation_sender=sender), args.iam_calls)
        model.install()
        if args.after_store == "on":
            deliveries.start()
        use_launcher(ThreadLauncher(model))
        offset = int(args.clock.timestamp() * 1000) - time.time_ns() // 1_000_000 if args.clock else 0
        sequencer = LocalSequencer(offset)
        sequencer.start()
        server = make_server(args.site, args.host, args.port, offset, security_headers(endpoint),
                             {"AdminSignIn": local_authorizer(admin, endpoint)},
                             {ORIGIN_HEADER: read_secret(origin_secret)})
        base = f"http://{args.host}:{server.server_address[1]}"
        s3_server.allow_site(base)
        os.environ[ENV_SITE_URL] = base  # the herstel page's address in RVO's supplement-request e-mail
        print(f"Site:    {base}/", flush=True)
        print(f"API:     {base}/api/  ({', '.join(f'{r.method} {r.path}' for r in routes())})", flush=True)
        print(f"Storage: {endpoint}  (embedded AWS: S3, Secrets Manager, Cognito, SES, EventBridge and SQS; record bucket {args.bucket}, uploads bucket "
              f"{args.uploads_bucket}; in memory, gone when this stops)", flush=True)
        print("IAM:     each function's AWS calls are checked against its policy in infra/template.yaml "
              "(modelled here: moto itself enforces no IAM).", flush=True)
        print("Absent:  no CloudFront, WAF or GuardDuty here: uploads are not scanned for malware (their scan status "
              "reads 'not scanned (local)'); this server adds CloudFront's x-origin-verify header to each API request itself. No CloudWatch either: each request's "
              "log line and its metrics (EMF) are printed here, and no alarm watches them. Admin jobs run in a "
              "thread of this server, not as an asynchronous Lambda invocation.", flush=True)
        print(f"Log:     every receipt is signed by the embedded KMS key ({load_settings().receipt_key_id}); a sequencer "
              f"thread appends receipts older than {load_settings().log_settle_seconds:g} s to the receipt log each "
              f"second (the stack: a scheduled function, 40 s) and publishes it at {base}{PUBLISHED_BY_THE_STACK} "
              f"(checkpoint, tiles, receipt-keys.json)", flush=True)
        if args.after_store == "on":
            print(f"After:   each stored application or supplement: the template's RecordStoredRule (EventBridge) "
                  f"passes it through an SQS queue each to the functions that follow ({', '.join(t.function for t in deliveries.triggers)}), "
                  f"run by a thread each here (a failed item comes back after {LOCAL_VISIBILITY_SECONDS} s, not the template's "
                  f"visibility timeout).", flush=True)
            print(f"E-mail:  confirmation e-mails go from {sender} through the embedded SES and stop in the local outbox: "
                  f"{base}{OUTBOX_PATH}", flush=True)
        print(f"Console: {base}/beheer/  sign in as '{admin.username}' with password '{admin.password}' "
              "(a local account in the embedded Cognito, made afresh at each start)", flush=True)
        print(f"Demo opening from {args.openings}; the site's banner reads the clock and the opening that applies "
              f"from {LOCAL_CLOCK_PATH} (local only, not part of the deployed API)", flush=True)
        if args.after_store == "off":
            print("After:   OFF (--after-store off): the record bucket tells EventBridge nothing and no function follows "
                  "a stored application (no attachments kept, no PDF, no e-mail): the intake alone.", flush=True)
        if args.inject_s3_faults:
            print(f"Faults:  {args.inject_s3_faults:.0%} of bucket requests fail with 503 SlowDown (injected, for the "
                  "benchmark)", flush=True)
        if args.clock:
            print(f"Clock:   receipts start at {args.clock.isoformat()} (a test clock; the real time is not used)",
                  flush=True)
        print("Stop with Ctrl-C.", flush=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        stop.wait()
        print("\nStopping…", flush=True)
    finally:
        # Stopping is bounded: should a part not let go, every thread's stack goes to stderr (to see which) and
        # the process ends all the same; nothing here outlives it (storage is in memory).
        faulthandler.dump_traceback_later(STOP_SECONDS, exit=True)
        deliveries.stop()
        if sequencer is not None:
            sequencer.stop()
        if server is not None:
            server.shutdown()
            server.server_close()
        s3_server.stop()
        print("Stopped: site, API and embedded S3.", flush=True)
    # A queue's thread may still be in a batch (PDFs, e-mails) against the stopped embedded AWS, and a normal exit
    # joins the thread pools it uses: it could outlast any wait. What it holds was in memory and is gone with this
    # process either way, so the process ends here, bounded by RecordEvents.stop.
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    raise SystemExit(main())
