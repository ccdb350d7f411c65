"""Lambda handler for POST /api/applications/check: every finding and the calculator's result, nothing stored."""

from imvo.apigw import json_response, parse_event, refusal_response
from imvo.intake import Intake, Refusal

_intake: Intake | None = None


def handler(event, context=None):
    global _intake
    try:
        request = parse_event(event)
        _intake = _intake or Intake.from_environment(with_storage=False)  # a dry run never touches storage
        result = _intake.check(request.body, request.content_type, request.receipt)
    except Refusal as refusal:
        return refusal_response(refusal)
    return json_response(200, result)
