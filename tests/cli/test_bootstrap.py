"""`shopdb bootstrap`, the container entrypoint's work: wait, upgrade, seed,
install the listed plugins, create the first admin once and never again."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

import shopdb.bundled
from shopdb.database import get_session
from shopdb.models import Plugin, RelationshipType, User
from shopdb.services.passwords import verify_password
from tests.plugins.conftest import plugins_forgotten
from tests.services.archive_support import invoke, ok

pytestmark = pytest.mark.database

BUNDLED = Path(shopdb.bundled.__file__).parent
PASSWORD = "first-admin-passphrase-2026"


@pytest.fixture
def admin_env(monkeypatch, tmp_path):
    secret = tmp_path / "admin_password"
    secret.write_text(PASSWORD + "\n")
    monkeypatch.setenv("SHOPDB_ADMIN_USERNAME", "siteadmin")
    monkeypatch.setenv("SHOPDB_ADMIN_PASSWORD_FILE", str(secret))
    monkeypatch.delenv("SHOPDB_ADMIN_PASSWORD", raising=False)
    monkeypatch.setenv("SHOPDB_BOOTSTRAP_PLUGINS", "computers, network")


def test_bootstrap_makes_a_new_site_ready_and_a_second_run_changes_nothing(
    admin_env, make_app, database_url
):
    with plugins_forgotten(BUNDLED):
        first = ok(make_app(database_url), "bootstrap", "--wait", "5")
        assert "Created the first admin 'siteadmin'" in first.output
        assert "Installed and enabled computers" in first.output
        assert "ShopDB is ready to serve." in first.output
        # The next start (a restarted container) finds everything in place.
        app = make_app(database_url)
        again = ok(app, "bootstrap")
    assert "was settled before (created siteadmin); not again" in again.output
    assert "Created the first admin" not in again.output
    with app.app_context():
        session = get_session()
        admin = session.scalar(select(User).where(User.username == "siteadmin"))
        assert verify_password(admin.passwordhash, PASSWORD)
        assert session.scalar(select(func.count()).select_from(RelationshipType)) > 0
        installed = set(session.scalars(select(Plugin.name).where(Plugin.isinstalled)))
        assert installed == {"computers", "network"}


def test_a_deleted_first_admin_is_not_created_again(admin_env, make_app, database_url):
    app = make_app(database_url)
    with plugins_forgotten(BUNDLED):
        ok(app, "bootstrap")
    with app.app_context():
        session = get_session()
        session.execute(delete(User).where(User.username == "siteadmin"))
        session.commit()
    with plugins_forgotten(BUNDLED):
        again = ok(make_app(database_url), "bootstrap")
    assert "settled before (created siteadmin); not again" in again.output
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(User)) == 0


def test_an_existing_admin_is_kept_and_no_first_admin_made(admin_env, make_app, database_url):
    app = make_app(database_url)
    ok(app, "db", "upgrade")
    ok(app, "seed")
    ok(app, "user", "create", "localadmin", "--role", "admin", "--generate-password")
    with plugins_forgotten(BUNDLED):
        result = ok(make_app(database_url), "bootstrap")
    assert "An admin (localadmin) exists already" in result.output


def test_admin_without_password_is_refused(monkeypatch, empty_app):
    monkeypatch.setenv("SHOPDB_ADMIN_USERNAME", "siteadmin")
    monkeypatch.delenv("SHOPDB_ADMIN_PASSWORD", raising=False)
    monkeypatch.delenv("SHOPDB_ADMIN_PASSWORD_FILE", raising=False)
    monkeypatch.delenv("SHOPDB_BOOTSTRAP_PLUGINS", raising=False)
    result = invoke(empty_app, "bootstrap")
    assert result.exit_code == 1
    assert "neither SHOPDB_ADMIN_PASSWORD_FILE nor SHOPDB_ADMIN_PASSWORD" in result.output


def test_gives_up_on_a_database_that_never_answers(make_app, tmp_path):
    app = make_app("postgresql+psycopg://nobody:secret@127.0.0.1:9/shopdb")
    result = invoke(app, "bootstrap", "--wait", "0.5")
    assert result.exit_code == 1
    assert "Gave up waiting 0.5 s for the database" in result.output
    assert "secret" not in result.output
