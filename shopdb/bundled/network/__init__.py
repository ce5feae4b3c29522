"""network: switches, access points, IDFs, cameras and servers as an asset
class, with IP and MAC address (the collector identity), VLAN, firmware and
management url. Uplinks are `connectedto` relationships between the assets.

Import ShopDB only from shopdb.api; the plugin's own modules relatively.
"""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy.orm import Session

from shopdb.api import (
    Base,
    BasePlugin,
    CollectorSchema,
    MacAddress,
    NavigationItem,
    Resource,
    register_asset_type,
    seed_rows,
)

from .demo import DEVICE_TYPES, seed_network_demo
from .models import NetworkDevice, NetworkDeviceType
from .resources import ASSET_LABEL, ASSET_TYPE, ICON, NETWORKDEVICES, NETWORKDEVICETYPES

# One record as a collector pushes it; every property is a writable field of
# the networkdevices resource. The MAC address may come in any spelling the
# MacAddress field type accepts.
COLLECTOR_FIELDS = {
    "type": "object",
    "additionalProperties": False,
    "required": ["macaddress", "networkdevicetype"],
    "properties": {
        "macaddress": {
            "type": "string",
            "minLength": 12,
            "maxLength": 17,
            "casefold": True,
            "description": MacAddress.description,
        },
        "networkdevicetype": {"type": "string", "minLength": 1, "maxLength": 50},
        "ipaddress": {"type": ["string", "null"], "maxLength": 45},
        "hostname": {"type": ["string", "null"], "maxLength": 253},
        "firmware": {"type": ["string", "null"], "maxLength": 100},
        "vlan": {"type": ["integer", "null"], "minimum": 1, "maximum": 4094},
        "managementurl": {"type": ["string", "null"], "maxLength": 500},
        "name": {"type": ["string", "null"], "maxLength": 200},
        "assetnumber": {"type": "string", "minLength": 1, "maxLength": 50},
    },
}


class Plugin(BasePlugin):
    """Network gear: its tables, REST endpoints, collector, search fields,
    navigation and demo data."""

    def get_models(self) -> list[type[Base]]:
        return [NetworkDeviceType, NetworkDevice]

    def get_blueprint(self) -> Blueprint | None:
        return None  # the resources are the REST API

    def get_resources(self) -> list[Resource]:
        return [NETWORKDEVICES, NETWORKDEVICETYPES]

    def get_navigation_items(self) -> list[NavigationItem]:
        return [NavigationItem(label="Network", url="/network", icon=ICON)]

    def get_collector_schema(self) -> CollectorSchema:
        return {
            "identityfield": "macaddress",
            "fields": COLLECTOR_FIELDS,
            "resource": NETWORKDEVICES.name,
        }

    def on_install(self, session: Session) -> None:
        # Runs on every install: existing rows are found, not added twice.
        register_asset_type(session, ASSET_TYPE, ASSET_LABEL, self.name, icon=ICON)
        seed_rows(
            session,
            NetworkDeviceType,
            "networkdevicetype",
            [{"networkdevicetype": name, "description": text} for name, text in DEVICE_TYPES],
        )

    def seed_demo(self, session: Session) -> str | None:
        return seed_network_demo(session)
