"""Lambda handler for POST /api/uploads (a presigned POST for one PDF) and POST /api/uploads/verify."""

import json

from imvo.api.gateway import api_handler, json_response
from imvo.intake.attachments import UploadRefused, presigned_upload, verify_upload
from imvo.intake.applications import Refusal
from imvo.settings import load_settings
from imvo.intake.storage import s3_client

_client = None  # built once per container


@api_handler
def handler(request):
    global _client
    _client = _client or s3_client()
    bucket = load_settings().submissions_bucket
    try:
        body = json.loads(request.body or b"{}")
    except ValueError as error:
        raise Refusal("invalid_json", "Geen geldige JSON.", "Not valid JSON.") from error
    body = body if isinstance(body, dict) else {}
    try:
        if request.path.endswith("/verify"):
            verified = verify_upload(_client, bucket, str(body.get("key", ""))).as_dict()
            del verified["path"]
            return json_response(200, verified)
        return json_response(201, presigned_upload(_client, bucket, body))
    except UploadRefused as refused:
        finding = refused.finding
        raise Refusal("invalid", finding.message_nl, finding.message_en, [finding]) from refused
