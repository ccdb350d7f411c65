"""Lambda handler for POST /api/applications: stamp, check and store one application."""

from imvo.apigw import json_response, parse_event, refusal_response, unavailable_response
from imvo.intake import Intake, Refusal
from imvo.programme import load_openings
from imvo.settings import load_settings
from imvo.storage import ApplicationStore, StorageUnavailable, s3_client

_intake: Intake | None = None


def _get_intake() -> Intake:
    # Built once per Lambda container; the settings are read when the first request comes in.
    global _intake
    if _intake is None:
        settings = load_settings()
        _intake = Intake(
            settings=settings,
            store=ApplicationStore(s3_client(), settings.submissions_bucket),
            openings=load_openings(settings.data_dir, settings.extra_openings_file),
        )
    return _intake


def handler(event, context=None):
    try:
        request = parse_event(event)
        receipt = _get_intake().receive(request.body, request.content_type, request.receipt)
    except Refusal as refusal:
        return refusal_response(refusal)
    except StorageUnavailable:
        return unavailable_response()
    return json_response(201, receipt, headers={"location": f"/api/applications/{receipt['reference']}"})
