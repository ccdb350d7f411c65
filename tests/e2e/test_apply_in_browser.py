"""One application travelling end to end in a real Chromium: form → API → embedded S3 → admin bundle."""

import io
import json
import os
import subprocess
import sys
import zipfile

import pytest
from axe_playwright_python.sync_playwright import Axe
from pypdf import PdfReader

from tests.conftest import ROOT

pytestmark = pytest.mark.e2e

WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def fill_valid_application(page, penvoerder_name):
    page.select_option("#f-sector", "textiel-en-kleding")
    page.fill("#f-penvoerder-name", penvoerder_name)
    page.fill("#f-penvoerder-registrationNumber", "87654321")
    page.fill("#f-penvoerder-contactName", "Bram de Vries")
    page.fill("#f-penvoerder-email", "bram@example.org")
    page.fill("#f-project-title", "Responsible sourcing of cotton")
    page.fill("#f-project-summary", "Six companies map and reduce the worst risks in their cotton supply chain.")
    page.fill("#f-project-startDate", "2027-01-01")
    page.fill("#f-project-endDate", "2029-06-30")


def test_submit_in_browser_then_bundle_the_day(page, portal, tmp_path):
    page.goto(portal.site + "/en/apply/pillar-1/")
    fill_valid_application(page, "Katoen & Co B.V.")
    page.click("button[type=submit]")
    page.wait_for_selector("#confirmation:not([hidden])")
    reference = page.text_content("[data-receipt=reference]")
    received_dutch = page.text_content("[data-receipt=receivedAtDutch]")
    assert reference.startswith("IMVO-")
    assert page.evaluate("document.activeElement.id") == "confirmation"

    s3 = portal.s3()
    (key,) = [o["Key"] for o in s3.list_objects_v2(Bucket=portal.bucket)["Contents"] if reference in o["Key"]]
    stored = json.loads(s3.get_object(Bucket=portal.bucket, Key=key)["Body"].read())
    assert stored["application"] == {
        "pillar": 1, "sector": "textiel-en-kleding",
        "penvoerder": {"name": "Katoen & Co B.V.", "registrationNumber": "87654321",
                       "contactName": "Bram de Vries", "email": "bram@example.org"},
        "project": {"title": "Responsible sourcing of cotton",
                    "summary": "Six companies map and reduce the worst risks in their cotton supply chain.",
                    "startDate": "2027-01-01", "endDate": "2029-06-30"},
    }
    assert stored["receipt"]["receivedAtDutch"] == received_dutch

    # The admin command of `make bundle`, as a separate process against the embedded S3.
    day = stored["receipt"]["dutchDay"]
    env = os.environ | {"AWS_ENDPOINT_URL": portal.storage, "AWS_ACCESS_KEY_ID": "local",
                        "AWS_SECRET_ACCESS_KEY": "local", "IMVO_SUBMISSIONS_BUCKET": portal.bucket,
                        "PYTHONPATH": str(ROOT / "functions")}
    subprocess.run([sys.executable, "-m", "imvo.admin_cli", "bundle", "--day", day, "--out", str(tmp_path)],
                   check=True, env=env, cwd=ROOT, capture_output=True)
    archive = zipfile.ZipFile(tmp_path / f"imvo-aanvragen-{day}.zip")
    (pdf_name,) = [n for n in archive.namelist() if reference in n and n.endswith(".pdf")]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(archive.read(pdf_name))).pages)
    assert "Katoen & Co B.V." in text


def test_invalid_form_shows_error_summary_that_takes_focus_and_links_to_fields(page, portal):
    page.goto(portal.site + "/en/apply/pillar-1/")
    page.fill("#f-penvoerder-email", "not-an-email")
    page.click("button[type=submit]")
    page.wait_for_selector("#error-summary:not([hidden])")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.title().startswith("Error: ")
    links = page.locator("#error-summary a")
    assert links.count() >= 5
    email_link = page.locator('#error-summary a[href="#f-penvoerder-email"]')
    email_link.click()
    assert page.evaluate("document.activeElement.id") == "f-penvoerder-email"
    assert page.get_attribute("#f-penvoerder-email", "aria-invalid") == "true"
    assert page.is_visible("#f-penvoerder-email-error")


def test_no_wcag_21_aa_violation_on_any_page(page, portal, built_site):
    """Every page the build writes (tested, not sampled), in a real Chromium with axe-core."""
    paths = sorted("/" + str(p.relative_to(built_site)).removesuffix("index.html")
                   for p in built_site.rglob("*.html") if "pagefind" not in p.parts)
    assert len(paths) >= 20
    report = {}
    for path in paths:
        page.goto(portal.site + path)
        results = Axe().run(page, options=WCAG_21_AA)
        if results.violations_count:
            report[path] = results.generate_report()
    assert report == {}


def test_error_state_of_the_form_has_no_wcag_violation(page, portal):
    page.goto(portal.site + "/en/apply/pillar-1/")
    page.click("button[type=submit]")
    page.wait_for_selector("#error-summary:not([hidden])")
    results = Axe().run(page, options=WCAG_21_AA)
    assert results.violations_count == 0, results.generate_report()
