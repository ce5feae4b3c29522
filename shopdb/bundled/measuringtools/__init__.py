"""measuringtools: metrology instruments (CMMs, vision systems,
profilometers, gauges, micrometers) as an asset class, with calibration
records, certificate PDFs and a calibration schedule computed in SQL.

Import ShopDB only from shopdb.api (everything else in ShopDB is private and
may change); the plugin's own modules are imported relatively, so the same
folder works from a plugin directory, as a package or bundled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint

from shopdb.api import (
    Base,
    BasePlugin,
    DashboardWidget,
    DetailPanel,
    NavigationItem,
    Resource,
    define_setting,
    register_asset_type,
    seed_rows,
)

from . import certificates, reports
from .demo import add_demo_instruments
from .models import Calibration, InstrumentType, MeasuringTool
from .resources import ASSET_TYPE, CALIBRATIONS, INSTRUMENTTYPES, MEASURINGTOOLS, PLUGIN
from .schedule import DEFAULT_DUESOON_DAYS, DUESOON_SETTING
from .ui import DETAIL_PANELS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

ICON = "rulers"

INSTRUMENT_TYPES = (
    ("CMM", "Coordinate measuring machine", 365),
    ("vision system", "Optical or video measuring machine", 365),
    ("profilometer", "Surface roughness or contour tester", 365),
    ("height gauge", "Height gauge or height master", 365),
    ("articulated arm", "Portable measuring arm", 365),
    ("presetter", "Tool presetter and measuring machine", 365),
    ("touch probe", "Machine tool probe; checked in the machine", 180),
    ("micrometer", "Outside, inside or depth micrometer", 365),
    ("caliper", "Vernier, dial or digital caliper", 365),
    ("bore gauge", "Bore or dial bore gauge", 180),
    ("gauge", "Plug, ring, thread or snap gauge", 365),
    ("other", "Any other measuring instrument", 365),
)

# Settings an admin may change (PATCH /api/settings/<id>); seeded on install.
define_setting(
    DUESOON_SETTING,
    "integer",
    DEFAULT_DUESOON_DAYS,
    "Measuring tools: an instrument is due soon this many days before its next due date",
    # Added to dates in SQL: a larger number would leave the calendar (a 500).
    minimum=0,
    maximum=3650,
)
MAXBYTES_KEY = f"plugin.{PLUGIN}.{certificates.MAXBYTES_SETTING}"
define_setting(
    MAXBYTES_KEY,
    "integer",
    certificates.DEFAULT_MAX_BYTES,
    "Measuring tools: the largest certificate PDF upload, in bytes",
)
SETTING_DEFAULTS = {
    DUESOON_SETTING: DEFAULT_DUESOON_DAYS,
    MAXBYTES_KEY: certificates.DEFAULT_MAX_BYTES,
}


class Plugin(BasePlugin):
    """Measuring tools: the asset type, its resources, search fields,
    navigation, dashboard widget, settings and demo instruments."""

    def get_models(self) -> list[type[Base]]:
        return [InstrumentType, MeasuringTool, Calibration]

    def get_blueprint(self) -> Blueprint | None:
        # No routes of its own (the resources are the REST API, their extra
        # routes the report and the certificates): it carries the templates.
        return Blueprint("measuringtoolspages", __name__, template_folder="templates")

    def get_resources(self) -> list[Resource]:
        return [MEASURINGTOOLS, CALIBRATIONS, INSTRUMENTTYPES]

    def get_navigation_items(self) -> list[NavigationItem]:
        return [
            NavigationItem(label="Measuring tools", url="/measuringtools", icon=ICON),
            NavigationItem(
                label="Calibrations due", url="/measuringtools/report", icon="calendar-check"
            ),
        ]

    def get_detail_panels(self) -> list[DetailPanel]:
        return DETAIL_PANELS

    def get_dashboard_widgets(self) -> list[DashboardWidget]:
        return [
            DashboardWidget(
                name="calibrationsdue",
                title="Calibrations due",
                template="measuringtools/calibrationsdue.html",
                order=20,
                context=reports.dashboard,
            )
        ]

    def on_install(self, session: Session) -> None:
        # Runs on every install: existing rows and settings are kept as they are.
        register_asset_type(session, ASSET_TYPE, "Measuring tool", self.name, icon=ICON)
        seed_rows(
            session,
            InstrumentType,
            "instrumenttype",
            [{"instrumenttype": name, "description": text} for name, text, _ in INSTRUMENT_TYPES],
        )
        self._seed_settings()

    def on_enable(self, session: Session) -> None:
        self._seed_settings()

    def _seed_settings(self) -> None:
        """Store each setting's default when it is unset or not a whole number
        of at least 0 (an edit made while the plugin was not loaded)."""
        unset = object()  # not the declared default: the row itself is wanted
        for key, default in SETTING_DEFAULTS.items():
            name = key.removeprefix(f"plugin.{self.name}.")
            value = self.get_setting(name, unset)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                self.set_setting(name, default)

    def seed_demo(self, session: Session) -> str | None:
        added = add_demo_instruments(session)
        return f"Added {added} measuring tools with calibration histories." if added else None
