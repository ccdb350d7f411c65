"""The embedded AWS of `make run` and the tests: moto's server (S3 made to keep its write-once promise,
Secrets Manager, Cognito), with the resources the template makes."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from werkzeug.serving import make_server


class AtomicConditionalWrites:
    """WSGI middleware: one conditional PUT at a time.

    Real S3 makes `If-None-Match: *` atomic: of two racing writes to one key, one wins. moto checks and
    then writes without a lock, so under concurrent requests both could "win". Serialising the
    conditional PUTs restores the guarantee the intake's idempotency relies on.
    """

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "PUT" and environ.get("HTTP_IF_NONE_MATCH"):
            with self.lock:
                # Read the whole response inside the lock: the write happens while it is produced.
                return list(self.app(environ, start_response))
        return self.app(environ, start_response)


def dispatcher_finding_each_backend_once(create_app):
    """moto's dispatcher, finding the backend for a host name once. moto looks it up for every request, under
    one lock, by listing its own package directory and trying its URL patterns; with 16 clients posting, the
    local server's requests queued on that lock (py-spy on the 1,000-post test: most threads waiting in
    DomainDispatcherApplication.get_application). The answer depends on the host name alone."""
    from moto.server import DomainDispatcherApplication

    class Dispatcher(DomainDispatcherApplication):
        def __init__(self, create):
            super().__init__(create)
            self.backend_of_host: dict[str, object] = {}  # written under the dispatcher's own lock

        def get_backend_for_host(self, host):
            if host is None:
                return None
            if host not in self.backend_of_host:
                self.backend_of_host[host] = super().get_backend_for_host(host)
            return self.backend_of_host[host]

    return Dispatcher(create_app)


class InjectedFaults:
    """WSGI middleware for the opening-minute benchmark: a share of S3 requests fails with S3's own 503
    SlowDown, half of them before S3 acts and half after (the write done, the answer lost), which is what
    a retry must survive without losing or doubling an application. Off unless asked for."""

    def __init__(self, app, share: float, seed: int = 20231001):
        import random

        self.app, self.share, self.random, self.lock = app, share, random.Random(seed), threading.Lock()
        self.injected = 0

    def __call__(self, environ, start_response):
        host = environ.get("HTTP_HOST", "")
        with self.lock:
            draw, after = self.random.random(), self.random.random() < 0.5
        # Only calls on objects (path-style /<bucket>/<key>): not setting up a bucket, not SQS or SES.
        bucket, _, key = environ.get("PATH_INFO", "").lstrip("/").partition("/")
        if self.share <= 0 or draw >= self.share or not bucket.startswith("imvo-") or not key or "amazonaws" in host:
            return self.app(environ, start_response)
        with self.lock:
            self.injected += 1
        if after:  # S3 acted; its answer is lost
            list(self.app(environ, lambda *args, **kwargs: (lambda data: None)))
        else:  # S3 never saw it; the body is read all the same (also a chunked one), so the connection stays usable
            from werkzeug.wsgi import get_input_stream

            get_input_stream(environ).read()
        body = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
                b"<Message>Please reduce your request rate. (injected)</Message></Error>")
        start_response("503 Slow Down", [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
        return [body]


LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


class ThisMachineOnly:
    """WSGI middleware: the embedded AWS answers this machine's programs and the local site alone.

    moto's server answers any caller, and any web page (CORS `*`): a page on another origin could read the
    herstel key from Secrets Manager or make itself an admin in Cognito (issue 25, item 5). So a request must
    name this server by a loopback name (no DNS rebinding), and a browser's request (it carries `Origin`) must
    come from the local site, which the browser needs for its uploads; a preflight from anywhere else is refused
    too. Requests of our own processes (boto3) carry no `Origin`."""

    def __init__(self, app):
        self.app = app
        self.allowed_origins: set[str] = set()  # the local site's, once it listens (allow_site)

    def _refuse(self, start_response, why: str):
        body = f"Refused by the embedded AWS of make run: {why}".encode()
        start_response("403 Forbidden", [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
        return [body]

    def __call__(self, environ, start_response):
        host, port = environ.get("HTTP_HOST", ""), environ.get("SERVER_PORT", "")
        if host not in {f"{name}:{port}" for name in LOOPBACK_NAMES}:
            return self._refuse(start_response, "address it as 127.0.0.1 or localhost.")
        origin = environ.get("HTTP_ORIGIN")
        if origin is not None and origin not in self.allowed_origins:
            return self._refuse(start_response, "only the local site may call it from a browser.")
        return self.app(environ, start_response)


class CognitoLockout:
    """WSGI middleware: the embedded Cognito locks a user out after failed sign-ins, as Amazon Cognito does and
    moto does not (Cognito developer guide, user pools' "lockout behavior for failed sign-in attempts": after five
    failures a temporary lockout of 1 second, doubling with each further failure, to about 15 minutes). It answers
    as Cognito does (NotAuthorizedException "Password attempts exceeded"), so the admin function's own handling
    of it runs locally too (issue 25, item 6)."""

    TARGET = "AWSCognitoIdentityProviderService.InitiateAuth"
    FREE_FAILURES = 5
    LONGEST_SECONDS = 900

    def __init__(self, app, clock=None):
        import time

        self.app, self.clock, self.lock = app, clock or time.monotonic, threading.Lock()
        self.failures: dict[str, int] = {}
        self.locked_until: dict[str, float] = {}

    def _exceeded(self, start_response):
        body = b'{"__type": "NotAuthorizedException", "message": "Password attempts exceeded"}'
        start_response("400 Bad Request", [("Content-Type", "application/x-amz-json-1.1"),
                                           ("x-amzn-ErrorType", "NotAuthorizedException"),
                                           ("Content-Length", str(len(body)))])
        return [body]

    def __call__(self, environ, start_response):
        if environ.get("HTTP_X_AMZ_TARGET") != self.TARGET:
            return self.app(environ, start_response)
        import io
        import json

        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            user = str(json.loads(body).get("AuthParameters", {}).get("USERNAME", "")).lower()
        except (ValueError, AttributeError):
            user = ""
        with self.lock:
            if self.clock() < self.locked_until.get(user, 0):
                return self._exceeded(start_response)
        status = []
        answer = list(self.app(environ, lambda code, headers, *rest: (status.append(code), start_response(code, headers, *rest))[1]))
        with self.lock:
            if status and status[0].startswith("200"):
                self.failures.pop(user, None)
                self.locked_until.pop(user, None)
            elif b"NotAuthorizedException" in b"".join(answer):
                failures = self.failures[user] = self.failures.get(user, 0) + 1
                if failures >= self.FREE_FAILURES:
                    wait = min(2 ** (failures - self.FREE_FAILURES), self.LONGEST_SECONDS)
                    self.locked_until[user] = self.clock() + wait
        return answer


class EmbeddedS3(ThreadedMotoServer):
    fault_share = 0.0  # set before start() for the benchmark's injected faults

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.guard: ThisMachineOnly | None = None

    def allow_site(self, site_url: str) -> None:
        """Let the local site's pages (at `site_url`, under either loopback name) call this server."""
        from urllib.parse import urlsplit

        port = urlsplit(site_url).port
        self.guard.allowed_origins |= {f"http://{name}:{port}" for name in LOOPBACK_NAMES}

    def _server_entry(self) -> None:
        from moto.server import create_backend_app

        app = AtomicConditionalWrites(dispatcher_finding_each_backend_once(create_backend_app))
        if self.fault_share:
            app = InjectedFaults(app, self.fault_share)
        app = self.guard = ThisMachineOnly(CognitoLockout(app))
        self._server = make_server(self._ip_address, self._port, app, threaded=True)
        self._server_ready_event.set()
        self._server.serve_forever()


def start_embedded_s3(host: str, port: int, bucket: str, uploads_bucket: str, secret_names: tuple[str, ...],
                      fault_share: float = 0.0) -> tuple[EmbeddedS3, str, list[str]]:
    """Start moto's server on host:port (0 picks a free port), point boto3 at it, and make the buckets and
    the secrets as the template makes them. Returns the server, its endpoint and the secrets' ARNs."""
    import boto3

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's request log drowns ours
    server = EmbeddedS3(ip_address=host, port=port, verbose=False)
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("the embedded AWS listens on this machine alone (127.0.0.1)")
    server.fault_share = fault_share
    server.start()
    actual_host, actual_port = server.get_host_and_port()
    endpoint = f"http://{actual_host}:{actual_port}"
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    for name, value in (("AWS_ACCESS_KEY_ID", "local"), ("AWS_SECRET_ACCESS_KEY", "local"),
                        ("AWS_DEFAULT_REGION", "eu-west-1")):
        os.environ.setdefault(name, value)
    create_submissions_bucket(boto3.client("s3"), bucket)
    create_uploads_bucket(boto3.client("s3"), uploads_bucket)
    secrets = boto3.client("secretsmanager")
    return server, endpoint, [create_random_secret(secrets, name) for name in secret_names]


def _private_encrypted(client, bucket: str) -> None:
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    client.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    client.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})


def _location(client) -> dict:
    region = client.meta.region_name
    return {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}


def create_submissions_bucket(client, bucket: str) -> None:
    """The record: private, versioned, encrypted, Object Lock on without a default (retention is set per
    object of the legal record), as in infra/template.yaml (which encrypts with its own KMS key)."""
    client.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True, **_location(client))
    _private_encrypted(client, bucket)


def create_uploads_bucket(client, bucket: str) -> None:
    """The staging bucket the browser posts to: versioned (the record names the version checked), no Object Lock."""
    client.create_bucket(Bucket=bucket, **_location(client))
    _private_encrypted(client, bucket)
    client.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [
        {"AllowedMethods": ["POST"], "AllowedOrigins": ["*"], "AllowedHeaders": ["*"], "MaxAgeSeconds": 600}]})


def create_site_bucket(client, bucket: str) -> None:
    """The site bucket, where the stack itself publishes (the receipt log; budget.json): private, as CloudFront's origin."""
    client.create_bucket(Bucket=bucket, **_location(client))
    _private_encrypted(client, bucket)


def create_mail_identity(ses, sender: str, configuration_set: str) -> None:
    """The sender verified and the configuration set made, as the stack's SenderIdentity and
    ConfirmationConfigurationSet are (moto keeps no suppression list: the template's part)."""
    ses.verify_email_identity(EmailAddress=sender)
    ses.create_configuration_set(ConfigurationSet={"Name": configuration_set})


def create_receipt_key(kms, alias: str) -> str:
    """The receipt key as the template's ReceiptSigningKey: ECC_NIST_P256 for SIGN_VERIFY, under its alias
    (moto's KMS signs and verifies with it); returns the alias."""
    key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY",
                         Description="IMVO receipts and receipt-log checkpoints (local)")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=alias, TargetKeyId=key)
    return alias


def create_random_secret(client, name: str) -> str:
    """A secret of the template (the herstel-code key, the origin-verify value) in Secrets Manager: a fresh random
    value as the template generates it; its ARN."""
    import secrets

    return client.create_secret(Name=name, SecretString=secrets.token_urlsafe(48))["ARN"]


@dataclass(frozen=True)
class AdminSignIn:
    """The local user pool, its console client and one admin account (printed by `make run`)."""
    pool_id: str
    client_id: str
    username: str
    password: str

    def issuer(self, region: str) -> str:
        return f"https://cognito-idp.{region}.amazonaws.com/{self.pool_id}"


def create_admin_sign_in(client, group: str, username: str = "beheerder") -> AdminSignIn:
    """The user pool as the template makes it (admins only, no self sign-up), the console's client, the
    admins' group and one member of it with a fresh random password."""
    import secrets

    policy = {"MinimumLength": 14, "RequireLowercase": True, "RequireUppercase": True, "RequireNumbers": True,
              "RequireSymbols": False}
    pool = client.create_user_pool(PoolName="imvo-local-admins", MfaConfiguration="OFF",
                                   Policies={"PasswordPolicy": policy},
                                   AdminCreateUserConfig={"AllowAdminCreateUserOnly": True})["UserPool"]["Id"]
    app = client.create_user_pool_client(UserPoolId=pool, ClientName="imvo-console", GenerateSecret=False,
                                         ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    client.create_group(GroupName=group, UserPoolId=pool)
    password = secrets.token_hex(8) + "Aa1"  # as the template's password policy asks
    client.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS")
    client.admin_set_user_password(UserPoolId=pool, Username=username, Password=password, Permanent=True)
    client.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName=group)
    return AdminSignIn(pool, app["UserPoolClient"]["ClientId"], username, password)
