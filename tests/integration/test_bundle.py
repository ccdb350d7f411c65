"""Dated bundles (Artikel 4: order of receipt): zip, manifest, checksums, PDFs read back."""

import csv
import hashlib
import importlib.util
import io
import json
import zipfile

import pytest
from pypdf import PdfReader

from imvo import admin_cli
from imvo.bundle import build_bundle
from imvo.settings import PROJECT_ROOT
from imvo.storage import ApplicationStore

from tests.conftest import BUCKET, load_event, load_fixture

DATA = PROJECT_ROOT / "content" / "data"


def _submit_handler():
    spec = importlib.util.spec_from_file_location("submit_app_bundle", PROJECT_ROOT / "functions" / "submit" / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.handler


def _submit(handler, epoch_ms, request_id, penvoerder):
    event = load_event("submit-pillar1-valid.json")
    application = load_fixture("pillar1-complete.json")
    application["penvoerder"]["name"] = penvoerder
    event["body"] = json.dumps(application)
    event["requestContext"]["timeEpoch"] = epoch_ms
    event["requestContext"]["requestId"] = request_id
    response = handler(event)
    assert response["statusCode"] == 201, response["body"]
    return json.loads(response["body"])


@pytest.fixture
def three_days(s3):
    handler = _submit_handler()
    # 15 March 2023, CET: 22:59:59.999 UTC is still the 15th in Amsterdam; 23:00 UTC is the 16th.
    late = _submit(handler, 1678921199999, "req-late", "Laatste B.V.")
    tie_b = _submit(handler, 1678871730250, "req-b", "Tweede B.V.")
    tie_a = _submit(handler, 1678871730250, "req-a", "Eerste <b>B.V.</b>")
    next_day = _submit(handler, 1678921200000, "req-next", "Volgende Dag B.V.")
    return {"late": late, "tie_a": tie_a, "tie_b": tie_b, "next_day": next_day}


def test_bundle_holds_one_dutch_day_in_order_of_receipt(s3, three_days):
    bundle = build_bundle(ApplicationStore(s3, BUCKET), "2023-03-15", DATA)
    archive = zipfile.ZipFile(io.BytesIO(bundle.zip_bytes))
    manifest = json.loads(archive.read("manifest.json"))
    assert [row["reference"] for row in manifest["applications"]] == [
        three_days["tie_a"]["reference"], three_days["tie_b"]["reference"], three_days["late"]["reference"]]
    rows = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))
    assert [row["penvoerder"] for row in rows] == ["Eerste <b>B.V.</b>", "Tweede B.V.", "Laatste B.V."]
    assert rows[2]["receivedAtDutch"] == "2023-03-15T23:59:59.999+01:00"


def test_checksums_match_every_file(s3, three_days):
    archive = zipfile.ZipFile(io.BytesIO(build_bundle(ApplicationStore(s3, BUCKET), "2023-03-15", DATA).zip_bytes))
    lines = archive.read("SHA256SUMS").decode().splitlines()
    assert len(lines) == 3 * 2 + 2
    for line in lines:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest


def test_same_stored_data_gives_the_same_bytes(s3, three_days):
    store = ApplicationStore(s3, BUCKET)
    assert build_bundle(store, "2023-03-15", DATA).zip_bytes == build_bundle(store, "2023-03-15", DATA).zip_bytes


def test_pdf_shows_the_penvoerder_and_the_reference_as_text(s3, three_days):
    archive = zipfile.ZipFile(io.BytesIO(build_bundle(ApplicationStore(s3, BUCKET), "2023-03-16", DATA).zip_bytes))
    (pdf_name,) = [n for n in archive.namelist() if n.endswith(".pdf")]
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(archive.read(pdf_name))).pages)
    assert "Volgende Dag B.V." in text
    assert three_days["next_day"]["reference"] in text
    assert "16 maart 2023 om 00:00:00.000 (CET)" in text


def test_admin_cli_writes_the_zip(s3, three_days, tmp_path, capsys):
    assert admin_cli.main(["bundle", "--day", "2023-03-15", "--out", str(tmp_path)]) == 0
    archive = zipfile.ZipFile(tmp_path / "imvo-aanvragen-2023-03-15.zip")
    assert len([n for n in archive.namelist() if n.endswith(".pdf")]) == 3
    assert "3 aanvraag" in capsys.readouterr().out


def test_admin_cli_refuses_a_day_that_is_not_a_date(capsys):
    with pytest.raises(SystemExit):
        admin_cli.main(["bundle", "--day", "15-03-2023"])
    assert "YYYY-MM-DD" in capsys.readouterr().err
