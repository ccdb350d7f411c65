"""The submit handler on real API Gateway events against S3 in moto (Artikel 2, Artikel 4)."""

import hashlib
import json

import pytest


from tests.conftest import BUCKET, all_objects, load_event, load_fixture


def test_valid_application_is_stored_write_once_with_its_receipt(submit, s3):
    response = submit(load_event("submit-pillar1-valid.json"))
    assert response["statusCode"] == 201, response["body"]
    receipt = json.loads(response["body"])
    # 15 March 2023 09:15:30.250 UTC = 10:15:30.250 CET
    assert receipt["receivedAt"] == "2023-03-15T09:15:30.250Z"
    assert receipt["receivedAtDutch"] == "2023-03-15T10:15:30.250+01:00"
    assert receipt["reference"].startswith("IMVO-20230315-")
    assert receipt["opening"] == "2022-1"
    (key,) = all_objects(s3)
    assert key == f"applications/2023-03-15/1678871730250-{receipt['reference']}.json"
    stored = json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    assert stored["application"] == load_fixture("pillar1-complete.json")
    token = receipt.pop("supplementToken")
    # The portal's check, in words that say whose judgement it is, and what it found (I.5: RVO decides).
    assert receipt.pop("portalCheck") == {"nl": "alle gevraagde onderdelen aanwezig (controle portaal)",
                                          "en": "all requested parts present (portal check)"}
    assert receipt.pop("portalFindings") == []
    assert receipt.pop("receiptUrl") == f"/api/applications/{receipt['reference']}/receipt"
    # The receipt log's entry for the signed receipt (issue 23): derived from what is stored, not stored itself.
    from imvo.transparency.signed_receipt import log_entry

    entry = receipt.pop("logEntry")
    assert entry == log_entry(stored["receipt"]["signedReceipt"]).hex()
    assert receipt.pop("logProofUrl") == f"/api/log/inclusion?entry={entry}"
    assert {k: v for k, v in stored["receipt"].items() if k != "attachments"} == {
        k: v for k, v in receipt.items() if k != "attachments"}
    # The herstel code is derived from the reference with a secret key: stored nowhere, in no form.
    assert token not in json.dumps(stored) and hashlib.sha256(token.encode()).hexdigest() not in json.dumps(stored)
    for listed, recorded in zip(receipt["attachments"], stored["receipt"]["attachments"]):
        assert listed == {k: recorded[k] for k in ("path", "sha256", "size", "scan")}
        # the upload checked (its key and version), and where the record keeps it once it is copied there
        assert recorded["recordKey"] == f"attachments/{recorded['sha256']}.pdf" and recorded["key"].startswith("attachments/")


def test_same_request_delivered_twice_stores_once_and_gives_the_same_receipt(submit, s3):
    first = json.loads(submit(load_event("submit-pillar1-valid.json"))["body"])
    second = json.loads(submit(load_event("submit-pillar1-valid.json"))["body"])
    assert second["replayed"] is True
    assert (second["reference"], second["receivedAt"], second["sha256"]) == (first["reference"], first["receivedAt"], first["sha256"])
    assert len(all_objects(s3)) == 1


def test_base64_encoded_body_is_decoded(submit, s3):
    response = submit(load_event("submit-pillar1-base64.json"))
    assert response["statusCode"] == 201, response["body"]
    assert len(all_objects(s3)) == 1


@pytest.mark.parametrize("event_name, status, code, path", [
    ("submit-pillar1-unreadable-email.json", 400, "invalid", "$.penvoerder.contact.email"),
    ("submit-invalid-json.json", 400, "invalid_json", "$"),
    ("submit-wrong-content-type.json", 415, "unsupported_media_type", None),
    ("submit-pillar1-after-closing.json", 403, "outside_opening", None),
])
def test_bad_input_is_refused_in_both_languages_and_leaves_no_trace(submit, s3, event_name, status, code, path):
    response = submit(load_event(event_name))
    body = json.loads(response["body"])
    assert response["statusCode"] == status
    assert body["error"]["code"] == code
    assert body["error"]["message"]["nl"] and body["error"]["message"]["en"]
    if path:
        assert path in [f["path"] for f in body["error"]["findings"]]
    assert all_objects(s3) == []


def test_an_application_without_an_e_mail_address_is_kept_with_that_part_missing(submit, s3):
    """The e-mail address left out is a part missing (II.2.2), not a reason to refuse: the application is stored."""
    response = submit(load_event("submit-pillar1-missing-email.json"))
    body = json.loads(response["body"])
    assert response["statusCode"] == 201 and body["status"] == "parts_missing"
    assert "$.penvoerder.contact.email" in [f["path"] for f in body["portalFindings"] if f["severity"] == "incomplete"]
    assert len(all_objects(s3)) == 1


def test_refusal_after_closing_names_the_window_in_dutch_time(submit, s3):
    body = json.loads(submit(load_event("submit-pillar1-after-closing.json"))["body"])
    assert "26 september 2023 om 12:00:00,000 (CEST)" in body["error"]["message"]["nl"]
    assert "Artikel 2" in body["error"]["message"]["en"]


def test_unknown_pillar_names_the_pillar_field(submit, s3):
    event = load_event("submit-pillar1-valid.json")
    event["body"] = json.dumps({**load_fixture("pillar1-complete.json"), "pillar": 3})
    body = json.loads(submit(event)["body"])
    assert body["error"]["findings"][0]["path"] == "$.pillar"
    assert all_objects(s3) == []


def test_body_over_the_limit_gets_413_naming_the_limit(submit, s3, monkeypatch):
    monkeypatch.setenv("IMVO_MAX_BODY_BYTES", "100")
    response = submit(load_event("submit-pillar1-valid.json"))
    assert response["statusCode"] == 413
    assert "100 bytes" in json.loads(response["body"])["error"]["message"]["en"]
    assert all_objects(s3) == []


def test_invalid_base64_is_a_400(submit, s3):
    event = load_event("submit-pillar1-base64.json")
    event["body"] = "%%%not-base64%%%"
    assert submit(event)["statusCode"] == 400
    assert all_objects(s3) == []
