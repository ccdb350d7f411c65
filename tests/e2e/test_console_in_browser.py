"""Issues 12 and 22 in a real Chromium: an officer signs in on /beheer/, sees the day, makes its bundle and downloads
it, lists the day's applications, opens one's file and records a decision (confirmed first), asks for a supplement
that the applicant answers; axe (every rule) finds nothing on any state of the console. And the public budget
meter on the home and key-facts pages."""

import hashlib
import json
import zipfile

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import load_fixture
from tests.e2e.conftest import wait_for_mails
from tests.integration.test_local_server import request

pytestmark = pytest.mark.e2e


def no_violations(page):
    results = Axe().run(page)  # every rule axe-core has, not only the WCAG-tagged ones
    assert results.violations_count == 0, results.generate_report()


def submitted(portal, fixture="pillar2-complete.json") -> dict:
    status, body, _ = request(portal.site + "/api/applications", "POST", json.dumps(load_fixture(fixture)))
    assert status == 201, body
    return json.loads(body)


def sign_in(page, portal):
    page.goto(portal.site + "/beheer/")
    no_violations(page)
    page.fill("#username", portal.admin_username)
    page.fill("#password", portal.admin_password)
    page.click("#sign-in-form button[type=submit]")
    page.wait_for_selector("#days table")


def test_an_officer_signs_in_downloads_a_bundle_sees_the_trail_and_records_a_rejection(page, portal, tmp_path):
    receipt = submitted(portal)
    page.goto(portal.site + "/beheer/")
    assert page.is_visible("#sign-in") and not page.is_visible("#console")  # no session: sign in first
    page.fill("#username", portal.admin_username)
    page.fill("#password", "not-the-password-1A")
    page.click("#sign-in-form button[type=submit]")
    page.wait_for_selector("#sign-in-error:not([hidden])")
    assert page.text_content("#sign-in-error").startswith("De gebruikersnaam, het wachtwoord")
    sign_in(page, portal)
    no_violations(page)
    row = page.locator("#days tbody tr", has_text=receipt["dutchDay"])
    assert row.count() == 1
    row.get_by_role("button", name=f"Bundel {receipt['dutchDay']}").click()
    page.wait_for_selector("#jobs li button:has-text('Downloaden')", timeout=60_000)
    assert page.text_content("#jobs li [role=status]").startswith("Klaar:")
    no_violations(page)
    with page.expect_download() as download:
        page.click("#jobs li button:has-text('Downloaden')")
    path = tmp_path / "bundle.zip"
    download.value.save_as(path)
    archive = zipfile.ZipFile(path)
    sums = dict(line.split("  ", 1)[::-1] for line in archive.read("SHA256SUMS").decode().splitlines())
    assert all(hashlib.sha256(archive.read(name)).hexdigest() == digest for name, digest in sums.items())
    assert any(receipt["reference"] in name for name in archive.namelist())

    wait_for_mails(portal, receipt["reference"], 1)  # the confirmation follows the storing
    page.fill("#list-day", receipt["dutchDay"])
    page.select_option("#list-pillar", "2")
    page.click("#list-form button[type=submit]")
    page.wait_for_selector("#day-list table")
    assert "alle gevraagde onderdelen aanwezig (controle portaal)" in page.text_content("#day-list")
    no_violations(page)
    page.click(f"#day-list button:has-text('{receipt['reference']}')")
    page.wait_for_selector("#case:not([hidden]) #trail table")
    assert page.evaluate("document.activeElement.id") == "case-title"
    no_violations(page)

    reason = 'II.3.1, criterium 2 <img src=x onerror="document.title=1">'
    page.select_option("#decision-kind", "rejected")
    page.fill("#decision-section", "II.3.1")
    page.fill("#decision-reason", reason)
    page.click("#decision-form button[type=submit]")
    page.wait_for_selector("#decision-confirm:not([hidden])")
    assert reason in page.text_content("#decision-summary")  # shown as text, before anything is recorded
    no_violations(page)
    page.click("#decision-yes")
    page.wait_for_function("document.getElementById('console-status').textContent.includes('is vastgelegd')")
    page.wait_for_selector("#case-records li:has-text('Besluit: afgewezen (II.3.1)')")
    assert page.is_hidden("#case-actions")  # decided: no more requests or checks
    events = page.locator("#trail tbody tr td:nth-child(2)").all_text_contents()
    # The decision is dated by the request's clock (the local server's, set to 2023 here), the bundle's events by the
    # job's: locally they differ, on AWS both are the same wall clock.
    assert sorted(events) == sorted(["ontvangen", "e-mail verstuurd", "in een bundel", "bundel gedownload", "besluit vastgelegd"])
    assert reason in page.text_content("#trail") and page.locator("#trail img, #case img").count() == 0
    assert f"cognito:{portal.admin_username}" in page.text_content("#trail")
    no_violations(page)

    page.click("#sign-out")
    assert page.is_visible("#sign-in")


def test_rvo_asks_for_a_supplement_with_a_term_the_applicant_answers_and_its_time_counts(page, portal, browser):
    """II.2.2 with Awb 4:5, issue 22: an officer asks for a supplement with a term; the applicant gets the e-mail
    (local outbox), supplements through the herstel page, and the supplement's time of receipt shows in the
    console and in the allocation."""
    receipt = submitted(portal, "pillar1-complete.json")
    reference = receipt["reference"]
    sign_in(page, portal)
    page.fill("#find-reference", reference)
    page.click("#find-form button[type=submit]")
    page.wait_for_selector("#case:not([hidden]) #trail table")
    page.fill("#request-items", "The plan of approach does not say which stakeholders take part.\nThe budget per partner is missing.")
    page.fill("#request-term", "2023-05-15")
    page.click("#request-form button[type=submit]")
    page.wait_for_selector("#case-records li:has-text('Herstelverzoek')")
    assert "herstelverzoek loopt" in page.text_content("#case-facts")
    no_violations(page)

    (mail,) = [m for m in wait_for_mails(portal, reference, 2) if "Request to supplement" in m["subject"]]
    assert "The budget per partner is missing." in mail["text"] and "15 May 2023" in mail["text"]
    assert f"{portal.site}/en/apply/supplement/" in mail["text"] and receipt["supplementToken"] not in mail["text"]

    applicant = browser.new_context(locale="en-GB", bypass_csp=True).new_page()
    applicant.goto(portal.site + "/en/apply/supplement/")
    applicant.wait_for_selector("#herstel-lookup:not([hidden])")
    applicant.fill("#herstel-reference", reference)
    applicant.fill("#herstel-code", receipt["supplementToken"])
    applicant.click("#herstel-lookup button[type=submit]")
    applicant.wait_for_url("**/en/apply/pillar-1/")
    applicant.wait_for_selector("#herstel-intro:not([hidden]) [data-herstel=request]:not([hidden])")
    assert "The budget per partner is missing." in applicant.text_content("#herstel-intro")
    assert "15 May 2023 at 23:59:59.999 (CEST)" in applicant.text_content("#herstel-intro")
    no_violations(applicant)
    applicant.wait_for_selector("#step-check:not([hidden]) #answers dt")
    applicant.click("#submit-button")
    applicant.wait_for_selector("#confirmation:not([hidden]) [data-if-supplement]:not([hidden])")
    supplement_reference = applicant.text_content("[data-receipt=supplementReference]")
    applicant.context.close()

    page.fill("#find-reference", reference)
    page.click("#find-form button[type=submit]")
    page.wait_for_selector(f"#case-versions li:has-text('{supplement_reference}')")
    facts = page.text_content("#case-facts")
    assert "herstelverzoek loopt" not in facts  # answered: the application stands as supplemented
    s3 = portal.s3()
    (key,) = [o["Key"] for o in s3.list_objects_v2(Bucket=portal.bucket, Prefix=f"supplements/{reference}/")["Contents"]]
    counted = json.loads(s3.get_object(Bucket=portal.bucket, Key=key)["Body"].read())["receipt"]
    assert counted["receivedAtDutch"] in facts

    page.fill("#seed", "published-seed")
    page.fill("#opening", "2022-1")
    page.click("#allocation-form button[type=submit]")
    page.wait_for_selector("#jobs li:has-text('Verdeling') button:has-text('Downloaden')", timeout=60_000)
    used = page.text_content("#jobs li:has-text('Verdeling') .draw-used")  # issue 23: what the draw used
    assert "Onthulde seed" in used and "published-seed" in used and "Niet gepubliceerd voor deze openstelling" in used
    with page.expect_download() as download:
        page.click("#jobs li:has-text('Verdeling') button:has-text('Downloaden')")
    rows = [row for row in download.value.path().read_text(encoding="utf-8").splitlines() if reference in row]
    assert len(rows) == 1 and counted["receivedAt"] in rows[0]  # II.2.2: the supplement's time counts


def test_the_budget_meter_shows_the_published_figures_in_both_languages(page, portal, built_site, monkeypatch):
    from imvo_local import admin_cli

    submitted(portal)
    for name, value in {"AWS_ENDPOINT_URL": portal.storage, "AWS_ACCESS_KEY_ID": "local",
                        "AWS_SECRET_ACCESS_KEY": "local", "IMVO_SUBMISSIONS_BUCKET": portal.bucket}.items():
        monkeypatch.setenv(name, value)
    assert admin_cli.main(["budget", "--opening", "2022-1", "--site", str(built_site)]) == 0
    meter = json.loads((built_site / "budget.json").read_text())
    pillar2 = next(c for c in meter["ceilings"] if c["id"] == "pillar2")
    for path, words in (("/", "aangevraagd van"), ("/kerngegevens/", "aangevraagd van"),
                        ("/en/", "applied for of"), ("/en/key-facts/", "applied for of")):
        page.goto(portal.site + path)
        page.wait_for_selector("#budgetmeter meter")
        text = page.text_content("#budgetmeter")
        assert words in text and "2022-1" in text
        assert page.locator("#budgetmeter meter").count() == 3
        label = page.locator("#meter-pillar2-text").text_content()
        assert f"{round(float(pillar2['asked']) / float(pillar2['ceiling']) * 100)}%" in label
        no_violations(page)
