"""What the computers plugin adds to the web UI: on a computer's page, the
machines it controls (directly, or through a cell it controls); on the
assets list, the computers that control each asset."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopdb.api import (
    CONTROLS,
    Asset,
    AssetStatus,
    DetailPanel,
    ListColumn,
    Location,
    related_from,
    related_pairs,
)

from .models import Computer


def controlled(session: Session, computer: Computer) -> dict[str, Any]:
    """The panel's variables: what the computer controls, by asset number,
    with status and location names; one query."""
    rows = session.execute(
        select(Asset.assetid, Asset.assetnumber, Asset.name, AssetStatus.assetstatus, Location.name)
        .outerjoin(AssetStatus, AssetStatus.assetstatusid == Asset.assetstatusid)
        .outerjoin(Location, Location.locationid == Asset.locationid)
        .where(related_from([computer.assetid], CONTROLS))
        .order_by(Asset.assetnumber)
    ).all()
    return {
        "machines": [
            {
                "assetid": row[0],
                "assetnumber": row[1],
                "name": row[2],
                "status": row[3],
                "location": row[4],
            }
            for row in rows
        ]
    }


def controlled_by(session: Session, ids: list[int]) -> dict[int, str]:
    """The list column's values: for each asset of the page, the host names
    of the computers that control it (directly or through a cell), joined by
    commas; one query for the page."""
    pairs = related_pairs(ids, CONTROLS).subquery()
    columns = list(pairs.columns)
    query = (
        select(columns[0], Computer.hostname)
        .join(Computer, Computer.assetid == columns[1])
        .order_by(columns[0], Computer.hostname)
    )
    found: dict[int, list[str]] = {}
    for assetid, hostname in session.execute(query):
        names = found.setdefault(assetid, [])
        if hostname not in names:
            names.append(hostname)
    return {assetid: ", ".join(names) for assetid, names in found.items()}


DETAIL_PANELS = [
    DetailPanel(
        resource="computers",
        name="controls",
        title="Machines this computer controls",
        template="computers/controls.html",
        context=controlled,
        order=10,
    )
]
LIST_COLUMNS = [
    ListColumn(resource="assets", name="controlledby", label="Controlled by", values=controlled_by)
]
