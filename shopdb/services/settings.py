"""Typed site settings.

Every setting is declared once with its type, default and description; the
stored value is JSON text. Plugins get the namespace `plugin.<name>.<key>` and
may store any JSON value there without declaring it first.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopdb.errors import InvalidInputError, NotFoundError
from shopdb.models import Setting

VALUE_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "json": object,
}
PLUGIN_KEY = re.compile(r"^plugin\.[a-z][a-z0-9]*\.[a-z][a-z0-9_.]*$")


@dataclass(frozen=True)
class SettingDefinition:
    key: str
    valuetype: str
    default: Any
    description: str


DEFINITIONS: dict[str, SettingDefinition] = {}


def define_setting(key: str, valuetype: str, default: Any, description: str) -> None:
    """Declare a setting; the declaration is what validates writes to it."""
    if valuetype not in VALUE_TYPES:
        raise ValueError(f"unknown setting type {valuetype!r} for {key!r}")
    DEFINITIONS[key] = SettingDefinition(key, valuetype, default, description)


define_setting("site.name", "string", "ShopDB", "Name of the site, shown in the page header")
define_setting(
    "security.allowanonymousread",
    "boolean",
    False,
    "Let callers who are not signed in read asset data (users, tokens, settings "
    "and the audit log always need a login)",
)


def plugin_key(plugin: str, key: str) -> str:
    return f"plugin.{plugin}.{key}"


def _definition(key: str) -> SettingDefinition:
    if key in DEFINITIONS:
        return DEFINITIONS[key]
    if PLUGIN_KEY.match(key):
        return SettingDefinition(key, "json", None, "Plugin setting")
    raise NotFoundError(f"There is no setting {key!r}.")


def coerce(key: str, value: Any) -> Any:
    """Check a value against its setting's type, naming the setting when it fails."""
    definition = _definition(key)
    expected = VALUE_TYPES[definition.valuetype]
    wrong_bool = isinstance(value, bool) and definition.valuetype in ("integer", "number")
    if wrong_bool or not isinstance(value, expected):
        raise InvalidInputError(
            f"The setting {key!r} takes a {definition.valuetype} value.",
            {"value": [f"Must be a {definition.valuetype}."]},
        )
    return value


def get_setting(session: Session, key: str, default: Any = None) -> Any:
    row = session.scalar(select(Setting).where(Setting.setting == key))
    if row is None or row.value is None:
        definition = DEFINITIONS.get(key)
        return definition.default if definition and default is None else default
    return json.loads(row.value)


def set_setting(session: Session, key: str, value: Any) -> Setting:
    definition = _definition(key)
    value = coerce(key, value)
    row = session.scalar(select(Setting).where(Setting.setting == key))
    if row is None:
        row = Setting(
            setting=key, valuetype=definition.valuetype, description=definition.description
        )
        session.add(row)
    row.value = json.dumps(value)
    session.flush()
    return row
