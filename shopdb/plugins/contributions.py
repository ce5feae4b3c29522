"""What plugin hooks hand to the framework, as small typed values.

Typed values rather than loose dicts so the loader can check them when the
plugin loads and name the plugin and the hook when one is wrong, instead of
the UI failing on the first page view.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class NavigationItem:
    """One entry in the UI's navigation, returned by `get_navigation_items()`.

    `url` is a path on this site (starting with "/"); `icon` names a Bootstrap
    icon ("pc-display"), empty for none; lower `order` comes first.
    """

    label: str
    url: str
    icon: str = ""
    order: int = 100


@dataclass(frozen=True)
class DashboardWidget:
    """One card on the dashboard, returned by `get_dashboard_widgets()`.

    `name` is unique within the plugin; `template` is a Jinja template the
    plugin's blueprint provides; `context`, when given, is called with the
    request's session and returns the template's variables. Lower `order`
    comes first.
    """

    name: str
    title: str
    template: str
    order: int = 100
    context: Callable[[Session], Mapping[str, Any]] | None = None


@dataclass(frozen=True)
class ListColumn:
    """One more column on a resource's list page, returned by
    `get_list_columns()`.

    `resource` names the resource whose list shows it (a core one such as
    "assets", or a plugin's); `name` is unique among that list's columns and
    no field of the resource; `label` heads the column. `values(session,
    ids)` is called once per page with the ids of the page's records and
    returns {id: value} (plain text, escaped by the UI; an id left out shows
    empty): one query for the page, never one per row. Lower `order` comes
    first; the plugin columns follow the declared ones.
    """

    resource: str
    name: str
    label: str
    values: Callable[[Session, list[int]], Mapping[int, Any]]
    order: int = 100


@dataclass(frozen=True)
class DetailPanel:
    """One card on a record's detail page, returned by `get_detail_panels()`.

    `resource` names the resource whose detail pages show it; `name` is
    unique within the plugin (the card's element id); `title` heads the card;
    `template` is a Jinja template in the plugin's `templates` folder, named
    with the plugin's name in front, as for dashboard widgets;
    `context(session, record)` gets the request's session and the record (the
    model instance the page shows) and returns the template's variables, or
    None to leave the card out for that record. Lower `order` comes first.
    """

    resource: str
    name: str
    title: str
    template: str
    context: Callable[[Session, Any], Mapping[str, Any] | None]
    order: int = 100


# How loud a banner is, quietest first; the web UI maps each to its colours.
BANNER_LEVELS = ("info", "warning", "critical")


@dataclass(frozen=True)
class Banner:
    """One banner at the top of a web UI page, returned by `page_banners()`.

    `key` is unique within the plugin and stable while the banner shows (the
    UI's element id); `title` is plain text (escaped by the UI); `html` is
    the body as safe HTML, already sanitised by the plugin (for Markdown:
    `render_markdown`); `level` one of BANNER_LEVELS; `url` a page the banner
    links to, or ""; `dismissurl`, when not "", is where the UI POSTs (with
    the user's CSRF token) to dismiss the banner for the signed-in user.
    """

    key: str
    title: str
    html: str = ""
    level: str = "info"
    url: str = ""
    dismissurl: str = ""


@dataclass(frozen=True)
class PrintView:
    """One printable page, returned by `get_print_views()`, served at
    GET /print/<plugin>/<name>?ids=1,2,3 to callers who may read assets.

    `template` is a Jinja template in the plugin's `templates` folder, named
    with the plugin's name in front (`printers/qr.html` is
    `<plugin folder>/templates/qr.html`); it usually extends `print/base.html`
    (page setup and print CSS) and draws codes with `qr_svg(text)`.
    `context` is called with the request's session and the ids asked for (in
    the order given, each once) and returns the template's variables; it
    raises `NotFoundError` for an id it does not know. `label` names the view
    in menus; `maxids` bounds a batch.
    """

    name: str
    label: str
    template: str
    context: Callable[[Session, list[int]], Mapping[str, Any]]
    maxids: int = 500


class CollectorSchema(TypedDict):
    """What `get_collector_schema()` returns for a plugin that takes pushes at
    POST /api/collector/<plugin>.

    `identityfield` names the field that finds the record a push updates: a
    column of the resource with a unique constraint, so the database holds
    one record per identity. `fields` is a JSON Schema (Draft 2020-12, type
    object) of one record; every property must be a writable field of the
    resource, and the identity property may carry `"casefold": true` (a
    ShopDB keyword) to fold case as well as trim. `resource` names the
    plugin's resource the pushes write through; optional when the plugin has
    one asset extension resource, or one resource. The loader fills it in.
    """

    identityfield: str
    fields: dict[str, Any]
    resource: NotRequired[str]


@dataclass(frozen=True)
class CollectorPart:
    """A part of another plugin's collector record that this plugin takes,
    returned by `get_collector_parts()`: the computers collector's record
    gains `software`, which the applications plugin writes.

    `collector` names the plugin whose collector (POST
    /api/collector/<collector>) gets the part; it must be one of the
    plugin's manifest `dependencies`, so it loads first and cannot be
    removed from under the part. `name` is the new property of the record
    (not one the collector has already); `schema` is the JSON Schema of its
    value. `write(session, record, value)` runs in the push's transaction,
    after the record itself was created or updated, with the collector
    resource's instance and the pushed value (only when the push carries the
    property). It writes through the plugin's own resources (so each row is
    checked and audited) and returns the changes as {label: {"before": ...,
    "after": ...}}, {} when nothing changed; they join the reply's
    `changes`, and make a push `updated` rather than `noop`.
    """

    collector: str
    name: str
    schema: dict[str, Any]
    write: Callable[[Session, Any, Any], Mapping[str, Mapping[str, Any]]]
