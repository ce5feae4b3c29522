"""How the plugin's records are served: printers (an asset extension with
their supply levels nested), the printer types lookup, the low-supply list
(GET /api/printers/lowsupplies) and the collector schema a site script
pushes its print queues with."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import ColumnElement, String, select
from sqlalchemy.orm import Session

from shopdb.api import (
    Asset,
    ByName,
    CollectorSchema,
    HasMany,
    Hostname,
    InvalidInputError,
    IpAddress,
    MacAddress,
    Resource,
    data_response,
    get_session,
    get_setting,
    guarded,
    lookup_resource,
    plugin_key,
)

from .models import HOSTNAME_LENGTH, IP_LENGTH, Printer, PrinterSupply, PrinterType

# Registered by Plugin.on_install; every record created here is an asset of it.
ASSET_TYPE = "printer"
ASSET_LABEL = "Printer"
ICON = "printer"
PLUGIN = "printers"


def _length(column: ColumnElement[Any]) -> int:
    kind = column.type
    assert isinstance(kind, String) and kind.length, column
    return kind.length


ASSETNUMBER_LENGTH = _length(Asset.__table__.c.assetnumber)
# What monitoring may say about a printer (see zabbix.host_status).
STATUSES = ("available", "unavailable", "unknown", "unmonitored")
# Supplies at or below this level (per cent) are low, unless the setting
# plugin.printers.lowsupplythreshold says otherwise.
LOW_SUPPLY_THRESHOLD = 15
THRESHOLD_KEY = "lowsupplythreshold"


class Printers(Resource):
    """Printers. A new printer without an asset number gets its hostname,
    upper-cased; without a name, its hostname. The printer type may be named
    (`printertype`) instead of given by id."""

    def prepare(self, session: Session, values: dict[str, Any], instance: Any | None) -> dict:
        values = dict(values)
        if instance is None and not values.get("assetnumber"):
            values["assetnumber"] = default_assetnumber(values.get("hostname"))
        if instance is None and not values.get("name"):
            values["name"] = values.get("hostname")
        return values

    def extra_routes(self, blueprint: Any, output_schema: type[Schema]) -> None:
        @blueprint.route("/lowsupplies")
        @guarded(self.read, write=False)
        @blueprint.response(200, LowSuppliesEnvelope)
        @blueprint.doc(
            summary="Supplies running low",
            description="Every supply of an active printer at or below the threshold "
            "(the setting plugin.printers.lowsupplythreshold, per cent), lowest first.",
        )
        def lowsupplies() -> Any:
            session = get_session()
            threshold = low_supply_threshold(session)
            rows = [dump_low(printer, supply) for printer, supply in low_supplies(session)]
            return data_response(rows, meta={"threshold": threshold})


def default_assetnumber(hostname: Any) -> Any:
    """The hostname's first label, upper-cased (prn-a1-01.plant1.local ->
    PRN-A1-01); a label too long for an asset number needs one sent with it."""
    if not isinstance(hostname, str):
        return hostname
    number = hostname.split(".", 1)[0].upper()
    if len(number) > ASSETNUMBER_LENGTH:
        message = (
            f"The hostname is longer than an asset number may be ({ASSETNUMBER_LENGTH}); "
            "send an assetnumber."
        )
        raise InvalidInputError(message, {"assetnumber": [message]})
    return number


# The low-supply list -------------------------------------------------------------


def low_supply_threshold(session: Session) -> float:
    """The setting, or the default when it is unset or not a number 0..100."""
    value = get_setting(session, plugin_key(PLUGIN, THRESHOLD_KEY), LOW_SUPPLY_THRESHOLD)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        return LOW_SUPPLY_THRESHOLD
    return value


def low_supplies(session: Session) -> list[tuple[Printer, PrinterSupply]]:
    """(printer, supply) of every supply at or below the threshold, on active
    printers, lowest level first; one query."""
    threshold = low_supply_threshold(session)
    query = (
        select(Printer, PrinterSupply)
        .join(PrinterSupply, PrinterSupply.assetid == Printer.assetid)
        .join(Asset, Asset.assetid == Printer.assetid)
        .where(Asset.isactive.is_(True), PrinterSupply.levelpercent <= threshold)
        .order_by(PrinterSupply.levelpercent, Printer.hostname, PrinterSupply.name)
    )
    return [(printer, supply) for printer, supply in session.execute(query)]


def dump_low(printer: Printer, supply: PrinterSupply) -> dict[str, Any]:
    return {
        "assetid": printer.assetid,
        "assetnumber": printer.asset.assetnumber,
        "name": printer.asset.name,
        "hostname": printer.hostname,
        "supply": supply.name,
        "color": supply.color,
        "levelpercent": supply.levelpercent,
        # As the resources write times: UTC, with its offset.
        "lastvalueat": supply.lastvalueat.replace(tzinfo=UTC).isoformat()
        if supply.lastvalueat
        else None,
    }


class LowSupplySchema(Schema):
    assetid = fields.Integer(required=True)
    assetnumber = fields.String(required=True)
    name = fields.String(allow_none=True)
    hostname = fields.String(required=True)
    supply = fields.String(required=True)
    color = fields.String(allow_none=True)
    levelpercent = fields.Float(required=True)
    lastvalueat = fields.String(allow_none=True)


class LowSuppliesMetaSchema(Schema):
    threshold = fields.Float(required=True)


class LowSuppliesEnvelope(Schema):
    data = fields.List(fields.Nested(LowSupplySchema), required=True)
    meta = fields.Nested(LowSuppliesMetaSchema, required=True)


# Declarations ----------------------------------------------------------------------

LEVEL = validate.Range(min=0, max=100, error="A level is a per cent of full: 0 to 100.")

PRINTERS = Printers(
    Printer,
    label="Printers",
    asset_type=ASSET_TYPE,
    filters=(
        "assetnumber",
        "hostname",
        "ipaddress",
        "macaddress",
        "queuename",
        "printertypeid",
        "zabbixhostid",
        "monitoringstatus",
        "locationid",
        "assetstatusid",
        "vendorid",
        "modelid",
        "isactive",
        "lastzabbixsync",
        # ?levelpercentmax=10: printers with a supply at 10 % or less.
        "supplies.levelpercent",
    ),
    sort=(
        "assetnumber",
        "hostname",
        "name",
        "ipaddress",
        "queuename",
        "printertypeid",
        "monitoringstatus",
        "lastzabbixsync",
        "modifiedat",
    ),
    default_sort="hostname",
    search=(
        ("hostname", 10),
        ("assetnumber", 10),
        ("ipaddress", 10),
        ("macaddress", 10),
        ("serialnumber", 8),
        ("queuename", 8),
        ("name", 5),
        ("supplies.name", 1),  # a supply (toner, ribbon) finds its printers
    ),
    list_columns=(
        "hostname",
        "assetnumber",
        "printertypeid",
        "ipaddress",
        "queuename",
        "monitoringstatus",
        "lastzabbixsync",
        "locationid",
    ),
    read_only=("monitoringstatus", "lastzabbixsync"),
    field_rules={
        "hostname": Hostname(),
        "ipaddress": IpAddress(),
        "macaddress": MacAddress(),
        "zabbixhostid": validate.Range(min=1, error="A Zabbix host id is a positive number."),
    },
    extra_input={
        "assetnumber": fields.String(
            validate=validate.Length(min=1, max=ASSETNUMBER_LENGTH),
            metadata={"description": "Default: the hostname's first label, upper-cased"},
        ),
    },
    by_name={
        "printertype": ByName("printertypeid", PrinterType.printertype, label="printer type"),
    },
    nested={
        "supplies": HasMany(
            PrinterSupply,
            key="name",
            field_rules={
                "levelpercent": LEVEL,
                "maxcapacity": validate.Range(min=0),
            },
        )
    },
)

PRINTERTYPES = lookup_resource(PrinterType, "printertype", label="Printer types")

# What a print server's script pushes to POST /api/collector/printers, one
# record per queue (or a batch: {"records": [...]}).
COLLECTOR_SCHEMA: CollectorSchema = {
    "identityfield": "hostname",
    "resource": PRINTERS.name,
    "fields": {
        "type": "object",
        "additionalProperties": False,
        "required": ["hostname"],
        "properties": {
            "hostname": {
                "type": "string",
                "minLength": 1,
                "maxLength": HOSTNAME_LENGTH,
                "casefold": True,
                "description": Hostname.description,
            },
            "queuename": {"type": ["string", "null"], "maxLength": 100},
            "ipaddress": {"type": ["string", "null"], "maxLength": IP_LENGTH},
            "macaddress": {"type": ["string", "null"], "maxLength": 17},
            "printertype": {"type": ["string", "null"], "minLength": 1, "maxLength": 50},
            "name": {"type": ["string", "null"], "maxLength": 200},
            "assetnumber": {"type": "string", "minLength": 1, "maxLength": ASSETNUMBER_LENGTH},
            "serialnumber": {"type": ["string", "null"], "maxLength": 100},
        },
    },
}
