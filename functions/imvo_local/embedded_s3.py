"""The embedded S3 of `make run` and the tests: moto's server, made to keep S3's write-once promise."""

from __future__ import annotations

import logging
import os
import threading

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


class EmbeddedS3(ThreadedMotoServer):
    def _server_entry(self) -> None:
        from moto.server import DomainDispatcherApplication, create_backend_app

        app = AtomicConditionalWrites(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(self._ip_address, self._port, app, threaded=True)
        self._server_ready_event.set()
        self._server.serve_forever()


def start_embedded_s3(host: str, port: int, bucket: str) -> tuple[EmbeddedS3, str]:
    """Start moto's S3 on host:port (0 picks a free port), point boto3 at it, and make the bucket."""
    import boto3

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's request log drowns ours
    server = EmbeddedS3(ip_address=host, port=port, verbose=False)
    server.start()
    actual_host, actual_port = server.get_host_and_port()
    endpoint = f"http://{actual_host}:{actual_port}"
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    for name, value in (("AWS_ACCESS_KEY_ID", "local"), ("AWS_SECRET_ACCESS_KEY", "local"),
                        ("AWS_DEFAULT_REGION", "eu-west-1")):
        os.environ.setdefault(name, value)
    create_submissions_bucket(boto3.client("s3"), bucket)
    return server, endpoint


def create_submissions_bucket(client, bucket: str) -> None:
    """Private, versioned, encrypted, public access blocked, CORS for uploads: as in infra/template.yaml."""
    region = client.meta.region_name
    extra = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    client.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True, **extra)
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    client.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    client.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    client.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [
        {"AllowedMethods": ["POST"], "AllowedOrigins": ["*"], "AllowedHeaders": ["*"], "MaxAgeSeconds": 600}]})
