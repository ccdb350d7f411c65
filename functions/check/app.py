"""Lambda handler for POST /api/applications/check: every finding and the calculator's result, nothing stored."""

from imvo.api.gateway import api_handler, json_response
from imvo.intake.applications import Intake

_intake: Intake | None = None  # built once per container; a dry run never touches storage


@api_handler
def handler(request):
    global _intake
    _intake = _intake or Intake.from_environment(with_storage=False)
    return json_response(200, _intake.check(request.body, request.content_type, request.receipt))
