"""Issue 12 in a real Chromium: an officer signs in on /beheer/, sees the day, makes its bundle and downloads
it, follows an application's audit trail and records a rejection (confirmed first); axe (every rule) finds
nothing on any state of the console. And the public budget meter on the home and key-facts pages."""

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
    row.get_by_role("button").click()
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

    reason = 'II.3.1, criterium 2 <img src=x onerror="document.title=1">'
    page.fill("#reject-reference", receipt["reference"])
    page.fill("#reject-reason", reason)
    page.click("#reject-form button[type=submit]")
    page.wait_for_selector("#reject-confirm:not([hidden])")
    assert reason in page.text_content("#reject-summary")  # shown as text, before anything is recorded
    no_violations(page)
    page.click("#reject-yes")
    page.wait_for_function("document.getElementById('console-status').textContent.includes('is vastgelegd')")

    wait_for_mails(portal, receipt["reference"], 1)  # the confirmation follows the storing
    page.fill("#find-reference", receipt["reference"])
    page.click("#find-form button[type=submit]")
    page.wait_for_selector("#trail table")
    events = page.locator("#trail tbody tr td:nth-child(2)").all_text_contents()
    assert events == ["ontvangen", "bevestiging gemaild", "in een bundel", "bundel gedownload", "afgewezen"]
    assert reason in page.text_content("#trail") and page.locator("#trail img").count() == 0
    assert f"cognito:{portal.admin_username}" in page.text_content("#trail")
    no_violations(page)

    page.click("#sign-out")
    assert page.is_visible("#sign-in")


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
