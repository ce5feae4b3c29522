"""The plugin's part of the demo site (`shopdb seed --demo`): a network row
for each demo asset of the `network` type that has none yet.

Everything is derived from the asset, so a second run (and every site seeded
from the same demo) gets the same values: the device type from the asset's
name and model, the management address and a locally administered MAC from
the digits of its asset number, the VLAN from the device type.
"""

from __future__ import annotations

import ipaddress
import re

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from shopdb.api import Asset, assets_without_row, stable_number

from .models import NetworkDevice, NetworkDeviceType
from .resources import ASSET_TYPE

SWITCH, ACCESS_POINT, IDF, ROUTER, FIREWALL, CAMERA, SERVER, OTHER = (
    "switch",
    "access point",
    "IDF",
    "router",
    "firewall",
    "camera",
    "server",
    "other",
)
DEVICE_TYPES = (
    (SWITCH, "Access or distribution switch"),
    (ACCESS_POINT, "Wireless access point"),
    (IDF, "Intermediate distribution frame: the building's closet switch"),
    (ROUTER, "Router"),
    (FIREWALL, "Firewall"),
    (CAMERA, "Network camera"),
    (SERVER, "Server"),
    (OTHER, "Anything else on the network"),
)

# Name prefixes first (the demo names its gear IDF-A, SW-A1, AP-A1-01), then
# words of the model number (Catalyst 9300, AP-515).
NAME_RULES = (
    (re.compile(r"^idf\b"), IDF),
    (re.compile(r"^(core-)?sw\b|switch"), SWITCH),
    (re.compile(r"^(wap|ap)\b"), ACCESS_POINT),
    (re.compile(r"^(cam|ipcam)\b"), CAMERA),
    (re.compile(r"^(fw|firewall)\b"), FIREWALL),
    (re.compile(r"^(rtr|router)\b"), ROUTER),
    (re.compile(r"^srv\b"), SERVER),
)
MODEL_RULES = (
    (re.compile(r"catalyst|nexus|procurve|switch"), SWITCH),
    (re.compile(r"^ap-|access point"), ACCESS_POINT),
    (re.compile(r"firepower|fortigate|asa"), FIREWALL),
    (re.compile(r"poweredge|proliant"), SERVER),
)

# Management networks: one /16 per kind of gear, the host part from the asset
# number; VLANs per kind (management, wireless management, cameras, servers).
MANAGEMENT = {
    SWITCH: "10.20.0.0",
    IDF: "10.20.0.0",
    ROUTER: "10.20.0.0",
    FIREWALL: "10.20.0.0",
    ACCESS_POINT: "10.21.0.0",
    CAMERA: "10.22.0.0",
    SERVER: "10.10.0.0",
    OTHER: "10.29.0.0",
}
VLANS = {
    SWITCH: 100,
    IDF: 100,
    ROUTER: 100,
    FIREWALL: 100,
    ACCESS_POINT: 110,
    CAMERA: 120,
    SERVER: 10,
    OTHER: 199,
}
FIRMWARE = {"Cisco": "IOS XE 17.9.4a", "Aruba": "AOS 10.5.1.0"}
WEB_PORT = {ACCESS_POINT: ":4343"}  # Aruba APs serve their web UI there
# The host part: the asset number's last three digits (NET-4012 -> .0.12).
HOSTS_PER_NETWORK = 1000


def device_type_of(asset: Asset) -> str:
    name = (asset.name or "").casefold()
    for pattern, kind in NAME_RULES:
        if pattern.search(name):
            return kind
    model = asset.model.modelnumber.casefold() if asset.model else ""
    for pattern, kind in MODEL_RULES:
        if pattern.search(model):
            return kind
    return OTHER


def management_ip(kind: str, serial: int) -> str:
    network = ipaddress.IPv4Address(MANAGEMENT[kind])
    return str(network + (serial % HOSTS_PER_NETWORK or HOSTS_PER_NETWORK))


def local_mac(serial: int) -> str:
    """02:5d:..: locally administered, so it can never be a real vendor's."""
    digits = f"025d{serial % (1 << 32):08x}"
    return ":".join(digits[index : index + 2] for index in range(0, 12, 2))


def hostname_of(asset: Asset) -> str:
    label = re.sub(r"[^a-z0-9-]+", "-", (asset.name or "").casefold()).strip("-")
    return label[:63].strip("-") or re.sub(r"[^a-z0-9-]+", "-", asset.assetnumber.casefold())


def seed_network_demo(session: Session) -> str | None:
    """Add the network rows of the demo's network assets that have none."""
    types = {
        row.networkdevicetype: row.networkdevicetypeid
        for row in session.scalars(select(NetworkDeviceType))
    }
    assets = session.scalars(
        assets_without_row(ASSET_TYPE, NetworkDevice).options(selectinload(Asset.vendor))
    ).all()
    taken = set(session.scalars(select(NetworkDevice.macaddress)))
    added = 0
    for asset in assets:
        kind = device_type_of(asset)
        if kind not in types:
            kind = OTHER
        serial = stable_number(asset.assetnumber)
        ip = management_ip(kind, serial)
        mac = local_mac(serial)
        vendor = asset.vendor.vendor if asset.vendor else ""
        session.add(
            NetworkDevice(
                assetid=asset.assetid,
                networkdevicetypeid=types[kind],
                hostname=hostname_of(asset),
                ipaddress=ip,
                macaddress=None if mac in taken else mac,
                vlan=VLANS[kind],
                firmware=FIRMWARE.get(vendor),
                managementurl=f"https://{ip}{WEB_PORT.get(kind, '')}/",
            )
        )
        taken.add(mac)
        added += 1
    session.flush()
    if not added:
        return None
    return f"Added {added} network device{'s' if added != 1 else ''}."
