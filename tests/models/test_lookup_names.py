"""Lookup names are unique in any case on every database (ADR 0011): the
database itself refuses "DMG Mori" beside "DMG MORI" (a case-folded unique
index on SQLite and PostgreSQL, the collation on MySQL/MariaDB), so two
concurrent writers of "Win X" and "WIN X" leave one row; the API answers such
a name with a 409 naming the held one; the migration refuses existing twins,
naming them, and changes nothing."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import ForeignKey, func, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, Session, mapped_column

from shopdb.api import Base, ByName, Resource, TimestampMixin
from shopdb.database import begin_write, build_engine, get_database, is_constraint_violation
from shopdb.errors import ShopDBError
from shopdb.models import (
    CORE_TABLES,
    AssetStatus,
    AssetType,
    BusinessUnit,
    LocationType,
    OperatingSystem,
    Vendor,
)
from shopdb.models.lookups import anycase_indexes
from shopdb.plugins.isolation import ModelSnapshot
from shopdb.services import migrations
from shopdb.testing.clients import make_callers

pytestmark = pytest.mark.database

# model, label column, the other values a row needs
LOOKUPS: list[tuple[Any, str, dict[str, Any]]] = [
    (AssetStatus, "assetstatus", {}),
    (AssetType, "assettype", {"label": "A type"}),
    (BusinessUnit, "businessunit", {}),
    (LocationType, "locationtype", {}),
    (OperatingSystem, "operatingsystem", {}),
    (Vendor, "vendor", {}),
]


def folded_count(session: Session, model: Any, column: str, name: str) -> int:
    label = getattr(model, column)
    return session.scalar(select(func.count()).where(func.lower(label) == name.lower()))


def test_every_core_lookup_declares_its_names_unique_in_any_case():
    """relationshiptypes.relationshiptype is compared case-sensitively by
    contract (DESIGN section 4), so it has none."""
    declared = {
        (index.table.name, index.info["anycase"])
        for index in anycase_indexes(Base.metadata.tables[name] for name in CORE_TABLES)
    }
    assert declared == {(model.__tablename__, column) for model, column, _ in LOOKUPS}


@pytest.mark.parametrize(("model", "column", "extra"), LOOKUPS, ids=[m[1] for m in LOOKUPS])
def test_the_database_refuses_a_name_that_differs_only_in_case(session, model, column, extra):
    session.add(model(**{column: "DMG MORI", **extra}))
    session.commit()
    session.add(model(**{column: "DMG Mori", **extra}))
    with pytest.raises(DBAPIError) as raised:
        session.flush()
    assert is_constraint_violation(raised.value)
    session.rollback()
    assert folded_count(session, model, column, "dmg mori") == 1


def test_the_api_answers_a_case_twin_with_a_409_naming_the_held_name(app, session):
    admin = make_callers(app)["admin"]
    first = admin.post("/api/vendors", json={"vendor": "DMG MORI"})
    assert first.status_code == 201, first.get_json()
    twin = admin.post("/api/vendors", json={"vendor": "dmg Mori"})
    assert twin.status_code == 409, twin.get_json()
    error = twin.get_json()["data"]["error"]
    assert "DMG MORI" in error["details"]["vendor"][0], error
    # The row itself may change the case of its own name.
    vendorid = first.get_json()["data"]["vendorid"]
    renamed = admin.patch(f"/api/vendors/{vendorid}", json={"vendor": "DMG Mori"})
    assert renamed.status_code == 200, renamed.get_json()
    assert folded_count(session, Vendor, "vendor", "DMG MORI") == 1


# Two writers at once -------------------------------------------------------------


@pytest.fixture
def systems_lookup() -> Iterator[Any]:
    """The by-name lookup of operating systems, created when new, as a
    resource of a test table declares it (the computers plugin does the same)."""
    snapshot = ModelSnapshot.take()

    class LnHost(TimestampMixin, Base):
        __tablename__ = "lnhosts"
        lnhostid: Mapped[int] = mapped_column(primary_key=True)
        operatingsystemid: Mapped[int | None] = mapped_column(
            ForeignKey("operatingsystems.operatingsystemid")
        )

    resource = Resource(
        LnHost,
        by_name={
            "operatingsystem": ByName(
                "operatingsystemid", OperatingSystem.operatingsystem, create=True
            )
        },
    )
    yield resource.lookups["operatingsystem"]
    snapshot.restore([__name__])


def test_two_writers_of_one_name_in_different_case_leave_one_row(app, systems_lookup):
    """The first writer holds "Win X" uncommitted while the second names "WIN
    X": the second waits for it (the write lock on SQLite, the unique index on
    the servers), then finds and uses the first one's row."""
    engine = get_database(app).engine
    first, second = Session(engine), Session(engine)
    found: dict[str, Any] = {}

    def write_second() -> None:
        try:
            with app.test_request_context():
                begin_write(second)
                rowid, problem = systems_lookup.find(second, "WIN X")
                assert problem == ""
                if rowid is None:
                    rowid = systems_lookup.create_row(second, "WIN X")
                second.commit()
                found["second"] = rowid
        except Exception as error:  # reported by the main thread
            found["error"] = error

    try:
        with app.test_request_context():
            begin_write(first)
            found["first"] = systems_lookup.create_row(first, "Win X")
            writer = threading.Thread(target=write_second)
            writer.start()
            time.sleep(1.0)  # the second writer is waiting now
            first.commit()
        writer.join(60)
        assert not writer.is_alive()
        assert "error" not in found, found["error"]
        assert found["second"] == found["first"]
        with Session(engine) as check:
            names = check.scalars(
                select(OperatingSystem.operatingsystem).where(
                    func.lower(OperatingSystem.operatingsystem) == "win x"
                )
            ).all()
        assert names == ["Win X"]
    finally:
        first.close()
        second.close()


# The migration -------------------------------------------------------------------


def test_the_migration_refuses_existing_twins_naming_them(database_url):
    engine = build_engine(database_url)
    try:
        migrations.upgrade(engine, "0002")
        vendors = Base.metadata.tables["vendors"]
        now = {"createdat": func.now(), "modifiedat": func.now()}
        with engine.begin() as connection:
            connection.execute(insert(vendors).values(vendor="DMG MORI", **now))
            if engine.dialect.name not in ("sqlite", "postgresql"):
                # The collation says they are one already.
                with pytest.raises(DBAPIError), connection.begin_nested():
                    connection.execute(insert(vendors).values(vendor="dmg mori", **now))
                pytest.skip("MySQL/MariaDB collations refuse case twins already")
            connection.execute(insert(vendors).values(vendor="dmg mori", **now))
            connection.execute(insert(vendors).values(vendor="Haas", **now))
        with pytest.raises(ShopDBError) as refused:
            migrations.upgrade(engine)
        message = str(refused.value)
        assert "vendors.vendor holds names that differ only in case" in message
        assert "'DMG MORI' (vendorid 1), 'dmg mori' (vendorid 2)" in message
        assert "Haas" not in message
        assert migrations.current_revisions(engine) == {"0002"}
        with engine.connect() as connection:
            count = connection.execute(text("SELECT count(*) FROM vendors")).scalar()
        assert count == 3

        with engine.begin() as connection:
            connection.execute(text("DELETE FROM vendors WHERE vendor = 'dmg mori'"))
        migrations.upgrade(engine)
        assert migrations.model_differences(engine) == []
    finally:
        engine.dispose()


def test_a_missing_case_folded_index_is_a_difference_db_check_reports(database_url):
    """SQLite cannot reflect an index on lower(vendor); it is checked by name."""
    engine = build_engine(database_url)
    try:
        migrations.upgrade(engine)
        if engine.dialect.name not in ("sqlite", "postgresql"):
            pytest.skip("MySQL/MariaDB have no case-folded index: the collation folds case")
        with engine.begin() as connection:
            connection.execute(text("DROP INDEX uq_vendors_lower_vendor"))
        differences = migrations.model_differences(engine)
        assert [(kind, index.name) for kind, index in differences] == [
            ("add_index", "uq_vendors_lower_vendor")
        ]
    finally:
        engine.dispose()
