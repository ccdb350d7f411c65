"""A real Chromium (Debian's /usr/bin/chromium) driven by Playwright; no browser is downloaded."""

import json
import time
import urllib.request

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
# The machines have no outside network: without these flags Chromium keeps trying to reach Google.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, portal):
    # The site is served with CloudFront's Content-Security-Policy (no eval); Playwright's own string
    # predicates and axe's injected script need eval, so these tests bypass it. test_site_in_browser's
    # CSP test loads every page without the bypass and finds no violation.
    context = browser.new_context(locale="en-GB", bypass_csp=True)
    outside_requests = []
    page = context.new_page()
    # Our own hosts only: the site and API, and the storage that uploads go to straight.
    page.on("request", lambda request: outside_requests.append(request.url)
            if not request.url.startswith((portal.site, portal.storage)) else None)
    yield page
    context.close()
    assert outside_requests == [], "the site must not request any other host"


def wait_for_mails(portal, reference: str, count: int, seconds: float = 60) -> list[dict]:
    """The local outbox's e-mails about `reference`, once `count` are there (sending follows storing)."""
    deadline = time.monotonic() + seconds
    while True:
        with urllib.request.urlopen(f"{portal.site}/local/outbox.json") as answer:
            mails = [m for m in json.load(answer)["messages"] if reference in m["text"]]
        if len(mails) >= count or time.monotonic() > deadline:
            assert len(mails) == count, mails
            return mails
        time.sleep(0.5)
