"""What plugin hooks hand to the framework, as small typed values.

Typed values rather than loose dicts so the loader can check them when the
plugin loads and name the plugin and the hook when one is wrong, instead of
the UI failing on the first page view.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

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


class CollectorSchema(TypedDict):
    """What `get_collector_schema()` returns for a plugin that takes pushes at
    POST /api/collector/<plugin>: the identity field that finds the asset, and
    a JSON Schema (type object) for one record, which must define that field."""

    identityfield: str
    fields: dict[str, Any]
