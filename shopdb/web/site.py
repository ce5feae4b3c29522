"""The web UI of one app: its blueprint, its navigation and the page frame.

`init_app` runs in the app factory after the plugins are wired, so every
resource (core and plugin) is known: each gets its pages at `/<name>`
(`/computers`, `/computers/12`, `/computers/new`, `/computers/12/edit`,
`/computers/12/delete`). The navigation holds the core sections and each
plugin's `get_navigation_items()`; an item whose address is no page of this
site but names a plugin with resources (`/network`) is sent to the list of
that plugin's first resource, and one that names nothing is left out with a
warning, so no link points at nothing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from shopdb.database import get_session
from shopdb.errors import (
    AuthenticationRequiredError,
    NotFoundError,
    PermissionDeniedError,
    ShopDBError,
)
from shopdb.http.envelope import ApiError, _http_exception
from shopdb.http.identity import current_identity, current_user
from shopdb.resources.definition import Resource
from shopdb.services.access import ANONYMOUS_READ_SETTING, Access, allows
from shopdb.services.settings import get_setting
from shopdb.version import __version__
from shopdb.web import bulk, detail, search, signin, storedimages, transfer
from shopdb.web.locationtree import tree_options
from shopdb.web.lookups import Lookups, title_field
from shopdb.web.pages import ResourcePages
from shopdb.web.words import field_label, humanize

SITE_KEY = detail.SITE_KEY
THEME_COOKIE = "shopdb_theme"
THEMES = ("dark", "light")
STATIC_MAX_AGE = 24 * 3600
# Names the web UI's own pages take; no resource may be served under them.
RESERVED = frozenset(
    {"api", "print", "static", "ui", "signin", "signout", "renew", "theme", "admin", "reports"}
)
# ... and the global search's (shopdb.web.search).
RESERVED |= {"search"}
# ... and the floor map's (shopdb.web.floormap).
RESERVED |= {"map"}
logger = logging.getLogger("shopdb.web")

# Core resources by navigation section; every other resource (a plugin's
# lookup tables) joins "Reference data".
ASSET_SECTION = ("assets", "assetrelationships", "locations")
ADMIN_SECTION = ("users", "roles", "apitokens", "settings", "auditlogs")
CORE_LABELS = {
    "assets": "All assets",
    "assetrelationships": "Relationships",
    "auditlogs": "Audit log",
    "apitokens": "API tokens",
    "models": "Models",
}


@dataclass(frozen=True)
class PluginPages:
    """What a plugin gives the web UI, handed over by the app factory (the
    web layer does not import the plugin framework): its name, its
    navigation items (`NavigationItem`: label, url, icon, order) and the
    names of its resources, first the one its main page lists."""

    name: str
    navigation: Sequence[Any] = ()
    resources: Sequence[str] = ()
    banners: Callable[[Session, int | None, int | None], Sequence[Any]] | None = None
    # Its dashboard cards (`DashboardWidget`: name, title, template, order, context).
    widgets: Sequence[Any] = ()
    # `ListColumn` and `DetailPanel` values (see shopdb.web.detail).
    listcolumns: Sequence[Any] = ()
    panels: Sequence[Any] = ()


@dataclass(frozen=True)
class NavEntry:
    label: str
    url: str
    icon: str = ""
    resource: str = ""  # shown only to who may read it; "" for plugin pages
    access: Access | None = None  # a page of the UI's own: shown only to who may read it


# The UI's own pages in the navigation: the reports (shopdb.web.reports) and
# the admin pages (shopdb.web.admin), which stand in for the generic pages
# of the resources in ADMIN_REPLACED (those stay, linked from the admin pages).
REPORT_ENTRIES = (
    NavEntry("PC relationships", "/reports/pcrelationships", "diagram-3", access=Access.ASSET_READ),
)
# The floor map (shopdb.web.floormap), after the locations.
MAP_ENTRY = NavEntry("Floor map", "/map", "map", access=Access.ASSET_READ)
ADMIN_ENTRIES = (
    NavEntry("Users", "/admin/users", "people", access=Access.ADMIN),
    NavEntry("API tokens", "/admin/tokens", "key", access=Access.ADMIN),
    NavEntry("Settings", "/admin/settings", "sliders", access=Access.ADMIN),
    NavEntry("Plugins", "/admin/plugins", "plug", access=Access.ADMIN),
    NavEntry("Audit log", "/admin/audit", "journal-check", access=Access.ADMIN),
)
ADMIN_REPLACED = frozenset({"users", "apitokens", "settings", "auditlogs"})


@dataclass
class NavSection:
    label: str
    icon: str
    entries: list[NavEntry] = field(default_factory=list)


class Site:
    """The UI's view of one app: resources, their pages, lookups, navigation."""

    def __init__(self, app: Flask, plugins: Sequence[PluginPages]) -> None:
        self.resources: dict[str, Resource] = dict(app.extensions["shopdb.resources"])
        clash = sorted(RESERVED & set(self.resources))
        if clash:
            raise ValueError(
                f"the resources {clash} take names the web UI's own pages use; rename them."
            )
        self.plugins = list(plugins)
        self.lookups = Lookups(self.resources)
        self.title_fields = {name: title_field(each) for name, each in self.resources.items()}
        self.pages = {name: ResourcePages(self, each) for name, each in self.resources.items()}
        self.redirects: dict[str, str] = {}
        self.sections: list[NavSection] = []
        # Every plugin found or installed, with its state (`PluginReport`s),
        # for the admin's plugin page; handed over by the app factory.
        self.plugin_reports: Callable[[], Sequence[Any]] = lambda: ()
        self.listcolumns: dict[str, list[Any]] = {}
        self.detailpanels: dict[str, list[tuple[str, Any]]] = {}
        detail.wire_contributions(self)

    # Navigation --------------------------------------------------------------

    def build_navigation(self, app: Flask) -> None:
        """The sections, with plugin items checked against the routes."""
        adapter = app.url_map.bind("localhost")
        assets = NavSection("Assets", "box-seam")
        reference = NavSection("Reference data", "journal-text")
        admin = NavSection("Admin", "gear")
        reached = set()
        for name in ASSET_SECTION:
            if name in self.resources:
                assets.entries.append(self.entry(name))
                reached.add(name)
        assets.entries.append(MAP_ENTRY)
        assets.entries.extend(REPORT_ENTRIES)
        plugin_entries = []
        for plugin in self.plugins:
            for item in plugin.navigation:
                url = self._resolve(adapter, plugin, item.url)
                if url is None:
                    logger.warning(
                        "The plugin %r has the navigation item %r at %s, which is no page "
                        "of this site; it is left out of the navigation.",
                        plugin.name,
                        item.label,
                        item.url,
                    )
                    continue
                resource = self._listed(url)
                reached.add(resource)
                plugin_entries.append(
                    (item.order, item.label, NavEntry(item.label, url, item.icon, resource))
                )
        assets.entries[1:1] = [
            entry for *_, entry in sorted(plugin_entries, key=lambda each: each[:2])
        ]
        for name in ADMIN_SECTION:
            if name in self.resources:
                if name not in ADMIN_REPLACED:
                    admin.entries.append(self.entry(name))
                reached.add(name)
        admin.entries[0:0] = ADMIN_ENTRIES
        for name in self.resources:
            if name not in reached:
                reference.entries.append(self.entry(name))
        reference.entries.sort(key=lambda entry: entry.label.lower())
        self.sections = [section for section in (assets, reference, admin) if section.entries]

    def entry(self, name: str) -> NavEntry:
        return NavEntry(self.resource_label(self.resources[name]), f"/{name}", "", name)

    def _listed(self, url: str) -> str:
        """The resource whose list `url` is, or ""."""
        name = url.strip("/")
        return name if name in self.resources else ""

    def _resolve(self, adapter: Any, plugin: PluginPages, url: str) -> str | None:
        path = url.split("?", 1)[0]
        if path.strip("/") in self.resources:
            return url
        try:
            adapter.match(path, method="GET")
            return url
        except RequestRedirect:
            return url
        except NotFound:
            pass
        except Exception:  # a route for other methods only: still a page of the site
            return url
        if path.strip("/") == plugin.name and plugin.resources:
            target = f"/{plugin.resources[0]}"
            self.redirects[path] = target
            return target
        return None

    def navigation(self) -> list[NavSection]:
        """The sections as the caller may see them."""
        shown = []
        for section in self.sections:
            entries = [entry for entry in section.entries if self.shows(entry)]
            if entries:
                shown.append(NavSection(section.label, section.icon, entries))
        return shown

    def shows(self, entry: NavEntry) -> bool:
        """Whether the caller may open the entry's page."""
        if entry.access is not None:
            return self.allows(entry.access, write=False)
        if entry.resource:
            return self.allows(self.resources[entry.resource].read, write=False)
        return True

    # Permissions -------------------------------------------------------------

    def allows(self, access: Access, *, write: bool) -> bool:
        identity = current_identity()
        anonymous = False
        if access is Access.ASSET_READ and not write and not identity.is_authenticated:
            anonymous = self.anonymous_read()
        return allows(identity, access, write=write, anonymous_read=anonymous)

    def anonymous_read(self) -> bool:
        if "anonymousread" not in g:
            g.anonymousread = bool(get_setting(get_session(), ANONYMOUS_READ_SETTING, False))
        return bool(g.anonymousread)

    # Names -------------------------------------------------------------------

    def resource_label(self, resource: Resource) -> str:
        if resource.name in CORE_LABELS:
            return CORE_LABELS[resource.name]
        if resource.label and resource.label != resource.name:
            return resource.label
        return humanize(resource.name)

    def location_options(self, session: Session) -> list[tuple[Any, str]]:
        """Every location, in tree order, indented by depth (one query)."""
        return tree_options(session)

    # Rendering ---------------------------------------------------------------

    def page(self, template: str, status: int = 200, **context: Any) -> Response:
        if request.blueprint != "web":  # an error page for an address no rule matched
            context = {**_page_context(), **context}
        html = render_template(template, **context)
        response = current_app.make_response((html, status))
        response.headers["Cache-Control"] = "no-store"
        return response

    def error(self, status: int, message: str, allow: Iterable[str] = ()) -> Response:
        response = self.page("web/error.html", status=status, code=status, message=message)
        if status == 405:
            # Required on a 405 (RFC 9110); empty when the page takes no method at all.
            response.headers["Allow"] = ", ".join(sorted(allow))
        return response

    def banners(self) -> list[Any]:
        user = current_user()
        found: list[Any] = []
        for plugin in self.plugins:
            if plugin.banners is None:
                continue
            try:
                found.extend(plugin.banners(get_session(), user.userid if user else None, None))
            except Exception:  # a failing banner must not take the page down
                logger.exception("The plugin %r failed to give its page banners.", plugin.name)
        return found


def current_site() -> Site:
    return current_app.extensions[SITE_KEY]


def _page_context() -> dict[str, Any]:
    site = current_site()
    identity = current_identity()
    theme = request.cookies.get(THEME_COOKIE, "dark")
    return {
        "site": site,
        "identity": identity,
        "theme": theme if theme in THEMES else "dark",
        "csrftoken": signin.csrf_value(),
        "sessionexpires": signin.session_expires(),
        "version": __version__,
    }


# Template filters -------------------------------------------------------------

UTC_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2})?)(?:\.\d+)?(?:\+00:00|Z)?")


def shown_text(value: Any) -> str:
    """A value's text; a time as the API writes it (RFC 3339, UTC) reads
    "2026-12-07 13:30:00 UTC"."""
    text = "" if value is None else str(value)
    match = UTC_TIME.fullmatch(text)
    return f"{match.group(1)} {match.group(2)} UTC" if match else text


def table_keys(rows: Iterable[Any]) -> list[str]:
    """The keys of a list of objects, in first-seen order, for one table."""
    keys: dict[str, None] = {}
    for row in rows:
        if isinstance(row, dict):
            keys.update(dict.fromkeys(row))
    return list(keys)


# Views -----------------------------------------------------------------------


def set_theme() -> ResponseReturnValue:
    """Remember the theme in a cookie (the toggle's form posts here; with
    scripts on, the toggle switches at once and sets the cookie itself)."""
    theme = request.form.get("theme", "dark")
    if theme not in THEMES:
        theme = "dark"
    target = signin.local_target(request.form.get("next"))
    response = redirect(target, 303)
    response.set_cookie(
        THEME_COOKIE,
        theme,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )
    return response


def _pages(name: str) -> ResourcePages:
    return current_site().pages[name]


def resource_list(name: str) -> ResponseReturnValue:
    return _pages(name).list()


def resource_detail(name: str, itemid: int) -> ResponseReturnValue:
    return _pages(name).detail(itemid)


def resource_create(name: str) -> ResponseReturnValue:
    return _pages(name).create()


def resource_edit(name: str, itemid: int) -> ResponseReturnValue:
    return _pages(name).edit(itemid)


def resource_delete(name: str, itemid: int) -> ResponseReturnValue:
    return _pages(name).delete(itemid)


def resource_bulk(name: str) -> ResponseReturnValue:
    return bulk.bulk(_pages(name))


def plugin_redirect() -> ResponseReturnValue:
    return redirect(current_site().redirects[request.path], 302)


# Errors ----------------------------------------------------------------------


def _refused(error: ShopDBError) -> ResponseReturnValue:
    """Errors of the UI's pages as pages: not signed in goes to the sign-in
    page and back, the rest says what is wrong with its status."""
    site = current_site()
    if isinstance(error, AuthenticationRequiredError):
        if request.headers.get("HX-Request") == "true":
            response = current_app.make_response(("", 401))
            response.headers["HX-Refresh"] = "true"
            return response
        return redirect(url_for("web.signin", next=signin.here()), 303)
    if isinstance(error, PermissionDeniedError):
        return site.error(403, str(error))
    if isinstance(error, NotFoundError):
        return site.error(404, str(error))
    if isinstance(error, ApiError):
        return site.error(error.status, error.message)
    raise error


def wants_page() -> bool:
    """A browser asking for a page (it names text/html), not a script, and
    not for the API."""
    if request.path.startswith("/api/"):
        return False
    return any(kind == "text/html" for kind, _ in request.accept_mimetypes)


def _unrouted(error: HTTPException) -> ResponseReturnValue:
    """No page at the address (404), or not for this method (405, with
    Allow): an error page for browsers, the API's envelope for the rest. No
    rule matched, so the blueprint's own handlers never see these."""
    if not wants_page() or error.code is None:
        return _http_exception(error)
    site = current_site()
    if isinstance(error, MethodNotAllowed):
        allowed = sorted(error.valid_methods or ())
        message = f"This page does not take {request.method}; it takes {', '.join(allowed)}."
        return site.error(405, message, allow=allowed)
    return site.error(error.code, "There is no page at this address.")


class WebBlueprint(Blueprint):
    """Static files are addressed with the version (?v=), so browsers keep
    them for a day without asking again and an upgrade gets new ones."""

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        return STATIC_MAX_AGE


def init_app(
    app: Flask,
    plugins: Iterable[PluginPages] = (),
    plugin_reports: Callable[[], Sequence[Any]] | None = None,
) -> Site:
    """Serve the web UI on `app`, after its resources and plugins are in place.
    `plugin_reports` gives every plugin found or installed, with its state,
    for the admin's plugin page."""
    from shopdb.web import admin, dashboard, floormap, reports  # they use this module's Site

    site = Site(app, list(plugins))
    if plugin_reports is not None:
        site.plugin_reports = plugin_reports
    app.extensions[SITE_KEY] = site
    blueprint = WebBlueprint(
        "web",
        __name__,
        template_folder="templates",
        static_folder="static",
        static_url_path="/ui/static",
    )
    names = ", ".join(sorted(site.resources))
    resource = f"any({names}):name" if names else "any(none):name"
    rules: list[tuple[str, str, Callable[..., Any], tuple[str, ...]]] = [
        ("/", "index", dashboard.dashboard, ("GET",)),
        ("/theme", "theme", set_theme, ("POST",)),
        (f"/<{resource}>", "list", resource_list, ("GET",)),
        (f"/<{resource}>/new", "create", resource_create, ("GET", "POST")),
        (f"/<{resource}>/<int:itemid>", "detail", resource_detail, ("GET",)),
        (f"/<{resource}>/<int:itemid>/edit", "edit", resource_edit, ("GET", "POST")),
        (f"/<{resource}>/<int:itemid>/delete", "delete", resource_delete, ("GET", "POST")),
        (f"/<{resource}>/bulk", "bulk", resource_bulk, ("POST",)),
    ]
    for rule, endpoint, view, methods in rules:
        blueprint.add_url_rule(rule, endpoint, view, methods=list(methods))
    signin.register(blueprint)
    search.register(blueprint)
    transfer.register(blueprint, resource)
    reports.register(blueprint)
    admin.register(blueprint)
    detail.register(blueprint, resource)
    storedimages.register(blueprint, resource)
    floormap.register(blueprint)
    blueprint.add_app_template_filter(shown_text, "shown_text")
    blueprint.add_app_template_filter(table_keys, "table_keys")
    blueprint.add_app_template_filter(field_label, "field_label")
    blueprint.context_processor(_page_context)
    blueprint.register_error_handler(ShopDBError, _refused)
    blueprint.register_error_handler(ApiError, _refused)
    blueprint.before_request(signin.renew_if_needed)
    site.build_navigation(app)
    for path in site.redirects:
        blueprint.add_url_rule(path, f"plugin{path.strip('/')}", plugin_redirect)
    app.register_blueprint(blueprint)
    app.register_error_handler(NotFound, _unrouted)
    app.register_error_handler(MethodNotAllowed, _unrouted)
    return site
