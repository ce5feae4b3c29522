"""usb: USB storage devices as an asset class: serial (the identity), label
number, capacity, status and holder, issue and return actions kept as
history, and a batch label print view. See docs/plugins/usb.md.

Import ShopDB only from shopdb.api; the plugin's own modules relatively.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shopdb.api import (
    Base,
    BasePlugin,
    DetailPanel,
    NavigationItem,
    PrintView,
    Resource,
    register_asset_type,
)

from .demo import seed_usb_demo
from .models import MODELS
from .printviews import DETAIL_PANELS, PRINT_VIEWS
from .resources import ASSET_LABEL, ASSET_TYPE, ICON, USBDEVICES, USBISSUES

if TYPE_CHECKING:
    from flask import Blueprint
    from sqlalchemy.orm import Session


class Plugin(BasePlugin):
    """USB devices: the asset type, its resources and actions, search
    fields, navigation, print view and demo rows."""

    def get_models(self) -> list[type[Base]]:
        return list(MODELS)

    def get_blueprint(self) -> Blueprint | None:
        return None  # the resources are the REST API

    def get_resources(self) -> list[Resource]:
        return [USBDEVICES, USBISSUES]

    def get_navigation_items(self) -> list[NavigationItem]:
        return [NavigationItem(label="USB devices", url="/usbdevices", icon=ICON)]

    def get_detail_panels(self) -> list[DetailPanel]:
        return list(DETAIL_PANELS)

    def get_print_views(self) -> list[PrintView]:
        return list(PRINT_VIEWS)

    def on_install(self, session: Session) -> None:
        # Runs on every install: the type is found, not added twice.
        register_asset_type(session, ASSET_TYPE, ASSET_LABEL, self.name, icon=ICON)

    def seed_demo(self, session: Session) -> str | None:
        return seed_usb_demo(session)
