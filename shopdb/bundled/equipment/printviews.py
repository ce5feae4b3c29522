"""The plugin's print view (GET /print/equipment/badge?ids=...): a badge per
machine to fix on it, with a Code 128 barcode of its machine number (what
the floor's hand scanners read), the model's picture and the key facts; and
the detail panel that links a machine's page to its badge and label."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from shopdb.api import (
    Asset,
    DetailPanel,
    PrintView,
    code128_svg,
    model_picture_url,
    rows_by_id,
)

from .models import ControllerOs, ControllerType, Equipment, EquipmentType


def barcode_of(machinenumber: str) -> Markup | None:
    """The machine number's barcode; None for one Code 128 cannot hold
    (the badge then says so rather than failing the whole sheet)."""
    try:
        return code128_svg(machinenumber)
    except ValueError:
        return None


def badges(session: Session, ids: list[int]) -> dict[str, Any]:
    """The machines asked for, in the order asked (404 for an id that is
    none), with their lookups' names: three statements for any number."""
    loads = (
        selectinload(Equipment.asset).selectinload(Asset.location),
        selectinload(Equipment.asset).selectinload(Asset.vendor),
        selectinload(Equipment.asset).selectinload(Asset.model),
    )
    machines = rows_by_id(session, Equipment, ids, "machine", *loads)
    names = {
        row.assetid: row
        for row in session.execute(
            select(
                Equipment.assetid,
                EquipmentType.equipmenttype,
                ControllerType.controllertype,
                ControllerOs.controlleros,
            )
            .join(EquipmentType)
            .outerjoin(ControllerType)
            .outerjoin(ControllerOs)
            .where(Equipment.assetid.in_(ids))
        )
    }
    return {
        "badges": [
            {
                "machine": machine,
                "asset": machine.asset,
                "barcode": barcode_of(machine.machinenumber),
                "picture": model_picture_url(machine.asset.model),
                "equipmenttype": names[machine.assetid].equipmenttype,
                "controllertype": names[machine.assetid].controllertype,
                "controlleros": names[machine.assetid].controlleros,
            }
            for machine in machines
        ]
    }


def print_links(session: Session, machine: Equipment) -> dict[str, Any]:
    """The machine's page links to its badge and to its asset label."""
    return {"assetid": machine.assetid}


PRINT_VIEWS = [
    PrintView(
        name="badge",
        label="Equipment badge",
        template="equipment/badge.html",
        context=badges,
        maxids=200,
    )
]

DETAIL_PANELS = [
    DetailPanel("equipment", "print", "Print", "equipment/printlinks.html", print_links, order=200)
]
