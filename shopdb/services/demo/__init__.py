"""A believable demo site (one plant, three buildings, about 300 assets) for
trying ShopDB out, for screenshots and for tests that need realistic data.

The whole site is planned in memory from a fixed random seed, so every run plans
exactly the same rows; only what is missing is then added, matched on natural
keys loaded once (asset numbers, (parent, name) of locations, vendor names, ...),
so a second run adds nothing. Coordinates of bays, rooms and the assets in them
are pixels on their building's floor plan; those of buildings are pixels on the
site plan. The plans are SVG files drawn here, written once under the instance
folder and never overwritten.

Modules, each with one purpose:

- `catalog`: pure data: vendors, models, operating systems, business units,
  serial number patterns, notes (asset types are the plugins' own: the demo
  plans assets of the types the installed plugins registered, and says which
  planned assets it left out);
- `site`: the plant's geometry: buildings, bays and rooms, what stands in each
  bay, and their places (location names from the site down);
- `planner`: the plan built in memory from the fixed seed;
- `floorplans`: the site and building plans drawn as SVG;
- `seeding`: applying all of it to a database, with progress in DEMO_STEPS.
"""

from collections.abc import Callable

from flask import Flask
from sqlalchemy.orm import Session

from shopdb.services.demo.seeding import DEMO_STEPS, seed_demo_data

# Where the app keeps the active plugins' demo seeders (name, seed_demo), in
# load order; the plugin runtime fills it, `shopdb seed --demo` runs them.
PLUGIN_SEEDERS_KEY = "shopdb.demo.plugins"
PluginSeeder = tuple[str, Callable[[Session], "str | None"]]


def plugin_seeders(app: Flask) -> list[PluginSeeder]:
    return list(app.extensions.get(PLUGIN_SEEDERS_KEY, []))


__all__ = ["DEMO_STEPS", "PLUGIN_SEEDERS_KEY", "plugin_seeders", "seed_demo_data"]
