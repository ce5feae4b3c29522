"""Typed site settings.

Every setting is declared once with its type, default and description; the
stored value is JSON text. Plugins get the namespace `plugin.<name>.<key>` and
may store any JSON value there without declaring it first. The declaration is
what the server checks a write against and what the OpenAPI document says of
the setting (`document_bodies`), so a client built from the document sends
only values the server takes.
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
# Integers as the databases hold them (a plugin may cast one in SQL).
INTEGER_BOUNDS = (-(2**31), 2**31 - 1)
# A string setting's most characters; its JSON text (at most 12 bytes a
# character, escaped) then fits a text column on every database.
MAXIMUM_STRING = 1000
# The most a stored value's JSON text may take (a text column on MySQL).
MAXIMUM_JSON_BYTES = 65_535


@dataclass(frozen=True)
class SettingDefinition:
    key: str
    valuetype: str
    default: Any
    description: str
    minimum: int | float | None = None
    maximum: int | float | None = None
    # A string setting that takes one of these values only (a choice).
    choices: tuple[str, ...] = ()

    def value_schema(self) -> dict[str, Any]:
        """The OpenAPI 3.0 schema of the values this setting takes."""
        if self.valuetype == "json":
            return {"nullable": True, "description": "Any JSON value"}
        schema: dict[str, Any] = {"type": self.valuetype}
        if self.valuetype == "string":
            schema["maxLength"] = MAXIMUM_STRING
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        if self.choices:
            schema["enum"] = list(self.choices)
        return schema


DEFINITIONS: dict[str, SettingDefinition] = {}


def define_setting(
    key: str,
    valuetype: str,
    default: Any,
    description: str,
    *,
    minimum: int | float | None = None,
    maximum: int | float | None = None,
    choices: tuple[str, ...] = (),
) -> None:
    """Declare a setting; the declaration is what validates writes to it.
    An integer setting takes a database integer unless `minimum` and
    `maximum` narrow it further; a string setting with `choices` takes one
    of them only (the admin page offers them as a list)."""
    if valuetype not in VALUE_TYPES:
        raise ValueError(f"unknown setting type {valuetype!r} for {key!r}")
    if (minimum is not None or maximum is not None) and valuetype not in ("integer", "number"):
        raise ValueError(f"the setting {key!r} is a {valuetype}: only numbers take bounds")
    if choices and (valuetype != "string" or default not in choices):
        raise ValueError(f"the setting {key!r}: choices need a string setting whose default is one")
    if valuetype == "integer":
        minimum = INTEGER_BOUNDS[0] if minimum is None else minimum
        maximum = INTEGER_BOUNDS[1] if maximum is None else maximum
    DEFINITIONS[key] = SettingDefinition(
        key, valuetype, default, description, minimum, maximum, tuple(choices)
    )


define_setting("site.name", "string", "ShopDB", "Name of the site, shown in the page header")
define_setting(
    "security.allowanonymousread",
    "boolean",
    False,
    "Let callers who are not signed in read asset data (users, tokens, settings "
    "and the audit log always need a login)",
)
STALE_DAYS_SETTING = "dashboard.staledays"
define_setting(
    STALE_DAYS_SETTING,
    "integer",
    7,
    "The dashboard lists PCs and devices a collector has not reported for this many days",
    minimum=1,
    maximum=3650,
)


def plugin_key(plugin: str, key: str) -> str:
    return f"plugin.{plugin}.{key}"


def _definition(key: str) -> SettingDefinition:
    if key in DEFINITIONS:
        return DEFINITIONS[key]
    if PLUGIN_KEY.match(key):
        return SettingDefinition(key, "json", None, "Plugin setting")
    raise NotFoundError(f"There is no setting {key!r}.")


def _refused(key: str, problem: str) -> InvalidInputError:
    return InvalidInputError(f"The setting {key!r} {problem}.", {"value": [f"{problem}."]})


def coerce(key: str, value: Any) -> Any:
    """Check a value against its setting's declaration, naming the setting
    when it fails (a 400)."""
    definition = _definition(key)
    kind = definition.valuetype
    article = "an" if kind[0] in "aeiou" else "a"
    wrong_bool = isinstance(value, bool) and kind in ("integer", "number")
    if wrong_bool or not isinstance(value, VALUE_TYPES[kind]):
        raise _refused(key, f"takes {article} {kind} value, not {json.dumps(value)[:40]}")
    try:
        text = json.dumps(value, allow_nan=False)
    except ValueError:
        raise _refused(key, "takes JSON numbers only, not NaN or Infinity") from None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if definition.minimum is not None and value < definition.minimum:
            raise _refused(key, f"takes at least {definition.minimum}")
        if definition.maximum is not None and value > definition.maximum:
            raise _refused(key, f"takes at most {definition.maximum}")
    if definition.choices and value not in definition.choices:
        raise _refused(key, f"takes one of {', '.join(definition.choices)}")
    if kind == "string" and isinstance(value, str) and len(value) > MAXIMUM_STRING:
        raise _refused(key, f"takes at most {MAXIMUM_STRING} characters")
    if len(text) > MAXIMUM_JSON_BYTES:
        raise _refused(key, f"takes at most {MAXIMUM_JSON_BYTES} bytes of JSON")
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


# The OpenAPI document -----------------------------------------------------------


def document_bodies() -> list[dict[str, Any]]:
    """One body schema per declared setting (`setting` names it, `value` has
    its type), and one for undeclared plugin settings (any JSON value), for
    the `oneOf` of PATCH /api/settings/{id}."""
    declared = sorted(DEFINITIONS.values(), key=lambda definition: definition.key)
    bodies = [
        _body(
            definition.key,
            {"type": "string", "enum": [definition.key]},
            definition.value_schema(),
            definition.description,
        )
        for definition in declared
    ]
    plugin = {"type": "string", "pattern": PLUGIN_KEY.pattern, "maxLength": 150}
    declared_plugin = [each.key for each in declared if PLUGIN_KEY.match(each.key)]
    if declared_plugin:
        plugin["not"] = {"enum": declared_plugin}
    undeclared = SettingDefinition("", "json", None, "")
    bodies.append(
        _body(
            "plugin.<name>.<key>",
            plugin,
            undeclared.value_schema(),
            "A plugin's setting that its plugin did not declare: any JSON value",
        )
    )
    return bodies


def _body(title: str, setting: dict, value: dict, description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "title": title,
        "description": description,
        "required": ["setting", "value"],
        "properties": {"setting": setting, "value": value},
        "additionalProperties": False,
    }
