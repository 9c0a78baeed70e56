"""Real headless Chromium (Debian's) driven by Playwright, with a phone profile.

The app runs in a real HTTP server in a background thread. Every page records console
errors and uncaught exceptions (CSP violations are console errors); a test fails if any
appeared. Without Chromium the tests are skipped locally and FAIL when CI=true.
"""
from __future__ import annotations

import logging
import re
import shutil
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import unavailable

PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36",
}
SMALL_HANDHELD = {**PHONE, "viewport": {"width": 360, "height": 560}}
IPHONE = {
    "viewport": {"width": 390, "height": 664},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1",
}
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# A refused scan (422), a wrong password (401), a throttled login (429) or a stale page (409)
# is a normal answer that the page shows; Chromium still logs it as a failed resource.
EXPECTED_ANSWER = re.compile(r"^Failed to load resource: the server responded with a status of (401|409|422|429) ")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


class SlowNetwork:
    """WSGI middleware that holds answers to POSTs on chosen paths: a slow network, server side.

    (A delay inside a Playwright route handler would also stall the test's own typing.)
    """

    def __init__(self, app):
        self.app = app
        self.delays: dict[str, float] = {}

    def __call__(self, environ, start_response):
        delay = self.delays.get(environ.get("PATH_INFO", "")) if environ.get("REQUEST_METHOD") == "POST" else None
        if delay:
            time.sleep(delay)
        return self.app(environ, start_response)


@pytest.fixture(scope="session")
def network(app):
    return SlowNetwork(app)


@pytest.fixture
def slow_network(network):
    yield network.delays
    network.delays.clear()


@pytest.fixture(scope="session")
def live_server(network):
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, network, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def chromium():
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        unavailable("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class Phone:
    """One phone: a browser context with a phone profile, and what went wrong in it."""

    def __init__(self, context, base_url: str):
        self.context = context
        self.base_url = base_url
        self.problems: list[str] = []
        self.page = context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))

    def _console(self, message) -> None:
        if message.type == "error" and not EXPECTED_ANSWER.search(message.text):
            self.problems.append(f"console error: {message.text}")

    def open(self, path: str):
        self.page.goto(self.base_url + path)
        return self.page

    def scan(self, code: str) -> None:
        """Type a code into the scan input and press Enter, as a keyboard-wedge scanner does."""
        field = self.page.locator('#step input[name="code"]:not([type="hidden"])')
        field.fill(code)
        field.press("Enter")

    def log_in(self, login: str, password: str = "pass-1234"):
        page = self.open("/login")
        page.fill('input[name="login"]', login)
        page.fill('input[name="password"]', password)
        with page.expect_navigation():
            page.press('input[name="password"]', "Enter")
        return page

    def answered(self, result: str | None = None):
        """Wait until the scan step shows an answer (not pending), and return #feedback."""
        feedback = self.page.locator("#feedback")
        wanted = f'[data-result="{result}"]' if result else ':not([data-result=""]):not([data-result="pending"])'
        self.page.wait_for_selector(f"#feedback{wanted}")
        return feedback


@pytest.fixture
def phone_factory(chromium, live_server, request):
    phones: list[Phone] = []

    def make(locale: str = "ja-JP", **profile) -> Phone:
        context = chromium.new_context(locale=locale, **{**PHONE, **profile})
        context.set_default_timeout(10_000)
        phone = Phone(context, live_server)
        phones.append(phone)
        return phone

    yield make
    problems = [p for phone in phones for p in phone.problems]
    for phone in phones:
        phone.context.close()
    assert problems == [], "\n".join(problems)


@pytest.fixture
def phone(phone_factory) -> Phone:
    return phone_factory()


@pytest.fixture
def screenshot(request):
    """Save a README screenshot when run with --screenshots (make screenshots)."""

    def take(page, name: str) -> None:
        if request.config.getoption("--screenshots"):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False, caret="initial", timeout=15_000)

    return take
