"""Lambda handler for GET /api/applications/{reference}/receipt: the applicant's PDF receipt.

Rendering needs WeasyPrint, so this runs in its own function (a container image, like the admin
function) and the submit function stays light.
"""

import base64

from imvo.api.gateway import api_handler
from imvo.intake.applications import Intake, latest_version
from imvo.documents.receipt_document import receipt_pdf

_intake: Intake | None = None  # built once per container


@api_handler
def handler(request):
    global _intake
    _intake = _intake or Intake.from_environment()
    reference = request.path_parameters.get("reference", "")
    original = _intake.authorised(reference, request.query.get("token"))
    current = latest_version(original, _intake.store.supplements_of(reference))
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/pdf", "cache-control": "no-store",
                    "content-disposition": f'attachment; filename="ontvangstbewijs-{reference}.pdf"'},
        "body": base64.b64encode(receipt_pdf(original, current, _intake.settings.data_dir)).decode("ascii"),
        "isBase64Encoded": True,
    }
