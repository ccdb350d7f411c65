"""Lambda handler for POST /api/uploads (a presigned POST for one PDF) and POST /api/uploads/verify."""

import json

from imvo.apigw import json_response, parse_event, refusal_response, unavailable_response
from imvo.attachments import UploadRefused, presigned_upload, verify_upload
from imvo.intake import Refusal
from imvo.settings import load_settings
from imvo.storage import StorageUnavailable, s3_client

_client = None


def handler(event, context=None):
    global _client
    settings = load_settings()
    _client = _client or s3_client()
    try:
        request = parse_event(event)
        try:
            body = json.loads(request.body or b"{}")
        except ValueError as error:
            raise Refusal("invalid_json", "Geen geldige JSON.", "Not valid JSON.") from error
        body = body if isinstance(body, dict) else {}
        if request.path.endswith("/verify"):
            result = verify_upload(_client, settings.submissions_bucket, str(body.get("key", ""))).as_dict()
            del result["path"]
        else:
            result = presigned_upload(_client, settings.submissions_bucket, body)
    except UploadRefused as refused:
        return refusal_response(Refusal("invalid", refused.finding.message_nl, refused.finding.message_en, [refused.finding]))
    except Refusal as refusal:
        return refusal_response(refusal)
    except StorageUnavailable:
        return unavailable_response()
    return json_response(201 if not request.path.endswith("/verify") else 200, result)
