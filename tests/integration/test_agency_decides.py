"""The agency decides (issue 22, I.2): every application received in an opening is kept with the portal's check,
RVO asks for supplements with a term, records completeness and decisions once, and the herstel route and the
allocation follow RVO's records (I.5, II.2.2, II.3.1, III.2.2, III.3.1; Awb 4:5)."""

import csv
import io
import json
import zipfile
from datetime import datetime
from decimal import Decimal

import pytest

from imvo.admin.allocation import AWAITING_SUPPLEMENT, REJECTED, WITHIN_CEILING, allocate, candidates_in, ceilings_of
from tests.integration.test_bundle import bundled
from imvo.casework.records import term_end
from imvo.intake.storage import ApplicationStore
from imvo.programme.facts import load_facts
from imvo.settings import load_settings
from imvo_local.outbox import outbox
from tests.conftest import (BUCKET, sealed, IAM, SITE_BUCKET, admin_call, after_store, all_objects, complete_records,
                            handler_module, load_event, load_fixture, run_admin_job)
from tests.integration.test_intake import post, supplement

MARCH_15 = 1678871730250  # 15 March 2023 10:15:30.250 CET, inside the first opening
MARCH_17 = 1679047200000  # 17 March 2023 11:00 CET
AFTER_CLOSING = 1696500000000  # 5 October 2023, after the first opening closed (26 September 2023 12:00)


def _epoch(moment: str) -> int:
    return int(datetime.fromisoformat(moment).timestamp() * 1000)


@pytest.fixture
def admin(s3):
    return handler_module("admin")


def _at(event_name: str, epoch_ms: int):
    """An admin event at another moment of the server's clock (requestContext.timeEpoch)."""
    from tests.conftest import load_event

    event = load_event(event_name)
    event["requestContext"]["timeEpoch"] = epoch_ms
    return event


def admin_at(module, event_name: str, epoch_ms: int, body: dict | None = None, **path):
    event = _at(event_name, epoch_ms)
    if body is not None:
        event["body"] = json.dumps(body)
    if path:
        event["pathParameters"] = path
        event["rawPath"] = event["requestContext"]["http"]["path"] = event["routeKey"].split(" ", 1)[1].format(**path)
    response = module.handler(event)
    return response["statusCode"], json.loads(response["body"])


# --- Intake: keep what is received ------------------------------------------------------------------

def test_i_5_an_application_the_portal_expects_to_be_rejected_is_stored_and_receipted(s3, submit):
    code, receipt = post(submit, load_fixture("pillar1-rejected-four-companies.json"))
    assert code == 201 and receipt["status"] == "rejection_expected"
    assert receipt["portalCheck"] == {"nl": "afwijzing verwacht (controle portaal)", "en": "rejection expected (portal check)"}
    assert {f["rule"] for f in receipt["portalFindings"] if f["severity"] == "reject"} == {"II.1.3"}
    assert receipt["receivedAt"] == "2023-03-15T09:15:30.250Z" and receipt["supplementToken"]
    (key,) = all_objects(s3)
    assert key.endswith(f"-{receipt['reference']}.json")


def test_an_application_with_answers_left_out_is_stored_as_parts_missing(s3, submit):
    document = load_fixture("pillar1-complete.json")
    del document["project"]["endDate"]
    document["project"]["title"] = ""
    code, receipt = post(submit, document)
    assert code == 201 and receipt["status"] == "parts_missing", receipt
    missing = {f["path"] for f in receipt["portalFindings"] if f["severity"] == "incomplete"}
    assert {"$.project.endDate", "$.project.title"} <= missing
    stored = json.loads(s3.get_object(Bucket=BUCKET, Key=all_objects(s3)[0])["Body"].read())
    assert stored["calculation"] is None and stored["receipt"]["status"] == "parts_missing"


def test_what_cannot_be_read_as_an_application_is_refused_and_nothing_stored(s3, submit):
    document = load_fixture("pillar1-complete.json")
    document["partners"] = "five companies"
    code, body = post(submit, document)
    assert code == 400 and body["error"]["code"] == "invalid"
    assert [f["path"] for f in body["error"]["findings"]] == ["$.partners"]
    assert "Er is niets opgeslagen" in body["error"]["message"]["nl"] and "Nothing was stored" in body["error"]["message"]["en"]
    assert all_objects(s3) == []


# --- The herstel route (II.2.2, III.2.2) --------------------------------------------------------------

def test_a_supplement_without_a_request_or_anything_missing_is_refused_with_the_reason(s3, submit):
    _, receipt = post(submit, load_fixture("pillar1-complete.json"))
    code, body = supplement(receipt["reference"], receipt["supplementToken"], load_fixture("pillar1-complete.json"))
    assert code == 409 and body["error"]["code"] == "herstel_closed"
    assert "RVO heeft niet om een aanvulling gevraagd" in body["error"]["message"]["nl"]
    assert "contact RVO" in body["error"]["message"]["en"]
    assert len(all_objects(s3)) == 1


def test_what_the_portal_found_missing_can_be_supplemented_until_the_opening_closes_and_not_after(s3, submit):
    _, receipt = post(submit, load_fixture("pillar1-incomplete.json"))
    code, body = supplement(receipt["reference"], receipt["supplementToken"], load_fixture("pillar1-complete.json"),
                            epoch_ms=AFTER_CLOSING)
    assert code == 409 and body["error"]["code"] == "herstel_closed"
    assert "De openstelling is gesloten" in body["error"]["message"]["nl"]
    code, supplemented = supplement(receipt["reference"], receipt["supplementToken"], load_fixture("pillar1-complete.json"),
                                    epoch_ms=_epoch("2023-09-26T12:00:00.000+02:00"), request_id="at-the-last-moment")
    assert code == 201 and supplemented["effectiveReceivedAt"] == "2023-09-26T10:00:00.000Z"


def test_rvo_request_opens_the_route_until_its_term_and_not_after(s3, submit, admin):
    _, receipt = post(submit, load_fixture("pillar1-complete.json"))
    reference = receipt["reference"]
    code, request = admin_at(admin, "admin-supplement-request.json", AFTER_CLOSING,
                             {"items": ["Het plan van aanpak is onvoldoende onderbouwd."], "term": "2023-10-19"},
                             reference=reference)
    assert code == 201, request
    assert request["termEndsAt"] == "2023-10-19T21:59:59.999Z" and request["by"] == "cognito:beheerder-a"
    assert term_end(datetime(2023, 10, 19).date()).isoformat() == "2023-10-19T23:59:59.999000+02:00"
    last_moment = _epoch("2023-10-19T23:59:59.999+02:00")
    code, late = supplement(reference, receipt["supplementToken"], load_fixture("pillar1-complete.json"),
                            epoch_ms=last_moment + 1, request_id="late")
    assert code == 409 and "termijn van het herstelverzoek" in late["error"]["message"]["nl"]
    code, answered = supplement(reference, receipt["supplementToken"], load_fixture("pillar1-complete.json"),
                                epoch_ms=last_moment, request_id="in-time")
    assert code == 201 and answered["effectiveReceivedAt"] == "2023-10-19T21:59:59.999Z"  # II.2.2: its time counts


def test_a_term_in_the_past_and_a_request_without_items_are_refused_by_field(s3, submit, admin):
    _, receipt = post(submit, load_fixture("pillar1-complete.json"))
    code, body = admin_at(admin, "admin-supplement-request.json", AFTER_CLOSING, {"items": ["x"], "term": "2023-10-01"},
                          reference=receipt["reference"])
    assert code == 400 and body["error"]["findings"][0]["path"] == "$.term"
    code, body = admin_at(admin, "admin-supplement-request.json", AFTER_CLOSING, {"items": [], "term": "2023-10-19"},
                          reference=receipt["reference"])
    assert code == 400 and body["error"]["findings"][0]["path"] == "$.items"
    assert [k for k in all_objects(s3) if k.startswith("requests/")] == []


def test_the_request_is_e_mailed_with_its_items_term_and_page_and_no_text_of_the_applicant(s3, submit, admin, monkeypatch):
    monkeypatch.setenv("IMVO_SITE_URL", "https://portal.example")
    after_store()  # the rule and queues of this moto world
    document = load_fixture("pillar1-complete.json")
    document["project"]["title"] = "Click https://phish.example now"
    _, receipt = post(submit, document)
    admin_at(admin, "admin-supplement-request.json", AFTER_CLOSING,
             {"items": ["De begroting per partner ontbreekt."], "term": "2023-10-19"}, reference=receipt["reference"])
    complete_records("NotifyFunction")
    mails = [m for m in outbox() if "Request to supplement" in m["subject"]]
    assert len(mails) == 1, [m["subject"] for m in outbox()]
    text = mails[0]["text"]
    assert "De begroting per partner ontbreekt." in text and "19 October 2023" in text
    assert "https://portal.example/en/apply/supplement/" in text and receipt["supplementToken"] not in text
    assert "phish" not in text and document["penvoerder"]["contact"]["name"] not in text
    complete_records("NotifyFunction")  # delivered again: sent once
    assert len([m for m in outbox() if "Request to supplement" in m["subject"]]) == 1


# --- RVO's records: write-once, in the trail, the bundle and the allocation ------------------------------

def test_a_decision_is_write_once_and_shows_in_the_trail_the_case_file_and_the_bundle(s3, submit, admin):
    _, receipt = post(submit, load_fixture("pillar1-rejected-four-companies.json"))
    reference = receipt["reference"]
    code, decided = admin_call(admin, "admin-decision.json", reference=reference)
    assert code == 201 and decided["decision"] == "rejected" and decided["section"] == "II.1.3"
    code, again = admin_call(admin, "admin-decision.json", {"decision": "granted", "section": "", "reason": ""},
                             reference=reference)
    assert code == 409 and again["error"]["code"] == "conflict"
    code, trail = admin_call(admin, "admin-audit-trail.json", reference=reference)
    (event,) = [e for e in trail["events"] if e["event"] == "decided"]
    assert event["decision"] == "rejected" and event["by"] == "cognito:beheerder-a" and event["section"] == "II.1.3"
    code, file = admin_call(admin, "admin-case-file.json", reference=reference)
    assert code == 200 and file["standing"]["code"] == "decided" and file["decision"]["words"]["nl"] == "afgewezen"
    assert file["portalCheck"]["code"] == "rejection_expected" and file["penvoerder"]
    complete_records()
    archive = zipfile.ZipFile(io.BytesIO(bundled(ApplicationStore(s3, BUCKET), "2023-03-15")[1]))
    (row,) = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))
    assert row["decision"].startswith("afgewezen (II.1.3), ") and row["portalCheck"] == "afwijzing verwacht (controle portaal)"
    assert any(e["event"] == "decided" for e in json.loads(archive.read(next(
        n for n in archive.namelist() if n.endswith("/audit.json"))))["events"])


def test_the_allocation_holds_an_application_while_rvo_awaits_its_supplement_and_frees_a_rejected_ones_room(s3, submit, admin):
    store = ApplicationStore(s3, BUCKET)
    _, held = post(submit, load_fixture("pillar1-complete.json"), request_id="first")
    _, rejected = post(submit, load_fixture("pillar2-complete.json"), epoch_ms=MARCH_15 + 1000, request_id="second")
    _, counted = post(submit, load_fixture("pillar2-complete.json"), epoch_ms=MARCH_15 + 2000, request_id="third")
    admin_at(admin, "admin-supplement-request.json", MARCH_17, {"items": ["Plan"], "term": "2023-03-31"},
             reference=held["reference"])
    admin_call(admin, "admin-decision.json", {"decision": "rejected", "section": "III.1.3", "reason": "Jaarbegroting."},
               reference=rejected["reference"])
    code, _ = admin_call(admin, "admin-completeness.json", reference=counted["reference"])
    assert code == 201
    originals = store.all_applications()
    lines = {line.candidate.reference: line for line in allocate(candidates_in(store, originals),
                                                                  ceilings_of(load_facts(load_settings().data_dir)), sealed("seed"))}
    assert lines[held["reference"]].status == AWAITING_SUPPLEMENT and not lines[held["reference"]].cumulative
    assert lines[rejected["reference"]].status == REJECTED
    assert lines[counted["reference"]].status == WITHIN_CEILING
    assert lines[counted["reference"]].cumulative["pillar2"] == lines[counted["reference"]].candidate.amounts["pillar2"]
    # The supplement answers the request: it counts again, at the supplement's own time (II.2.2).
    code, answered = supplement(held["reference"], held["supplementToken"], load_fixture("pillar1-complete.json"),
                                epoch_ms=_epoch("2023-03-20T09:00:00+01:00"), request_id="answer")
    assert code == 201
    lines = {line.candidate.reference: line for line in allocate(candidates_in(store, store.all_applications()),
                                                                  ceilings_of(load_facts(load_settings().data_dir)), sealed("seed"))}
    assert lines[held["reference"]].status == WITHIN_CEILING
    assert lines[held["reference"]].candidate.received_at == "2023-03-20T08:00:00.000Z"


def test_the_day_list_filters_by_pillar_and_standing(s3, submit, admin):
    _, first = post(submit, load_fixture("pillar1-incomplete.json"), request_id="a")
    post(submit, load_fixture("pillar1-complete.json"), epoch_ms=MARCH_15 + 1, request_id="b")
    post(submit, load_fixture("pillar2-complete.json"), epoch_ms=MARCH_15 + 2, request_id="c")
    code, listed = admin_call(admin, "admin-applications-of-day.json")
    assert code == 200 and [a["reference"] for a in listed["applications"]] == [first["reference"]]
    event = _at("admin-applications-of-day.json", MARCH_17)
    event["queryStringParameters"] = {"day": "2023-03-15"}
    everything = json.loads(admin.handler(event)["body"])["applications"]
    assert [a["pillar"] for a in everything] == [1, 1, 2]
    assert everything[0]["receivedAtDutch"] < everything[1]["receivedAtDutch"]  # order of receipt
    event["queryStringParameters"] = {"day": "2023-03-15", "status": "bogus"}
    assert admin.handler(event)["statusCode"] == 400


def test_officers_records_are_made_under_the_admin_functions_own_policy(s3, submit, admin):
    _, receipt = post(submit, load_fixture("pillar1-complete.json"))
    first = len(IAM.calls)
    admin_at(admin, "admin-supplement-request.json", MARCH_17, {"items": ["Plan"], "term": "2023-03-31"},
             reference=receipt["reference"])
    admin_call(admin, "admin-completeness.json", reference=receipt["reference"])
    admin_call(admin, "admin-case-file.json", reference=receipt["reference"])
    calls = [c for c in IAM.calls[first:] if c.function == "AdminFunction"]
    assert calls and all(c.allowed for c in calls), [c.reason for c in calls if not c.allowed]
    (key,) = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET, Prefix="requests/")["Contents"]]
    # Dated by the request's clock (API Gateway's timeEpoch), as the receipts are: not the machine's.
    assert json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())["requestedAt"] == "2023-03-17T10:00:00.000Z"


def test_the_meter_and_the_allocation_job_count_as_rvo_recorded_and_a_decided_application_takes_no_supplement(
        s3, submit, admin):
    """The budget function and the job function read RVO's records under their own policies: a request holds an
    application, a completeness check of "incomplete" leaves one out; a decision closes the herstel route."""
    _, held = post(submit, load_fixture("pillar2-complete.json"), request_id="held")
    _, unchecked = post(submit, load_fixture("pillar2-complete.json"), epoch_ms=MARCH_15 + 1, request_id="unchecked")
    _, found_incomplete = post(submit, load_fixture("pillar2-complete.json"), epoch_ms=MARCH_15 + 2, request_id="rvo-incomplete")
    admin_at(admin, "admin-supplement-request.json", MARCH_17, {"items": ["CV"], "term": "2023-03-31"}, reference=held["reference"])
    admin_call(admin, "admin-completeness.json", {"outcome": "incomplete", "note": "Geen begroting."},
               reference=found_incomplete["reference"])
    first = len(IAM.calls)
    assert handler_module("budget").handler(load_event("scheduler-budget.json"))["published"]
    meter = {c["id"]: c for c in json.loads(s3.get_object(Bucket=SITE_BUCKET, Key="budget.json")["Body"].read())["ceilings"]}
    assert meter["pillar2"]["applications"] == 1  # only the unchecked one counts
    assert Decimal(meter["pillar2"]["asked"]) == Decimal("143250.00")
    _, download = run_admin_job(admin, "admin-start-allocation.json", {"seed": "s", "opening": "2022-1"})
    assert "verdeling-2022-1.csv" in download["files"]
    (key,) = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="bundles/")["Contents"]
              if o["Key"].endswith("verdeling-2022-1.csv")]
    rows = {row["reference"]: row for row in csv.DictReader(io.StringIO(
        s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()))}
    assert rows[held["reference"]]["status"] == AWAITING_SUPPLEMENT
    assert rows[found_incomplete["reference"]]["status"] == "incomplete"
    assert rows[unchecked["reference"]]["status"] == WITHIN_CEILING
    reading = {c.function for c in IAM.calls[first:] for n in c.needs if "/requests/" in n.resource or "/completeness/" in n.resource}
    assert {"BudgetFunction", "AdminJobFunction"} <= reading

    admin_call(admin, "admin-decision.json", {"decision": "not_considered", "section": "", "reason": "Geen aanvulling."},
               reference=found_incomplete["reference"])
    code, body = supplement(found_incomplete["reference"], found_incomplete["supplementToken"],
                            load_fixture("pillar2-complete.json"), request_id="too-late")
    assert code == 409 and "al besloten" in body["error"]["message"]["nl"]


def test_the_case_file_links_the_stored_pdf_and_the_kept_attachments(s3, submit, admin):
    _, receipt = post(submit, load_fixture("pillar1-complete.json"))
    complete_records("RecordFunction", "PdfFunction")
    code, file = admin_call(admin, "admin-case-file.json", reference=receipt["reference"])
    assert code == 200 and file["links"]["pdf"] and "X-Amz-Algorithm=AWS4-HMAC-SHA256" in file["links"]["pdf"]
    assert len(file["links"]["attachments"]) == len({a["sha256"] for a in receipt["attachments"]})
    assert [v["reference"] for v in file["versions"]] == [receipt["reference"]]
