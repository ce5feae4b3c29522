"""Reference data: complete, idempotent, and blind to legacy look-alikes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shopdb.models import AssetStatus, LocationType, RelationshipType, Role
from shopdb.services.seeds import RELATIONSHIP_TYPES, seed_reference_data, stable_number

pytestmark = pytest.mark.database


def types_by_name(session):
    return {row.relationshiptype: row for row in session.scalars(select(RelationshipType))}


def test_seed_creates_the_reference_data(session):
    report = seed_reference_data(session)
    session.commit()
    assert report.created == {
        "assetstatuses": 4,
        "locationtypes": 5,
        "relationshiptypes": 8,
        "roles": 3,
        # site.name, security.allowanonymousread, dashboard.staledays, uploads.imagemaxbytes
        "settings": 4,
    }
    assert set(session.scalars(select(AssetStatus.assetstatus))) == {
        "active",
        "inactive",
        "decommissioned",
        "retired",
    }
    assert set(session.scalars(select(Role.role))) == {"admin", "editor", "viewer"}
    assert "bay" in set(session.scalars(select(LocationType.locationtype)))
    types = types_by_name(session)
    assert set(types) == {name for name, _, _ in RELATIONSHIP_TYPES}
    assert types["controls"].propagatesthroughid == types["partof"].relationshiptypeid
    assert types["connectedto"].propagatesthroughid is None


def test_a_second_seed_changes_nothing_and_says_so(session):
    seed_reference_data(session)
    session.commit()
    before = session.scalar(select(func.max(RelationshipType.modifiedat)))
    report = seed_reference_data(session)
    session.commit()
    assert not report.changed
    assert report.summary().startswith("Nothing to change")
    assert session.scalar(select(func.count()).select_from(RelationshipType)) == 8
    assert session.scalar(select(func.max(RelationshipType.modifiedat))) == before


def test_a_legacy_Controls_row_is_never_taken_for_controls(session):
    legacy = RelationshipType(relationshiptype="Controls", description="imported")
    session.add(legacy)
    session.commit()
    seed_reference_data(session)
    session.commit()
    types = types_by_name(session)
    assert types["Controls"].relationshiptypeid == legacy.relationshiptypeid
    assert types["Controls"].description == "imported"
    assert types["Controls"].propagatesthroughid is None
    assert types["controls"].relationshiptypeid != legacy.relationshiptypeid
    assert types["controls"].propagatesthroughid == types["partof"].relationshiptypeid


def test_a_stable_number_is_the_digits_of_an_asset_number_or_its_checksum():
    assert stable_number("NET-4012") == 4012
    assert stable_number("CORE-SW01") == 1
    assert stable_number("IDF-A") == stable_number("IDF-A") != stable_number("IDF-B")
