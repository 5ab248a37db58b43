"""Browser tests: the demo district served by pytest-django's live server, driven by the system
Chromium through Playwright (never a downloaded browser).

Every page a test opens is watched: a console error (a CSP violation is one), an uncaught script
error, a failed request or a response of 400 and above fails the test, unless the test said
beforehand that it expects that very response (`browse.expect_status`).

Set JINGUO_SHOTS=<directory> to save screenshots of the pages there (`make test-browser` as usual).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an asyncio loop in the main thread, and Django refuses database
# access from a thread with a running loop. The tests are synchronous; allow it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Download,
    Page,
    Request,
    Response,
    ViewportSize,
    sync_playwright,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "Jinguo@2026"
DESKTOP: ViewportSize = {"width": 1366, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000
SHOTS = Path(os.environ["JINGUO_SHOTS"]) if os.environ.get("JINGUO_SHOTS") else None


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def demo(transactional_db: Any) -> None:
    """The demo district 示范区 and its accounts, in the test database."""
    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())


def confirmed_totp_device(username: str) -> Any:
    """The user's confirmed TOTP device, created in the database if she has none."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from jinguo.accounts.models import User

    user = User.objects.get(username=username)
    device, _ = TOTPDevice.objects.get_or_create(user=user, confirmed=True, defaults={"name": "测试"})
    return device


def current_token(device: Any) -> str:
    """What the authenticator app shows now for `device`."""
    from django_otp.oath import totp

    token = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return f"{token:0{device.digits}d}"


@dataclass
class Browse:
    """One browser context (one person at one screen size) on the live server, with its problems."""

    page: Page
    base_url: str
    problems: list[str] = field(default_factory=list)
    expected: list[tuple[str, int]] = field(default_factory=list)  # (path, status) a test asked for
    seen_expected: list[tuple[str, int]] = field(default_factory=list)
    downloads: list[str] = field(default_factory=list)  # URLs of the files it downloaded

    def url(self, path: str) -> str:
        return self.base_url + path

    def goto(self, path: str) -> Response | None:
        return self.page.goto(self.url(path))

    def shoot(self, name: str) -> None:
        """Save a full-page screenshot as <JINGUO_SHOTS>/<desktop|phone>-<name>.png, if asked to."""
        if not SHOTS:
            return
        SHOTS.mkdir(parents=True, exist_ok=True)
        size = "phone" if self.page.viewport_size == PHONE else "desktop"
        if self.page.locator("[data-drawn]").count():
            self.page.wait_for_timeout(1500)  # ECharts grows its bars for a second
        self.page.screenshot(path=str(SHOTS / f"{size}-{name}.png"), full_page=True)

    def expect_status(self, path: str, status: int) -> None:
        """Declare that `path` will answer `status` (>= 400): not a problem, but it must happen."""
        self.expected.append((path, status))

    def login(self, username: str, password: str = PASSWORD) -> None:
        """Log in through the login form, as a person would."""
        self.goto("/accounts/login/")
        self.page.get_by_label("用户名", exact=True).fill(username)
        self.page.get_by_label("密码", exact=True).fill(password)
        self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_load_state()

    def login_with_second_factor(self, username: str) -> None:
        """An admin who bound her authenticator earlier: password, then the current TOTP token."""
        device = confirmed_totp_device(username)
        self.login(username)
        assert self.page.url.startswith(self.url("/accounts/otp/")), self.page.url
        self.page.get_by_label("动态口令").fill(current_token(device))
        self.page.get_by_role("button", name="验证").click()
        self.page.wait_for_load_state()

    # --- what the page did -----------------------------------------------------------------

    def _is_expected(self, url: str, status: int) -> bool:
        for path, wanted in self.expected:
            if url.split("?")[0] == self.url(path) and status == wanted:
                if (path, wanted) not in self.seen_expected:
                    self.seen_expected.append((path, wanted))
                return True
        return False

    def on_console(self, msg: ConsoleMessage) -> None:
        if msg.type != "error":
            return
        # Chromium reports every response >= 400 as a console error too; those of an expected
        # response are part of the expectation.
        location = msg.location.get("url", "")
        m = re.match(r"Failed to load resource: the server responded with a status of (\d+)", msg.text)
        if m and self._is_expected(location, int(m.group(1))):
            return
        self.problems.append(f"console error: {msg.text} (at {location})")

    def on_page_error(self, exc: Exception) -> None:
        self.problems.append(f"uncaught script error: {exc}")

    def on_request_failed(self, request: Request) -> None:
        # Leaving a page while its favicon still loads makes Chromium abort that request: not a fault.
        if request.url.endswith("/favicon.svg") and "ERR_ABORTED" in (request.failure or ""):
            return
        self.problems.append(f"request failed: {request.method} {request.url}: {request.failure}")

    def on_download(self, download: Download) -> None:
        self.downloads.append(download.url)

    def on_response(self, response: Response) -> None:
        if response.status >= 400 and not self._is_expected(response.url, response.status):
            self.problems.append(f"response {response.status}: {response.request.method} {response.url}")

    def assert_clean(self) -> None:
        self.page.wait_for_timeout(100)  # let the last console and network events arrive
        # A link to a file (Excel, Word): Chromium hands the response to its download manager and
        # aborts the navigation. That is the download working, not a failed request.
        handed_over = {f"request failed: GET {url}: net::ERR_ABORTED" for url in self.downloads}
        self.problems = [p for p in self.problems if p not in handed_over]
        assert self.problems == []
        missing = [e for e in self.expected if e not in self.seen_expected]
        assert missing == [], f"expected responses that never came: {missing}"


@pytest.fixture
def open_browser(browser: Browser, live_server: Any, demo: None) -> Iterator[Any]:
    """open_browser(viewport=DESKTOP) -> Browse; each call is a fresh context (no cookies).
    At teardown every context must be free of problems."""
    opened: list[tuple[Any, Browse]] = []

    def open_(viewport: ViewportSize = DESKTOP) -> Browse:
        small = viewport["width"] < 576
        context = browser.new_context(
            viewport=viewport, is_mobile=small, has_touch=small, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        browse = Browse(page=page, base_url=live_server.url)
        page.on("console", browse.on_console)
        page.on("pageerror", browse.on_page_error)
        page.on("requestfailed", browse.on_request_failed)
        page.on("response", browse.on_response)
        page.on("download", browse.on_download)
        opened.append((context, browse))
        return browse

    yield open_
    try:
        for _, browse in opened:
            browse.assert_clean()
    finally:
        for context, _ in opened:
            context.close()


@pytest.fixture
def browse(open_browser: Any) -> Browse:
    """A desktop-sized browser, nobody logged in."""
    return open_browser(DESKTOP)


@pytest.fixture
def phone(open_browser: Any) -> Browse:
    """A phone-sized browser (390x844), nobody logged in."""
    return open_browser(PHONE)
