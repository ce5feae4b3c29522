"""BasePlugin: the hooks a plugin implements, documented where they are defined.

A plugin package exposes one class named `Plugin` that subclasses BasePlugin.
The loader creates it with no arguments, attaches the manifest (`meta`), then
calls each data hook (`get_*`) exactly once and checks what it returns; the
checked values are what the app wires in, so a hook is never asked twice and a
wrong type is reported at start-up with the plugin's and the hook's name.

Data hooks therefore run at load time, outside any request and before the app
is fully built: they must not touch the database. `init_app` and the lifecycle
hooks run later, with an app or a session.
"""

from __future__ import annotations

import abc
import re
from typing import TYPE_CHECKING, Any

from shopdb.database import get_session
from shopdb.plugins.errors import PluginContractError
from shopdb.resources.definition import searchable_fields as derived_searchable_fields
from shopdb.services import settings

if TYPE_CHECKING:
    import click
    from flask import Blueprint, Flask
    from sqlalchemy.orm import Session

    from shopdb.models import Base
    from shopdb.plugins.contributions import (
        Banner,
        CollectorPart,
        CollectorSchema,
        DashboardWidget,
        DetailPanel,
        ListColumn,
        NavigationItem,
        PrintView,
    )
    from shopdb.plugins.manifest import PluginManifest
    from shopdb.resources.definition import Resource

# What may follow `plugin.<name>.` in a settings key (see shopdb.services.settings).
SETTING_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_.]*$")


class BasePlugin(abc.ABC):
    """Base class of every plugin; subclass it as `Plugin` in the plugin package."""

    _manifest: PluginManifest | None = None

    # Identity ----------------------------------------------------------------

    @property
    def meta(self) -> PluginManifest:
        """The plugin's validated manifest, attached by the loader right after
        the class is created (so it is not available inside `__init__`)."""
        if self._manifest is None:
            raise PluginContractError(
                type(self).__module__,
                f"{type(self).__name__}.meta was read before the loader attached the "
                "manifest; plugins are created by shopdb.plugins.load_plugins.",
            )
        return self._manifest

    @property
    def name(self) -> str:
        """The plugin's name (from the manifest)."""
        return self.meta.name

    def attach_manifest(self, manifest: PluginManifest) -> None:
        """Called once by the loader; not a hook."""
        self._manifest = manifest

    # Required hooks ------------------------------------------------------------

    @abc.abstractmethod
    def get_models(self) -> list[type[Base]]:
        """Every model class the plugin defines, all on `shopdb.api.Base`.

        Runs once at load time. Return the classes, not instances. The tables
        of these models are the plugin's own: the loader refuses a plugin whose
        models create a table not listed here, or claim a core table or one
        owned by another plugin. Return [] for a plugin without tables.
        """

    @abc.abstractmethod
    def get_blueprint(self) -> Blueprint | None:
        """A Flask or flask-smorest Blueprint for routes beyond the generic
        resource endpoints, or None.

        Runs once at load time. The app mounts it under the manifest's
        `api_prefix`. Generic list/detail/create/update/delete endpoints come
        from `get_resources()`, not from here.
        """

    # Optional hooks ------------------------------------------------------------
    # The defaults contribute nothing and do nothing.

    def get_resources(self) -> list[Resource]:
        """Resource declarations (`shopdb.api.Resource`) for the plugin's models.

        Runs once at load time. Each resource's model must be one of
        `get_models()`. The framework builds REST endpoints, OpenAPI entries,
        audit and search from them, exactly as for core tables.
        """
        return []

    def get_navigation_items(self) -> list[NavigationItem]:
        """Entries for the UI navigation (`NavigationItem`). Runs once at load time."""
        return []

    def get_searchable_fields(self) -> dict[type[Base], list[tuple[str, int]]]:
        """For global search: model -> [(column name, weight)], heavier ranks first.

        Runs once at load time. Models must be the plugin's own; weights are
        positive integers (identities such as a hostname outrank notes).
        By default derived from the `search` of `get_resources()` (the one
        declaration, which the list `q` reads too): each field of one of the
        plugin's models, a nested field under its child model. Override it
        only to search models that have no resource.
        """
        return derived_searchable_fields(self.get_resources(), self.get_models())

    def get_dashboard_widgets(self) -> list[DashboardWidget]:
        """Cards for the dashboard (`DashboardWidget`). Runs once at load time."""
        return []

    def get_list_columns(self) -> list[ListColumn]:
        """Extra columns on resources' list pages in the web UI (`ListColumn`).

        Runs once at load time. Each column names its resource, a column
        name, a label and `values(session, ids)`, called once per page with
        the ids of the page's records, returning {id: value}. Checked at load:
        only ListColumn values, a resource and name of lowercase letters and
        digits, a non-blank label, a callable `values`, an integer order, no
        (resource, name) twice. At app start a column of a resource this app
        does not serve, or named like one of its fields, is left out with a
        warning. See docs/PLUGIN-HOOKS.md.
        """
        return []

    def get_detail_panels(self) -> list[DetailPanel]:
        """Cards on records' detail pages in the web UI (`DetailPanel`).

        Runs once at load time. Each panel names its resource, a name, a
        title, a template of the plugin's `templates` folder and
        `context(session, record)`, called when the page is shown, returning
        the template's variables or None (no card for that record). Checked at
        load: only DetailPanel values, a resource and name of lowercase letters
        and digits, unique names, a non-blank title and template, a callable
        context, an integer order. A panel that fails when shown is left out of
        that page and logged; the page still shows. See docs/PLUGIN-HOOKS.md.
        """
        return []

    def get_print_views(self) -> list[PrintView]:
        """Printable pages (`PrintView`): labels, badges, QR sheets.

        Runs once at load time. Each view is served at
        GET /print/<plugin>/<view>?ids=1,2,3 as HTML rendered on the server
        (no JavaScript), to callers who may read assets (401/403 otherwise).
        `ids` is required: 1 to `maxids` positive integers, comma separated;
        anything else is a 400 naming the problem. The view's `context(session,
        ids)` gives the template's variables and raises NotFoundError (404)
        for an id it does not know. Checked at load: only PrintView values,
        names of lowercase letters and digits, unique within the plugin, a
        non-blank label and template, a callable context and a positive
        `maxids`. See docs/PLUGIN-HOOKS.md.
        """
        return []

    def get_collector_schema(self) -> CollectorSchema | None:
        """None, or {"identityfield": field, "fields": JSON Schema of one
        record, "resource": resource name (optional)}.

        Runs once at load time. When given, the app offers
        POST /api/collector/<plugin>: a push creates or updates the record
        whose identity matches, through the named resource (default: the
        plugin's only asset extension, else its only resource). Checked at
        load: a valid Draft 2020-12 schema of type object; every property a
        writable field of the resource; the identity a column with a unique
        constraint. `"casefold": true` on the identity property folds case
        as well as trimming. See docs/PLUGIN-HOOKS.md.
        """
        return None

    def page_banners(
        self, session: Session, userid: int | None, locationid: int | None
    ) -> list[Banner]:
        """Banners for the top of a web UI page (`Banner`), heaviest first.

        Not a data hook (hence no `get_`): it runs per page view, with the
        request's session: `userid` is the signed-in user (None: anonymous), so a
        banner the user dismissed can be left out; `locationid` the location
        the page is about or the user chose (None: none known). Keep it to a
        fixed number of statements; it must not write.
        """
        return []

    def get_collector_parts(self) -> list[CollectorPart]:
        """Parts this plugin adds to other plugins' collector records
        (`CollectorPart`): the applications plugin takes `software` in the
        computers collector's pushes.

        Runs once at load time. Checked at load: each part's collector is one
        of the manifest's `dependencies`, its name a property name, its schema
        a dict, its writer callable. At app start the part joins that plugin's
        collector (its JSON Schema and OpenAPI entry); a collector that does
        not exist, or already has the property, leaves this plugin out. See
        docs/PLUGIN-HOOKS.md and docs/adr/0009-collector-parts.md.
        """
        return []

    def get_cli_commands(self) -> list[click.Command]:
        """click commands or groups added under `shopdb <plugin>`. Runs once at load time."""
        return []

    def init_app(self, app: Flask) -> None:
        """Called once per app when it starts, before the plugin's resources
        and blueprint are registered: add template filters, signal handlers,
        app config defaults. Returns nothing. If it raises, the plugin (and
        every plugin that depends on it) is left out of this app, or the app
        stops when SHOPDB_PLUGIN_ERRORS is `raise`."""
        return None

    # Lifecycle hooks -----------------------------------------------------------
    # Each receives the session of the command or request that changes the
    # plugin's state; the caller owns the transaction (flush, never commit).

    def on_install(self, session: Session) -> None:
        """After the plugin's migrations ran: seed its lookup rows, register its
        asset types."""
        return None

    def on_uninstall(self, session: Session) -> None:
        """Before the plugin's state is removed (its tables are dropped only on
        an explicit flag, after this)."""
        return None

    def on_enable(self, session: Session) -> None:
        """When an admin enables the installed plugin."""
        return None

    def on_disable(self, session: Session) -> None:
        """When an admin disables the plugin; its data stays."""
        return None

    def seed_demo(self, session: Session) -> str | None:
        """Add the plugin's part of the demo site (`shopdb seed --demo`).

        Runs for each active plugin, in load order, after the core's demo site
        exists (locations and assets of every demo asset type, including the
        plugin's, with their relationships): typically it adds the plugin's
        rows for the demo assets of its asset type. Must be idempotent: a
        second run adds nothing. Returns a one-line summary ("Added 70
        computers.") or None when there was nothing to add.
        """
        return None

    # Helpers --------------------------------------------------------------------

    def get_setting(self, key: str, default: Any = None) -> Any:
        """The plugin's setting `plugin.<name>.<key>`, or `default` when unset.

        Uses the current application context's session."""
        key = self._setting_key(key)
        return settings.get_setting(get_session(), key, default)

    def set_setting(self, key: str, value: Any) -> None:
        """Store any JSON value as `plugin.<name>.<key>`; the caller commits."""
        key = self._setting_key(key)
        settings.set_setting(get_session(), key, value)

    def _setting_key(self, key: str) -> str:
        if not SETTING_KEY_PATTERN.match(key):
            raise PluginContractError(
                self.name,
                f"the setting key {key!r} must be lowercase letters, digits, '_' and '.', "
                "starting with a letter.",
            )
        return settings.plugin_key(self.name, key)
