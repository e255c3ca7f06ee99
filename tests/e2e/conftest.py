"""What the browser tests share: Debian Chromium through Playwright, the app served over
real HTTP in a thread, and logging in through the real form.

Each test module marks itself with ``pytestmark = BROWSER_TEST``: an ``e2e`` test,
skipped where Debian's chromium is not installed.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from leadshare import create_app
from leadshare.extensions import db
from models import Base
from tests import factories

CHROMIUM = "/usr/bin/chromium"
#: ``SAVE_SCREENSHOTS=1`` refreshes the pictures in docs/; otherwise they go to a temporary folder.
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

BROWSER_TEST = [
    pytest.mark.e2e,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed"),
]


@contextmanager
def serving(app, *, threaded: bool) -> Iterator[str]:
    """``app`` served by a real HTTP server in a thread; yields its base URL."""
    httpd = make_server("127.0.0.1", 0, app, threaded=threaded)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join()


@contextmanager
def serving_in_memory(app) -> Iterator[str]:
    """The test app (in-memory SQLite) over HTTP, one request at a time.

    The in-memory database is a single shared connection, and the browser
    fetches a page's assets in parallel.
    """
    with serving(app, threaded=False) as base:
        yield base


@pytest.fixture
def served(tmp_path):
    """The app against a fresh SQLite file (CSRF on, files in a temporary folder), served by
    a threaded HTTP server; yields ``(app, base URL)``."""
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'e2e.db'}",
        WTF_CSRF_ENABLED=True,
        RATELIMIT_ENABLED=False,
        FILES_DIR=str(tmp_path / "files"),
    )
    with app.app_context():
        Base.metadata.create_all(db.engine)
    with serving(app, threaded=True) as base:
        yield app, base
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def browser():
    """Headless Debian chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        yield instance
        instance.close()


def login(page, base: str, email: str, password: str = factories.PASSWORD) -> None:
    """Log in through the real form."""
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main button[type=submit]")


def logout(page) -> None:
    """Log out with the header's form."""
    with page.expect_navigation():
        page.click("form[action='/logout'] button")
