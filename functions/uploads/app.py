"""Lambda handler for POST /api/uploads (a presigned POST for one PDF) and POST /api/uploads/verify."""

from imvo.api.gateway import api_handler, json_response
from imvo.intake.json_input import read_json_object
from imvo.intake.refusal import Refusal
from imvo.intake.attachments import MISSING_RULE, UploadRefused, presigned_upload, verify_upload
from imvo.intake.storage import ApplicationStore, s3_client
from imvo.settings import load_settings

_uploads: ApplicationStore | None = None  # built once per container


@api_handler
def handler(request):
    global _uploads
    settings = load_settings()
    _uploads = _uploads or ApplicationStore(s3_client(), settings.uploads_bucket)
    body = read_json_object(request.body)
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
