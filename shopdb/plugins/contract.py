"""Call each data hook of a plugin once and check what it returns.

Every problem is a PluginContractError naming the plugin and the hook, raised
at load time, so a wrong return type never reaches a request.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import click
from flask import Blueprint
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from sqlalchemy import Table, inspect
from sqlalchemy.orm import Mapper

from shopdb.models import Base
from shopdb.plugins.base import BasePlugin
from shopdb.plugins.contributions import (
    CollectorPart,
    CollectorSchema,
    DashboardWidget,
    DetailPanel,
    ListColumn,
    NavigationItem,
    PrintView,
)
from shopdb.plugins.errors import PluginContractError
from shopdb.resources.collector import Collector
from shopdb.resources.definition import Resource

T = TypeVar("T")
COLLECTOR_KEYS = frozenset({"identityfield", "fields"})
COLLECTOR_OPTIONAL_KEYS = frozenset({"resource"})
# A collector part's name: a record property, as the contract names columns.
PART_NAME = re.compile(r"^[a-z][a-z0-9]*$")
PRINT_VIEW_NAME = re.compile(r"^[a-z][a-z0-9]*$")


@dataclass(frozen=True)
class PluginParts:
    """What a plugin's data hooks returned, checked; the app wires these."""

    models: tuple[type[Base], ...]
    blueprint: Blueprint | None
    resources: tuple[Resource, ...]
    navigation: tuple[NavigationItem, ...]
    searchable: dict[type[Base], tuple[tuple[str, int], ...]]
    widgets: tuple[DashboardWidget, ...]
    collector_schema: CollectorSchema | None
    cli_commands: tuple[click.Command, ...]
    # Built from collector_schema and the resource it writes through.
    collector: Collector | None = None
    # Parts of other plugins' collector records this plugin writes.
    collector_parts: tuple[CollectorPart, ...] = ()
    printviews: tuple[PrintView, ...] = ()
    # Web UI contributions: list columns and detail panels.
    listcolumns: tuple[ListColumn, ...] = ()
    panels: tuple[DetailPanel, ...] = ()


def collect_parts(plugin: BasePlugin) -> PluginParts:
    """Run every data hook once; raise on the first that breaks the contract."""
    name = plugin.meta.name
    models = _models(name, _call(plugin, "get_models"))
    resources = _resources(name, _call(plugin, "get_resources"), models)
    collector_schema = _collector_schema(name, _call(plugin, "get_collector_schema"), resources)
    return PluginParts(
        models=models,
        blueprint=_blueprint(name, _call(plugin, "get_blueprint")),
        resources=resources,
        navigation=_items(
            name,
            "get_navigation_items",
            _call(plugin, "get_navigation_items"),
            NavigationItem,
            _check_navigation,
        ),
        searchable=_searchable(name, _call(plugin, "get_searchable_fields"), models),
        widgets=_items(
            name,
            "get_dashboard_widgets",
            _call(plugin, "get_dashboard_widgets"),
            DashboardWidget,
            _check_widget,
        ),
        collector_schema=collector_schema,
        cli_commands=_items(
            name,
            "get_cli_commands",
            _call(plugin, "get_cli_commands"),
            click.Command,
            _check_command,
        ),
        collector=_collector(name, collector_schema, resources),
        collector_parts=_collector_parts(
            name, plugin.meta.dependencies, _call(plugin, "get_collector_parts")
        ),
        printviews=_printviews(name, _call(plugin, "get_print_views")),
        listcolumns=_listcolumns(name, _call(plugin, "get_list_columns")),
        panels=_panels(name, _call(plugin, "get_detail_panels")),
    )


def _call(plugin: BasePlugin, hook: str) -> Any:
    try:
        return getattr(plugin, hook)()
    except Exception as error:
        raise PluginContractError(
            plugin.meta.name, f"{hook}() raised {type(error).__name__}: {error}"
        ) from error


def _fail(plugin: str, hook: str, problem: str) -> PluginContractError:
    return PluginContractError(plugin, f"{hook}() {problem}")


def _sequence(plugin: str, hook: str, value: Any, what: str) -> Sequence[Any]:
    if not isinstance(value, list | tuple):
        raise _fail(plugin, hook, f"must return a list of {what}, not {type(value).__name__}.")
    return value


def _items(
    plugin: str,
    hook: str,
    value: Any,
    kind: type[T],
    check: Callable[[str, str, T], None],
) -> tuple[T, ...]:
    items = _sequence(plugin, hook, value, kind.__name__)
    for position, item in enumerate(items):
        if not isinstance(item, kind):
            raise _fail(
                plugin,
                hook,
                f"returned a {type(item).__name__} at position {position}; "
                f"it must return {kind.__name__} values only.",
            )
        check(plugin, hook, item)
    return tuple(items)


# Models and resources ----------------------------------------------------------


def _models(plugin: str, value: Any) -> tuple[type[Base], ...]:
    hook = "get_models"
    models = _sequence(plugin, hook, value, "model classes")
    for model in models:
        if not (isinstance(model, type) and issubclass(model, Base)):
            raise _fail(
                plugin,
                hook,
                f"returned {model!r}; it must return model classes that subclass shopdb.api.Base.",
            )
        mapper = inspect(model, raiseerr=False)
        if not isinstance(mapper, Mapper) or not isinstance(
            getattr(model, "__table__", None), Table
        ):
            raise _fail(plugin, hook, f"returned {model.__name__}, which maps no table.")
    if len(set(models)) != len(models):
        raise _fail(plugin, hook, "returned a model twice.")
    return tuple(models)


def _blueprint(plugin: str, value: Any) -> Blueprint | None:
    if value is not None and not isinstance(value, Blueprint):
        raise _fail(
            plugin,
            "get_blueprint",
            f"must return a Flask or flask-smorest Blueprint or None, not {type(value).__name__}.",
        )
    return value


def _resources(plugin: str, value: Any, models: Sequence[type[Base]]) -> tuple[Resource, ...]:
    hook = "get_resources"
    resources = _sequence(plugin, hook, value, "Resource declarations")
    for resource in resources:
        if not isinstance(resource, Resource):
            raise _fail(
                plugin,
                hook,
                f"returned a {type(resource).__name__}; it must return shopdb.api.Resource "
                "declarations.",
            )
        if resource.model not in models:
            raise _fail(
                plugin,
                hook,
                f"declares the resource {resource.name!r} over {resource.model.__name__}, "
                "which is not one of the plugin's models (get_models()).",
            )
    return tuple(resources)


def _searchable(
    plugin: str, value: Any, models: Sequence[type[Base]]
) -> dict[type[Base], tuple[tuple[str, int], ...]]:
    hook = "get_searchable_fields"
    if not isinstance(value, dict):
        raise _fail(
            plugin,
            hook,
            f"must return a dict model -> [(field, weight)], not {type(value).__name__}.",
        )
    checked = {}
    for model, fields in value.items():
        if model not in models:
            raise _fail(plugin, hook, f"names {model!r}, which is not one of the plugin's models.")
        columns = set(inspect(model).columns.keys())
        for entry in _sequence(plugin, hook, fields, "(field, weight) pairs"):
            if not (
                isinstance(entry, tuple)
                and len(entry) == 2
                and isinstance(entry[0], str)
                and isinstance(entry[1], int)
                and not isinstance(entry[1], bool)
            ):
                raise _fail(
                    plugin, hook, f"gave {entry!r} for {model.__name__}; use (field, weight)."
                )
            field, weight = entry
            if field not in columns:
                raise _fail(plugin, hook, f"names {model.__name__}.{field}, which is no column.")
            if weight < 1:
                raise _fail(plugin, hook, f"gives {model.__name__}.{field} a weight below 1.")
        checked[model] = tuple(fields)
    return checked


# Contributions ----------------------------------------------------------------


def _check_navigation(plugin: str, hook: str, item: NavigationItem) -> None:
    if not (isinstance(item.label, str) and item.label.strip()):
        raise _fail(plugin, hook, f"returned a navigation item without a label: {item!r}.")
    if not (isinstance(item.url, str) and item.url.startswith("/")):
        raise _fail(
            plugin,
            hook,
            f"returned {item.label!r} with url {item.url!r}; "
            "use a path on this site starting with '/'.",
        )
    if not isinstance(item.icon, str) or not _is_int(item.order):
        raise _fail(
            plugin, hook, f"returned {item.label!r} with a non-text icon or a non-integer order."
        )


def _check_widget(plugin: str, hook: str, widget: DashboardWidget) -> None:
    for field in ("name", "title", "template"):
        value = getattr(widget, field)
        if not (isinstance(value, str) and value.strip()):
            raise _fail(plugin, hook, f"returned a widget whose {field} is not text: {widget!r}.")
    if not _is_int(widget.order):
        raise _fail(plugin, hook, f"returned the widget {widget.name!r} with a non-integer order.")
    if widget.context is not None and not callable(widget.context):
        raise _fail(
            plugin,
            hook,
            f"returned the widget {widget.name!r} with a context that cannot be called.",
        )


def _printviews(plugin: str, value: Any) -> tuple[PrintView, ...]:
    views = _items(plugin, "get_print_views", value, PrintView, _check_printview)
    names = [view.name for view in views]
    doubled = sorted({name for name in names if names.count(name) > 1})
    if doubled:
        raise _fail(plugin, "get_print_views", f"returned the view name(s) {doubled} twice.")
    return views


def _check_printview(plugin: str, hook: str, view: PrintView) -> None:
    if not (isinstance(view.name, str) and PRINT_VIEW_NAME.match(view.name)):
        raise _fail(
            plugin,
            hook,
            f"returned a view named {view.name!r}; a view name is lowercase letters and "
            "digits, starting with a letter (it is part of the url).",
        )
    for field in ("label", "template"):
        value = getattr(view, field)
        if not (isinstance(value, str) and value.strip()):
            raise _fail(plugin, hook, f"returned the view {view.name!r} whose {field} is not text.")
    if not callable(view.context):
        raise _fail(
            plugin, hook, f"returned the view {view.name!r} with a context that cannot be called."
        )
    if not _is_int(view.maxids) or view.maxids < 1:
        raise _fail(plugin, hook, f"returned the view {view.name!r} with a maxids below 1.")


# Web UI contributions: the names are part of element ids and addresses.
UI_NAME = re.compile(r"^[a-z][a-z0-9]*$")


def _listcolumns(plugin: str, value: Any) -> tuple[ListColumn, ...]:
    hook = "get_list_columns"
    columns = _items(plugin, hook, value, ListColumn, _check_listcolumn)
    keys = [(column.resource, column.name) for column in columns]
    doubled = sorted(
        {f"{resource}.{name}" for resource, name in keys if keys.count((resource, name)) > 1}
    )
    if doubled:
        raise _fail(plugin, hook, f"returned the column(s) {doubled} twice.")
    return columns


def _check_listcolumn(plugin: str, hook: str, column: ListColumn) -> None:
    _check_ui_names(plugin, hook, "column", column.resource, column.name)
    if not (isinstance(column.label, str) and column.label.strip()):
        raise _fail(plugin, hook, f"returned the column {column.name!r} whose label is not text.")
    if not callable(column.values):
        raise _fail(
            plugin, hook, f"returned the column {column.name!r} with values that cannot be called."
        )
    if not _is_int(column.order):
        raise _fail(plugin, hook, f"returned the column {column.name!r} with a non-integer order.")


def _panels(plugin: str, value: Any) -> tuple[DetailPanel, ...]:
    hook = "get_detail_panels"
    panels = _items(plugin, hook, value, DetailPanel, _check_panel)
    names = [panel.name for panel in panels]
    doubled = sorted({name for name in names if names.count(name) > 1})
    if doubled:
        raise _fail(plugin, hook, f"returned the panel name(s) {doubled} twice.")
    return panels


def _check_panel(plugin: str, hook: str, panel: DetailPanel) -> None:
    _check_ui_names(plugin, hook, "panel", panel.resource, panel.name)
    for field in ("title", "template"):
        value = getattr(panel, field)
        if not (isinstance(value, str) and value.strip()):
            raise _fail(
                plugin, hook, f"returned the panel {panel.name!r} whose {field} is not text."
            )
    if not callable(panel.context):
        raise _fail(
            plugin, hook, f"returned the panel {panel.name!r} with a context that cannot be called."
        )
    if not _is_int(panel.order):
        raise _fail(plugin, hook, f"returned the panel {panel.name!r} with a non-integer order.")


def _check_ui_names(plugin: str, hook: str, what: str, resource: Any, name: Any) -> None:
    if not (isinstance(resource, str) and UI_NAME.match(resource)):
        raise _fail(
            plugin,
            hook,
            f"returned a {what} for the resource {resource!r}; name a resource (lowercase "
            "letters and digits, such as 'assets').",
        )
    if not (isinstance(name, str) and UI_NAME.match(name)):
        raise _fail(
            plugin,
            hook,
            f"returned a {what} named {name!r}; a {what} name is lowercase letters and digits, "
            "starting with a letter.",
        )


def _check_command(plugin: str, hook: str, command: click.Command) -> None:
    if not command.name:
        raise _fail(plugin, hook, "returned a click command without a name.")


def _collector_schema(
    plugin: str, value: Any, resources: Sequence[Resource]
) -> CollectorSchema | None:
    """The schema's shape, and the resource it writes through, filled in."""
    hook = "get_collector_schema"
    if value is None:
        return None
    if not (
        isinstance(value, dict)
        and COLLECTOR_KEYS <= set(value) <= COLLECTOR_KEYS | COLLECTOR_OPTIONAL_KEYS
    ):
        raise _fail(
            plugin,
            hook,
            'must return None or {"identityfield": <field>, "fields": <JSON Schema>} '
            f'(and optionally "resource": <resource name>), not {value!r}.',
        )
    identity, fields = value["identityfield"], value["fields"]
    if not (isinstance(identity, str) and identity):
        raise _fail(plugin, hook, "gives an identityfield that is not a field name.")
    properties = fields.get("properties") if isinstance(fields, dict) else None
    if not (
        isinstance(fields, dict) and fields.get("type") == "object" and isinstance(properties, dict)
    ):
        raise _fail(
            plugin,
            hook,
            'gives "fields" that are not a JSON Schema of type object with "properties".',
        )
    if identity not in properties:
        raise _fail(plugin, hook, f"names the identity field {identity!r}, which the schema lacks.")
    resource = _collector_resource(plugin, hook, value.get("resource"), resources)
    return CollectorSchema(identityfield=identity, fields=fields, resource=resource.name)


def _collector_resource(
    plugin: str, hook: str, named: Any, resources: Sequence[Resource]
) -> Resource:
    """The named resource; else the only asset extension, else the only resource."""
    names = ", ".join(repr(resource.name) for resource in resources) or "none"
    if named is not None:
        found = [resource for resource in resources if resource.name == named]
        if not found:
            raise _fail(
                plugin,
                hook,
                f"names the resource {named!r}, which is not one of the plugin's resources "
                f"(get_resources(): {names}).",
            )
        return found[0]
    if not resources:
        raise _fail(
            plugin,
            hook,
            "gives a collector schema, but the plugin has no resource for pushes to write "
            "through; declare one in get_resources().",
        )
    candidates = [resource for resource in resources if resource.asset_type] or list(resources)
    if len(candidates) > 1:
        raise _fail(
            plugin,
            hook,
            f"does not say which resource pushes write through ({names}); add "
            '"resource": <name> to the collector schema.',
        )
    return candidates[0]


def _collector(
    plugin: str, schema: CollectorSchema | None, resources: Sequence[Resource]
) -> Collector | None:
    if schema is None:
        return None
    (resource,) = [resource for resource in resources if resource.name == schema["resource"]]
    try:
        return Collector(plugin, resource, schema["identityfield"], schema["fields"])
    except ValueError as error:
        raise _fail(plugin, "get_collector_schema", f"is refused: {error}") from None


def _collector_parts(
    plugin: str, dependencies: Sequence[str], value: Any
) -> tuple[CollectorPart, ...]:
    """Each part's shape; whether its collector exists is known at app start."""
    seen: set[tuple[str, str]] = set()

    def check(plugin: str, hook: str, part: CollectorPart) -> None:
        if part.collector not in dependencies:
            raise _fail(
                plugin,
                hook,
                f"adds {part.name!r} to the collector of {part.collector!r}, which is not one of "
                f'the manifest\'s dependencies; add {part.collector!r} to "dependencies".',
            )
        if not (isinstance(part.name, str) and PART_NAME.match(part.name)):
            raise _fail(
                plugin,
                hook,
                f"names a part {part.name!r}; use lowercase letters and digits, run together.",
            )
        if (part.collector, part.name) in seen:
            raise _fail(plugin, hook, f"returned the part {part.name!r} twice.")
        seen.add((part.collector, part.name))
        if not isinstance(part.schema, dict):
            raise _fail(plugin, hook, f"gives the part {part.name!r} a schema that is no dict.")
        try:
            Draft202012Validator.check_schema(part.schema)
        except SchemaError as error:
            raise _fail(
                plugin,
                hook,
                f"gives the part {part.name!r} an invalid JSON Schema (Draft 2020-12): "
                f"{error.message}",
            ) from None
        if not callable(part.write):
            raise _fail(plugin, hook, f"gives the part {part.name!r} a writer that is no callable.")

    return _items(plugin, "get_collector_parts", value, CollectorPart, check)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
