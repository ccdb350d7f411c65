"""The application forms in a real Chromium against the local system (issue: a form that is complete,
accessible and forgiving): submit, stored object equal to what was typed, errors, draft, double click."""

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from pypdf import PdfReader

from tests.conftest import ROOT
from tests.e2e.conftest import wait_for_mails
from tests.e2e.forms import company, cso, fill_organisation, next_step, pdf_file

pytestmark = pytest.mark.e2e

REFLOW_WIDTH = 320  # WCAG 1.4.10: no scrolling sideways at 320 CSS pixels


def no_violations(page):
    """axe-core with every rule (best practices included) on the step as it stands, and the same step
    reflows at 320 CSS pixels: a second tab of the same browser opens the form (it restores the draft) at
    this step, so the page under test is not disturbed."""
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    step = page.evaluate("(document.querySelector('#application-form:not([hidden]) section.step:not([hidden])') || {}).id || ''")
    herstel = page.evaluate("sessionStorage.getItem('imvo-herstel')")
    narrow = page.context.new_page()
    try:
        if herstel:  # session storage belongs to one tab: hand the herstel state over as the page had it
            narrow.add_init_script(f"sessionStorage.setItem('imvo-herstel', {json.dumps(herstel)})")
        narrow.set_viewport_size({"width": REFLOW_WIDTH, "height": 640})
        narrow.goto(page.url)
        if step:
            narrow.wait_for_selector("#application-form:not([hidden])")
            narrow.click(f"[data-step-link] a[href='#{step}']")
            narrow.wait_for_selector(f"#{step}:not([hidden])")
        width = narrow.evaluate("document.documentElement.scrollWidth")
        assert width <= REFLOW_WIDTH, f"{page.url} ({step or 'page'}): the page is {width} px wide at {REFLOW_WIDTH} px"
    finally:
        narrow.close()


def stored(portal, reference):
    s3 = portal.s3()
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=portal.bucket, Prefix="applications/").get("Contents", [])
            if reference in o["Key"]]
    assert len(keys) == 1
    return json.loads(s3.get_object(Bucket=portal.bucket, Key=keys[0])["Body"].read())


def applications_of(portal, penvoerder):
    s3, found = portal.s3(), []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=portal.bucket, Prefix="applications/"):
        for item in page.get("Contents", []):
            document = json.loads(s3.get_object(Bucket=portal.bucket, Key=item["Key"])["Body"].read())
            if document["application"].get("penvoerder", {}).get("name") == penvoerder:
                found.append(document)
    return found


@pytest.fixture
def fresh(page, portal):
    """The form with no draft left from another test."""
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(portal.site + "/")
    page.evaluate("localStorage.clear()")
    return page


PILLAR_1_PENVOERDER = company("Linnen Huis B.V.", "11112222") | {"contact": {"name": "Fatima El Amrani", "email": "fatima@linnenhuis.example"}}
PILLAR_1_PARTNERS = [company("Wolwerk B.V.", "22223333"), company("Naald & Draad B.V.", "33334444"),
                     company("Jeans United B.V.", "44445555"), company("Stoffenhuis N.V.", "55556666")]


def fill_pillar_1(page, portal, penvoerder_name="Linnen Huis B.V.", axe=False):
    page.goto(portal.site + "/en/apply/pillar-1/")
    check = no_violations if axe else None
    page.select_option("#f-sector", "textiel-en-kleding")
    page.fill("#f-project-title", "Fair linen from field to shop")
    page.fill("#f-project-summary", "Five Dutch textile companies jointly address forced labour risks in their linen supply chain.")
    # Two years, ending before 31 August 2028 (II.1.5).
    page.fill("#f-project-startDate", "2023-09-01")
    page.fill("#f-project-endDate", "2025-08-31")
    next_step(page, check)
    fill_organisation(page, "penvoerder", PILLAR_1_PENVOERDER | {"name": penvoerder_name}, 1)
    page.fill("#f-penvoerder-contact-name", "Fatima El Amrani")
    page.fill("#f-penvoerder-contact-email", "fatima@linnenhuis.example")
    next_step(page, check)
    for index, partner in enumerate(PILLAR_1_PARTNERS):
        fill_organisation(page, f"partners.{index}", partner, 1)
    next_step(page, check)
    page.check("#f-plan-phaseA-steps-1")
    page.check("#f-plan-phaseA-steps-2")
    page.fill("#f-plan-phaseA-description", "A joint risk analysis with stakeholders in India and a consolidated plan of approach.")
    page.check("#f-plan-phaseB-steps-3")
    page.fill("#f-plan-phaseB-description", "Joint leverage on spinning mills to end forced overtime, monitored with workers.")
    page.fill("#f-plan-independentExpert-name", "Prof. M. de Wit")
    page.fill("#f-plan-independentExpert-expertise", "Fifteen years of OECD due diligence practice in textile chains.")
    next_step(page, check)
    for field, name in (("planOfApproach", "plan.pdf"), ("budget", "budget.pdf"), ("cooperationAgreement", "agreement.pdf")):
        page.set_input_files(f"#f-attachments-{field}-file", files=[pdf_file(name)])
        page.wait_for_selector(f"#f-attachments-{field}-status:has-text('Uploaded and checked')")
    next_step(page, check)
    for declaration in ("oecdGuidelines", "fmoExclusionList", "individualResponsibility", "integrityPolicy"):
        page.check(f"#f-declarations-{declaration}")
    next_step(page, check)
    page.wait_for_selector("#step-check:not([hidden]) #answers dt")


def test_pillar_1_complete_application_with_five_companies_and_three_uploads(fresh, portal, tmp_path):
    page = fresh
    fill_pillar_1(page, portal, axe=True)
    answers = page.text_content("#answers")
    assert "Wolwerk B.V." in answers and "Fair linen from field to shop" in answers and "agreement.pdf" in answers
    assert page.locator("#answers .change-link").count() > 40
    page.wait_for_selector("#calculation-summary [data-calculation=maximumGrant]:not(:has-text('–'))")
    # 5 companies × 400 h × €87.50 + €1,000 travel = €180,000 eligible → 50% = €90,000 (II.1.6)
    assert page.text_content("#calculation-summary [data-calculation=maximumGrant]") == "€90,000.00"
    no_violations(page)
    page.click("#submit-button")
    page.wait_for_selector("#confirmation:not([hidden])")
    assert page.evaluate("document.activeElement.id") == "confirmation"
    reference = page.text_content("[data-receipt=reference]")
    assert reference.startswith("IMVO-")
    assert page.text_content("[data-receipt=receivedAtText]").startswith("1 May 2023 at 10:")
    no_violations(page)
    document = stored(portal, reference)
    application = document["application"]
    assert application["penvoerder"]["name"] == "Linnen Huis B.V."
    assert application["penvoerder"]["contact"] == {"name": "Fatima El Amrani", "email": "fatima@linnenhuis.example"}
    assert [p["name"] for p in application["partners"]] == [p["name"] for p in PILLAR_1_PARTNERS]
    assert application["partners"][1]["budget"] == [{"year": 1, "hours": 400, "hourlyRate": 87.5, "travelCosts": 1000, "otherCosts": []}]
    assert application["plan"]["phaseA"]["steps"] == [1, 2]
    assert application["project"] == {"title": "Fair linen from field to shop",
        "summary": "Five Dutch textile companies jointly address forced labour risks in their linen supply chain.",
        "startDate": "2023-09-01", "endDate": "2025-08-31"}
    assert {a["filename"] for a in application["attachments"].values() if isinstance(a, dict)} == {"plan.pdf", "budget.pdf", "agreement.pdf"}
    assert document["receipt"]["status"] == "parts_missing"  # partner forms and de minimis declarations are still to come
    assert page.is_visible("[data-if-parts-missing]")
    assert page.text_content("[data-receipt=statusText]") == "parts missing (portal check)"
    assert page.text_content("[data-receipt=supplementToken]")  # the code, shown once, here only
    # The PDF receipt behind the confirmation's link: fetched with the code in a POST body, never in a URL.
    with page.expect_request(lambda r: r.url.endswith(f"/api/applications/{reference}/receipt")) as sent:
        with page.expect_download() as download:
            page.click("[data-receipt-link]")
    assert sent.value.method == "POST" and "token" not in sent.value.url and "token" in sent.value.post_data
    pdf = Path(download.value.path()).read_bytes()
    assert reference in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    # The admin's bundle of that day has its PDF, with the penvoerder's name (make bundle's command).
    day = document["receipt"]["dutchDay"]
    env = os.environ | {"AWS_ENDPOINT_URL": portal.storage, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
                        "IMVO_SUBMISSIONS_BUCKET": portal.bucket, "PYTHONPATH": str(ROOT / "functions")}
    out = tmp_path
    subprocess.run([sys.executable, "-m", "imvo_local.admin_cli", "bundle", "--day", day, "--out", str(out)],
                   check=True, env=env, cwd=ROOT, capture_output=True)
    archive = zipfile.ZipFile(out / f"imvo-aanvragen-{day}.zip")
    (pdf_name,) = [n for n in archive.namelist() if n.endswith(f"{reference}.pdf")]
    assert "Linnen Huis B.V." in "".join(p.extract_text() for p in PdfReader(io.BytesIO(archive.read(pdf_name))).pages)


def fill_pillar_2(page, portal, check=None):
    """A pillar-2 application in Dutch up to the check page: CVs uploaded, but no activity plan, budget or
    annual report, so it arrives incomplete (III.2.1, III.1.3)."""
    page.goto(portal.site + "/aanvragen/pijler-2/formulier/")
    page.check("#f-activityTypes-basic")
    page.fill("#f-covenant-name", "Convenant Verantwoord Goud")
    page.fill("#f-covenant-signedDate", "2017-06-01")
    page.fill("#f-covenant-endDate", "2029-12-31")
    page.check("#f-covenant-ministerIsParty-true")
    next_step(page, check)
    fill_organisation(page, "penvoerder", cso("Stichting Eerlijk Goud", "66667777"), 2)
    page.fill("#f-penvoerder-contact-name", "Joris Bakker")
    page.fill("#f-penvoerder-contact-email", "joris@eerlijkgoud.example")
    page.fill("#f-penvoerder-annualBudgets-0-year", "2022")
    page.fill("#f-penvoerder-annualBudgets-0-amount", "750000")
    page.fill("#f-penvoerder-annualBudgets-1-year", "2021")
    page.fill("#f-penvoerder-annualBudgets-1-amount", "690000")
    next_step(page, check)
    fill_organisation(page, "partners.0", cso("Stichting Mijnbouw Watch", "77778888"), 2)
    page.fill("#f-roleDivision", "Eerlijk Goud coördineert; Mijnbouw Watch brengt de kennis van lokale partners in.")
    next_step(page, check)
    page.fill("#f-project-title", "Inzet in het goudconvenant")
    page.fill("#f-project-summary", "Basisactiviteiten van twee organisaties in het convenant.")
    page.fill("#f-project-startDate", "2023-07-01")
    page.fill("#f-project-endDate", "2024-06-30")
    next_step(page, check)
    page.set_input_files("#f-attachments-cvs-file", files=[pdf_file("cv-joris.pdf"), pdf_file("cv-anna.pdf")])
    page.wait_for_selector("[data-list-for='attachments.cvs'] li:nth-child(2)")
    next_step(page, check)
    for declaration in ("integrityPolicy", "supportOfOtherParties", "noOtherForeignAffairsFunding"):
        page.check(f"#f-declarations-{declaration}")
    next_step(page, check)
    page.wait_for_selector("#step-check:not([hidden]) #answers dt")


def test_pillar_2_in_dutch(fresh, portal):
    page = fresh
    fill_pillar_2(page, portal, no_violations)
    assert "Wijzig" in page.text_content("#answers")
    # what is missing stands apart from the notes, as the portal's reading, and says what it costs (II.2.2, III.2.2)
    page.wait_for_selector("#findings-summary ul.finding-incomplete li")
    missing = page.text_content("#findings-summary")
    assert "Dit ontbreekt (controle portaal)" in missing and "kan ook worden afgewezen" in missing
    assert all(text.startswith("Ontbreekt:") for text in page.locator("#findings-summary ul.finding-incomplete li").all_inner_texts())
    assert page.is_hidden("#confirm-rejection")  # nothing predicts rejection: no confirmation asked
    assert "activiteitenplan" in page.text_content("#findings-summary ul.finding-incomplete")
    no_violations(page)
    page.click("#submit-button")
    page.wait_for_selector("#confirmation:not([hidden])")
    assert " om " in page.text_content("[data-receipt=receivedAtText]")
    application = stored(portal, page.text_content("[data-receipt=reference]"))["application"]
    assert application["activityTypes"] == ["basic"]
    assert application["penvoerder"]["annualBudgets"] == [{"year": 2022, "amount": 750000}, {"year": 2021, "amount": 690000}]
    assert application["partners"][0]["name"] == "Stichting Mijnbouw Watch"
    assert [c["filename"] for c in application["attachments"]["cvs"]] == ["cv-joris.pdf", "cv-anna.pdf"]
    assert "annualBudgets" not in application["partners"][0]


def test_herstel_in_the_browser_a_supplement_takes_its_own_time_of_receipt(fresh, portal):
    """II.2.2, III.2.2: an application incomplete for want of attachments is completed on the herstel page
    with the reference and code; the supplement's receipt is shown and its time becomes the application's."""
    page = fresh
    fill_pillar_2(page, portal)
    page.click("#submit-button")
    page.wait_for_selector("#confirmation:not([hidden])")
    reference = page.text_content("[data-receipt=reference]")
    code = page.text_content("[data-receipt=supplementToken]")
    assert page.is_visible("[data-if-parts-missing]") and code
    original = stored(portal, reference)
    assert original["receipt"]["status"] == "parts_missing"

    page.click("[data-if-parts-missing] a[href$='/aanvragen/aanvullen/']")
    page.wait_for_selector("#herstel-lookup:not([hidden])")
    no_violations(page)
    page.fill("#herstel-reference", reference)
    page.fill("#herstel-code", "not-the-code")
    page.click("#herstel-lookup button[type=submit]")
    page.wait_for_selector("#error-summary:not([hidden])")
    assert page.get_attribute("#herstel-code", "aria-invalid") == "true"
    page.fill("#herstel-code", code)
    page.click("#herstel-lookup button[type=submit]")
    page.wait_for_url("**/aanvragen/pijler-2/formulier/")
    assert code not in page.url and reference not in page.url  # the code never goes into a URL
    page.wait_for_selector("#herstel-intro:not([hidden])")
    assert reference in page.text_content("#herstel-intro")
    assert page.is_hidden("#herstel-intro [data-herstel=request]")  # RVO did not ask: the portal's findings only
    missing = page.text_content("#herstel-intro [data-herstel=findings]")
    assert "activiteitenplan" in missing and "jaarverslag" in missing
    page.wait_for_selector("#step-check:not([hidden]) #answers dt")
    assert "Stichting Eerlijk Goud" in page.text_content("#answers")  # the application as it stands
    no_violations(page)

    page.click("[data-step-link] a[href='#step-attachments']")
    for field, name in (("activityPlan", "activiteitenplan.pdf"), ("budget", "begroting.pdf"), ("annualReport", "jaarverslag.pdf")):
        page.set_input_files(f"#f-attachments-{field}-file", files=[pdf_file(name)])
        page.wait_for_selector(f"#f-attachments-{field}-status:has-text('Geüpload en gecontroleerd')")
    page.click("[data-step-link] a[href='#step-check']")
    page.wait_for_selector("#step-check:not([hidden]) #answers dt")
    page.click("#submit-button")
    page.wait_for_selector("#confirmation:not([hidden]) [data-if-supplement]:not([hidden])")
    no_violations(page)
    supplement_reference = page.text_content("[data-receipt=supplementReference]")
    assert supplement_reference.startswith("IMVO-") and supplement_reference != reference
    assert page.text_content("[data-receipt=reference]") == reference
    assert page.is_hidden("[data-if-parts-missing]")

    s3 = portal.s3()
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=portal.bucket, Prefix=f"supplements/{reference}/").get("Contents", [])]
    assert len(keys) == 1
    supplement = json.loads(s3.get_object(Bucket=portal.bucket, Key=keys[0])["Body"].read())
    assert supplement["receipt"]["status"] == "parts_present"
    assert supplement["receipt"]["supplementReference"] == supplement_reference
    assert supplement["receipt"]["effectiveReceivedAt"] == supplement["receipt"]["receivedAt"] > original["receipt"]["receivedAt"]
    assert supplement["application"]["attachments"]["cvs"] == original["application"]["attachments"]["cvs"]
    assert stored(portal, reference) == original  # the original stays as it was received
    assert page.evaluate("sessionStorage.getItem('imvo-herstel')") is None

    # The confirmation e-mails: one for the application, one for its supplement, each with its PDF receipt
    # (sent after storing, through the embedded SES, and shown in the local outbox).
    mails = wait_for_mails(portal, reference, 2)
    assert [m["attachments"][0]["contentType"] for m in mails] == ["application/pdf"] * 2
    # with each its signed receipt for machines (issue 23)
    assert {m["attachments"][1]["filename"] for m in mails} == {f"ontvangstbewijs-{r}.json" for r in (reference, supplement_reference)}
    assert {m["attachments"][0]["filename"] for m in mails} == {f"ontvangstbewijs-{reference}.pdf",
                                                                f"ontvangstbewijs-{supplement_reference}.pdf"}
    assert any("geldt nu als het tijdstip van ontvangst" in m["text"] for m in mails)  # pillar 2: Dutch
    page.goto(f"{portal.site}/local/outbox/")
    pdf_link = f"article:has-text('{supplement_reference}') a[href^='/local/outbox/']:has-text('.pdf')"
    assert page.locator(pdf_link).count() == 1
    no_violations(page)
    download = page.request.get(portal.site + page.get_attribute(pdf_link, "href"))
    assert download.ok and download.body().startswith(b"%PDF")



def test_a_receipt_from_the_browser_verifies_on_the_verification_page_and_a_forged_one_is_refused(fresh, portal):
    """Issue 23: the receipt PDF of a submission made in the browser carries its signed receipt; the verification
    page checks its signature with WebCrypto against the published key and its place in the receipt log with an
    RFC 9162 proof to a signed checkpoint; one changed millisecond is refused, with the reason."""
    page = fresh
    fill_pillar_2(page, portal)
    page.click("#submit-button")
    page.wait_for_selector("#confirmation:not([hidden])")
    reference = page.text_content("[data-receipt=reference]")
    with page.expect_download() as download:
        page.click("[data-receipt-link]")
    pdf = download.value.path()
    page.click("#confirmation a[href$='/ontvangstbewijs-controleren/']")
    page.wait_for_selector("#verify-receipt:not([hidden])")
    no_violations(page)
    for _ in range(30):  # the local sequencer logs a receipt 5 s after its time of receipt
        page.set_input_files("#verify-file", pdf)
        page.evaluate("document.getElementById('verify-result').replaceChildren()")
        page.click("#verify-receipt button[type=submit]")
        page.wait_for_selector("#verify-result .notice")
        if "plaats" in page.text_content("#verify-result"):
            break
        page.wait_for_timeout(1000)
    verdict = page.text_content("#verify-result")
    assert "Geldig: het portaal heeft dit ontvangstbewijs ondertekend." in verdict and reference in verdict
    assert "In het ontvangstlogboek: plaats" in verdict and "daarover beslist RVO" in verdict
    assert page.get_attribute("#verify-result", "role") == "status"  # the verdict is announced where it appears
    no_violations(page)

    signed = stored(portal, reference)["receipt"]["signedReceipt"]
    forged = json.loads(json.dumps(signed))
    forged["statement"]["receivedAtMs"] -= 1  # one millisecond earlier: a better place in the order
    page.set_input_files("#verify-file", [])
    page.fill("#verify-text", json.dumps(forged))
    page.click("#verify-receipt button[type=submit]")
    page.wait_for_selector("#verify-result .verify-invalid")
    assert "De handtekening klopt niet" in page.text_content("#verify-result")
    page.fill("#verify-text", json.dumps({"signedReceipt": signed}))  # the API's answer, pasted whole
    page.click("#verify-receipt button[type=submit]")
    page.wait_for_selector("#verify-result .verify-valid")
    no_violations(page)


def test_invalid_step_shows_error_summary_that_takes_focus_and_links_to_each_field(fresh, portal):
    page = fresh
    page.goto(portal.site + "/en/apply/pillar-1/")
    page.fill("#f-project-title", "Ab")
    next_step(page)
    page.wait_for_selector("#error-summary:not([hidden])")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.title().startswith("Error: ")
    links = page.locator("#error-summary a")
    targets = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert {"#f-sector", "#f-project-title", "#f-project-summary", "#f-project-startDate", "#f-project-endDate"} <= set(targets)
    page.click('#error-summary a[href="#f-project-title"]')
    assert page.evaluate("document.activeElement.id") == "f-project-title"
    assert page.get_attribute("#f-project-title", "aria-invalid") == "true"
    assert "at least 3 characters" in page.text_content("#f-project-title-error")
    assert "f-project-title-error" in page.get_attribute("#f-project-title", "aria-describedby")
    no_violations(page)


def test_an_application_the_portal_expects_to_be_rejected_is_sent_after_a_deliberate_confirmation(fresh, portal):
    """I.5: rejecting is RVO's decision. The check page lists apart what predicts rejection, with a link to the field;
    sending asks for a confirmation first; then the application is stored and receipted with the portal's words."""
    page = fresh
    fill_pillar_1(page, portal, penvoerder_name="Refused Partners B.V.")
    page.click("[data-step-link=partners] a")
    page.check("#f-partners-2-mainlyConsultancy-true")  # II.1.3: leaves four companies
    page.click("[data-step-link=check] a")
    page.wait_for_selector("#findings-summary ul.finding-reject li")
    assert "Dit leidt naar verwachting tot afwijzing" not in page.text_content("#findings-summary")  # English form
    assert "This is expected to lead to rejection (portal check)" in page.text_content("#findings-summary")
    assert page.is_visible("#confirm-rejection")
    no_violations(page)
    page.click("#submit-button")
    page.wait_for_selector("#error-summary:not([hidden])")
    assert applications_of(portal, "Refused Partners B.V.") == []  # nothing sent without the confirmation
    page.click('#error-summary a[href="#f-confirmRejection"]')
    assert page.evaluate("document.activeElement.id") == "f-confirmRejection"
    page.click('#findings-summary ul.finding-reject a[href="#f-partners-2-mainlyConsultancy-true"]')
    assert page.is_visible("#step-partners")
    assert page.evaluate("document.activeElement.id") == "f-partners-2-mainlyConsultancy-true"
    page.click("[data-step-link=check] a")
    page.wait_for_selector("#confirm-rejection:not([hidden])")
    page.check("#f-confirmRejection")
    page.click("#submit-button")
    page.wait_for_selector("#confirmation:not([hidden])")
    assert page.text_content("[data-receipt=statusText]") == "rejection expected (portal check)"
    assert page.is_visible("[data-if-rejection-expected]") and "RVO decides" in page.text_content("[data-if-rejection-expected]")
    no_violations(page)
    (document,) = applications_of(portal, "Refused Partners B.V.")
    assert document["receipt"]["status"] == "rejection_expected"
    assert any(f["rule"] == "II.1.3" and f["severity"] == "reject" for f in document["findings"])


def test_a_step_with_answers_left_out_says_so_once_and_then_lets_the_applicant_go_on(fresh, portal):
    """An applicant never loses a place by our reading: a missing answer is said, and the applicant may go on."""
    page = fresh
    page.goto(portal.site + "/en/apply/pillar-1/")
    page.select_option("#f-sector", "textiel-en-kleding")
    page.fill("#f-project-title", "Fair linen from field to shop")
    next_step(page)
    page.wait_for_selector("#error-summary:not([hidden]) #onward:not([hidden])")
    assert page.is_visible("#step-project")
    no_violations(page)
    page.click("#onward button")
    page.wait_for_selector("#step-penvoerder:not([hidden])")
    assert page.is_hidden("#error-summary")


def test_draft_survives_a_reload(fresh, portal):
    page = fresh
    page.goto(portal.site + "/en/apply/pillar-1/")
    page.select_option("#f-sector", "metaal")
    page.fill("#f-project-title", "Responsible steel")
    page.click("[data-step-link=partners] a")
    page.click("[data-add-to=partners]")
    page.fill("#f-partners-4-name", "Fifth Partner B.V.")
    page.wait_for_function("(localStorage.getItem('imvo-draft-pillar-1-en') || '').includes('Fifth Partner B.V.')")
    page.reload()
    assert "restored" in page.text_content("#draft-status")
    assert page.is_visible("#step-partners")
    assert page.input_value("#f-partners-4-name") == "Fifth Partner B.V."
    page.click("[data-step-link=project] a")
    assert page.input_value("#f-sector") == "metaal"
    assert page.input_value("#f-project-title") == "Responsible steel"


def test_double_click_stores_one_application(fresh, portal):
    page = fresh
    fill_pillar_1(page, portal, penvoerder_name="Double Click B.V.")
    sent = []
    page.on("request", lambda r: r.method == "POST" and r.url.endswith("/api/applications") and sent.append(r))
    page.dblclick("#submit-button")
    page.wait_for_selector("#confirmation:not([hidden])")
    # Every submission the double click caused has had its answer before we count what is stored.
    assert sent and all(request.response() for request in sent)
    assert len(applications_of(portal, "Double Click B.V.")) == 1


def test_network_failure_keeps_everything_and_the_retry_sends_once(fresh, portal):
    page = fresh
    fill_pillar_1(page, portal, penvoerder_name="Flaky Network B.V.")
    failures = {"left": 1}

    def drop_once(route):
        if failures["left"]:
            failures["left"] -= 1
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/api/applications", drop_once)
    page.click("#submit-button")
    page.wait_for_selector("#error-summary:not([hidden])")
    assert "no connection" in page.text_content("#error-summary")
    assert page.is_enabled("#submit-button")
    page.click("#submit-button")
    page.wait_for_selector("#confirmation:not([hidden])")
    assert len(applications_of(portal, "Flaky Network B.V.")) == 1


def test_without_javascript_the_form_page_says_what_to_do(browser, portal):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(portal.site + "/aanvragen/pijler-2/formulier/")
    assert "Zet JavaScript aan" in page.content()
    assert page.is_hidden("#application-form")
    context.close()


def test_a_change_from_the_check_page_returns_to_the_check_page(fresh, portal):
    page = fresh
    fill_pillar_2(page, portal)
    page.click("#answers a.change-link[href='#f-project-title']")
    assert page.is_visible("#step-project") and page.evaluate("document.activeElement.id") == "f-project-title"
    page.fill("#f-project-title", "Inzet in het goudconvenant, herzien")
    next_step(page)
    page.wait_for_selector("#step-check:not([hidden]) #answers dt")
    assert "Inzet in het goudconvenant, herzien" in page.text_content("#answers")


def test_consultancy_is_asked_only_when_the_partner_is_a_company(fresh, portal):
    page = fresh
    page.goto(portal.site + "/en/apply/pillar-1/")
    page.click("[data-step-link] a[href='#step-partners']")
    page.wait_for_selector("#f-partners-0-kind")
    page.select_option("#f-partners-0-kind", "cso")
    assert page.is_hidden("#f-partners-0-mainlyConsultancy")
    page.select_option("#f-partners-0-kind", "company")
    assert page.is_visible("#f-partners-0-mainlyConsultancy")
    page.check("#f-partners-0-mainlyConsultancy-false")
    page.select_option("#f-partners-0-kind", "trade-association")
    assert page.is_hidden("#f-partners-0-mainlyConsultancy")
    assert page.evaluate("document.querySelector('#f-partners-0-mainlyConsultancy-false').checked") is False  # no stale answer is sent


def test_every_problem_of_a_step_at_once_in_page_order_by_the_organisations_name(fresh, portal):
    page = fresh
    page.goto(portal.site + "/en/apply/pillar-1/")
    page.click("[data-step-link] a[href='#step-partners']")
    page.wait_for_selector("#f-partners-0-name")
    page.fill("#f-partners-0-name", "Wolwerk B.V.")
    next_step(page)
    page.wait_for_selector("#error-summary:not([hidden]) li")
    items = page.locator("#error-summary li").all_inner_texts()
    targets = page.locator("#error-summary a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    order = page.evaluate("ids => ids.map(id => [...document.querySelectorAll('[id]')].findIndex(e => '#' + e.id === id))", targets)
    assert order == sorted(order), targets  # in the order of the fields on the page
    first_partner = [text for text in items if text.startswith("Wolwerk B.V.")]
    assert len(first_partner) >= 5  # each missing answer of that partner, not one line for the group
    assert any("Choose an answer for 'Kind of partner'" in text for text in first_partner)
    assert any("Fill in 'Legal form'" in text for text in first_partner)


def test_too_few_companies_is_said_where_the_companies_are_entered(fresh, portal):
    """II.1.3: with a trade association instead of the fifth company, the partners step says so, at the partners."""
    page = fresh
    page.goto(portal.site + "/en/apply/pillar-1/")
    page.click("[data-step-link] a[href='#step-penvoerder']")
    fill_organisation(page, "penvoerder", PILLAR_1_PENVOERDER, 1)
    page.fill("#f-penvoerder-contact-name", "Fatima El Amrani")
    page.fill("#f-penvoerder-contact-email", "fatima@linnenhuis.example")
    page.click("[data-step-link] a[href='#step-partners']")
    partners = PILLAR_1_PARTNERS[:3] + [company("Branchevereniging Linnen", "66667777") | {"kind": "trade-association"}]
    for index, partner in enumerate(partners):
        fill_organisation(page, f"partners.{index}", partner, 1)
    next_step(page)
    page.wait_for_selector("#error-summary:not([hidden]) li")
    assert page.is_visible("#step-partners")
    link = page.locator("#error-summary a", has_text="at least five")
    assert link.get_attribute("href").startswith("#f-partners")
    assert "at least five" in page.text_content("#f-partners-error")
