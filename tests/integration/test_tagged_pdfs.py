"""Every PDF we make is tagged (PDF/UA-1): a structure tree of headings, paragraphs and tables, the
document's language and its title; and the applicant's receipt speaks in human terms."""

import base64
import io
import json
import zipfile

from pypdf import PdfReader

from imvo.admin.bundle import build_bundle
from imvo.intake.storage import ApplicationStore, s3_client
from imvo.settings import load_settings
from tests.conftest import sealed, handler_module, load_event, load_fixture
from tests.integration.test_intake import post


def structure_of(pdf: bytes) -> tuple[str, str, list[str]]:
    """(the document's language, its title, the structure tags in reading order), read back from the PDF."""
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"]), "not a tagged PDF"
    tags = []

    def walk(node):
        node = node.get_object() if hasattr(node, "get_object") else node
        if not isinstance(node, dict):
            return
        if "/S" in node:
            tags.append(str(node["/S"]).lstrip("/"))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            walk(kid)

    walk(root["/StructTreeRoot"])
    return str(root.get("/Lang", "")), str((reader.metadata or {}).get("/Title", "")), tags


def receipt_of(submit, document) -> tuple[dict, bytes]:
    _, receipt = post(submit, document)
    event = load_event("submit-pillar1-valid.json")
    event["pathParameters"] = {"reference": receipt["reference"]}
    event["body"] = json.dumps({"token": receipt["supplementToken"]})
    response = handler_module("receipt").handler(event)
    assert response["statusCode"] == 200
    return receipt, base64.b64decode(response["body"])


def test_the_receipt_is_a_tagged_pdf_in_dutch_with_its_title(submit, s3):
    receipt, pdf = receipt_of(submit, load_fixture("pillar1-complete.json"))
    language, title, tags = structure_of(pdf)
    assert language == "nl" and title == f"Ontvangstbewijs {receipt['reference']}"
    assert tags[0] == "Document" and {"H1", "H2", "P"} <= set(tags)


def test_the_receipt_speaks_in_human_terms(submit, s3):
    """No JSON paths, storage keys or raw status codes: questions, file names, the portal's check in words that say
    whose judgement it is, what a finding means."""
    receipt, pdf = receipt_of(submit, load_fixture("pillar1-incomplete.json"))
    assert receipt["status"] == "parts_missing"
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "$." not in text and "attachments/" not in text
    assert "onderdelen ontbreken (controle portaal) · parts missing (portal check)" in text
    assert "Onderdeel ontbreekt (controle portaal) · Part missing (portal check)" in text
    assert "parts_missing" not in text and "Volledig ·" not in text  # no raw code, no verdict the portal cannot give
    assert "De controle door het portaal is geen besluit" in text and "Article 4 of the Decision" in text
    assert "Bijlagen (II.2.1) › Plan van aanpak" in text  # the question, as the form asks it
    assert ".pdf (" in text  # the file name and its size
    assert "15 maart 2023 om 10:15:30,250 (CET)" in text


def test_the_application_pdfs_in_a_bundle_are_tagged(submit, s3, tmp_path):
    receipt, _ = receipt_of(submit, load_fixture("pillar1-complete.json"))
    settings = load_settings()
    store = ApplicationStore(s3_client(), settings.submissions_bucket, settings.retention_days)
    with (tmp_path / "bundle.zip").open("w+b") as target:
        bundle = build_bundle(store, [receipt["dutchDay"]], settings.data_dir, target)
    archive = zipfile.ZipFile(tmp_path / "bundle.zip")
    pdfs = [name for name in archive.namelist() if name.endswith(".pdf") and "/bijlagen/" not in name]
    assert bundle.count == 1 and pdfs
    for name in pdfs:
        language, title, tags = structure_of(archive.read(name))
        assert language == "nl" and receipt["reference"] in title and "H1" in tags, name


def test_the_regulation_pdf_is_tagged(built_site):
    pdf = (built_site / "regeling" / "beleidsregels-sectorale-samenwerking-imvo-2022-2025.pdf").read_bytes()
    language, title, tags = structure_of(pdf)
    assert language == "nl" and "IMVO" in title
    assert tags.count("H2") >= 5 and "Table" in tags and "L" in tags


def test_the_allocation_report_is_tagged():
    from tests.integration.test_allocation import CEILINGS, candidate
    from imvo.admin.allocation import allocate
    from imvo.admin.allocation_report import report_html, report_pdf

    lines = allocate([candidate("A", "05-01T09:00:00.000", 2_000_000, sector="bouw")], CEILINGS, sealed("seed"))
    language, title, tags = structure_of(report_pdf(report_html(lines, CEILINGS, "seed", "2022-1")))
    assert language == "nl" and title.startswith("Verdeling van het budget") and "Table" in tags

