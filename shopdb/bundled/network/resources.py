"""How the plugin's records are served: network devices as an asset
extension (each record is the asset and its `networkdevices` row as one flat
object) and the device types as a small lookup resource that admins edit."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate
from sqlalchemy.orm import Session

from shopdb.api import (
    ByName,
    Hostname,
    InvalidInputError,
    IpAddress,
    MacAddress,
    Resource,
    WebUrl,
    lookup_resource,
)

from .models import NetworkDevice, NetworkDeviceType

# Registered by Plugin.on_install; every record created here is an asset of it.
ASSET_TYPE = "network"
ASSET_LABEL = "Network device"
ICON = "router"
ASSETNUMBER_PREFIX = "NET-"


class NetworkDevices(Resource):
    """Network devices. A write may name the device type by its label
    (`networkdevicetype`, as collectors do) instead of its id; a new device
    without an asset number gets one made from its MAC address or host name."""

    def prepare(
        self, session: Session, values: dict[str, Any], instance: Any | None
    ) -> dict[str, Any]:
        if instance is None:
            values = dict(values)
            if not values.get("assetnumber"):
                values["assetnumber"] = default_assetnumber(values)
            if not values.get("name") and values.get("hostname"):
                values["name"] = values["hostname"]
        return values


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
        "managementurl": WebUrl(),
    },
    # Collectors name the type (switch, access point, IDF, ...), not its id.
    by_name={
        "networkdevicetype": ByName(
            "networkdevicetypeid", NetworkDeviceType.networkdevicetype, label="device type"
        )
    },
    extra_input={
        "assetnumber": fields.String(
            validate=validate.Length(min=1, max=50),
            metadata={
                "description": "Unique asset number; when left out, NET-<MAC digits> or "
                "the host name"
            },
        ),
    },
)

NETWORKDEVICETYPES = lookup_resource(
    NetworkDeviceType, "networkdevicetype", label="Network device types"
)
