"""Lambda handler for the admin routes: sign in; then (a token of the imvo-admins group, verified by the
gateway) what came in per day, one day's applications and one application's file, RVO's supplement requests,
completeness checks and decisions, start a bundle or allocation job, follow it, download what it made, and
read an application's audit trail. The work of a job runs in the job function."""

from datetime import date, datetime, timezone

import boto3

from imvo.admin.allocation import checked_commitment
from imvo.admin.casefile import STANDING_WORDS, applications_of_day, case_file
from imvo.admin.decisions import NoSuchApplication, record_completeness, record_decision, request_supplement
from imvo.admin.jobs import ALLOCATION, BUNDLE, DONE, JobBoard, public_view, start
from imvo.admin.overview import days_overview
from imvo.admin.signin import SignInRefused, answer_challenge, identity_of, is_admin, sign_in
from imvo.api.gateway import api_handler, json_response
from imvo.audit.trail import AuditTrail
from imvo.intake.json_input import read_json_object
from imvo.intake.refusal import Refusal
from imvo.intake.storage import ApplicationStore, s3_client
from imvo.programme.facts import load_openings
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


def _allocation_params(body: dict) -> dict:
    seed = body.get("seed")
    if not isinstance(seed, str) or not seed.strip():
        raise Refusal("invalid", "Geef de gepubliceerde seed van de loting.", "Give the published lottery seed.",
                      [Finding("$.seed", "schema:required", REJECT, "Verplicht.", "Required.")])
    opening = body.get("opening", "2022-1")
    if not isinstance(opening, str):
        raise Refusal("invalid", "Geef de openstelling als tekst.", "Give the opening as text.",
                      [Finding("$.opening", "schema:type", REJECT, "Tekst.", "Text.")])
    settings = load_settings()
    return {"seed": seed, "opening": opening,
            "commitment": checked_commitment(seed, opening, load_openings(settings.data_dir, settings.extra_openings_file))}


def _not_found(what_nl: str, what_en: str) -> Refusal:
    return Refusal("not_found", f"{what_nl} bestaat niet.", f"{what_en} does not exist.")


def _link(store: ApplicationStore, key: str, filename: str) -> str:
    return store.client.generate_presigned_url(
        "get_object", Params={"Bucket": store.bucket, "Key": key,
                              "ResponseContentDisposition": f'attachment; filename="{filename}"'},
        ExpiresIn=LINK_SECONDS)


_SIGN_IN_REFUSALS = {
    "unauthorized": ("De gebruikersnaam, het wachtwoord of de code klopt niet.", "The user name, password or code is not right."),
    "too_many": ("Te veel pogingen. Wacht enkele minuten en probeer het opnieuw.", "Too many attempts. Wait a few minutes and try again."),
    "unsupported": ("Dit account vraagt om een aanmeldstap die de console niet kent; vraag de beheerder.",
                    "This account asks for a sign-in step the console does not know; ask the administrator."),
}


def _text(body: dict, key: str, limit: int = 200) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise Refusal("invalid", f"Vul '{key}' in (hoogstens {limit} tekens).", f"Fill in '{key}' (at most {limit} characters).",
                      [Finding(f"$.{key}", "schema:required", REJECT, "Verplicht.", "Required.")])
    return value.strip()


def _session(settings, body: dict):
    """POST /api/admin/session: a name and password, then (if asked) the authenticator code or a new password."""
    cognito = boto3.client("cognito-idp")
    username = _text(body, "username")
    try:
        if "session" in body:
            step = answer_challenge(cognito, settings.admin_client_id, _text(body, "challenge", 20),
                                    _text(body, "session", 4096), username, _text(body, "answer", 256))
        else:
            step = sign_in(cognito, settings.admin_client_id, username, _text(body, "password", 256))
    except SignInRefused as refused:
        nl, en = _SIGN_IN_REFUSALS[refused.kind]
        raise Refusal("unauthorized" if refused.kind == "unsupported" else refused.kind, nl, en) from refused
    return json_response(200, step.as_dict())


_store: ApplicationStore | None = None  # built once per container
_CASEWORK = {  # route -> (record it, the answer's status)
    "/api/admin/applications/{reference}/supplement-requests":
        lambda store, reference, body, by, now: request_supplement(store, reference, body.get("items"), body.get("term"), by, now),
    "/api/admin/applications/{reference}/completeness":
        lambda store, reference, body, by, now: record_completeness(store, reference, body.get("outcome"), body.get("note"), by, now),
    "/api/admin/applications/{reference}/decision":
        lambda store, reference, body, by, now: record_decision(store, reference, body.get("decision"), body.get("section"),
                                                                body.get("reason"), by, now),
}


def _filters(query: dict) -> tuple[str, int | None, str | None]:
    day = _day(query, "day").isoformat()
    pillar = query.get("pillar") or None
    if pillar is not None and pillar not in ("1", "2"):
        raise Refusal("invalid", "Kies pijler 1 of 2.", "Choose pillar 1 or 2.",
                      [Finding("$.pillar", "schema:enum", REJECT, "1 of 2.", "1 or 2.")])
    status = query.get("status") or None
    if status is not None and status not in STANDING_WORDS:
        raise Refusal("invalid", "Onbekende status.", "Unknown status.",
                      [Finding("$.status", "schema:enum", REJECT, ", ".join(STANDING_WORDS), ", ".join(STANDING_WORDS))])
    return day, int(pillar) if pillar else None, status


def _casework(route: str, request, by: str, now: datetime) -> dict | None:
    """The routes about applications: the day's list, one file, and RVO's records on one."""
    if route == "/api/admin/applications":
        day, pillar, status = _filters(request.query)
        return json_response(200, {"day": day, "applications": applications_of_day(_store, day, pillar, status)})
    reference = request.path_parameters.get("reference", "")
    missing = _not_found(f"Een aanvraag met referentie {reference}", f"An application with reference {reference}")
    if route == "/api/admin/applications/{reference}":
        found = case_file(_store, reference)
        if found is None:
            raise missing
        pdf = found.pop("pdfKey")
        found["links"] = {"pdf": _link(_store, pdf, f"{reference}.pdf") if _store.exists(pdf) else None,
                          "attachments": {a["recordKey"]: _link(_store, a["recordKey"], a["recordKey"].rsplit("/", 1)[-1])
                                          for a in found["attachments"] if a.get("recordKey") and _store.exists(a["recordKey"])}}
        return json_response(200, found)
    record = _CASEWORK.get(route)
    if record is None:
        return None
    try:
        return json_response(201, record(_store, reference, read_json_object(request.body), by, now))
    except NoSuchApplication as error:
        raise missing from error




@api_handler
def handler(request):
    global _store
    settings = load_settings()
    route = request.route.split(" ", 1)[-1]
    if route == "/api/admin/session":
        return _session(settings, read_json_object(request.body))
    if not is_admin(request.claims):  # the gateway verified the token; the group is ours to check
        raise Refusal("forbidden", "U bent aangemeld, maar niet als beheerder van dit programma.",
                      "You are signed in, but not as an administrator of this programme.")
    _store = _store or ApplicationStore(s3_client(), settings.submissions_bucket, settings.retention_days)
    board, now = JobBoard(_store), datetime.now(timezone.utc)
    received = request.receipt.received_utc  # the server's clock of this request: what RVO records is dated by it
    by = identity_of(request.claims)
    if route == "/api/admin/days":
        return json_response(200, {"days": days_overview(_store)})
    if route.startswith("/api/admin/applications"):
        answer = _casework(route, request, by, received)
        if answer is not None:
            return answer
    if route in ("/api/admin/bundles", "/api/admin/allocation"):
        body = read_json_object(request.body)
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
