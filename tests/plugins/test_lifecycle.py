"""Plugins on a real database: install, uninstall, enable, disable, migrate,
and what a restarted app then serves; failures named by plugin."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import inspect, select

from shopdb.console import cli
from shopdb.database import get_database, get_session
from shopdb.models import AuditLog, Plugin
from shopdb.plugins import PluginContractError, PluginNotFoundError
from shopdb.services import migrations
from shopdb.testing.clients import make_callers
from tests.plugins.builder import EMPTY_CODE, MINIMAL_CODE, unique_name, write_plugin

pytestmark = pytest.mark.database

CORE_HEAD = migrations.script_directory().get_revision("core@head").revision

# A plugin with one table, exposed as a resource, seeded on install.
RESOURCE_CODE = (
    MINIMAL_CODE.replace(
        "from shopdb.plugins import BasePlugin",
        "from shopdb.api import BasePlugin, Resource, seed_rows",
    )
    + """
    def get_resources(self):
        return [Resource(Widget, name="__NAME__widgets", filters=("label",))]

    def on_install(self, session):
        seed_rows(session, Widget, "label", [{"label": "first"}, {"label": "second"}])
"""
)

MIGRATION = """
import sqlalchemy as sa
from alembic import op

revision = "__NAME___0001"
down_revision = None
branch_labels = ("__NAME__",)
depends_on = "__CORE__"


def upgrade():
    op.create_table(
        "__NAME__widgets",
        sa.Column("widgetid", sa.Integer, primary_key=True),
        sa.Column("label", sa.String(50), nullable=False),
    )


def downgrade():
    op.drop_table("__NAME__widgets")
"""

FAILING_MIGRATION = """
from alembic import op

revision = "__NAME___0002"
down_revision = "__NAME___0001"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("INSERT INTO nosuchtable VALUES (1)")


def downgrade():
    pass
"""


def write_widget_plugin(directory: Path, name: str | None = None, **options) -> str:
    """A plugin with a table, its migration branch and a resource; returns its name."""
    name = name or unique_name("w")
    options.setdefault("code", RESOURCE_CODE)
    files = {f"migrations/{name}_0001.py": MIGRATION.replace("__CORE__", CORE_HEAD)}
    files.update(options.pop("files", {}))
    write_plugin(directory, name, files=files, **options)
    return name


@pytest.fixture
def site(make_app, database_url, plugins_dir):
    """An upgraded, seeded database and a way to (re)start apps on it."""

    def start(**extra) -> Flask:
        return make_app(database_url, SHOPDB_PLUGIN_PATHS=[str(plugins_dir)], **extra)

    first = start()
    assert run(first, "db", "upgrade").exit_code == 0
    assert run(first, "seed").exit_code == 0
    return start


def run(app: Flask, *args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app), input=input)


def tables(app: Flask) -> set[str]:
    return set(inspect(get_database(app).engine).get_table_names())


def state(app: Flask, name: str) -> Plugin | None:
    with app.app_context():
        return get_session().scalar(select(Plugin).where(Plugin.name == name))


def test_install_migrates_seeds_and_serves_after_a_restart(site, plugins_dir):
    name = write_widget_plugin(plugins_dir)
    before = site()
    assert f"/api/{name}widgets" not in {rule.rule for rule in before.url_map.iter_rules()}

    result = run(before, "plugin", "install", name)
    assert result.exit_code == 0, result.output
    assert f"Installed and enabled {name} 1.0.0." in result.output
    assert "Restart ShopDB" in result.output
    assert f"{name}widgets" in tables(before)
    row = state(before, name)
    assert row.isinstalled and row.isenabled and row.version == "1.0.0"

    after = site()
    admin = make_callers(after)["admin"]
    listed = admin.get(f"/api/{name}widgets").get_json()
    assert [item["label"] for item in listed["data"]] == ["first", "second"]
    assert run(after, "db", "check").exit_code == 0
    assert run(after, "db", "current").output.startswith("The database")
    assert "current schema revision" in run(after, "db", "current").output

    again = run(after, "plugin", "install", name)
    assert again.exit_code == 0 and "already installed" in again.output
    assert len(admin.get(f"/api/{name}widgets").get_json()["data"]) == 2  # seeded once

    listing = run(after, "plugin", "list").output
    assert name in listing and "loaded" in listing
    reports = {r["name"]: r for r in admin.get("/api/plugins").get_json()["data"]}
    assert reports[name]["status"] == "loaded" and reports[name]["error"] is None
    with after.app_context():
        actions = get_session().scalars(
            select(AuditLog.action).where(AuditLog.entitytype == "plugins")
        )
        assert "install" in list(actions)


def test_plugins_are_admin_only(site):
    app = site()
    callers = make_callers(app)
    assert callers[None].get("/api/plugins").status_code == 401
    assert callers["editor"].get("/api/plugins").status_code == 403


def test_installing_an_unknown_plugin_names_what_was_found(site, plugins_dir):
    name = write_widget_plugin(plugins_dir)
    result = run(site(), "plugin", "install", "nosuchplugin")
    assert result.exit_code == 1
    assert "'nosuchplugin'" in result.output and name in result.output
    assert "Traceback" not in result.output


def test_dependencies_install_first_and_guard_removal(site, plugins_dir):
    base = write_widget_plugin(plugins_dir)
    top = unique_name("t")
    write_plugin(plugins_dir, top, code=EMPTY_CODE, dependencies=[base])
    app = site()
    result = run(app, "plugin", "install", top)
    assert result.exit_code == 0, result.output
    assert f"Installed {base} 1.0.0, needed by {top}." in result.output
    assert state(app, base).isinstalled and state(app, top).isinstalled

    refused = run(site(), "plugin", "uninstall", base)
    assert refused.exit_code == 1 and top in refused.output
    refused = run(site(), "plugin", "disable", base)
    assert refused.exit_code == 1 and top in refused.output

    assert run(site(), "plugin", "disable", top).exit_code == 0
    assert run(site(), "plugin", "disable", base).exit_code == 0
    refused = run(site(), "plugin", "enable", top)
    assert refused.exit_code == 1 and base in refused.output


def test_disable_keeps_data_and_hides_routes_until_enabled(site, plugins_dir):
    name = write_widget_plugin(plugins_dir)
    assert run(site(), "plugin", "install", name).exit_code == 0
    result = run(site(), "plugin", "disable", name)
    assert result.exit_code == 0 and "Restart ShopDB" in result.output
    disabled = site()
    assert make_callers(disabled)["admin"].get(f"/api/{name}widgets").status_code == 404
    assert f"{name}widgets" in tables(disabled)
    assert "disabled" in run(disabled, "plugin", "list").output
    assert run(disabled, "plugin", "enable", name).exit_code == 0
    listed = make_callers(site())["admin"].get(f"/api/{name}widgets").get_json()
    assert len(listed["data"]) == 2


def test_uninstall_keeps_data_unless_dropped_with_confirmation(site, plugins_dir):
    name = write_widget_plugin(plugins_dir)
    assert run(site(), "plugin", "install", name).exit_code == 0
    kept = run(site(), "plugin", "uninstall", name)
    assert kept.exit_code == 0 and "kept" in kept.output
    app = site()
    assert f"{name}widgets" in tables(app)
    assert not state(app, name).isinstalled

    assert run(app, "plugin", "install", name).exit_code == 0
    aborted = run(site(), "plugin", "uninstall", name, "--drop-data", input="n\n")
    assert aborted.exit_code == 1
    assert f"{name}widgets" in tables(app)

    dropped = run(site(), "plugin", "uninstall", name, "--drop-data", "--yes")
    assert dropped.exit_code == 0, dropped.output
    assert "Dropped the tables" in dropped.output
    assert f"{name}widgets" not in tables(app)
    assert run(site(), "db", "check").exit_code == 0


def test_a_migration_failing_half_way_names_the_plugin_and_the_revision(site, plugins_dir):
    name = unique_name("f")
    write_widget_plugin(plugins_dir, name, files={f"migrations/{name}_0002.py": FAILING_MIGRATION})
    app = site()
    result = run(app, "plugin", "install", name)
    assert result.exit_code == 1
    assert f"Plugin {name!r}" in result.output and "migrations failed" in result.output
    assert f"{name}_0001" in result.output  # the revision the database reached
    row = state(app, name)
    assert row is None or not row.isinstalled
    assert "Traceback" not in result.output


def test_a_failing_on_install_names_the_plugin_and_installs_nothing(site, plugins_dir):
    code = RESOURCE_CODE.replace(
        'seed_rows(session, Widget, "label", [{"label": "first"}, {"label": "second"}])',
        'raise RuntimeError("the seed file is missing")',
    )
    name = write_widget_plugin(plugins_dir, code=code)
    app = site()
    result = run(app, "plugin", "install", name)
    assert result.exit_code == 1
    assert "on_install() raised RuntimeError: the seed file is missing" in result.output
    row = state(app, name)
    assert row is None or not row.isinstalled


def test_db_upgrade_brings_installed_plugins_to_their_head(site, plugins_dir):
    name = write_widget_plugin(plugins_dir)
    assert run(site(), "plugin", "install", name).exit_code == 0
    (plugins_dir / name / "migrations" / f"{name}_0002.py").write_text(
        FAILING_MIGRATION.replace("__NAME__", name)
        .replace(
            'op.execute("INSERT INTO nosuchtable VALUES (1)")',
            f'op.add_column("{name}widgets", sa.Column("note", sa.String(20)))',
        )
        .replace("from alembic import op", "import sqlalchemy as sa\nfrom alembic import op")
    )
    app = site()
    assert "older" in run(app, "db", "current").output
    upgraded = run(app, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert f"{name}_0002" in upgraded.output
    assert "current schema revision" in run(site(), "db", "current").output


SECOND_REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "__NAME___0002"
down_revision = "__NAME___0001"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("__NAME__widgets", sa.Column("note", sa.String(50)))


def downgrade():
    op.drop_column("__NAME__widgets", "note")
"""


def test_migrate_applies_a_new_revision_and_records_the_version_on_disk(site, plugins_dir):
    name = write_widget_plugin(plugins_dir)
    assert run(site(), "plugin", "install", name).exit_code == 0
    manifest = plugins_dir / name / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"1.0.0"', '"1.1.0"'))
    (plugins_dir / name / "migrations" / f"{name}_0002.py").write_text(
        SECOND_REVISION.replace("__NAME__", name)
    )
    app = site()
    result = run(app, "plugin", "migrate", name)
    assert result.exit_code == 0, result.output
    assert f"Migrated {name}: {name}_0002 applied." in result.output
    assert state(app, name).version == "1.1.0"
    assert run(site(), "plugin", "upgrade-all").exit_code == 0


def test_upgrade_all_records_each_version_between_migrations(site, plugins_dir):
    first, second = write_widget_plugin(plugins_dir), write_widget_plugin(plugins_dir)
    assert run(site(), "plugin", "install", first, second).exit_code == 0
    for name in (first, second):
        manifest = plugins_dir / name / "manifest.json"
        manifest.write_text(manifest.read_text().replace('"1.0.0"', '"2.0.0"'))
        (plugins_dir / name / "migrations" / f"{name}_0002.py").write_text(
            SECOND_REVISION.replace("__NAME__", name)
        )
    app = site()
    result = run(app, "plugin", "upgrade-all")
    assert result.exit_code == 0, result.output
    assert state(app, first).version == state(app, second).version == "2.0.0"


def test_a_revision_that_fails_as_python_names_the_plugin_and_the_line(site, plugins_dir):
    broken = SECOND_REVISION.replace("import sqlalchemy as sa\n", "")
    name = write_widget_plugin(plugins_dir)
    (plugins_dir / name / "migrations" / f"{name}_0002.py").write_text(
        broken.replace("__NAME__", name)
    )
    result = run(site(), "plugin", "install", name)
    assert result.exit_code != 0
    message = result.output
    assert "Traceback" not in message
    assert f"Plugin {name!r}: its migrations failed" in message
    assert "NameError: name 'sa' is not defined" in message
    assert f"{name}_0002.py line" in message


def test_a_plugin_failing_init_app_stops_a_testing_app(site, plugins_dir):
    code = (
        RESOURCE_CODE
        + """
    def init_app(self, app):
        if app.config.get("BREAK_WIDGETS"):
            raise KeyError("no printer configured")
"""
    )
    name = write_widget_plugin(plugins_dir, code=code)
    assert run(site(), "plugin", "install", name).exit_code == 0
    with pytest.raises(PluginContractError, match=r"init_app\(\) raised KeyError") as raised:
        site(BREAK_WIDGETS=True)
    assert f"{name}/__init__.py line" in str(raised.value)
    app = site(BREAK_WIDGETS=True, SHOPDB_PLUGIN_ERRORS="skip")
    assert make_callers(app)["admin"].get(f"/api/{name}widgets").status_code == 404
    assert "no printer configured" in state(app, name).lasterror


def test_production_leaves_a_broken_plugin_out_and_stores_why(site, plugins_dir):
    good = write_widget_plugin(plugins_dir)
    assert run(site(), "plugin", "install", good).exit_code == 0
    bad = unique_name("b")
    write_plugin(plugins_dir, bad, code="import nosuchmodule\n")
    dependent = unique_name("d")
    write_plugin(plugins_dir, dependent, code=EMPTY_CODE, dependencies=[bad])
    with site().app_context():
        session = get_session()
        for name in (bad, dependent):
            session.add(Plugin(name=name, version="1.0.0", isinstalled=True, isenabled=True))
        session.commit()

    app = site(SHOPDB_PLUGIN_ERRORS="skip")
    admin = make_callers(app)["admin"]
    assert admin.get(f"/api/{good}widgets").status_code == 200
    assert admin.get("/api/assets").status_code == 200
    reports = {r["name"]: r for r in admin.get("/api/plugins").get_json()["data"]}
    assert reports[bad]["status"] == "error"
    assert "nosuchmodule" in reports[bad]["error"]
    assert reports[dependent]["status"] == "error" and bad in reports[dependent]["error"]
    assert reports[good]["status"] == "loaded"
    assert "nosuchmodule" in state(app, bad).lasterror
    listing = run(app, "plugin", "list").output
    assert f"{bad}: Plugin {bad!r}" in listing


def test_an_installed_plugin_whose_files_are_gone_is_reported(site, plugins_dir):
    name = unique_name("g")
    write_plugin(plugins_dir, name, code=EMPTY_CODE)
    assert run(site(), "plugin", "install", name).exit_code == 0
    (plugins_dir / name).rename(plugins_dir.parent / f"moved{name}")
    with pytest.raises(PluginNotFoundError, match="uninstall"):
        site()
    app = site(SHOPDB_PLUGIN_ERRORS="skip")
    assert "missing" in run(app, "plugin", "list").output
    result = run(app, "plugin", "uninstall", name)
    assert result.exit_code == 0, result.output
    assert "files of" in result.output
    assert name not in run(site(), "plugin", "list").output


def test_a_missing_plugins_revisions_are_not_taken_for_a_newer_database(site, plugins_dir):
    name = write_widget_plugin(plugins_dir)
    assert run(site(), "plugin", "install", name).exit_code == 0
    moved = plugins_dir.parent / f"moved{name}"
    (plugins_dir / name).rename(moved)
    app = site(SHOPDB_PLUGIN_ERRORS="skip")
    status = run(app, "db", "current").output
    assert f"records plugins whose files are not found: {name}" in status
    assert "newer" not in status and "do not restore a backup" in status
    upgrade = run(app, "db", "upgrade")
    assert upgrade.exit_code != 0 and f"not found: {name}" in upgrade.output
    ready = app.test_client().get("/api/health/ready")
    assert ready.status_code == 503
    assert (
        "plugin recorded on this database is not found"
        in ready.get_json()["data"]["error"]["message"]
    )
    assert run(app, "plugin", "uninstall", name).exit_code == 0
    assert f"not found: {name}" in run(site(), "db", "current").output
    moved.rename(plugins_dir / name)
    assert "current schema revision" in run(site(), "db", "current").output


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("import sqlalchemy as sa\n", ""), "NameError: name 'sa' is not defined"),
        (("from alembic import op\n", "import nosuchmodule\n"), "No module named 'nosuchmodule'"),
    ],
)
def test_db_upgrade_names_a_revision_that_fails_as_python(site, plugins_dir, change, expected):
    name = write_widget_plugin(plugins_dir)
    assert run(site(), "plugin", "install", name).exit_code == 0
    broken = SECOND_REVISION.replace(*change).replace("__NAME__", name)
    (plugins_dir / name / "migrations" / f"{name}_0002.py").write_text(broken)
    result = run(site(), "db", "upgrade")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert expected in result.output and f"{name}_0002.py line" in result.output


def test_a_plugins_command_writes_as_the_command_line_user_and_fails_politely(site, plugins_dir):
    code = (
        RESOURCE_CODE
        + """
    def get_cli_commands(self):
        import click

        from shopdb.api import InvalidInputError, audit_log, get_session

        @click.command("label")
        @click.argument("text")
        def label(text):
            if not text.strip():
                raise InvalidInputError("Give the widget a label.")
            session = get_session()
            widget = Widget(label=text)
            session.add(widget)
            session.flush()
            audit_log(session, "create", "__NAME__widgets", widget.widgetid)
            session.commit()
            click.echo(f"Added {text}.")

        return [label]
"""
    )
    name = write_widget_plugin(plugins_dir, code=code)
    assert run(site(), "plugin", "install", name).exit_code == 0
    app = site()
    result = run(app, name, "label", "third")
    assert result.exit_code == 0, result.output
    with app.app_context():
        entry = (
            get_session()
            .scalars(select(AuditLog).where(AuditLog.entitytype == f"{name}widgets"))
            .one()
        )
        assert entry.username.startswith("cli:")
    refused = run(site(), name, "label", " ")
    assert refused.exit_code == 1
    assert refused.output.strip() == "Error: Give the widget a label."


def test_seed_demo_runs_each_active_plugins_demo_hook_once(site, plugins_dir):
    code = (
        RESOURCE_CODE
        + """
    def seed_demo(self, session):
        from sqlalchemy import select

        labels = set(session.scalars(select(Widget.label)))
        if "demo" in labels:
            return None
        session.add(Widget(label="demo"))
        return "Added 1 widget."
"""
    )
    name = write_widget_plugin(plugins_dir, code=code)
    assert run(site(), "plugin", "install", name).exit_code == 0
    first = run(site(), "seed", "--demo")
    assert first.exit_code == 0, first.output
    assert f"{name}: Added 1 widget." in first.output
    second = run(site(), "seed", "--demo")
    assert f"{name}: nothing to add." in second.output
    labels = [
        row["label"]
        for row in make_callers(site())["admin"]
        .get(f"/api/{name}widgets?perpage=10")
        .get_json()["data"]
    ]
    assert labels.count("demo") == 1


def test_install_takes_several_names(site, plugins_dir):
    first, second = write_widget_plugin(plugins_dir), write_widget_plugin(plugins_dir)
    app = site()
    result = run(app, "plugin", "install", first, second)
    assert result.exit_code == 0, result.output
    assert state(app, first).isinstalled and state(app, second).isinstalled
