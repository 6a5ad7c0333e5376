"""Fixtures of the site tests (MkDocs builds, a local HTTP server, the system Chromium).

Not a conftest.py: a second `conftest` module would shadow tests/conftest.py for the
`from conftest import RepoFactory` imports of other test modules. Test modules here load
it with `pytest_plugins = ["sitekit"]`.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sitebuild import DEMO_NOW, REPO, mkdocs_build

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path(os.environ.get("EDCAL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="session")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's own example site, built as of the demo date."""
    site = tmp_path_factory.mktemp("example") / "site"
    mkdocs_build(REPO / "mkdocs.yml", site, DEMO_NOW)
    return site


class _QuietHandler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a page's dozen assets share connections

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def site_url(example_site: Path) -> Iterator[str]:
    """The example site served over HTTP on 127.0.0.1, as `http://127.0.0.1:PORT/`."""
    handler = functools.partial(_QuietHandler, directory=str(example_site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def _unavailable(reason: str) -> None:
    # In CI a missing browser must fail the run, or the browser tests would silently vanish.
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: browser tests may not be skipped)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """The system Chromium, headless, driven by Playwright (its own download is not used)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed: pip install -e '.[dev]'")
    if not CHROMIUM.exists():
        _unavailable(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


class Tab:
    """A browser page plus every console error and uncaught exception it has seen."""

    def __init__(self, page: Page, base: str) -> None:
        self.page = page
        self.base = base
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"exception: {error}"))

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text} ({message.location})")

    def open(self, path: str) -> Page:
        """Go to a path of the site and wait until it has loaded."""
        self.page.goto(self.base + path)  # returns once the page's load event has fired
        return self.page


@pytest.fixture
def tab(browser: Browser, site_url: str) -> Iterator[Tab]:
    """A fresh page at desktop size whose clock reads the demo date."""
    from datetime import datetime

    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
    # Material asks GitHub for the repository's stars; the example's repository is a
    # placeholder and tests run offline, so GitHub answers from here. Any other request
    # off 127.0.0.1 fails to resolve and shows up in Tab.errors.
    context.route(
        "https://api.github.com/**",
        lambda route: route.fulfill(status=200, content_type="application/json", body="{}"),
    )
    page = context.new_page()
    page.clock.set_fixed_time(datetime.fromisoformat(DEMO_NOW))
    yield Tab(page, site_url)
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where browser tests leave screenshots for people to look at (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
