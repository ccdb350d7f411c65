"""Lambda handler for POST /api/applications/{reference}/supplements: herstel (II.2.2, III.2.2)."""

from imvo.api.gateway import api_handler, json_response
from imvo.intake.applications import Intake
from imvo.telemetry import SUPPLEMENTS_STORED, count

_intake: Intake | None = None  # built once per container


@api_handler
def handler(request):
    global _intake
    _intake = _intake or Intake.from_environment()
    receipt = _intake.supplement(request.path_parameters.get("reference", ""), request.body, request.content_type,
                                 request.receipt, request.idempotency_key)
    if not receipt.get("replayed"):
        count(SUPPLEMENTS_STORED, status=receipt["status"])
    return json_response(201, receipt)
