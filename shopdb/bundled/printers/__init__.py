"""printers: network printers as an asset class, with their supply levels,
a Zabbix sync (`shopdb printers sync-zabbix`), a low-supply list and widget,
QR print views and a collector for print-queue lists. See docs/plugins/printers.md.

Import ShopDB only from shopdb.api; the plugin's own modules relatively.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shopdb.api import (
    Base,
    BasePlugin,
    CollectorSchema,
    DashboardWidget,
    DetailPanel,
    NavigationItem,
    PrintView,
    Resource,
    register_asset_type,
    seed_rows,
)

from .cli import COMMANDS
from .demo import PRINTER_TYPES, seed_printers_demo
from .models import MODELS, PrinterType
from .printviews import DETAIL_PANELS, PRINT_VIEWS
from .resources import (
    ASSET_LABEL,
    ASSET_TYPE,
    COLLECTOR_SCHEMA,
    ICON,
    LOW_SUPPLY_THRESHOLD,
    PRINTERS,
    PRINTERTYPES,
    THRESHOLD_KEY,
    dump_low,
    low_supplies,
    low_supply_threshold,
)

if TYPE_CHECKING:
    import click
    from flask import Blueprint
    from sqlalchemy.orm import Session


def low_supply_context(session: Session) -> dict[str, Any]:
    return {
        "threshold": low_supply_threshold(session),
        "rows": [dump_low(printer, supply) for printer, supply in low_supplies(session)],
    }


class Plugin(BasePlugin):
    """Printers: the asset type, its resources, search fields, navigation,
    collector, Zabbix sync command, dashboard widget and demo rows."""

    def get_models(self) -> list[type[Base]]:
        return list(MODELS)

    def get_blueprint(self) -> Blueprint | None:
        return None  # the resources are the REST API

    def get_resources(self) -> list[Resource]:
        return [PRINTERS, PRINTERTYPES]

    def get_navigation_items(self) -> list[NavigationItem]:
        return [NavigationItem(label="Printers", url="/printers", icon=ICON)]

    def get_dashboard_widgets(self) -> list[DashboardWidget]:
        return [
            DashboardWidget(
                name="lowsupplies",
                title="Printer supplies running low",
                template="printers/lowsupplies.html",
                context=low_supply_context,
            )
        ]

    def get_detail_panels(self) -> list[DetailPanel]:
        return list(DETAIL_PANELS)

    def get_print_views(self) -> list[PrintView]:
        return list(PRINT_VIEWS)

    def get_collector_schema(self) -> CollectorSchema:
        return COLLECTOR_SCHEMA

    def get_cli_commands(self) -> list[click.Command]:
        return list(COMMANDS)

    def on_install(self, session: Session) -> None:
        # Runs on every install: existing rows are found, not added twice.
        register_asset_type(session, ASSET_TYPE, ASSET_LABEL, self.name, icon=ICON)
        seed_rows(
            session,
            PrinterType,
            "printertype",
            [{"printertype": name, "description": text} for name, text in PRINTER_TYPES],
        )
        if self.get_setting(THRESHOLD_KEY) is None:
            self.set_setting(THRESHOLD_KEY, LOW_SUPPLY_THRESHOLD)  # an admin may change it

    def seed_demo(self, session: Session) -> str | None:
        return seed_printers_demo(session)
