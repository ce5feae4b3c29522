"""The rows the plugin seeds on install (its lookups) and its part of the demo
site (`shopdb seed --demo`): an equipment row for every demo asset of type
`equipment`, derived from the asset's model, never at random."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopdb.api import assets_without_row, seed_rows

from .models import (
    ControllerOs,
    ControllerType,
    Equipment,
    EquipmentFocas,
    EquipmentMtconnect,
    EquipmentType,
)

# Lookups seeded on install -------------------------------------------------------

# The list, then what the demo plant has beyond it.
EQUIPMENT_TYPES = (
    "5-axis mill",
    "lathe",
    "mill-turn",
    "grinder",
    "broach",
    "EDM",
    "heat-treat oven",
    "washer",
    "other",
    "3-axis mill",
    "horizontal mill",
    "robot",
    "tightening system",
    "leak tester",
    "cell",
    "motor spindle",
)

# (controllertype, vendor)
CONTROLLER_TYPES = (
    ("Fanuc 31i", "Fanuc"),
    ("Fanuc 0i", "Fanuc"),
    ("Fanuc R-30iB Plus", "Fanuc"),
    ("Siemens 840D", "Siemens"),
    ("Heidenhain TNC640", "Heidenhain"),
    ("Mitsubishi M70", "Mitsubishi"),
    ("Mazatrol SmoothX", "Mazak"),
    ("Okuma OSP", "Okuma"),
    ("Haas NGC", "Haas"),
    ("Makino Professional 6", "Makino"),
    ("Makino Hyper-i", "Makino"),
)

CONTROLLER_OSES = (
    "Fanuc 31i-B5 OS",
    "Fanuc 0i-F Plus OS",
    "Fanuc R-30iB Plus V9.30",
    "Sinumerik Operate 4.8",
    "Heidenhain TNC 640 34059x-10",
    "Mitsubishi M70V",
    "Mazatrol SmoothX",
    "Okuma OSP-P300",
    "Haas NGC 100.21",
    "Makino Professional 6",
    "Makino Hyper-i",
)

# Controls whose machines answer FOCAS (the Makino control is Fanuc inside).
FOCAS_CONTROLLERS = frozenset({"Fanuc 31i", "Fanuc 0i", "Makino Professional 6"})
# Controls the demo's MTConnect agents read.
MTCONNECT_CONTROLLERS = frozenset({"Mazatrol SmoothX", "Okuma OSP", "Haas NGC"})


def seed_lookups(session: Session) -> int:
    """Add the missing lookup rows; returns how many were added."""
    added = seed_rows(
        session,
        EquipmentType,
        "equipmenttype",
        ({"equipmenttype": name} for name in EQUIPMENT_TYPES),
    )
    added += seed_rows(
        session,
        ControllerType,
        "controllertype",
        ({"controllertype": name, "vendor": vendor} for name, vendor in CONTROLLER_TYPES),
    )
    added += seed_rows(
        session, ControllerOs, "controlleros", ({"controlleros": name} for name in CONTROLLER_OSES)
    )
    return added


# Demo data ---------------------------------------------------------------------


@dataclass(frozen=True)
class MachineSpec:
    """What a demo model is: type, control, axes, spindles, largest part."""

    equipmenttype: str
    controllertype: str | None = None
    controlleros: str | None = None
    axiscount: int | None = None
    spindlecount: int | None = None
    maxworkpiece: str | None = None


HEIDENHAIN = ("Heidenhain TNC640", "Heidenhain TNC 640 34059x-10")
SIEMENS = ("Siemens 840D", "Sinumerik Operate 4.8")
MAZATROL = ("Mazatrol SmoothX", "Mazatrol SmoothX")
OKUMA = ("Okuma OSP", "Okuma OSP-P300")
HAAS = ("Haas NGC", "Haas NGC 100.21")
MAKINO = ("Makino Professional 6", "Makino Professional 6")
MAKINO_EDM = ("Makino Hyper-i", "Makino Hyper-i")
FANUC = ("Fanuc 31i", "Fanuc 31i-B5 OS")
ROBOT = ("Fanuc R-30iB Plus", "Fanuc R-30iB Plus V9.30")

MODELS = {
    "DMU 65 monoBLOCK": MachineSpec("5-axis mill", *HEIDENHAIN, 5, 1, "840 x 650 x 500 mm"),
    "DMU 50": MachineSpec("5-axis mill", *SIEMENS, 5, 1, "630 x 500 x 400 mm"),
    "DMC 1035 V": MachineSpec("3-axis mill", *SIEMENS, 3, 1, "1035 x 560 x 510 mm"),
    "NLX 2500": MachineSpec("lathe", *SIEMENS, 3, 2, "D 366 x 705 mm"),
    "CTX beta 800": MachineSpec("mill-turn", *SIEMENS, 4, 2, "D 500 x 800 mm"),
    "VARIAXIS i-700": MachineSpec("5-axis mill", *MAZATROL, 5, 1, "D 730 x 450 mm"),
    "VCN-530C": MachineSpec("3-axis mill", *MAZATROL, 3, 1, "1300 x 550 x 510 mm"),
    "QUICK TURN 250MSY": MachineSpec("lathe", *MAZATROL, 3, 2, "D 380 x 545 mm"),
    "INTEGREX i-200": MachineSpec("mill-turn", *MAZATROL, 5, 2, "D 658 x 1011 mm"),
    "MU-5000V": MachineSpec("5-axis mill", *OKUMA, 5, 1, "D 600 x 400 mm"),
    "GENOS M560-V": MachineSpec("3-axis mill", *OKUMA, 3, 1, "1050 x 560 x 460 mm"),
    "LB3000 EX II": MachineSpec("lathe", *OKUMA, 2, 1, "D 320 x 500 mm"),
    "VF-2SS": MachineSpec("3-axis mill", *HAAS, 3, 1, "762 x 406 x 508 mm"),
    "VF-4": MachineSpec("3-axis mill", *HAAS, 3, 1, "1270 x 508 x 635 mm"),
    "ST-20Y": MachineSpec("lathe", *HAAS, 3, 1, "D 254 x 533 mm"),
    "UMC-750": MachineSpec("5-axis mill", *HAAS, 5, 1, "D 630 x 400 mm"),
    "a61nx": MachineSpec("horizontal mill", *MAKINO, 4, 1, "D 730 x 900 mm"),
    "a81nx": MachineSpec("horizontal mill", *MAKINO, 4, 1, "D 1050 x 1100 mm"),
    "D200Z": MachineSpec("5-axis mill", *MAKINO, 5, 1, "D 300 x 200 mm"),
    "U6 H.E.A.T.": MachineSpec("EDM", *MAKINO_EDM, 5, 0, "870 x 660 x 420 mm"),
    "EDAF3": MachineSpec("EDM", *MAKINO_EDM, 3, 0, "750 x 550 x 300 mm"),
    "C 42 U": MachineSpec("5-axis mill", *HEIDENHAIN, 5, 1, "D 800 x 550 mm"),
    "C 32 U": MachineSpec("5-axis mill", *HEIDENHAIN, 5, 1, "D 650 x 500 mm"),
    "S33": MachineSpec("grinder", *FANUC, 2, 1, "D 350 x 1000 mm"),
    "S41": MachineSpec("grinder", *FANUC, 3, 2, "D 550 x 1600 mm"),
    "favorit": MachineSpec("grinder", *FANUC, 2, 1, "D 350 x 1000 mm"),
    "ROBODRILL a-D21MiB5": MachineSpec("3-axis mill", *FANUC, 3, 1, "700 x 400 x 330 mm"),
    "M-20iD/25": MachineSpec("robot", *ROBOT, 6, 0, "25 kg payload"),
    "PF6000": MachineSpec("tightening system"),
    "F620": MachineSpec("leak tester"),
    "EcoCwave": MachineSpec("washer", axiscount=0, maxworkpiece="600 x 400 x 300 mm"),
}
CELL = MachineSpec("cell")
SPINDLE = MachineSpec("motor spindle", spindlecount=1)
OTHER = MachineSpec("other")


def spec_of(assetnumber: str, modelnumber: str | None) -> MachineSpec:
    if modelnumber in MODELS:
        return MODELS[modelnumber]
    if assetnumber.startswith("CELL-"):
        return CELL
    if assetnumber.startswith("SP-"):
        return SPINDLE
    return OTHER


def address_of(assetnumber: str) -> str:
    """A fixed address on the machine network, derived from the asset number."""
    number = zlib.crc32(assetnumber.encode()) % 60000
    return f"10.20.{100 + number // 250 % 100}.{10 + number % 240}"


def seed_demo_equipment(session: Session) -> str | None:
    """An equipment row (and protocol details) for each demo equipment asset
    that has none yet; the summary, or None when there was nothing to add."""
    ids = {
        model: {name: rowid for rowid, name in session.execute(select(key, column))}
        for model, key, column in (
            (EquipmentType, EquipmentType.equipmenttypeid, EquipmentType.equipmenttype),
            (ControllerType, ControllerType.controllertypeid, ControllerType.controllertype),
            (ControllerOs, ControllerOs.controllerosid, ControllerOs.controlleros),
        )
    }
    taken = set(session.scalars(select(Equipment.machinenumber)))
    added = focas = mtconnect = 0
    for asset in session.scalars(assets_without_row("equipment", Equipment)).all():
        assetid, assetnumber = asset.assetid, asset.assetnumber
        modelnumber = asset.model.modelnumber if asset.model else None
        if assetnumber in taken:
            continue
        spec = spec_of(assetnumber, modelnumber)
        typeid = ids[EquipmentType].get(spec.equipmenttype)
        if typeid is None:  # an admin renamed a seeded type: leave the asset alone
            continue
        session.add(
            Equipment(
                assetid=assetid,
                machinenumber=assetnumber,
                equipmenttypeid=typeid,
                controllertypeid=ids[ControllerType].get(spec.controllertype or ""),
                controllerosid=ids[ControllerOs].get(spec.controlleros or ""),
                axiscount=spec.axiscount,
                spindlecount=spec.spindlecount,
                maxworkpiece=spec.maxworkpiece,
            )
        )
        added += 1
        address = address_of(assetnumber)
        if spec.controllertype in FOCAS_CONTROLLERS:
            session.add(EquipmentFocas(assetid=assetid, host=address, port=8193))
            focas += 1
        elif spec.controllertype in MTCONNECT_CONTROLLERS:
            device = assetnumber.replace("-", "")
            url = "http://mtconnect-agent.plant1.local:5000/"
            session.add(EquipmentMtconnect(assetid=assetid, agenturl=url, devicename=device))
            mtconnect += 1
    session.flush()
    if not added:
        return None
    return f"Added {added} machines ({focas} with FOCAS and {mtconnect} with MTConnect details)."
