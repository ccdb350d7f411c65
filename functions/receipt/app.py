"""Lambda handler for POST /api/applications/{reference}/receipt: the applicant's PDF receipt.

The code travels in the JSON body, never in the URL (URLs end up in logs and browser history).
Rendering needs WeasyPrint, so this runs in its own function (a container image, like the admin
function) and the submit function stays light.
"""

import base64

from imvo.api.gateway import api_handler
from imvo.documents.receipt_document import receipt_pdf
from imvo.intake.applications import Intake
from imvo.telemetry import PDF_RENDERS, count

_intake: Intake | None = None  # built once per container


@api_handler
def handler(request):
    global _intake
    _intake = _intake or Intake.from_environment()
    reference = request.path_parameters.get("reference", "")
    original, current = _intake.versions_for_the_applicant(reference, request.body)
    pdf = receipt_pdf(original, current, _intake.settings.data_dir)
    count(PDF_RENDERS, document="receipt")
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/pdf", "cache-control": "no-store",
                    "content-disposition": f'attachment; filename="ontvangstbewijs-{reference}.pdf"'},
        "body": base64.b64encode(pdf).decode("ascii"),
        "isBase64Encoded": True,
    }
