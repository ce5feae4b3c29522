"""The web UI in a real browser, for ShopDB's tests and a plugin's: an app
served over real HTTP in a thread, Debian's chromium driven by Playwright,
signing in through the sign-in page.

Playwright's own browser download cannot work on offline shop-floor networks
(or in CI), so the browser is the distribution's (`apt-get install
chromium`). Without it browser tests skip, unless the environment says
SHOPDB_BROWSER_TESTS=required (CI does): then they fail, so a missing browser
is never mistaken for a passing test.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from shopdb.testing.servers import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REQUIRED = "SHOPDB_BROWSER_TESTS"


def browser_missing() -> str:
    """Why browser tests cannot run here, or "" when they can."""
    if os.environ.get(REQUIRED) == "required":
        return ""
    if not Path(CHROMIUM).exists():
        return f"no browser at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install shopdb[test])"
    return ""


# Marks for a module of browser tests: `pytestmark = browser_marks()`.
def browser_marks() -> list[pytest.MarkDecorator]:
    missing = browser_missing()
    return [
        pytest.mark.browser,
        pytest.mark.slow,
        pytest.mark.skipif(bool(missing), reason=missing or "browser available"),
    ]


@contextmanager
def served(app: Flask) -> Iterator[str]:
    """`app` on a real HTTP server (werkzeug's, threaded) on a free port of
    127.0.0.1; yields its base URL."""
    port = free_port()
    http = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        http.shutdown()
        thread.join(timeout=10)


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's chromium, headless, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def browser_sign_in(page: Any, username: str, password: str, target: str = "/") -> None:
    """Sign in through the sign-in page, as a person does, and wait until
    the browser is on `target` (or wherever the site sent it)."""
    page.goto(f"/signin?next={target}")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"^(?!.*/signin).*$"))
