"""Lambda handler for herstel (II.2.2, III.2.2): POST /api/applications/{reference}/supplements stores a
supplement; POST /api/applications/{reference}/current reads the application as it stands, for the
herstel page. Both take the applicant's code in the JSON body, never in the URL."""

from imvo.api.gateway import api_handler, json_response
from imvo.intake.applications import Intake
from imvo.telemetry import SUPPLEMENTS_STORED, count

_intake: Intake | None = None  # built once per container
CURRENT_ROUTE = "POST /api/applications/{reference}/current"


@api_handler
def handler(request):
    global _intake
    _intake = _intake or Intake.from_environment()
    reference = request.path_parameters.get("reference", "")
    if request.route == CURRENT_ROUTE:
        return json_response(200, _intake.current(reference, request.body, request.receipt.received_utc))
    receipt = _intake.supplement(reference, request.body, request.content_type, request.receipt, request.idempotency_key)
    if not receipt.get("replayed"):
        count(SUPPLEMENTS_STORED, status=receipt["status"])
    return json_response(201, receipt)
