"""How the web layer takes the plugins' list columns and detail panels: what
names no resource (or a field of one) is left out with a warning, a column's
values come in one call per page, a failing panel or column never takes the
page down."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from shopdb.plugins import DetailPanel, ListColumn
from shopdb.resources.core import CORE_RESOURCES
from shopdb.web import detail
from shopdb.web.site import PluginPages

ASSETS = next(resource for resource in CORE_RESOURCES if resource.name == "assets")


def site_with(*plugins: PluginPages) -> SimpleNamespace:
    site = SimpleNamespace(plugins=list(plugins), resources={"assets": ASSETS})
    detail.wire_contributions(site)  # type: ignore[arg-type]
    return site


def test_columns_and_panels_of_unknown_resources_or_fields_are_left_out(caplog):
    calls = []

    def values(session, ids):
        calls.append(list(ids))
        return {ids[0]: "first"}

    plugin = PluginPages(
        "gadgets",
        listcolumns=[
            ListColumn("nosuch", "extra", "Extra", values),
            ListColumn("assets", "assetnumber", "Number again", values),
            ListColumn("assets", "later", "Later", values, order=200),
            ListColumn("assets", "extra", "Extra", values),
        ],
        panels=[DetailPanel("nosuch", "p", "P", "gadgets/p.html", lambda s, r: {})],
    )
    with caplog.at_level(logging.WARNING, logger="shopdb.web"):
        site = site_with(plugin)
    assert [column.name for column in site.listcolumns["assets"]] == ["extra", "later"]
    assert site.detailpanels == {}
    warned = caplog.text
    assert "'nosuch', which is no resource of this app" in warned
    assert "'assetnumber' for 'assets', which has a field so named" in warned
    pages = SimpleNamespace(resource=ASSETS)
    rows = [{"assetid": 7}, {"assetid": 9}]
    shown = detail.add_plugin_columns(site, pages, None, rows)  # type: ignore[arg-type]
    assert shown == [("extra", "Extra"), ("later", "Later")]
    assert calls == [[7, 9], [7, 9]]  # one call per column for the page
    assert rows == [
        {"assetid": 7, "extra": "first", "later": "first"},
        {"assetid": 9, "extra": None, "later": None},
    ]


def test_a_failing_column_or_panel_is_logged_and_left_empty(caplog):
    def broken(*_args):
        raise RuntimeError("plugin bug")

    plugin = PluginPages(
        "gadgets",
        listcolumns=[ListColumn("assets", "extra", "Extra", broken)],
        panels=[
            DetailPanel("assets", "broken", "Broken", "gadgets/p.html", broken),
            DetailPanel("assets", "hidden", "Hidden", "gadgets/p.html", lambda s, r: None),
        ],
    )
    site = site_with(plugin)
    pages = SimpleNamespace(resource=ASSETS)
    rows = [{"assetid": 1}]
    with caplog.at_level(logging.ERROR, logger="shopdb.web"):
        assert detail.add_plugin_columns(site, pages, None, rows) == [("extra", "Extra")]  # type: ignore[arg-type]
        assert detail.panels(site, pages, None, object()) == []  # type: ignore[arg-type]
    assert rows == [{"assetid": 1, "extra": None}]
    assert "The list column 'extra' failed" in caplog.text
    assert "failed to show its panel 'broken'" in caplog.text
