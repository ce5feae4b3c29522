"""equipment: production machines as an asset class.

A machine is an asset of type `equipment` plus a row of the `equipment`
table: machine number (the collector's identity), equipment type, controller
type and OS, axes, spindles, largest workpiece; and, nested inside the same
record, optional FOCAS, MTConnect and CLM connection details. See
docs/plugins/equipment.md.
"""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy.orm import Session

from shopdb.api import (
    Base,
    BasePlugin,
    CollectorSchema,
    DetailPanel,
    NavigationItem,
    PrintView,
    Resource,
    register_asset_type,
)

from .collector import COLLECTOR_SCHEMA
from .models import MODELS
from .printviews import DETAIL_PANELS, PRINT_VIEWS
from .resources import ASSET_TYPE, RESOURCES
from .seeds import seed_demo_equipment, seed_lookups

ICON = "gear-wide-connected"


class Plugin(BasePlugin):
    """Production machines: their table, lookups, REST endpoints, collector,
    search fields, navigation, badge print view and demo rows."""

    def get_models(self) -> list[type[Base]]:
        return list(MODELS)

    def get_blueprint(self) -> Blueprint | None:
        return None  # the resources are the REST API

    def get_resources(self) -> list[Resource]:
        return list(RESOURCES)

    def get_navigation_items(self) -> list[NavigationItem]:
        return [NavigationItem(label="Equipment", url="/equipment", icon=ICON)]

    def get_print_views(self) -> list[PrintView]:
        return list(PRINT_VIEWS)

    def get_detail_panels(self) -> list[DetailPanel]:
        return list(DETAIL_PANELS)

    def get_collector_schema(self) -> CollectorSchema:
        return COLLECTOR_SCHEMA

    def on_install(self, session: Session) -> None:
        # Runs on every install: existing rows are found, not added twice.
        register_asset_type(session, ASSET_TYPE, "Production equipment", self.name, icon=ICON)
        seed_lookups(session)

    def seed_demo(self, session: Session) -> str | None:
        return seed_demo_equipment(session)
