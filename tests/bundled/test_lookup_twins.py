"""The case-folded unique index a bundled plugin's own migration adds to its
lookup (ADR 0011) refuses existing names that differ only in case, naming
them, and changes nothing; once the twins are gone it is created. (The 409
of the API for every lookup is in the generic suite, shopdb.testing.)"""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, text

from shopdb.database import get_database
from shopdb.errors import ShopDBError
from shopdb.models import Base
from shopdb.models.lookups import CASE_SENSITIVE_DIALECTS
from shopdb.services import migrations
from tests.bundled.support import installed_site

pytestmark = pytest.mark.database

# plugin, the revision before the index, lookup table, name column
INDEXED = [
    ("printers", "printers_0001", "printertypes", "printertype"),
    ("measuringtools", "measuringtools_0001", "instrumenttypes", "instrumenttype"),
]


@pytest.mark.parametrize(
    ("plugin", "before", "table", "column"), INDEXED, ids=[i[0] for i in INDEXED]
)
def test_the_plugin_migration_refuses_case_twins_naming_them(
    tmp_path_factory: pytest.TempPathFactory, plugin: str, before: str, table: str, column: str
) -> None:
    with installed_site(plugin, tmp_path_factory) as site:
        engine = get_database(site.app).engine
        if engine.dialect.name not in CASE_SENSITIVE_DIALECTS:
            pytest.skip("MySQL/MariaDB collations refuse case twins already")
        with site.app.app_context():
            migrations.downgrade(engine, before)
        lookup = Base.metadata.tables[table]
        now = {"createdat": func.now(), "modifiedat": func.now()}
        with engine.begin() as connection:
            connection.execute(insert(lookup).values({column: "Twin Laser", **now}))
            connection.execute(insert(lookup).values({column: "TWIN LASER", **now}))
        with pytest.raises(ShopDBError) as refused, site.app.app_context():
            migrations.upgrade(engine, f"{plugin}@head")
        message = str(refused.value)
        assert f"{table}.{column} holds names that differ only in case" in message
        assert "'Twin Laser'" in message and "'TWIN LASER'" in message
        assert before in migrations.current_revisions(engine)
        with engine.begin() as connection:
            connection.execute(text(f"DELETE FROM {table} WHERE {column} = 'TWIN LASER'"))
        with site.app.app_context():
            migrations.upgrade(engine, f"{plugin}@head")
        assert f"{plugin}_0002" in migrations.current_revisions(engine)
