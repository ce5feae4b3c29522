"""computers: shop-floor PCs, engineering workstations, CMM PCs, kiosks and
servers as an asset class, with their network interfaces and an inventory
collector (POST /api/collector/computers)."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy.orm import Session

from shopdb.api import (
    Base,
    BasePlugin,
    CollectorSchema,
    DetailPanel,
    ListColumn,
    NavigationItem,
    Resource,
    register_asset_type,
    seed_rows,
)

from .demo import add_demo_computers
from .models import Computer, ComputerInterface, ComputerType
from .resources import ASSET_TYPE, COLLECTOR_SCHEMA, COMPUTERS, COMPUTERTYPES
from .ui import DETAIL_PANELS, LIST_COLUMNS

ICON = "pc-display"

COMPUTER_TYPES = (
    ("shop-floor PC", "Drives a machine or cell on the floor: HMI, DNC, setup sheets"),
    ("engineering workstation", "CAD/CAM, programming and office work"),
    ("CMM PC", "Runs a coordinate measuring machine or other metrology software"),
    ("kiosk", "A shared screen: announcements, look-ups, time booking"),
    ("server", "A server in the server room or a rack"),
)


class Plugin(BasePlugin):
    """Computers: the asset type, its resources, search fields, navigation,
    collector and demo rows."""

    def get_models(self) -> list[type[Base]]:
        return [ComputerType, Computer, ComputerInterface]

    def get_blueprint(self) -> Blueprint | None:
        return None  # the resources are the REST API

    def get_resources(self) -> list[Resource]:
        return [COMPUTERS, COMPUTERTYPES]

    def get_navigation_items(self) -> list[NavigationItem]:
        return [NavigationItem(label="Computers", url="/computers", icon=ICON)]

    def get_detail_panels(self) -> list[DetailPanel]:
        return DETAIL_PANELS

    def get_list_columns(self) -> list[ListColumn]:
        return LIST_COLUMNS

    def get_collector_schema(self) -> CollectorSchema:
        return COLLECTOR_SCHEMA

    def on_install(self, session: Session) -> None:
        # Runs on every install: existing rows are found, not added twice.
        register_asset_type(session, ASSET_TYPE, "Computer", self.name, icon=ICON)
        seed_rows(
            session,
            ComputerType,
            "computertype",
            [
                {"computertype": name, "description": description}
                for name, description in COMPUTER_TYPES
            ],
        )

    def seed_demo(self, session: Session) -> str | None:
        added = add_demo_computers(session)
        return f"Added {added} computers." if added else None
