"""Lambda handler for GET /api/applications/{reference}/receipt: the applicant's PDF receipt.

Rendering needs WeasyPrint, so this runs in its own function (a container image, like the admin
function) and the submit function stays light.
"""

import base64

from imvo.apigw import parse_event, refusal_response, unavailable_response
from imvo.intake import Intake, Refusal, latest_version
from imvo.receipt_document import receipt_pdf
from imvo.storage import StorageUnavailable

_intake: Intake | None = None


def handler(event, context=None):
    global _intake
    try:
        request = parse_event(event)
        _intake = _intake or Intake.from_environment()
        reference = request.path_parameters.get("reference", "")
        original = _intake.authorised(reference, request.query.get("token"))
        current = latest_version(original, _intake.store.supplements_of(reference))
        pdf = receipt_pdf(original, current, _intake.settings.data_dir)
    except Refusal as refusal:
        return refusal_response(refusal)
    except StorageUnavailable:
        return unavailable_response()
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/pdf", "cache-control": "no-store",
                    "content-disposition": f'attachment; filename="ontvangstbewijs-{reference}.pdf"'},
        "body": base64.b64encode(pdf).decode("ascii"),
        "isBase64Encoded": True,
    }
