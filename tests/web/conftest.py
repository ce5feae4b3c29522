"""A demo site with every bundled plugin, built once per test process through
the real commands (`shopdb db upgrade`, `seed`, `plugin install`, `seed
--demo`, `user create`), and helpers to sign in to it as each role."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shopdb.app import create_app
from shopdb.plugins.discovery import discover_plugins
from shopdb.testing.databases import app_config
from shopdb.testing.sites import invoke, stop

PASSWORD = "a web page test passphrase"
ROLES = ("admin", "editor", "viewer")


def run(app: Flask, *args: str, input: str | None = None) -> str:
    result = invoke(app, *args, input=input)
    assert result.exit_code == 0, f"shopdb {' '.join(args)}: {result.output}"
    return result.output


def build_demo_site(folder: Path) -> dict:
    """The configuration of a migrated, seeded demo site with every bundled
    plugin installed and a user per role (named after the role)."""
    # Plain HTTP in tests: Secure cookies would not travel.
    config = app_config(
        f"sqlite:///{folder}/web.db",
        folder,
        SHOPDB_COOKIE_SECURE="false",
        # The tests sign in many times a minute.
        SHOPDB_LOGIN_RATE_LIMIT="1000 per minute",
    )
    bundled = sorted(source.name for source in discover_plugins([]).sources)
    app = create_app(config)
    try:
        run(app, "db", "upgrade")
        run(app, "seed")
        run(app, "plugin", "install", *bundled)
    finally:
        stop(app)
    app = create_app(config)  # plugins load when ShopDB starts
    try:
        run(app, "seed", "--demo")
        for role in ROLES:
            run(app, "user", "create", role, "--role", role, "--password-stdin", input=PASSWORD)
    finally:
        stop(app)
    return config


@pytest.fixture(scope="session")
def demo_config(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return build_demo_site(tmp_path_factory.mktemp("webdemo"))


@pytest.fixture(scope="session")
def demo_app(demo_config: dict) -> Iterator[Flask]:
    app = create_app(demo_config)
    yield app
    stop(app)


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD, next: str = "/"):
    """Sign in through the sign-in page, as a browser does; the reply."""
    page = client.get("/signin")
    token = re.search(rb'name="signin_token" value="([^"]+)"', page.data).group(1).decode()
    return client.post(
        "/signin",
        data={"signin_token": token, "username": username, "password": password, "next": next},
    )


def csrf(client: FlaskClient) -> str:
    cookie = client.get_cookie("shopdb_csrf_access")
    return cookie.value if cookie else ""


@pytest.fixture
def browser_of(demo_app: Flask):
    """A signed-in test client per role, made on demand."""

    def make(role: str) -> FlaskClient:
        client = demo_app.test_client()
        response = sign_in(client, role)
        assert response.status_code == 303, response.data[:500]
        return client

    return make


# The browser tests (tests/web/test_browser*.py, test_walk.py, ...) -----------------


@pytest.fixture(scope="session")
def web_server(demo_app: Flask) -> Iterator[str]:
    """The demo site over real HTTP, one server for every browser test."""
    from shopdb.testing.browsers import served

    with served(demo_app) as url:
        yield url


@pytest.fixture(scope="session")
def web_browser() -> Iterator[Any]:
    """One chromium for every browser test of the process."""
    from shopdb.testing.browsers import chromium

    with chromium() as launched:
        yield launched


def is_csp_violation(message: Any) -> bool:
    return message.type == "error" and "Content Security Policy" in message.text


@pytest.fixture
def page_of(web_browser: Any, web_server: str) -> Iterator[Any]:
    """New pages in fresh browser contexts (no cookies shared between them),
    signed in as `role` when given. The test fails on a script error, a
    dialog (alert, confirm: no page opens one) or a Content-Security-Policy
    violation (something tried to run or load what the policy forbids)."""
    from shopdb.testing.browsers import browser_sign_in

    contexts = []
    errors: list[str] = []

    def dialog(found: Any) -> None:
        errors.append(f"a {found.type} dialog opened: {found.message}")
        found.dismiss()

    def make(role: str | None = None, **options: Any) -> Any:
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = web_browser.new_context(base_url=web_server, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("dialog", dialog)
        page.on(
            "console",
            lambda message: errors.append(message.text) if is_csp_violation(message) else None,
        )
        if role:
            browser_sign_in(page, role, PASSWORD)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, errors
