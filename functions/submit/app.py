"""Lambda handler for POST /api/applications: stamp, check and store one application."""

from imvo.api.gateway import api_handler, json_response
from imvo.intake.applications import Intake
from imvo.telemetry import APPLICATIONS_STORED, count

_intake: Intake | None = None  # built once per container


@api_handler
def handler(request):
    global _intake
    _intake = _intake or Intake.from_environment()
    receipt = _intake.receive(request.body, request.content_type, request.receipt, request.idempotency_key)
    if not receipt.get("replayed"):
        count(APPLICATIONS_STORED, pillar=receipt["pillar"], status=receipt["status"])
    return json_response(201, receipt, headers={"location": f"/api/applications/{receipt['reference']}"})
