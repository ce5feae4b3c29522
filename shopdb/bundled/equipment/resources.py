"""How the plugin's records are served: the machines (an asset extension with
their protocol details nested inside) and the three lookups.

Machine numbers are compared exactly after trimming (no case folding): the
column is byte-compared on every database, and the collector looks them up
the same way.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate
from sqlalchemy.orm import Session

from shopdb.api import (
    ByName,
    HasOne,
    HostOrAddress,
    Resource,
    WebUrl,
    lookup_resource,
)

from .models import (
    ControllerOs,
    ControllerType,
    Equipment,
    EquipmentClm,
    EquipmentFocas,
    EquipmentMtconnect,
    EquipmentType,
)

# Registered by Plugin.on_install; every record created here is an asset of it.
ASSET_TYPE = "equipment"

PORT = validate.Range(min=1, max=65535)
COUNT = validate.Range(min=0)


class EquipmentResource(Resource):
    """Machines. Lookups may be given by name (`equipmenttype`, `controllertype`,
    `controlleros`) as well as by id; the asset number defaults to the machine
    number."""

    def prepare(self, session: Session, values: dict[str, Any], instance: Any | None) -> dict:
        if instance is None and not values.get("assetnumber") and values.get("machinenumber"):
            values = {**values, "assetnumber": values["machinenumber"]}
        return values


EQUIPMENT = EquipmentResource(
    Equipment,
    asset_type=ASSET_TYPE,
    label="Equipment",
    filters=(
        "assetnumber",
        "machinenumber",
        "equipmenttypeid",
        "controllertypeid",
        "controllerosid",
        "axiscount",
        "spindlecount",
        "locationid",
        "assetstatusid",
        "isactive",
        # ?focashost=10.20.1.7 and the like: the machine behind an address.
        ("focashost", "focas.host"),
        ("clmhost", "clm.host"),
        ("mtconnectdevice", "mtconnect.devicename"),
    ),
    sort=(
        "machinenumber",
        "assetnumber",
        "name",
        "equipmenttypeid",
        "axiscount",
        "spindlecount",
        "modifiedat",
    ),
    default_sort="machinenumber",
    search=(
        ("machinenumber", 10),
        ("assetnumber", 10),
        ("serialnumber", 8),
        ("name", 5),
        # The control's address finds the machine: a FOCAS or CLM host, an agent.
        ("focas.host", 6),
        ("clm.host", 6),
        ("mtconnect.agenturl", 4),
        ("mtconnect.devicename", 4),
        ("maxworkpiece", 1),
    ),
    list_columns=(
        "machinenumber",
        "name",
        "equipmenttypeid",
        "controllertypeid",
        "axiscount",
        "locationid",
        "assetstatusid",
    ),
    field_rules={"axiscount": COUNT, "spindlecount": COUNT},
    extra_input={
        "assetnumber": fields.String(
            validate=validate.Length(min=1, max=50),
            metadata={"description": "Defaults to the machine number."},
        ),
    },
    # Input by name: a collector knows the type's name, not its id.
    by_name={
        "equipmenttype": ByName(
            "equipmenttypeid", EquipmentType.equipmenttype, label="equipment type"
        ),
        "controllertype": ByName(
            "controllertypeid", ControllerType.controllertype, label="controller type"
        ),
        "controlleros": ByName("controllerosid", ControllerOs.controlleros, label="controller OS"),
    },
    nested={
        "focas": HasOne(EquipmentFocas, field_rules={"host": HostOrAddress(), "port": PORT}),
        "mtconnect": HasOne(EquipmentMtconnect, field_rules={"agenturl": WebUrl()}),
        "clm": HasOne(EquipmentClm, field_rules={"host": HostOrAddress(), "port": PORT}),
    },
)

EQUIPMENT_TYPES = lookup_resource(EquipmentType, "equipmenttype", label="Equipment types")

CONTROLLER_TYPES = lookup_resource(
    ControllerType, "controllertype", label="Controller types", also=(("vendor", 5),)
)

CONTROLLER_OSES = lookup_resource(ControllerOs, "controlleros", label="Controller OSes")

RESOURCES = [EQUIPMENT, EQUIPMENT_TYPES, CONTROLLER_TYPES, CONTROLLER_OSES]
