"""Migrations reach head from nothing, go back to nothing, agree with the
models, and never leave a revision half applied."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from shopdb.database import get_database
from shopdb.errors import SchemaMismatchError, ShopDBError
from shopdb.models import CORE_TABLES
from shopdb.services import migrations
from shopdb.services.migrations import SchemaState

pytestmark = pytest.mark.database

# The extra revisions below follow the core head, whatever it is today.
CORE_HEAD = migrations.script_directory().get_revision("core@head").revision

FAILING_REVISION = '''"""A revision that fails half way."""
import sqlalchemy as sa
from alembic import op

revision = "0002test"
down_revision = "CORE_HEAD"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("halfway", sa.Column("halfwayid", sa.Integer, primary_key=True))
    op.execute("INSERT INTO nosuchtable VALUES (1)")


def downgrade():
    op.drop_table("halfway")
'''

FAILING_REVISION = FAILING_REVISION.replace("CORE_HEAD", CORE_HEAD)
GOOD_REVISION = FAILING_REVISION.replace(
    '    op.execute("INSERT INTO nosuchtable VALUES (1)")\n', ""
)


@pytest.fixture
def engine(empty_app):
    engine = get_database(empty_app).engine
    with engine.connect():
        pass  # an embedded database now exists, empty
    return engine


@pytest.fixture
def extra_revision(tmp_path, monkeypatch):
    """Put one more revision after the core head, as a plugin branch would."""
    folder = tmp_path / "extra_versions"
    folder.mkdir()
    plan = migrations.MigrationPlan(dormant=(folder,))
    monkeypatch.setattr(migrations, "current_plan", lambda: plan)

    def write(source: str) -> None:
        (folder / "0002test_extra.py").write_text(source)

    return write


def test_upgrade_from_empty_reaches_head_and_matches_the_models(engine):
    assert migrations.schema_status(engine).state is SchemaState.EMPTY
    migrations.upgrade(engine)
    assert migrations.schema_status(engine).state is SchemaState.CURRENT
    # The core's tables: a plugin's models another test imported are not the core head's.
    assert set(inspect(engine).get_table_names()) >= CORE_TABLES
    assert migrations.model_differences(engine) == []


def test_downgrade_to_base_then_upgrade_again(engine):
    migrations.upgrade(engine)
    migrations.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    assert migrations.current_revisions(engine) == set()
    migrations.upgrade(engine)
    assert migrations.schema_status(engine).state is SchemaState.CURRENT
    assert migrations.model_differences(engine) == []


def test_a_model_without_a_migration_is_reported(engine):
    migrations.upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE settings"))
    differences = migrations.model_differences(engine)
    assert any(d[0] == "add_table" and d[1].name == "settings" for d in differences)


def test_a_newer_database_is_refused_with_a_sentence(engine):
    migrations.upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'fromthefuture'"))
    assert migrations.schema_status(engine).state is SchemaState.NEWER
    with pytest.raises(SchemaMismatchError, match="newer than the code"):
        migrations.require_current_schema(engine)


def test_an_older_database_is_told_to_upgrade(engine, extra_revision):
    migrations.upgrade(engine)
    extra_revision(GOOD_REVISION)
    status = migrations.schema_status(engine)
    assert status.state is SchemaState.OLDER
    with pytest.raises(SchemaMismatchError, match="older than this code's 0002test"):
        migrations.require_current_schema(engine)
    migrations.upgrade(engine)
    assert migrations.current_revisions(engine) == {"0002test"}


def test_a_failing_revision_names_the_revision_reached_and_keeps_earlier_ones(
    engine, extra_revision
):
    extra_revision(FAILING_REVISION)
    with pytest.raises(ShopDBError, match=f"now at revision {CORE_HEAD}"):
        migrations.upgrade(engine)
    assert migrations.current_revisions(engine) == {CORE_HEAD}
    tables = set(inspect(engine).get_table_names())
    assert "assets" in tables
    if engine.dialect.name in ("sqlite", "postgresql"):
        # Transactional DDL: the failed revision left nothing behind.
        assert "halfway" not in tables


def test_an_unknown_target_is_one_sentence(engine):
    with pytest.raises(ShopDBError, match="Cannot upgrade to 'nosuch'"):
        migrations.upgrade(engine, "nosuch")


def test_0006_empties_the_search_index_for_the_upgrade_to_build_again(engine):
    """0006 changes what the index rows hold (an asset row's entries once,
    under its class): it empties the table, and `shopdb db upgrade` then
    builds it from the records (tests/resources/test_searchindex.py)."""
    migrations.upgrade(engine, "0005")
    row = (
        "INSERT INTO searchentries (resource, recordid, field, term, iswhole, weight, isidentity)"
        " VALUES ('assets', 1, 'assetnumber', 'pc-1', :yes, 10, :yes)"
    )
    with engine.begin() as connection:
        connection.execute(text(row), {"yes": True})
    migrations.upgrade(engine)
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM searchentries")) == 0
    migrations.downgrade(engine, "0005")
    with engine.begin() as connection:
        connection.execute(text(row), {"yes": True})
        assert connection.scalar(text("SELECT count(*) FROM searchentries")) == 1
