"""Lambda handler for the IAM-only admin routes: start a bundle or allocation job, follow it, download what
it made, and read an application's audit trail. The work itself runs in the job function."""

import json
from datetime import date, datetime, timezone

from imvo.admin.jobs import ALLOCATION, BUNDLE, DONE, JobBoard, public_view, start
from imvo.api.gateway import api_handler, json_response
from imvo.audit.trail import AuditTrail
from imvo.intake.applications import Refusal
from imvo.intake.storage import ApplicationStore, s3_client
from imvo.programme.findings import REJECT, Finding
from imvo.settings import load_settings

LINK_SECONDS = 300
# One bundle covers at most this many Dutch days: a longer span is several jobs.
MAX_DAYS = 31


def _day(body: dict, key: str) -> date:
    try:
        return date.fromisoformat(body[key])
    except (ValueError, KeyError, TypeError) as error:
        raise Refusal("invalid", f"Geef '{key}' als JJJJ-MM-DD.", f"Give '{key}' as YYYY-MM-DD.",
                      [Finding(f"$.{key}", "schema:format", REJECT, "Een datum JJJJ-MM-DD.", "A date YYYY-MM-DD.")]) from error


def _span(body: dict) -> dict:
    first, last = (_day(body, "day"),) * 2 if "day" in body else (_day(body, "from"), _day(body, "to"))
    if last < first:
        raise Refusal("invalid", "'to' ligt vóór 'from'.", "'to' is before 'from'.",
                      [Finding("$.to", "range:order", REJECT, "Niet vóór 'from'.", "Not before 'from'.")])
    if (last - first).days >= MAX_DAYS:
        raise Refusal("invalid", f"Eén bundel beslaat hoogstens {MAX_DAYS} dagen.", f"One bundle spans at most {MAX_DAYS} days.",
                      [Finding("$.to", "range:length", REJECT, f"Hoogstens {MAX_DAYS} dagen.", f"At most {MAX_DAYS} days.")])
    return {"from": first.isoformat(), "to": last.isoformat()}


def _body(raw: bytes) -> dict:
    try:
        body = json.loads(raw or b"{}")
    except ValueError as error:
        raise Refusal("invalid_json", "Geen geldige JSON.", "Not valid JSON.") from error
    if not isinstance(body, dict):
        raise Refusal("invalid", "Stuur een JSON-object.", "Send a JSON object.")
    return body


def _allocation_params(body: dict) -> dict:
    seed = body.get("seed")
    if not isinstance(seed, str) or not seed.strip():
        raise Refusal("invalid", "Geef de gepubliceerde seed van de loting.", "Give the published lottery seed.",
                      [Finding("$.seed", "schema:required", REJECT, "Verplicht.", "Required.")])
    opening = body.get("opening", "2022-1")
    if not isinstance(opening, str):
        raise Refusal("invalid", "Geef de openstelling als tekst.", "Give the opening as text.",
                      [Finding("$.opening", "schema:type", REJECT, "Tekst.", "Text.")])
    return {"seed": seed, "opening": opening}


def _not_found(what_nl: str, what_en: str) -> Refusal:
    return Refusal("not_found", f"{what_nl} bestaat niet.", f"{what_en} does not exist.")


def _link(store: ApplicationStore, key: str, filename: str) -> str:
    return store.client.generate_presigned_url(
        "get_object", Params={"Bucket": store.bucket, "Key": key,
                              "ResponseContentDisposition": f'attachment; filename="{filename}"'},
        ExpiresIn=LINK_SECONDS)


_store: ApplicationStore | None = None  # built once per container


@api_handler
def handler(request):
    global _store
    settings = load_settings()
    _store = _store or ApplicationStore(s3_client(), settings.submissions_bucket, settings.retention_days)
    board, now = JobBoard(_store), datetime.now(timezone.utc)
    by = request.caller or "iam"
    route = request.route.split(" ", 1)[-1]
    if route in ("/api/admin/bundles", "/api/admin/allocation"):
        body = _body(request.body)
        kind, params = (BUNDLE, _span(body)) if route.endswith("/bundles") else (ALLOCATION, _allocation_params(body))
        job = start(board, kind, params, by, now, settings.job_function)
        return json_response(202, public_view(job), headers={"location": f"/api/admin/jobs/{job['id']}"})
    if route == "/api/admin/applications/{reference}/audit":
        reference = request.path_parameters.get("reference", "")
        events = AuditTrail(_store).trail_of(reference)
        if not events:
            raise _not_found(f"Een aanvraag met referentie {reference}", f"An application with reference {reference}")
        return json_response(200, {"reference": reference, "events": events})
    job = board.get(request.path_parameters.get("id", ""), now)
    if job is None:
        raise _not_found("Deze taak", "This job")
    if route == "/api/admin/jobs/{id}":
        return json_response(200, public_view(job))
    if job["state"] != DONE:  # /api/admin/jobs/{id}/download
        raise Refusal("conflict", "Deze taak is nog niet klaar; volg haar status.", "This job has not finished; follow its status.")
    result = job["result"]
    if job["kind"] == BUNDLE:
        files = {result["filename"]: _link(_store, result["key"], result["filename"])}
        AuditTrail(_store).downloaded(job["id"], by, now)
    else:
        files = {name: _link(_store, key, name) for name, key in result["files"].items()}
    return json_response(200, {"files": files, "expiresInSeconds": LINK_SECONDS})
