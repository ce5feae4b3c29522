"""Small builders for test data; each returns a flushed row."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopdb.models import (
    Asset,
    AssetRelationship,
    AssetStatus,
    AssetType,
    Location,
    LocationType,
    RelationshipType,
)

_numbers = itertools.count(1)


def asset_type(session: Session, name: str = "thing") -> AssetType:
    found = session.scalar(select(AssetType).where(AssetType.assettype == name))
    if found is None:
        found = AssetType(assettype=name, label=name.title())
        session.add(found)
        session.flush()
    return found


def status(session: Session, name: str = "active") -> AssetStatus:
    found = session.scalar(select(AssetStatus).where(AssetStatus.assetstatus == name))
    if found is None:
        found = AssetStatus(assetstatus=name)
        session.add(found)
        session.flush()
    return found


def asset(session: Session, **values: Any) -> Asset:
    values.setdefault("assetnumber", f"A-{next(_numbers):05d}")
    values.setdefault("assettypeid", asset_type(session).assettypeid)
    values.setdefault("assetstatusid", status(session).assetstatusid)
    row = Asset(**values)
    session.add(row)
    session.flush()
    return row


def relationship_type(session: Session, name: str) -> RelationshipType:
    rows = session.scalars(select(RelationshipType)).all()
    for row in rows:
        if row.relationshiptype == name:
            return row
    row = RelationshipType(relationshiptype=name)
    session.add(row)
    session.flush()
    return row


def edge(session: Session, source: Asset, kind: str, target: Asset, **values: Any):
    row = AssetRelationship(
        sourceassetid=source.assetid,
        targetassetid=target.assetid,
        relationshiptypeid=relationship_type(session, kind).relationshiptypeid,
        **values,
    )
    session.add(row)
    session.flush()
    return row


def location(session: Session, name: str, parent: Location | None = None, **values: Any):
    kind = session.scalar(select(LocationType).where(LocationType.locationtype == "area"))
    if kind is None:
        kind = LocationType(locationtype="area")
        session.add(kind)
        session.flush()
    row = Location(name=name, locationtypeid=kind.locationtypeid, parent=parent, **values)
    session.add(row)
    session.flush()
    return row
