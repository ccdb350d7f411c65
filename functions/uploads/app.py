"""Lambda handler for POST /api/uploads (a presigned POST for one PDF) and POST /api/uploads/verify."""

import json

from imvo.api.gateway import api_handler, json_response
from imvo.intake.applications import Refusal
from imvo.intake.attachments import MISSING_RULE, UploadRefused, presigned_upload, verify_upload
from imvo.intake.storage import ApplicationStore, s3_client
from imvo.settings import load_settings

_uploads: ApplicationStore | None = None  # built once per container


def _body(raw: bytes) -> dict:
    try:
        body = json.loads(raw or b"{}")
    except ValueError as error:
        raise Refusal("invalid_json", "Geen geldige JSON.", "Not valid JSON.") from error
    if not isinstance(body, dict):
        raise Refusal("invalid", "Stuur een JSON-object.", "Send a JSON object.")
    return body


@api_handler
def handler(request):
    global _uploads
    settings = load_settings()
    _uploads = _uploads or ApplicationStore(s3_client(), settings.uploads_bucket)
    body = _body(request.body)
    try:
        if request.path.endswith("/verify"):
            verified = verify_upload(_uploads, body.get("key"), settings.malware_scan).as_dict()
            del verified["path"]
            return json_response(200, verified)
        return json_response(201, presigned_upload(_uploads.client, _uploads.bucket, body))
    except UploadRefused as refused:
        finding = refused.finding
        kind = "not_found" if finding.rule == MISSING_RULE else "invalid"
        raise Refusal(kind, finding.message_nl, finding.message_en, [finding]) from refused
