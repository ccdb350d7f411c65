"""The programme site in a real Chromium: search offline, skip link, no JavaScript, print."""

import pytest

pytestmark = pytest.mark.e2e


def test_search_finds_the_lottery_rule_offline(page, portal):
    page.goto(portal.site + "/zoeken/")
    page.fill("#search-terms", "loting")
    page.press("#search-terms", "Enter")
    page.wait_for_selector(".search-result-link")
    assert "resultaten voor “loting”" in page.text_content("#search-status")
    links = page.locator(".search-result-link")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert any(h.startswith("/regeling/") for h in hrefs), hrefs
    assert not any(h.startswith("/en/") for h in hrefs), "Dutch search stays in the Dutch index"


def test_english_search_finds_english_pages(page, portal):
    page.goto(portal.site + "/en/search/")
    page.fill("#search-terms", "lottery")
    page.wait_for_selector(".search-result-link")
    href = page.locator(".search-result-link").first.get_attribute("href")
    assert href.startswith("/en/")


def test_skip_link_is_first_and_moves_focus_to_the_content(page, portal):
    page.goto(portal.site + "/regeling/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.is_visible(".skip-link")
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#inhoud"


def test_pages_work_without_javascript(browser, portal):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(portal.site + "/veelgestelde-vragen/")
    assert page.locator("h2").count() >= 20
    page.goto(portal.site + "/en/apply/pillar-1/")
    assert "Please turn JavaScript on to apply" in page.content()
    assert page.is_hidden("#application-form")
    context.close()


def test_layout_fits_a_phone_screen(browser, portal):
    """WCAG 1.4.10 reflow at 320 CSS px: no page scrolls sideways (the API pages' code blocks did)."""
    context = browser.new_context(viewport={"width": 320, "height": 740})
    page = context.new_page()
    for path in ("/", "/kerngegevens/", "/regeling/", "/koppelen/", "/en/api/", "/keuzes-in-de-uitvoering/",
                 "/en/how-we-apply-the-rules/", "/aanvragen/aanvullen/", "/beheer/"):
        page.goto(portal.site + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, path
    context.close()


def test_print_stylesheet_hides_navigation(page, portal):
    page.goto(portal.site + "/kerngegevens/")
    page.emulate_media(media="print")
    assert page.is_hidden(".site-header nav")
    page.emulate_media(media="screen")
    assert page.is_visible(".site-header nav")


def test_no_axe_violation_on_any_page(page, portal, built_site):
    """Every page the build writes (tested, not sampled), in a real Chromium with axe-core and every rule it has."""
    from axe_playwright_python.sync_playwright import Axe

    paths = sorted("/" + str(p.relative_to(built_site)).removesuffix("index.html")
                   for p in built_site.rglob("*.html") if "pagefind" not in p.parts)
    assert len(paths) >= 24
    report = {}
    for path in paths:
        page.goto(portal.site + path)
        results = Axe().run(page)  # every rule axe-core has, best practices included
        if results.violations_count:
            report[path] = results.generate_report()
    assert report == {}


def test_pages_keep_the_content_security_policy(browser, portal, built_site):
    """The local server sends CloudFront's security headers (read from the template); nothing on any page,
    the search (WebAssembly) and the forms included, needs more than the policy allows."""
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    pages = {"/" + p.relative_to(built_site).parent.as_posix() + "/" for p in built_site.rglob("index.html")}
    for path in sorted(pages):
        response = page.goto(portal.site + path.replace("/./", "/"))
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        assert response.headers["x-frame-options"] == "DENY" and response.headers["x-content-type-options"] == "nosniff"
    page.goto(portal.site + "/zoeken/")
    page.fill("#search-terms", "loting")
    page.press("#search-terms", "Enter")
    page.wait_for_selector(".search-result-link")
    context.close()
    assert violations == []


def test_the_demo_banner_says_which_moment_and_which_opening_apply_with_a_set_clock(page, portal):
    """The local system runs here with a set clock inside the first opening: the banner says so, in both
    languages, instead of suggesting the demo opening applies."""
    page.goto(portal.site + "/")
    page.wait_for_selector(".demo-clock:not([hidden])")
    text = page.text_content(".demo-clock")
    assert "ingesteld" in text and "1 mei 2023 om 10:0" in text  # PORTAL_CLOCK, running on
    assert "Eerste openstelling" in text and "26 september 2023 om 12:00:00 (CEST)" in text
    page.goto(portal.site + "/en/")
    page.wait_for_selector(".demo-clock:not([hidden])")
    text = page.text_content(".demo-clock")
    assert "set to another time" in text and "First opening applies" in text
