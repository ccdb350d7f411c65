"""Lambda handler for POST /api/uploads (a presigned POST for one PDF) and POST /api/uploads/verify."""

from imvo.api.gateway import api_handler, json_response
from imvo.intake.json_input import read_json_object
from imvo.intake.refusal import Refusal
from imvo.intake.attachments import MISSING_RULE, UploadRefused, presigned_upload, statement_of, verify_upload
from imvo.intake.storage import ApplicationStore, s3_client
from imvo.intake.tokens import TokenKey
from imvo.settings import load_settings

_uploads: ApplicationStore | None = None  # built once per container
_tokens: TokenKey | None = None


@api_handler
def handler(request):
    global _uploads, _tokens
    settings = load_settings()
    _uploads = _uploads or ApplicationStore(s3_client(), settings.uploads_bucket)
    _tokens = _tokens or TokenKey(settings.upload_key_secret_id)  # never the herstel key (issue 24, item 8)
    body = read_json_object(request.body)
    try:
        if request.path.endswith("/verify"):
            checked = verify_upload(_uploads, body.get("key"), settings.malware_scan)
            answer = checked.as_dict() | {"statement": statement_of(checked, _tokens)}
            del answer["path"]
            return json_response(200, answer)
        return json_response(201, presigned_upload(_uploads.client, _uploads.bucket, body, _tokens))
    except UploadRefused as refused:
        finding = refused.finding
        kind = "not_found" if finding.rule == MISSING_RULE else "invalid"
        raise Refusal(kind, finding.message_nl, finding.message_en, [finding]) from refused
