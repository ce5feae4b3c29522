"""The write path takes batches: `Resource.save_many` of computers (names
resolved and created by name, references, unique values within the batch and
in the database, nested interfaces) costs the same statements for 1, 10 or
50 records, and a batch's bad records fail alone, naming the field."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from shopdb.database import get_database, get_session
from shopdb.errors import ConflictError, InvalidInputError, ShopDBError
from shopdb.models import AuditLog
from shopdb.resources.batch import CREATED, NOOP, UPDATED, Saved
from shopdb.resources.registry import RESOURCES_KEY
from shopdb.services import records
from shopdb.services.actor import Actor
from shopdb.services.unitofwork import unit_of_work
from shopdb.testing.databases import count_queries
from tests import factories
from tests.bundled.computers.conftest import Site, hostname, mac

pytestmark = pytest.mark.database


def computer(name: str, version: int, **extra: Any) -> dict[str, Any]:
    """An inventory record: a name to resolve (or create), a location to
    check, unique host name and MAC address, one nested interface."""
    return {
        "hostname": name,
        "serialnumber": f"SN-{name}",
        "operatingsystem": extra.pop("operatingsystem", "Windows 11 Enterprise"),
        "loggedinuser": f"SHOP\\op{version}",
        "memorymb": 8192 * version,
        "interfaces": [{"name": f"Ethernet {version}", "macaddress": extra.pop("mac", mac())}],
        **extra,
    }


def saved_many(
    site: Site, bodies: list[dict[str, Any]], existing: list[str | None] | None = None
) -> tuple[list[Any], int, list[str]]:
    """save_many of `bodies` in a unit of work, creating them, or changing
    the computers named in `existing` (found first, as a caller does; None
    creates): (results, statements save_many sent, those statements)."""
    with site.app.app_context():
        session = get_session()
        resource = site.app.extensions[RESOURCES_KEY]["computers"]
        engine = get_database(site.app).engine
        with unit_of_work(session, Actor()):
            rows: list[Any] = [None] * len(bodies)
            if existing is not None:
                by_name = resource.find_many_by(session, "hostname", existing, lock=True)
                rows = [by_name.get(name) for name in existing]
            with count_queries(engine) as counter:
                results = resource.save_many(session, list(zip(bodies, rows, strict=True)))
        return results, counter.count, counter.statements


def macs(site: Site, names: list[str]) -> list[str]:
    with site.app.app_context():
        session = get_session()
        resource = site.app.extensions[RESOURCES_KEY]["computers"]
        by_name = resource.find_many_by(session, "hostname", names)
        return [by_name[name].interfaces[0].macaddress for name in names]


def location(site: Site) -> int:
    with site.app.app_context():
        session = get_session()
        row = factories.location(session, f"Bay {uuid.uuid4().hex[:8]}")
        session.commit()
        return row.locationid


def test_statements_per_batch_do_not_grow_with_the_batch(site: Site):
    bay = location(site)
    saved_many(site, [computer(hostname().lower(), 1, locationid=bay)])  # warm up
    created = {}
    updated = {}
    for size in (1, 10, 50):
        names = [hostname().lower() for _ in range(size)]
        system = f"Windows {uuid.uuid4().hex[:8]}"  # a new name: created by name, in bulk
        bodies = [computer(name, 1, locationid=bay, operatingsystem=system) for name in names]
        results, created[size], statements = saved_many(site, bodies)
        assert [result.action for result in results] == [CREATED] * size, statements
        # Changed fields, a new interface for the old one (a delete and an insert).
        bodies = [computer(name, 2) for name in names]
        results, updated[size], statements = saved_many(site, bodies, names)
        assert [result.action for result in results] == [UPDATED] * size, statements
        assert set(results[0].changes) >= {"loggedinuser", "memorymb", "interfaces"}
        bodies = [
            computer(name, 2, mac=address)
            for name, address in zip(names, macs(site, names), strict=True)
        ]
        results, _count, _statements = saved_many(site, bodies, names)
        assert [result.action for result in results] == [NOOP] * size
    # A batch of one may cost less: one new row's key needs no max() on SQLite.
    assert created[1] <= created[10] == created[50], created
    assert updated[1] <= updated[10] == updated[50], updated


def test_bad_records_of_a_batch_fail_alone_naming_the_field(site: Site):
    names = [hostname().lower() for _ in range(5)]
    taken = mac()
    first = last_entry(site)
    bodies = [
        computer(names[0], 1, mac=taken),
        computer(names[1], 1, mac=taken),  # the MAC the first one takes
        computer(names[2], 1, locationid=999999),  # no such location
        computer(names[3], 1, memorymb=-1),  # below the field's range
        computer(names[0], 1),  # the first one's host name again
        computer(names[4], 1),
    ]
    results, _count, _statements = saved_many(site, bodies)
    assert isinstance(results[0], Saved)
    assert isinstance(results[5], Saved)
    assert _fields(results[1]) == {"interfaces": {0: {"macaddress"}}}
    assert isinstance(results[1], ConflictError)
    assert isinstance(results[2], InvalidInputError)
    assert _fields(results[2]) == {"locationid"}
    assert isinstance(results[3], InvalidInputError)
    assert _fields(results[3]) == {"memorymb"}
    assert isinstance(results[4], ConflictError)
    assert "hostname" in _fields(results[4])
    with site.app.app_context():
        session = get_session()
        resource = site.app.extensions[RESOURCES_KEY]["computers"]
        stored = resource.find_many_by(session, "hostname", names)
        assert set(stored) == {names[0], names[4]}
        assert [row.macaddress for row in stored[names[0]].interfaces] == [taken]
        entries = session.execute(
            select(AuditLog.entitytype, AuditLog.entityid).where(AuditLog.auditlogid > first)
        ).all()
    written = {str(row.assetid) for row in stored.values()}
    audited = [(kind, key) for kind, key in entries if kind != "operatingsystems"]
    assert sorted(kind for kind, _key in audited) == [
        "assets",
        "assets",
        "computerinterfaces",
        "computerinterfaces",
        "computers",
        "computers",
    ]
    assert {key for kind, key in audited if kind != "computerinterfaces"} == written


def last_entry(site: Site) -> int:
    with site.app.app_context():
        return get_session().scalar(select(func.max(AuditLog.auditlogid))) or 0


def _fields(error: ShopDBError) -> Any:
    """The fields an error's details name (nested: by path)."""
    details = getattr(error, "details", {})
    if "interfaces" in details:
        return {"interfaces": {index: set(found) for index, found in details["interfaces"].items()}}
    return set(details)


def test_a_value_an_earlier_record_gives_up_is_free_for_a_later_one(site: Site):
    """Row by row, a MAC address one computer gives up may be taken by the
    next record of the batch; set-based it is the same."""
    old, new, moved = hostname().lower(), hostname().lower(), mac()
    saved_many(site, [computer(old, 1, mac=moved)])
    results, _count, statements = saved_many(
        site, [computer(old, 2), computer(new, 1, mac=moved)], [old, None]
    )
    assert [result.action for result in results] == [UPDATED, CREATED], statements
    assert macs(site, [new]) == [moved]


def test_a_bulk_write_the_database_refuses_is_written_record_by_record(site: Site, monkeypatch):
    """A duplicate the checks could not see (a concurrent writer's, here made
    by a check that finds nothing) makes the database refuse the batch's
    INSERT: the batch is written again one record at a time, and only the
    record at fault fails, naming the field."""
    taken = hostname().lower()
    saved_many(site, [computer(taken, 1)])
    monkeypatch.setattr(records, "check_unique", lambda *args, **kwargs: None)
    names = [hostname().lower(), taken, hostname().lower()]
    results, _count, statements = saved_many(site, [computer(name, 1) for name in names])
    assert isinstance(results[0], Saved), statements
    assert isinstance(results[2], Saved)
    assert isinstance(results[1], ConflictError)
    assert "written at the same time" in str(results[1])
    assert set(results[1].details) & {"hostname", "assetnumber"}
    assert any(statement.startswith("ROLLBACK TO SAVEPOINT") for statement in statements)
    assert len(macs(site, [names[0], names[2]])) == 2
