"""A live server in a thread and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
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


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium from Debian; a missing browser fails the run, never skips it."""
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
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
    """A fresh page that may reach only the live server (base tiles are refused)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    new_page = context.new_page()

    def route(r):
        if urlparse(r.request.url).hostname in LOCAL_HOSTS:
            return r.continue_()
        watch.external.append(r.request.url)
        return r.abort()

    new_page.route("**/*", route)
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
