"""A live server in a thread and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


# live_server (the app on a free loopback port) is in tests/conftest.py, shared with the
# GDAL and schemathesis tests.


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test's report shows what its pages logged."""
    report = yield
    lines = getattr(item, "page_log", None)
    if report.failed and lines:
        report.sections.append(("what the pages logged", "\n".join(lines)))
    return report


@pytest.fixture(autouse=True)
def page_log(request, browser: Browser, monkeypatch: pytest.MonkeyPatch) -> None:
    """Record what every page of the test logs (console, errors, failed requests)."""
    lines: list[str] = []
    request.node.page_log = lines
    start = time.monotonic()

    def log(text: str) -> None:
        lines.append(f"{time.monotonic() - start:7.2f} s  {text}")

    original = browser.new_context

    # Base tiles are refused on purpose (no internet here): those failures are noise.
    def on_console(message) -> None:
        if not message.text.startswith("Failed to load resource: net::ERR_NAME_NOT_RESOLVED"):
            log(f"console.{message.type}: {message.text}")

    def on_request_failed(request) -> None:
        if urlparse(request.url).hostname in LOCAL_HOSTS:
            log(f"request failed: {request.method} {request.url} {request.failure}")

    def new_context(*args, **kwargs):
        context = original(*args, **kwargs)

        def watch_page(page: Page) -> None:
            page.on("console", on_console)
            page.on("pageerror", lambda exc: log(f"pageerror: {exc}"))
            page.on("requestfailed", on_request_failed)

        context.on("page", watch_page)
        return context

    # Every context of the test, the page fixture's and those a test opens itself.
    monkeypatch.setattr(browser, "new_context", new_context)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium from Debian; a missing browser fails the run, never skips it.

    Only the live server can be reached: every other host name resolves to nothing, so
    base tiles fail at once and no request leaves the machine. This is done in the
    resolver rather than with Playwright's request routing, which turns the browser's
    cache off: with it every page fetched Leaflet and every script again (measured:
    about 0.3 s a page in the every-page sweep).
    """
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield instance
        instance.close()


class PageWatch:
    """What a page did: requests to other hosts, script errors and dialogs."""

    def __init__(self) -> None:
        self.external: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []


@pytest.fixture
def watch() -> PageWatch:
    """A record of the page's external requests, errors and dialogs."""
    return PageWatch()


@pytest.fixture
def page(browser: Browser, watch: PageWatch) -> Iterator[Page]:
    """A fresh page that reaches only the live server; what it asks of other hosts is noted
    (the browser resolves no other host name, so base tiles fail)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    new_page = context.new_page()

    def note_external(request) -> None:
        if urlparse(request.url).hostname not in LOCAL_HOSTS:
            watch.external.append(request.url)

    new_page.on("request", note_external)
    new_page.on("pageerror", lambda exc: watch.errors.append(str(exc)))
    new_page.on("dialog", lambda d: (watch.dialogs.append(d.message), d.dismiss()))
    yield new_page
    context.close()


def save_screenshot(page: Page, name: str) -> Path:
    """Keep a screenshot as a test artefact."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
