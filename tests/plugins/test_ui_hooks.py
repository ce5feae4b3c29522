"""The web UI hooks get_list_columns() and get_detail_panels(): what they
return is checked when the plugin loads, naming the plugin and the hook."""

from __future__ import annotations

import pytest

from shopdb.plugins import BasePlugin, DetailPanel, ListColumn
from tests.plugins.test_loader import HOOK_CODE, MODELS_FILE, failure, load_one

IMPORTS = "from shopdb.plugins import DetailPanel, ListColumn\n        "


def values(session, ids):
    return {}


def context(session, record):
    return {}


@pytest.mark.parametrize(
    ("hook", "body", "expected"),
    [
        ("get_list_columns", "return ['x']", "get_list_columns() returned a str at position 0"),
        ("get_list_columns", "return None", "get_list_columns() must return a list"),
        (
            "get_list_columns",
            "return [ListColumn('Assets', 'x', 'X', dict)]",
            "returned a column for the resource 'Assets'; name a resource",
        ),
        (
            "get_list_columns",
            "return [ListColumn('assets', 'x-y', 'X', dict)]",
            "returned a column named 'x-y'; a column name is lowercase letters and digits",
        ),
        (
            "get_list_columns",
            "return [ListColumn('assets', 'x', ' ', dict)]",
            "returned the column 'x' whose label is not text",
        ),
        (
            "get_list_columns",
            "return [ListColumn('assets', 'x', 'X', 'values')]",
            "returned the column 'x' with values that cannot be called",
        ),
        (
            "get_list_columns",
            "return [ListColumn('assets', 'x', 'X', dict, order='1')]",
            "returned the column 'x' with a non-integer order",
        ),
        (
            "get_list_columns",
            "return [ListColumn('assets', 'x', 'X', dict)] * 2",
            "returned the column(s) ['assets.x'] twice",
        ),
        ("get_detail_panels", "return [{}]", "get_detail_panels() returned a dict at position 0"),
        (
            "get_detail_panels",
            "return [DetailPanel('assets', 'Panel', 'P', 'w/p.html', dict)]",
            "returned a panel named 'Panel'; a panel name is lowercase letters and digits",
        ),
        (
            "get_detail_panels",
            "return [DetailPanel('assets', 'p', 'P', '', dict)]",
            "returned the panel 'p' whose template is not text",
        ),
        (
            "get_detail_panels",
            "return [DetailPanel('assets', 'p', 'P', 'w/p.html', None)]",
            "returned the panel 'p' with a context that cannot be called",
        ),
        (
            "get_detail_panels",
            "return [DetailPanel('assets', 'p', 'P', 'w/p.html', dict),"
            " DetailPanel('locations', 'p', 'P', 'w/p.html', dict)]",
            "returned the panel name(s) ['p'] twice",
        ),
    ],
)
def test_a_ui_hook_returning_the_wrong_thing_is_named(make_plugin, hook, body, expected):
    code = HOOK_CODE.replace("__HOOKNAME__", hook).replace("__HOOK__", IMPORTS + body)
    folder = make_plugin(code=code, files={"models.py": MODELS_FILE})
    message = str(failure(folder))
    assert f"Plugin '{folder.name}'" in message
    assert expected in message


def test_valid_ui_hooks_are_kept_for_the_web_ui(make_plugin):
    body = "return [ListColumn('assets', 'extra', 'Extra', dict, order=5)]"
    code = HOOK_CODE.replace("__HOOKNAME__", "get_list_columns").replace("__HOOK__", IMPORTS + body)
    folder = make_plugin(code=code, files={"models.py": MODELS_FILE})
    (loaded,) = load_one(folder).plugins
    (column,) = loaded.parts.listcolumns
    assert (column.resource, column.name, column.label, column.order) == (
        "assets",
        "extra",
        "Extra",
        5,
    )
    assert loaded.parts.panels == ()


def test_the_defaults_contribute_nothing():
    class Bare(BasePlugin):
        def get_models(self):
            return []

        def get_blueprint(self):
            return None

    assert Bare().get_list_columns() == [] and Bare().get_detail_panels() == []
    assert ListColumn("assets", "x", "X", values).order == 100
    assert DetailPanel("assets", "p", "P", "w/p.html", context).order == 100
