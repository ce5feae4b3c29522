"""How the plugin's records are served: computers (an asset extension with
its network interfaces nested) and the computer types lookup. The collector
schema lives here too, next to the resource every push writes through."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate
from sqlalchemy import ColumnElement, String
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
    OperatingSystem,
    Resource,
    actor_of,
    lookup_resource,
    utcnow,
)

from .models import Computer, ComputerInterface, ComputerType

# Registered by Plugin.on_install; every record created here is an asset of it.
ASSET_TYPE = "computer"

OWN_COLUMNS = frozenset(Computer.__table__.columns.keys())
ASSET_COLUMNS = frozenset(Asset.__table__.columns.keys())


def _length(column: ColumnElement[Any]) -> int:
    kind = column.type
    assert isinstance(kind, String) and kind.length, column
    return kind.length


ASSETNUMBER_LENGTH = _length(Asset.__table__.c.assetnumber)
OPERATINGSYSTEM_LENGTH = _length(OperatingSystem.__table__.c.operatingsystem)


class ComputerName(Hostname):
    """A PC's host name is its first label, as Windows and the inventory
    scripts name it: `PC9.plant1.local` typed by hand and `PC9` pushed by the
    script are one computer."""

    description = (
        "Host name (RFC 1123); a PC is known by its first label, so a domain part "
        "(pc9.plant1.local) is dropped"
    )

    def canonical(self, text: str) -> str:
        return super().canonical(text).split(".", 1)[0]


class Computers(Resource):
    """Computers as the API and the collector write them.

    - `operatingsystem` (input only, `by_name`) names an operating system; it
      is resolved to `operatingsystemid` (the exact name, else the one name
      that differs only in case) and created, audited, when none matches, so
      an inventory script needs no ids.
    - A new computer without an asset number gets its hostname, upper-cased;
      without a name, its hostname.
    - `lastseen` is the server's: set by every collector push. A push that
      creates or changes the computer records it with the change; a push that
      changes nothing stays a noop (no audit entry) and only stamps
      `lastseen` (`last_seen`), so a site can list PCs that stopped reporting.
    """

    def prepare(self, session: Session, values: dict[str, Any], instance: Any | None) -> dict:
        values = dict(values)
        if instance is None and not values.get("assetnumber"):
            values["assetnumber"] = default_assetnumber(values.get("hostname"))
        if instance is None and not values.get("name"):
            values["name"] = values.get("hostname")  # what the floor calls the PC
        # Only collector pushes (a collector key or a collector-scoped token) move lastseen.
        actor = actor_of(session)
        pushed = actor is not None and actor.is_collector
        if pushed and (instance is None or changes_anything(instance, values)):
            values["lastseen"] = utcnow()
        return values


def default_assetnumber(hostname: Any) -> Any:
    """The hostname, upper-cased; a hostname too long for an asset number
    needs one sent with it."""
    if not isinstance(hostname, str):
        return hostname
    if len(hostname) > ASSETNUMBER_LENGTH:
        message = (
            f"The hostname is longer than an asset number may be ({ASSETNUMBER_LENGTH}); "
            "send an assetnumber."
        )
        raise InvalidInputError(message, {"assetnumber": [message]})
    return hostname.upper()


def changes_anything(instance: Computer, values: dict[str, Any]) -> bool:
    """Whether writing `values` would change the computer, its asset or its
    interfaces (compared as the framework's write path compares them)."""
    for key, value in values.items():
        if key == "interfaces":
            if interfaces_differ(instance, value):
                return True
        elif key in OWN_COLUMNS:
            if getattr(instance, key) != value:
                return True
        elif key in ASSET_COLUMNS and getattr(instance.asset, key) != value:
            return True
    return False


def interfaces_differ(instance: Computer, items: list[dict[str, Any]]) -> bool:
    current = {row.macaddress: row for row in instance.interfaces}
    if {item["macaddress"] for item in items} != set(current):
        return True
    return any(
        getattr(current[item["macaddress"]], key) != value
        for item in items
        for key, value in item.items()
    )


COMPUTERS = Computers(
    Computer,
    asset_type=ASSET_TYPE,
    filters=(
        "assetnumber",
        "hostname",
        "computertypeid",
        "operatingsystemid",
        "locationid",
        "assetstatusid",
        "isactive",
        "loggedinuser",
        "lastseen",
        "warrantyend",
        "memorymb",
        # A PC found by one of its network interfaces: ?macaddress=, ?ipaddress=
        "interfaces.macaddress",
        "interfaces.ipaddress",
    ),
    sort=(
        "assetnumber",
        "hostname",
        "name",
        "lastseen",
        "warrantyend",
        "memorymb",
        "diskgb",
        "modifiedat",
    ),
    default_sort="hostname",
    last_seen="lastseen",
    search=(
        ("hostname", 10),
        ("assetnumber", 8),
        ("serialnumber", 8),
        ("name", 5),
        ("interfaces.macaddress", 8),
        ("interfaces.ipaddress", 8),
        ("loggedinuser", 3),
    ),
    list_columns=(
        "hostname",
        "assetnumber",
        "computertypeid",
        "operatingsystemid",
        "loggedinuser",
        "lastseen",
        "locationid",
    ),
    read_only=("lastseen",),
    field_rules={
        "hostname": ComputerName(),
        "memorymb": validate.Range(min=0),
        "diskgb": validate.Range(min=0),
    },
    extra_input={
        "assetnumber": fields.String(
            validate=validate.Length(min=1, max=ASSETNUMBER_LENGTH),
            metadata={"description": "Default: the hostname, upper-cased"},
        ),
    },
    by_name={
        "operatingsystem": ByName(
            "operatingsystemid",
            OperatingSystem.operatingsystem,
            label="operating system",
            create=True,
        ),
        "computertype": ByName("computertypeid", ComputerType.computertype, label="computer type"),
    },
    nested={
        "interfaces": HasMany(
            ComputerInterface,
            key="macaddress",
            field_rules={"macaddress": MacAddress(), "ipaddress": IpAddress()},
        )
    },
)

COMPUTERTYPES = lookup_resource(ComputerType, "computertype")

# The inventory a PC script pushes to POST /api/collector/computers. The
# collector scripts under collectors/ send exactly these keys.
INTERFACE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "macaddress"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "macaddress": {"type": "string", "minLength": 12, "maxLength": 17},
        "ipaddress": {"type": ["string", "null"], "maxLength": 45},
    },
}

COLLECTOR_SCHEMA: CollectorSchema = {
    "identityfield": "hostname",
    "resource": "computers",
    "fields": {
        "type": "object",
        "additionalProperties": False,
        "required": ["hostname"],
        # Types, lengths and ranges come from the resource's fields; the
        # schema says what is special to a push.
        "properties": {
            "hostname": {"minLength": 1, "casefold": True},
            "assetnumber": {"minLength": 1},
            "serialnumber": {},
            "operatingsystem": {"minLength": 1},
            "loggedinuser": {},
            "cpu": {},
            "memorymb": {"minimum": 0},
            "diskgb": {"minimum": 0},
            "interfaces": {"type": "array", "maxItems": 64, "items": INTERFACE},
        },
    },
}
