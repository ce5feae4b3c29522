"""The plugin's entry point: the Plugin class ShopDB loads, and what it adds.

Import ShopDB only from shopdb.api (everything else in ShopDB is private and
may change); the plugin's own modules are imported relatively, so the same
folder works from a plugin directory, as a package or bundled.
"""

from __future__ import annotations

from shopdb.api import BasePlugin, NavigationItem, register_asset_type

from .models import Measuringtool
from .resources import MEASURINGTOOLS


class Plugin(BasePlugin):
    """An asset class: its table, REST endpoints, search fields and navigation."""

    def get_models(self):
        return [Measuringtool]

    def get_blueprint(self):
        # The REST API comes from the resource below. Return a Flask or
        # flask-smorest Blueprint here for routes beyond it; ShopDB mounts it
        # at the manifest's api_prefix (docs/PLUGIN-HOOKS.md, get_blueprint).
        return None

    def get_resources(self):
        return [MEASURINGTOOLS]

    def get_navigation_items(self):
        return [
            NavigationItem(
                label="Measuringtools",
                url="/measuringtools",
                icon="box",
            ),
        ]

    def get_searchable_fields(self):
        # Identities outrank free text in the global search.
        return {
            Measuringtool: [("code", 10), ("specification", 1)],
        }

    def on_install(self, session):
        # Runs on every install: an existing asset type is found, not added twice.
        register_asset_type(
            session,
            MEASURINGTOOLS.asset_type,
            "Measuringtool",
            self.name,
            icon="box",
        )
