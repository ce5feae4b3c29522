"""How the plugin's records are served: network devices as an asset
extension (each record is the asset and its `networkdevices` row as one flat
object) and the device types as a small lookup resource that admins edit."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopdb.api import Access, Hostname, InvalidInputError, IpAddress, MacAddress, Resource

from .models import NetworkDevice, NetworkDeviceType

# Registered by Plugin.on_install; every record created here is an asset of it.
ASSET_TYPE = "network"
ASSET_LABEL = "Network device"
ICON = "router"
# The largest id the API accepts (a 32-bit signed integer, as every database holds).
LARGEST_ID = 2**31 - 1
ASSETNUMBER_PREFIX = "NET-"


class NetworkDevices(Resource):
    """Network devices. A write may name the device type by its label
    (`networkdevicetype`, as collectors do) instead of its id; a new device
    without an asset number gets one made from its MAC address or host name."""

    def prepare(
        self, session: Session, values: dict[str, Any], instance: Any | None
    ) -> dict[str, Any]:
        values = dict(values)
        typename = values.pop("networkdevicetype", None)
        if typename is not None:
            typeid = device_type_id(session, typename)
            given = values.get("networkdevicetypeid")
            if given is not None and given != typeid:
                raise InvalidInputError(
                    "The device type is given twice, differently; see details.",
                    {
                        "networkdevicetype": [
                            f"Names the type {typename!r} (id {typeid}), but "
                            f"networkdevicetypeid is {given}; send one of the two."
                        ]
                    },
                )
            values["networkdevicetypeid"] = typeid
        if instance is None:
            if values.get("networkdevicetypeid") is None:
                raise InvalidInputError(
                    "A network device needs a device type; see details.",
                    {
                        "networkdevicetypeid": [
                            "Missing data for required field; send networkdevicetypeid, "
                            "or networkdevicetype with the type's name."
                        ]
                    },
                )
            if not values.get("assetnumber"):
                values["assetnumber"] = default_assetnumber(values)
            if not values.get("name") and values.get("hostname"):
                values["name"] = values["hostname"]
        return values


def device_type_id(session: Session, typename: str) -> int:
    """The id of the device type with this name (case ignored, so `Switch`
    and `switch` are one type), or a 400 on `networkdevicetype` naming the
    known types."""
    wanted = typename.strip().casefold()
    found = session.scalars(
        select(NetworkDeviceType.networkdevicetypeid).where(
            func.lower(NetworkDeviceType.networkdevicetype) == wanted
        )
    ).first()
    if found is not None:
        return found
    known = sorted(session.scalars(select(NetworkDeviceType.networkdevicetype)))
    raise InvalidInputError(
        "The device type is unknown; see details.",
        {
            "networkdevicetype": [
                f"Unknown device type {typename!r}; known types: {', '.join(known) or 'none'}."
            ]
        },
    )


def default_assetnumber(values: dict[str, Any]) -> str:
    """`NET-AABBCCDDEEFF` from the (already normalised) MAC address, else the
    host name; a 400 on `assetnumber` when there is neither."""
    mac = values.get("macaddress")
    if mac:
        return ASSETNUMBER_PREFIX + mac.replace(":", "").upper()
    hostname = values.get("hostname")
    if hostname:
        return hostname[:50]
    raise InvalidInputError(
        "A network device needs an asset number; see details.",
        {
            "assetnumber": [
                "Missing data for required field; send assetnumber, or a macaddress or "
                "hostname to make it from."
            ]
        },
    )


NETWORKDEVICES = NetworkDevices(
    NetworkDevice,
    label="Network devices",
    asset_type=ASSET_TYPE,
    filters=(
        "assetnumber",
        "name",
        "assetstatusid",
        "locationid",
        "isactive",
        "networkdevicetypeid",
        "vlan",
        "ipaddress",
        "macaddress",
        "hostname",
    ),
    sort=(
        "assetnumber",
        "name",
        "modifiedat",
        "networkdevicetypeid",
        "hostname",
        "ipaddress",
        "macaddress",
        "vlan",
    ),
    default_sort="assetnumber",
    search=(
        ("macaddress", 10),
        ("hostname", 10),
        ("ipaddress", 10),
        ("assetnumber", 10),
        ("name", 5),
        ("firmware", 1),
    ),
    list_columns=(
        "assetnumber",
        "name",
        "networkdevicetypeid",
        "hostname",
        "ipaddress",
        "macaddress",
        "vlan",
        "locationid",
    ),
    field_rules={
        "macaddress": MacAddress(),
        "ipaddress": IpAddress(),
        "hostname": Hostname(),
        "vlan": validate.Range(min=1, max=4094, error="A VLAN id is 1 to 4094."),
        "managementurl": validate.URL(
            schemes={"http", "https"},
            require_tld=False,
            error="Not an http(s) url; write it as https://10.20.0.5/ or http://switch01/.",
        ),
    },
    extra_input={
        # Optional here: a write may name the type instead (networkdevicetype);
        # prepare() requires one of the two when creating.
        "networkdevicetypeid": fields.Integer(
            strict=True,
            validate=validate.Range(min=1, max=LARGEST_ID),
            metadata={
                "description": "The device type's id; required when creating unless "
                "networkdevicetype is given"
            },
        ),
        "networkdevicetype": fields.String(
            load_only=True,
            validate=validate.Length(min=1, max=50),
            metadata={
                "description": "The device type by name (switch, access point, IDF, ...), "
                "instead of networkdevicetypeid; case is ignored"
            },
        ),
        "assetnumber": fields.String(
            validate=validate.Length(min=1, max=50),
            metadata={
                "description": "Unique asset number; when left out, NET-<MAC digits> or "
                "the host name"
            },
        ),
    },
)

NETWORKDEVICETYPES = Resource(
    NetworkDeviceType,
    label="Network device types",
    write=Access.ADMIN,
    filters=("networkdevicetype",),
    sort=("networkdevicetype", "createdat", "modifiedat"),
    default_sort="networkdevicetype",
    search=(("networkdevicetype", 10), ("description", 1)),
    list_columns=("networkdevicetype", "description"),
)
