"""Lambda handler for POST /api/applications/{reference}/supplements: herstel (II.2.2, III.2.2)."""

from imvo.apigw import json_response, parse_event, refusal_response, unavailable_response
from imvo.intake import Intake, Refusal
from imvo.storage import StorageUnavailable

_intake: Intake | None = None


def handler(event, context=None):
    global _intake
    try:
        request = parse_event(event)
        _intake = _intake or Intake.from_environment()
        receipt = _intake.supplement(request.path_parameters.get("reference", ""), request.body,
                                     request.content_type, request.receipt, request.idempotency_key)
    except Refusal as refusal:
        return refusal_response(refusal)
    except StorageUnavailable:
        return unavailable_response()
    return json_response(201, receipt)
