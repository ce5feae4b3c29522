"""The `shopdb` commands, invoked in process through Click."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import func, inspect, select, text

from shopdb.console import cli
from shopdb.database import get_database, get_session
from shopdb.models import AuditLog, RelationshipType, User
from shopdb.plugins import PluginNotFoundError
from shopdb.services import migrations
from shopdb.services.passwords import verify_password
from tests.bundled.support import installed_site

pytestmark = pytest.mark.database

# The newest core revision and the one before it, whatever they are today.
HEAD = migrations.script_directory().get_revision("core@head")
BEFORE_HEAD = HEAD.down_revision or "base (empty)"


@pytest.fixture
def invoke(empty_app):
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(
            cli, list(args), obj=ScriptInfo(create_app=lambda: empty_app), input=input
        )

    return run


@pytest.fixture
def ready(invoke):
    assert invoke("db", "upgrade").exit_code == 0
    assert invoke("seed").exit_code == 0
    return invoke


def test_upgrade_then_current_then_check(invoke):
    first = invoke("db", "upgrade")
    assert first.exit_code == 0, first.output
    assert f"from base (empty) to {HEAD.revision}" in first.output
    assert f"already at {HEAD.revision}; nothing to do" in invoke("db", "upgrade").output
    assert f"current schema revision ({HEAD.revision})" in invoke("db", "current").output
    check = invoke("db", "check")
    assert check.exit_code == 0
    assert "matches the models" in check.output


def test_downgrade_to_base_and_back(invoke):
    invoke("db", "upgrade")
    refused = invoke("db", "downgrade", "base", input="n\n")
    assert refused.exit_code == 1
    assert "current schema revision" in invoke("db", "current").output
    down = invoke("db", "downgrade", "base", input="y\n")
    assert down.exit_code == 0, down.output
    assert "no ShopDB schema yet" in invoke("db", "current").output
    assert invoke("db", "upgrade").exit_code == 0


def test_downgrade_with_yes_does_not_ask(invoke):
    invoke("db", "upgrade")
    down = invoke("db", "downgrade", "base", "--yes")
    assert down.exit_code == 0, down.output
    assert "to base (empty)" in down.output


def test_check_fails_when_not_at_head(invoke):
    result = invoke("db", "check")
    assert result.exit_code == 1
    assert "run 'shopdb db upgrade'" in result.output


def test_seed_twice_says_nothing_changed(invoke, empty_app):
    invoke("db", "upgrade")
    assert "Created 4 assetstatuses" in invoke("seed").output
    again = invoke("seed")
    assert again.exit_code == 0
    assert "Nothing to change" in again.output
    with empty_app.app_context():
        count = get_session().scalar(select(func.count()).select_from(RelationshipType))
    assert count == 8


def test_seed_needs_a_current_schema(invoke):
    result = invoke("seed")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "shopdb db upgrade" in result.output


def test_user_create_from_stdin_then_list_disable_and_set_password(ready, empty_app):
    created = ready(
        "user",
        "create",
        "Alice",
        "--role",
        "editor",
        "--password-stdin",
        input="a-long-passphrase!\n",
    )
    assert created.exit_code == 0, created.output
    assert "Created user 'alice' with role 'editor'" in created.output
    listing = ready("user", "list").output
    assert "alice" in listing and "editor" in listing
    assert ready("user", "disable", "alice").exit_code == 0
    changed = ready(
        "user", "set-password", "ALICE", "--password-stdin", input="another-long-passphrase\n"
    )
    assert changed.exit_code == 0, changed.output
    with empty_app.app_context():
        user = get_session().scalar(select(User))
        assert user.isactive is False
        assert verify_password(user.passwordhash, "another-long-passphrase")


def test_user_create_prompts_twice(ready):
    result = ready("user", "create", "bob", input="a-long-passphrase!\na-long-passphrase!\n")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("user", "create", "carol", "--password-stdin"), "short\n", "too weak"),
        (("user", "create", "bad name", "--password-stdin"), "a-long-passphrase!\n", "not valid"),
        (("user", "create", "dave", "--password-stdin"), "\n", "No password was given"),
        (("user", "disable", "ghost"), None, "no user named 'ghost'"),
    ],
)
def test_user_errors_are_one_sentence(ready, args, stdin, message):
    result = ready(*args, input=stdin)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_duplicate_users_are_refused_and_exists_ok_keeps_them(ready):
    ready(
        "user",
        "create",
        "admin",
        "--role",
        "admin",
        "--password-stdin",
        input="a-long-passphrase!\n",
    )
    again = ready("user", "create", "ADMIN", "--password-stdin", input="a-long-passphrase!\n")
    assert again.exit_code == 1
    assert "already exists" in again.output
    kept = ready("user", "create", "admin", "--role", "admin", "--generate-password", "--exists-ok")
    assert kept.exit_code == 0
    assert "keeping it" in kept.output
    assert "Generated password" not in kept.output


def test_generated_admin_password_is_printed_once_and_works(ready, empty_app):
    result = ready(
        "user", "create", "admin", "--role", "admin", "--generate-password", "--exists-ok"
    )
    assert result.exit_code == 0, result.output
    password = result.output.split("(shown only now): ")[1].strip()
    with empty_app.app_context():
        user = get_session().scalar(select(User))
        assert verify_password(user.passwordhash, password)


@pytest.mark.parametrize("command", [("user", "list"), ("seed",), ("db", "upgrade")])
def test_a_newer_schema_stops_every_command(ready, empty_app, command):
    with get_database(empty_app).engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'fromthefuture'"))
    result = ready(*command)
    assert result.exit_code == 1
    assert "newer than the code" in result.output


def test_downgrade_takes_a_relative_step(invoke):
    invoke("db", "upgrade")
    down = invoke("db", "downgrade", "-1", "--yes")
    assert down.exit_code == 0, down.output
    assert f"from {HEAD.revision} to {BEFORE_HEAD}" in down.output


def test_commands_leave_audit_entries(ready, empty_app):
    ready("user", "create", "auditor", "--password-stdin", input="a-long-passphrase!\n")
    ready("user", "disable", "auditor")
    with empty_app.app_context():
        entries = get_session().scalars(select(AuditLog).order_by(AuditLog.auditlogid)).all()
    actions = [(entry.action, entry.entitytype) for entry in entries]
    assert actions == [("seed", "reference"), ("create", "users"), ("update", "users")]
    assert all(entry.username.startswith("cli:") for entry in entries)
    assert "passwordhash" not in str(entries[1].changes.get("passwordhash", {}).get("after", ""))


def test_a_command_looked_up_while_the_app_cannot_start_is_one_sentence():
    """`shopdb <plugin> ...` loads the app to find the plugin's commands."""

    def failing_start():
        raise PluginNotFoundError("gauges", "it is installed, but its files are not found.")

    result = CliRunner().invoke(cli, ["gauges", "due"], obj=ScriptInfo(create_app=failing_start))
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: Plugin 'gauges': it is installed, but its files are not found."
    )


def test_a_relative_downgrade_with_plugins_steps_the_core_or_refuses(tmp_path_factory):
    """With plugins installed '-1' once stepped back a plugin's branch and left
    it marked installed without its tables."""
    with installed_site("computers", tmp_path_factory) as site:

        def run(*args: str):
            return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: site.app))

        # The core's steps above the revision computers depends on (0002)
        # drop no plugin table: they are taken, one by one (however many
        # later core revisions there are). The step below it is refused.
        steps = []
        for _ in range(20):
            down = run("db", "downgrade", "-1", "--yes")
            steps.append(down.exit_code)
            if down.exit_code != 0:
                break
        assert steps[0] == 0 and steps[-1] == 1, steps
        assert "'core@-1' would drop the tables of the installed plugin(s) computers" in (
            down.output
        )
        assert "shopdb plugin uninstall" in down.output
        plugin_base = run("db", "downgrade", "computers@base", "--yes")
        assert plugin_base.exit_code == 1
        assert "computers" in plugin_base.output
        assert run("db", "upgrade").exit_code == 0
        with site.app.app_context():
            engine = get_database().engine
            assert "computers" in set(inspect(engine).get_table_names())
            assert migrations.schema_status(engine).state is migrations.SchemaState.CURRENT
