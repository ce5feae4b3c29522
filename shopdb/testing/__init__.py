"""The public test harness: what ShopDB's own tests, its bundled plugins and a
site's own plugins run, so every resource is held to the same checks.

Needs the `test` extra (`pip install shopdb[test]`): it imports pytest, which
production code never does (nothing outside this package imports it).

- `resources`: `ResourceTests`, the generic suite over one resource (list,
  filters, sort, search, get, create, update, delete, validation, conflicts,
  permissions, audit, query counts), given a `ResourceCase`;
- `sites`: `PluginSite`, a throw-away site with one plugin installed through
  the real commands;
- `databases`: empty databases (SQLite, or the server SHOPDB_TEST_DATABASE_URL
  names), `delete_all_rows`, `count_queries`;
- `clients`: `make_callers`, one signed-in test client per role;
- `browsers`: the web UI in a real browser: `served` (an app over HTTP),
  `chromium` (Debian's, driven by Playwright), `browser_sign_in`,
  `browser_missing` (why browser tests skip here, if they do);
- `fuzzing`, `models`, `servers`: generated requests (schemathesis), test-only
  models, real gunicorn servers;
- `contract`: the contract suite over every plugin a site finds, run with
  `python -m pytest --pyargs shopdb.testing.contract`.
"""

from shopdb.testing.browsers import browser_missing, browser_sign_in, chromium, served
from shopdb.testing.clients import Caller, make_callers
from shopdb.testing.databases import (
    SERVER_URL,
    app_config,
    count_queries,
    delete_all_rows,
    empty_database,
)
from shopdb.testing.resources import ResourceCase, ResourceTests, serial
from shopdb.testing.sites import PluginSite

__all__ = [
    "SERVER_URL",
    "Caller",
    "PluginSite",
    "ResourceCase",
    "ResourceTests",
    "app_config",
    "browser_missing",
    "browser_sign_in",
    "chromium",
    "count_queries",
    "delete_all_rows",
    "empty_database",
    "make_callers",
    "serial",
    "served",
]
