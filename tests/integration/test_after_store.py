"""After an application or supplement is stored: its PDF and the confirmation e-mail (Amazon SES), started
by the stored object through the template's EventBridge rule and queues, in moto."""

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from imvo.documents.stored_pdf import application_pdf
from imvo.intake.storage import pdf_key_of
from imvo.programme.facts import load_facts
from imvo.settings import LOCAL_CONFIRMATION_SENDER, load_settings
from imvo_local.outbox import outbox, sent_messages
from imvo_local.sam_template import load_handler_of
from tests.conftest import BUCKET, after_store as conftest_after_store, all_objects, audit_events, load_fixture
from tests.integration.test_intake import post, supplement


@pytest.fixture
def after_store(s3, submit):
    """The rule, the queues and the verified sender, as `make run` makes them; returns (deliveries, sqs)."""
    return conftest_after_store(), boto3.client("sqs", region_name="eu-west-1")


def _records(s3) -> list[str]:
    return [k for k in all_objects(s3) if k.startswith(("applications/", "supplements/"))]


def test_a_stored_pillar_1_application_gets_its_pdf_and_one_english_confirmation_with_the_receipt(s3, submit, after_store):
    deliveries, sqs = after_store
    code, receipt = post(submit, load_fixture("pillar1-complete.json"))
    assert code == 201
    deliveries.drain(sqs)
    (key,) = _records(s3)
    stored = json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    pdf = s3.get_object(Bucket=BUCKET, Key=pdf_key_of(key))["Body"].read()
    # Rendered once at store time, from the stored JSON alone: the same bytes a bundle would render.
    assert pdf.startswith(b"%PDF") and pdf == application_pdf(stored, load_facts(load_settings().data_dir)["name"]["nl"])
    (mail,) = outbox()
    contact = load_fixture("pillar1-complete.json")["penvoerder"]["contact"]
    assert contact["email"] in mail["to"] and LOCAL_CONFIRMATION_SENDER in mail["from"]
    assert mail["language"] == "en" and receipt["reference"] in mail["subject"]  # II.2.1: pillar 1 is in English
    assert "Time of receipt (Dutch time): 15 March 2023" in mail["text"] and "The portal's check: all requested parts present (portal check)" in mail["text"]
    assert "Article 4 of the Decision" in mail["text"] and "lottery" in mail["text"] and "policy rules). " not in mail["text"]
    # The receipt PDF, and the signed receipt for machines (issue 23, item 1): the same signature as the API's answer.
    pdf_part, signed_part = mail["attachments"]
    assert pdf_part["contentType"] == "application/pdf" and pdf_part["filename"] == f"receipt-{receipt['reference']}.pdf"
    assert signed_part["contentType"] == "application/json"
    assert signed_part["filename"] == f"ontvangstbewijs-{receipt['reference']}.json"
    assert "Verify a receipt" in mail["text"] and signed_part["filename"] in mail["text"]
    (message,) = sent_messages()
    pdf_bytes, signed_bytes = (part.get_payload(decode=True) for part in message.iter_attachments())
    assert pdf_bytes.startswith(b"%PDF")
    assert json.loads(signed_bytes) == receipt["signedReceipt"]
    assert json.loads(signed_bytes)["statement"]["reference"] == receipt["reference"]
    assert any("-emailed-" in k for k in audit_events(s3))


def test_a_bundle_collects_the_pdfs_rendered_at_store_time_and_renders_none(s3, submit, after_store):
    import io
    import zipfile

    from imvo.admin.bundle import build_bundle
    from imvo.intake.storage import ApplicationStore

    deliveries, sqs = after_store
    post(submit, load_fixture("pillar1-complete.json"))
    post(submit, load_fixture("pillar2-complete.json"), epoch_ms=1678871790250, request_id="req-2")
    deliveries.drain(sqs)
    target = io.BytesIO()
    bundle = build_bundle(ApplicationStore(s3, BUCKET), "2023-03-15", load_settings().data_dir, target)
    assert (bundle.count, bundle.rendered) == (2, 0)
    archive = zipfile.ZipFile(target)
    for key in _records(s3):
        reference = key.split("/")[-1].split("-", 1)[1].removesuffix(".json")
        (name,) = [n for n in archive.namelist() if n.endswith(f"/{reference}.pdf")]
        assert archive.read(name) == s3.get_object(Bucket=BUCKET, Key=pdf_key_of(key))["Body"].read(), reference


def test_a_second_delivery_of_the_same_event_sends_nothing_and_renders_nothing_new(s3, submit, after_store):
    deliveries, sqs = after_store
    post(submit, load_fixture("pillar2-complete.json"))
    deliveries.drain(sqs)
    (key,) = _records(s3)
    first_pdf = s3.get_object(Bucket=BUCKET, Key=pdf_key_of(key))
    event = {"version": "0", "source": "aws.s3", "detail-type": "Object Created",
             "detail": {"bucket": {"name": BUCKET}, "object": {"key": key}}}
    for trigger in deliveries.triggers:  # EventBridge delivers at least once: the same event again
        sqs.send_message(QueueUrl=trigger.queue_url, MessageBody=json.dumps(event))
    deliveries.drain(sqs)
    assert len(outbox()) == 1 and outbox()[0]["language"] == "nl"  # pillar 2: Dutch
    again = s3.get_object(Bucket=BUCKET, Key=pdf_key_of(key))
    assert again["VersionId"] == first_pdf["VersionId"]


def test_a_refusal_stores_nothing_so_nothing_is_rendered_or_sent(s3, submit, after_store):
    deliveries, sqs = after_store
    code, _ = post(submit, load_fixture("pillar1-invalid-schema.json"))
    assert code == 400
    deliveries.drain(sqs)
    assert all_objects(s3) == [] and outbox() == []


def test_a_supplement_is_confirmed_with_its_own_receipt_and_says_its_time_now_counts(s3, submit, after_store):
    deliveries, sqs = after_store
    _, receipt = post(submit, load_fixture("pillar1-incomplete.json"))
    code, supplemented = supplement(receipt["reference"], receipt["supplementToken"], load_fixture("pillar1-complete.json"))
    assert code == 201
    deliveries.drain(sqs)
    first, second = sorted(outbox(), key=lambda m: supplemented["supplementReference"] in m["subject"])
    assert "The portal's check: parts missing (portal check)" in first["text"] and "II.2.2" in first["text"]
    assert receipt["supplementToken"] not in first["text"]  # the code is on the confirmation page only
    assert supplemented["supplementReference"] in second["subject"]
    assert "now your application's time of receipt" in second["text"] and "17 March 2023" in second["text"]
    assert second["attachments"][0]["filename"] == f"receipt-{supplemented['supplementReference']}.pdf"
    assert len([k for k in all_objects(s3) if k.startswith("pdf/")]) == 2


def test_a_passing_ses_fault_is_filed_retried_and_sent_once_the_application_untouched(s3, submit, after_store):
    deliveries, sqs = after_store
    _, receipt = post(submit, load_fixture("pillar2-complete.json"))
    (key,) = _records(s3)
    stored_bytes = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    failures = {"left": 1}

    def throttle_once(**_):  # SES's own answer to a burst, once, before the request leaves
        if failures["left"]:
            failures["left"] -= 1
            raise ClientError({"Error": {"Code": "Throttling", "Message": "Maximum sending rate exceeded."}}, "SendRawEmail")

    ses = boto3.client("ses", region_name="eu-west-1")
    ses.meta.events.register("before-call.ses.SendRawEmail", throttle_once)
    (notify,) = [t for t in deliveries.triggers if t.function == "NotifyFunction"]
    notify.handler = load_handler_of(notify.handler_name)
    notify.handler.__globals__["_ses"] = ses  # the function's client (built once per container), with the fault
    deliveries.drain(sqs)
    assert failures["left"] == 0 and len(outbox()) == 1  # delivered again by the queue, and sent once
    events = [json.loads(s3.get_object(Bucket=BUCKET, Key=k)["Body"].read()) for k in audit_events(s3)]
    failed = [e for e in events if e["event"] == "email_failed"]
    assert [(e["reason"], e["willRetry"]) for e in failed] == [("Throttling", True)]
    assert [e["event"] for e in events if e["event"].startswith("email")] == ["email_failed", "emailed"]
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == stored_bytes
    assert deliveries.dead_letters(sqs) == {"RecordQueue": 0, "PdfQueue": 0, "NotifyQueue": 0}


def test_an_address_ses_refuses_is_filed_for_the_admins_and_not_retried(s3, submit, after_store, capsys):
    deliveries, sqs = after_store
    boto3.client("ses", region_name="eu-west-1").delete_identity(Identity=LOCAL_CONFIRMATION_SENDER)
    post(submit, load_fixture("pillar2-complete.json"))
    deliveries.drain(sqs)
    assert outbox() == []
    events = [json.loads(s3.get_object(Bucket=BUCKET, Key=k)["Body"].read()) for k in audit_events(s3)]
    (failed,) = [e for e in events if e["event"] == "email_failed"]
    assert failed["reason"] == "MessageRejected" and failed["willRetry"] is False
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert any(m.get("EmailsFailed") == [1.0] and m.get("retry") == "no" for m in metrics)
    assert deliveries.dead_letters(sqs) == {"RecordQueue": 0, "PdfQueue": 0, "NotifyQueue": 0}


def test_a_bundle_made_before_the_functions_after_storing_ran_does_their_part_itself(s3, submit):
    """The job function, under its own policy: the attachments kept, the event filed, the PDF rendered."""
    from tests.conftest import JOBS, admin_call, handler_module, record_attachments

    code, receipt = post(submit, load_fixture("pillar1-complete.json"))
    assert code == 201 and record_attachments(s3) == [] and audit_events(s3) == []  # nothing has run yet
    admin = handler_module("admin")
    status, started = admin_call(admin, "admin-start-bundle.json", {"day": receipt["dutchDay"]})
    assert status == 202
    JOBS.wait()
    status, job = admin_call(admin, "admin-job-status.json", id=started["id"])
    assert job["state"] == "done" and job["result"]["rendered"] == 1, job
    stored = json.loads(s3.get_object(Bucket=BUCKET, Key=_records(s3)[0])["Body"].read())
    assert {a["recordKey"] for a in stored["receipt"]["attachments"]} <= set(record_attachments(s3))
    assert [k.rsplit("-", 2)[-2] for k in audit_events(s3) if f"/{receipt['reference']}/" in k][:1] == ["received"]


def test_an_application_without_an_e_mail_address_is_filed_as_not_sent_and_not_retried(s3, submit, after_store):
    """A part missing may be the address itself: nothing to send to; the trail says so, and nothing goes round."""
    deliveries, sqs = after_store
    document = load_fixture("pillar1-complete.json")
    del document["penvoerder"]["contact"]["email"]
    code, receipt = post(submit, document)
    assert code == 201 and receipt["status"] == "parts_missing"
    deliveries.drain(sqs)
    assert outbox() == [] and deliveries.dead_letters(sqs) == {t.queue: 0 for t in deliveries.triggers}
    assert any("-email_failed-" in k for k in audit_events(s3))


def test_a_line_break_or_a_very_long_name_in_the_contact_never_reaches_a_header_and_never_stops_the_queue(
        s3, submit, after_store):
    """Issue 25, items 1 and 6: a CR/LF in a contact field sent the e-mail job to the dead-letter queue and a long
    name broke the To header's quoting. The e-mail carries no text of the applicant in any header, and the
    address is taken only when the e-mail library reads it as one address and nothing more."""
    deliveries, sqs = after_store
    document = load_fixture("pillar1-complete.json")
    document["penvoerder"]["contact"]["name"] = "Anna\r\nBcc: everyone@example.org " + "van Dijk " * 18
    code, receipt = post(submit, document)
    assert code == 201
    deliveries.drain(sqs)
    (message,) = sent_messages()
    assert message["To"] == document["penvoerder"]["contact"]["email"]
    headers = "".join(f"{name}: {value}\n" for name, value in message.items())
    assert "Anna" not in headers and "everyone@example.org" not in headers and "Bcc" not in headers
    assert deliveries.dead_letters(sqs) == {t.queue: 0 for t in deliveries.triggers}
    # The receipt it attaches holds no text the applicant wrote either: the full one is downloaded on the site.
    import io

    from pypdf import PdfReader

    pdf = next(message.iter_attachments()).get_payload(decode=True)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert receipt["reference"] in text and "tekst uit de aanvraag" in text.replace("\n", " ")
    for written in (document["penvoerder"]["name"], "Anna", document["project"]["title"], "de-minimis-12345678.pdf"):
        assert written not in text, written


@pytest.mark.parametrize("address", ["a@b.example\r\nBcc: everyone@example.org", "a@b.example, c@d.example",
                                     "Anna <a@b.example>"])
def test_a_stored_address_that_is_not_one_address_is_filed_as_not_sent_not_retried(s3, address):
    """Such an address cannot pass the intake's schema today; a record stored before that check, or by a later
    change, still must not crash the job: nothing is sent, the trail says why, nothing goes round."""
    from imvo.intake.storage import ApplicationStore, encode_document
    from imvo.notify.confirmation import send_confirmation

    store = ApplicationStore(s3, BUCKET)
    key = "applications/2023-03-15/1678872130250-IMVO-20230315-ADDRESS1.json"
    application = load_fixture("pillar1-complete.json")
    application["penvoerder"]["contact"]["email"] = address
    store.put_record(key, encode_document({"receipt": {"reference": "IMVO-20230315-ADDRESS1", "pillar": 1,
                                                       "status": "parts_present", "receivedAt": "2023-03-15T09:15:30.250Z"},
                                           "application": application, "findings": []}))
    outcome = send_confirmation(store, None, key, LOCAL_CONFIRMATION_SENDER, load_settings().data_dir)
    assert (outcome.sent, outcome.reason) == (False, "NoAddress")
    assert any("-email_failed-" in k for k in audit_events(s3)) and sent_messages() == []


def test_one_address_gets_at_most_five_confirmations_a_day_and_a_repeated_event_keeps_its_place(s3, submit, after_store):
    """Issue 25, item 1: the programme's sender is no relay. Anyone can type any address; six applications with
    one address send five e-mails, and the sixth is filed (RecipientLimit) and not retried. Each is stored."""
    from imvo.intake.storage import ApplicationStore
    from imvo.notify import allowance

    per_day = load_settings().confirmations_per_address
    assert per_day == 5  # the template's setting
    deliveries, sqs = after_store
    for n in range(per_day + 1):
        document = load_fixture("pillar1-complete.json")
        code, _ = post(submit, document, request_id=f"same-address-{n}", epoch_ms=1678871730250 + n * 1000)
        assert code == 201
    deliveries.drain(sqs)
    assert len(outbox()) == per_day and len(_records(s3)) == per_day + 1
    assert sum("-email_failed-" in k for k in audit_events(s3)) == 1
    assert deliveries.dead_letters(sqs) == {t.queue: 0 for t in deliveries.triggers}
    store, address = ApplicationStore(s3, BUCKET), load_fixture("pillar1-complete.json")["penvoerder"]["contact"]["email"]
    first = sorted(_records(s3))[0]
    assert allowance.claim(store, address, first, per_day)  # an event delivered again finds its own place
    assert not allowance.claim(store, address, "applications/another.json", per_day)
    assert allowance.claim(store, "someone.else@example.org", "applications/another.json", per_day)
