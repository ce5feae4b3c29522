"""Reference data every site needs, created idempotently.

Rows are matched on their natural key compared in Python, byte for byte, so a
legacy `Controls` relationship type can never stand in for `controls`, whatever
the database's collation.
"""

from __future__ import annotations

import json
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from shopdb.models import (
    ADMIN,
    CONNECTEDTO,
    CONTROLS,
    EDITOR,
    PARTOF,
    VIEWER,
    Asset,
    AssetStatus,
    AssetType,
    Base,
    LocationType,
    RelationshipType,
    Role,
    Setting,
)
from shopdb.services.settings import DEFINITIONS

ASSET_STATUSES = (
    ("active", "In use on the floor"),
    ("inactive", "Present but not in use"),
    ("decommissioned", "Taken out of service, awaiting disposal"),
    ("retired", "Gone; kept for the record"),
)

# (name, description, propagates through)
RELATIONSHIP_TYPES = (
    (PARTOF, "Source is a part of target (a spindle of a machine, a machine of a bay)", None),
    (CONTROLS, "Source controls target (a PC drives a machine)", PARTOF),
    (CONNECTEDTO, "Source is connected to target (an uplink); never carries position", None),
    ("Serial Cable", "Legacy connection type: serial cable", None),
    ("Direct Ethernet", "Legacy connection type: direct Ethernet link", None),
    ("USB", "Legacy connection type: USB", None),
    ("WiFi", "Legacy connection type: wireless", None),
    ("Dualpath", "Legacy connection type: dual-path", None),
)

LOCATION_TYPES = (
    ("site", "A plant or campus"),
    ("building", "A building on a site"),
    ("bay", "A production bay or hall inside a building"),
    ("room", "An enclosed room: office, lab, server room"),
    ("area", "Any other marked area"),
)

ROLES = (
    (ADMIN, "Everything: users, roles, settings, plugins, API tokens"),
    (EDITOR, "Reads and edits asset data"),
    (VIEWER, "Reads asset data"),
)


@dataclass
class SeedReport:
    """How many rows each table received; empty when nothing changed."""

    created: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)  # sentences the summary ends with

    def add(self, table: str, count: int = 1) -> None:
        self.created[table] += count

    @property
    def changed(self) -> bool:
        return sum(self.created.values()) > 0

    def summary(self) -> str:
        if not self.changed:
            said = "Nothing to change: all reference data is already present."
        else:
            parts = ", ".join(f"{count} {table}" for table, count in sorted(self.created.items()))
            said = f"Created {parts}."
        return " ".join((said, *self.notes))


def seed_rows(
    session: Session, model: type[Base], key: str, rows: Iterable[Mapping[str, Any]]
) -> int:
    """Add each row whose `key` value is not in the table yet; returns how many
    were added. Plugins seed their lookup tables with it from `on_install`, so
    installing twice changes nothing and rows an admin edited stay as edited."""
    existing = set(session.scalars(select(getattr(model, key))))
    added = 0
    for row in rows:
        if row[key] not in existing:
            session.add(model(**row))
            existing.add(row[key])
            added += 1
    session.flush()
    return added


def register_asset_type(
    session: Session, assettype: str, label: str, pluginname: str, icon: str = ""
) -> AssetType:
    """The asset type a plugin owns, created on first install and returned as
    found afterwards (an admin may have changed its label or icon)."""
    existing = session.scalars(select(AssetType).where(AssetType.assettype == assettype)).all()
    for row in existing:
        if row.assettype == assettype:  # byte for byte, whatever the collation
            return row
    row = AssetType(assettype=assettype, label=label, pluginname=pluginname, icon=icon or None)
    session.add(row)
    session.flush()
    return row


def _seed_simple(
    session: Session, model: type[Base], column: str, rows: tuple, report: SeedReport
) -> None:
    added = seed_rows(
        session, model, column, ({column: name, "description": text} for name, text in rows)
    )
    if added:
        report.add(model.__tablename__, added)


def _seed_relationship_types(session: Session, report: SeedReport) -> None:
    by_name = {row.relationshiptype: row for row in session.scalars(select(RelationshipType))}
    for name, description, through in RELATIONSHIP_TYPES:
        if name in by_name:
            continue
        # Types are listed so that a propagation target comes before its users.
        by_name[name] = RelationshipType(
            relationshiptype=name,
            description=description,
            propagatesthrough=by_name[through] if through else None,
        )
        session.add(by_name[name])
        report.add("relationshiptypes")


def _seed_settings(session: Session, report: SeedReport) -> None:
    """The core's settings; a plugin's (`plugin.<name>.*`, which it may
    declare for their type) are stored by its own `on_install`."""
    existing = set(session.scalars(select(Setting.setting)))
    for definition in DEFINITIONS.values():
        if definition.key not in existing and not definition.key.startswith("plugin."):
            session.add(
                Setting(
                    setting=definition.key,
                    value=json.dumps(definition.default),
                    valuetype=definition.valuetype,
                    description=definition.description,
                )
            )
            report.add("settings")


def seed_reference_data(session: Session) -> SeedReport:
    """Create missing statuses, relationship types, location types, roles and settings."""
    report = SeedReport()
    _seed_settings(session, report)
    _seed_simple(session, AssetStatus, "assetstatus", ASSET_STATUSES, report)
    _seed_simple(session, LocationType, "locationtype", LOCATION_TYPES, report)
    _seed_simple(session, Role, "role", ROLES, report)
    _seed_relationship_types(session, report)
    session.flush()
    return report


def stable_number(assetnumber: str) -> int:
    """The digits of an asset number (NET-4012 -> 4012), or a checksum of it:
    a number that stays the same on every run, for demo data made up from it
    (addresses, serial numbers) that must not change when the demo is seeded
    again."""
    digits = re.sub(r"\D", "", assetnumber)
    return int(digits) if digits else zlib.crc32(assetnumber.encode())


def assets_without_row(assettype: str, model: type[Base]) -> Select:
    """The assets of `assettype` that have no row in `model` (a plugin table
    keyed by assetid) yet, by asset number, with their product model loaded:
    what a plugin's `seed_demo` fills in."""
    return (
        select(Asset)
        .join(AssetType, Asset.assettypeid == AssetType.assettypeid)
        .where(
            AssetType.assettype == assettype,
            Asset.assetid.not_in(select(model.__table__.c.assetid)),
        )
        .options(selectinload(Asset.model))
        .order_by(Asset.assetnumber)
    )
