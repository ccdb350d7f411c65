"""Dated bundles (Artikel 4: order of receipt) from 54 stored applications over three Dutch days that
cross the switch to summer time (26 March 2023) and the hours where the UTC date is not the Dutch one."""

import csv
import hashlib
import io
import json
import zipfile
from datetime import datetime, timezone

import boto3
import pytest
from moto import mock_aws
from pypdf import PdfReader

from imvo_local import admin_cli
from imvo.admin.bundle import build_bundle, days_between
from imvo.settings import PROJECT_ROOT
from imvo.intake.storage import ApplicationStore

from tests.conftest import BUCKET, create_test_storage, handler_module, load_event, load_fixture

DATA = PROJECT_ROOT / "content" / "data"


def epoch_ms(text: str) -> int:
    return int(datetime.fromisoformat(text).astimezone(timezone.utc).timestamp() * 1000)


# 18 applications per Dutch day; some of them in the hour before Dutch midnight (UTC still the day
# before or after), and around 02:00-03:00 on 26 March, which does not exist in Amsterdam that night.
MOMENTS = []
for day, zone in (("2023-03-25", "+01:00"), ("2023-03-26", None), ("2023-03-27", "+02:00")):
    for i in range(18):
        if day == "2023-03-26":
            # 00:10 CET … 01:55 CET (before the switch at 01:00 UTC), then 03:00 CEST onwards
            local = f"{day}T00:{10 + i * 5:02d}:00+01:00" if i < 9 else f"{day}T{3 + i:02d}:{i:02d}:00+02:00"
        else:
            local = f"{day}T{(i * 97) // 60 % 24:02d}:{(i * 97) % 60:02d}:00{zone}"
        MOMENTS.append(local)
MOMENTS.append("2023-03-25T23:59:59.999+01:00")  # 22:59:59.999 UTC, still the 25th in The Hague
MOMENTS.append("2023-03-27T00:00:00.000+02:00")  # 26 March 22:00 UTC, already the 27th in The Hague


def bundled(store, days, **options) -> tuple:
    """The bundle and its zip's bytes, built in memory."""
    target = io.BytesIO()
    bundle = build_bundle(store, days, DATA, target, **options)
    return bundle, target.getvalue()


def submit_all(handler, moments):
    receipts = []
    for index, moment in enumerate(moments):
        document = load_fixture("pillar2-complete.json" if index % 3 == 0 else "pillar1-complete.json")
        document["penvoerder"]["name"] = f"Aanvrager {index:02d} B.V."
        event = load_event("submit-pillar1-valid.json")
        event["body"] = json.dumps(document)
        event["requestContext"]["timeEpoch"] = epoch_ms(moment)
        event["requestContext"]["requestId"] = f"req-{index:03d}"
        response = handler(event)
        assert response["statusCode"] == 201, response["body"]
        receipts.append(json.loads(response["body"]))
    return receipts


@pytest.fixture(scope="module")
def world():
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        for name, value in {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t", "AWS_DEFAULT_REGION": "eu-west-1"}.items():
            patch.setenv(name, value)
        patch.delenv("AWS_ENDPOINT_URL", raising=False)
        patch.delenv("IMVO_EXTRA_OPENINGS_FILE", raising=False)
        for name, value in create_test_storage().items():
            patch.setenv(name, value)
        client = boto3.client("s3")
        module = handler_module("submit")
        receipts = submit_all(module.handler, MOMENTS)
        # No function after storing has run: the first bundle keeps the attachments and renders the PDFs.
        store = ApplicationStore(client, BUCKET)
        bundle, zip_bytes = bundled(store, days_between("2023-03-25", "2023-03-27"))
        yield {"client": client, "store": store, "receipts": receipts, "bundle": bundle, "zip": zip_bytes, "patch": patch}


def test_at_least_fifty_applications_over_three_dutch_days(world):
    assert len(world["receipts"]) == 56
    days = {r["dutchDay"] for r in world["receipts"]}
    assert days == {"2023-03-25", "2023-03-26", "2023-03-27"}
    by_moment = {r["requestId"]: r for r in world["receipts"]}
    assert by_moment["req-054"]["dutchDay"] == "2023-03-25" and by_moment["req-054"]["receivedAt"] == "2023-03-25T22:59:59.999Z"
    assert by_moment["req-055"]["dutchDay"] == "2023-03-27" and by_moment["req-055"]["receivedAt"] == "2023-03-26T22:00:00.000Z"


def test_manifest_is_in_order_of_receipt_with_dutch_times(world):
    archive = zipfile.ZipFile(io.BytesIO(world["zip"]))
    rows = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))
    assert len(rows) == 56
    received = [row["receivedAt"] for row in rows]
    assert received == sorted(received)
    assert [row["reference"] for row in rows] == [r["reference"] for r in sorted(world["receipts"], key=lambda r: r["receivedAt"])]
    offsets = {row["receivedAtDutch"][-6:] for row in rows}
    assert offsets == {"+01:00", "+02:00"}
    pillar2 = [row for row in rows if row["pillar"] == "2"]
    assert pillar2 and all(row["amount:pillar2"] == "143250.00" and row["amount:pillar1-companies"] == "0.00" for row in pillar2)
    assert all(row["portalCheck"] == "alle gevraagde onderdelen aanwezig (controle portaal)" and row["decision"] == ""
               for row in rows)
    manifest = json.loads(archive.read("manifest.json"))
    assert [a["reference"] for a in manifest["applications"]] == [row["reference"] for row in rows]


def test_one_day_bundle_uses_the_dutch_calendar_day(world):
    archive = zipfile.ZipFile(io.BytesIO(bundled(world["store"], "2023-03-25")[1]))
    rows = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))
    assert len(rows) == 19 and rows[-1]["receivedAtDutch"] == "2023-03-25T23:59:59.999+01:00"


def test_every_file_has_its_checksum_and_attachments_are_included(world):
    archive = zipfile.ZipFile(io.BytesIO(world["zip"]))
    sums = dict(line.split("  ", 1)[::-1] for line in archive.read("SHA256SUMS").decode().splitlines())
    assert set(sums) == set(archive.namelist()) - {"SHA256SUMS"}
    for name, digest in sums.items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    first = json.loads(archive.read(next(n for n in archive.namelist() if n.endswith(".json") and "/" in n)))
    for attachment in first["receipt"]["attachments"]:
        uploaded_as = attachment["key"].rsplit("/", 1)[-1]
        (name,) = [n for n in archive.namelist() if n.endswith(uploaded_as) and n.startswith("0001-")]
        assert hashlib.sha256(archive.read(name)).hexdigest() == attachment["sha256"]


def test_same_stored_data_gives_the_same_bytes(world):
    again, zip_bytes = bundled(world["store"], days_between("2023-03-25", "2023-03-27"), workers=1)
    assert zip_bytes == world["zip"] and again.sha256 == world["bundle"].sha256 == hashlib.sha256(zip_bytes).hexdigest()
    # No PDF function ran here: the first bundle rendered each PDF and kept it; the second only collected
    # them, and the bytes are the same.
    assert (world["bundle"].rendered, again.rendered) == (len(MOMENTS), 0)


def test_pdf_shows_answers_findings_and_attachment_hashes(world):
    archive = zipfile.ZipFile(io.BytesIO(world["zip"]))
    pdf_name = next(n for n in sorted(archive.namelist()) if n.endswith(".pdf"))
    stored = json.loads(archive.read(pdf_name[:-4] + ".json"))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(archive.read(pdf_name))).pages).replace("\n", "")
    assert stored["application"]["penvoerder"]["name"] in text
    assert stored["receipt"]["reference"] in text
    assert stored["receipt"]["attachments"][0]["sha256"] in text
    assert "25 maart 2023 om" in text


def test_supplement_is_bundled_on_the_day_it_arrived(world):
    module = handler_module("submit")
    event = load_event("submit-pillar1-valid.json")
    event["body"] = json.dumps(load_fixture("pillar1-incomplete.json"))
    event["requestContext"]["timeEpoch"] = epoch_ms("2023-03-28T09:00:00+02:00")
    event["requestContext"]["requestId"] = "incomplete-1"
    receipt = json.loads(module.handler(event)["body"])
    supplement = handler_module("supplement")
    event = load_event("submit-pillar1-valid.json")
    event["pathParameters"] = {"reference": receipt["reference"]}
    event["body"] = json.dumps({"token": receipt["supplementToken"], "application": load_fixture("pillar1-complete.json")})
    event["requestContext"]["timeEpoch"] = epoch_ms("2023-03-29T11:00:00+02:00")
    event["requestContext"]["requestId"] = "supplement-1"
    assert supplement.handler(event)["statusCode"] == 201
    for day, expected_status in (("2023-03-28", "onderdelen ontbreken (controle portaal)"),
                                 ("2023-03-29", "alle gevraagde onderdelen aanwezig (controle portaal)")):
        archive = zipfile.ZipFile(io.BytesIO(bundled(world["store"], day)[1]))
        (row,) = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))
        assert row["reference"] == receipt["reference"] and row["portalCheck"] == expected_status
    assert row["supplementReference"].startswith("IMVO-20230329-")


def test_admin_cli_writes_the_zip_for_a_range(world, tmp_path, capsys):
    assert admin_cli.main(["bundle", "--from", "2023-03-25", "--to", "2023-03-26", "--out", str(tmp_path)]) == 0
    archive = zipfile.ZipFile(tmp_path / "imvo-aanvragen-2023-03-25_2023-03-26.zip")
    assert len([n for n in archive.namelist() if n.endswith(".pdf") and "/bijlagen/" not in n]) == 19 + 18
    assert "2023-03-25 t/m 2023-03-26" in capsys.readouterr().out


def test_admin_cli_refuses_a_day_that_is_not_a_date(capsys):
    with pytest.raises(SystemExit):
        admin_cli.main(["bundle", "--day", "15-03-2023"])
    assert "YYYY-MM-DD" in capsys.readouterr().err
