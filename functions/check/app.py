"""Lambda handler for POST /api/applications/check: every finding and the calculator's result, nothing stored."""

from imvo.apigw import json_response, parse_event, refusal_response
from imvo.intake import Intake, Refusal
from imvo.programme import load_openings
from imvo.settings import load_settings

_intake: Intake | None = None


def _get_intake() -> Intake:
    global _intake
    if _intake is None:
        settings = load_settings()
        # A dry run never touches storage.
        _intake = Intake(settings=settings, store=None,
                         openings=load_openings(settings.data_dir, settings.extra_openings_file))
    return _intake


def handler(event, context=None):
    try:
        request = parse_event(event)
        result = _get_intake().check(request.body, request.content_type, request.receipt)
    except Refusal as refusal:
        return refusal_response(refusal)
    return json_response(200, result)
