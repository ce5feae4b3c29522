"""applications: the software used on the floor (CAM, DNC, metrology, tool
management) and which computers have it installed.

Installations are kept in step by the PC inventory scripts: this plugin adds
the `software` part to the computers collector's record
(`get_collector_parts()`, ADR 0009), so the computers plugin, which it
depends on, stays unaware of software. See docs/plugins/applications.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shopdb.api import Base, BasePlugin, CollectorPart, NavigationItem, Resource

from .collector import FILTER_SETTING, PART, SOFTWARE_SCHEMA, write_software
from .demo import seed_demo_applications
from .models import MODELS
from .resources import RESOURCES

if TYPE_CHECKING:
    from flask import Blueprint
    from sqlalchemy.orm import Session

ICON = "window-stack"


class Plugin(BasePlugin):
    """Applications and installations: tables, REST endpoints, search fields,
    navigation, the collector part and demo rows."""

    def get_models(self) -> list[type[Base]]:
        return list(MODELS)

    def get_blueprint(self) -> Blueprint | None:
        return None  # the resources are the REST API

    def get_resources(self) -> list[Resource]:
        return list(RESOURCES)

    def get_navigation_items(self) -> list[NavigationItem]:
        return [NavigationItem(label="Applications", url="/applications", icon=ICON)]

    def get_collector_parts(self) -> list[CollectorPart]:
        return [CollectorPart("computers", PART, SOFTWARE_SCHEMA, write_software)]

    def on_install(self, session: Session) -> None:
        # An empty filter keeps all software; stored so an admin can PATCH it.
        if self.get_setting(FILTER_SETTING.rpartition(".")[2]) is None:
            self.set_setting(FILTER_SETTING.rpartition(".")[2], [])

    def seed_demo(self, session: Session) -> str | None:
        return seed_demo_applications(session)
