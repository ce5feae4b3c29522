"""Site settings as typed forms: a check box for a boolean, a number field
(with its bounds) for a number, a list for a setting with choices, a text
field for text, JSON text for a plugin's undeclared value.

The form's text is turned into the value's type here; the declaration
(`shopdb.services.settings`) then checks it in the settings resource's
`save`, as PATCH /api/settings does, and its message is shown beside the
field that was sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, redirect, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from shopdb.database import get_session
from shopdb.errors import ConflictError, InvalidInputError
from shopdb.models import Setting
from shopdb.services.settings import DEFINITIONS, SettingDefinition
from shopdb.web.admin.common import problems, require_admin, save, status
from shopdb.web.site import current_site

UNDECLARED = SettingDefinition("", "json", None, "A plugin's setting (any JSON value)")


@dataclass
class SettingControl:
    settingid: int | None
    key: str
    definition: SettingDefinition
    value: Any
    widget: str  # checkbox, number, decimal, select, text, json
    errors: list[str]

    @property
    def shown(self) -> str:
        """The value as its control shows it."""
        if self.widget == "json":
            return json.dumps(self.value, indent=2)
        return "" if self.value is None else str(self.value)


def widget(definition: SettingDefinition) -> str:
    if definition.valuetype == "boolean":
        return "checkbox"
    if definition.valuetype == "integer":
        return "number"
    if definition.valuetype == "number":
        return "decimal"
    if definition.valuetype == "string":
        return "select" if definition.choices else "text"
    return "json"


def controls(
    rows: list[Setting], errors: dict[str, list[str]], posted: dict[str, str]
) -> list[SettingControl]:
    found = []
    for row in rows:
        definition = DEFINITIONS.get(row.setting, UNDECLARED)
        try:
            value = None if row.value is None else json.loads(row.value)
        except ValueError:  # stored beside the API: shown as it is, to fix
            value = row.value
        control = SettingControl(
            row.settingid,
            row.setting,
            definition,
            value,
            widget(definition),
            errors.get(row.setting, []),
        )
        if row.setting in posted:  # what was sent, to fix
            control.value = posted[row.setting]
            if control.widget == "json":
                control.widget = "jsontext"
        found.append(control)
    return found


def page(
    errors: dict[str, list[str]] | None = None,
    posted: dict[str, str] | None = None,
    code: int = 200,
) -> ResponseReturnValue:
    rows = list(get_session().scalars(select(Setting).order_by(Setting.setting)))
    stored = {row.setting for row in rows}
    missing = sorted(key for key in DEFINITIONS if key not in stored)
    return current_site().page(
        "web/admin/settings.html",
        status=code,
        controls=controls(rows, errors or {}, posted or {}),
        missing=[DEFINITIONS[key] for key in missing],
    )


def typed(definition: SettingDefinition, form: Any) -> Any:
    """The posted value in the setting's type, or a ValueError saying what
    to type instead."""
    if definition.valuetype == "boolean":
        return form.get("value") == "true"
    text = form.get("value", "")
    if definition.valuetype == "integer":
        try:
            return int(text.strip())
        except ValueError:
            raise ValueError(f"Enter a whole number, not {text!r}.") from None
    if definition.valuetype == "number":
        try:
            return float(text.strip())
        except ValueError:
            raise ValueError(f"Enter a number, not {text!r}.") from None
    if definition.valuetype == "json":
        try:
            return json.loads(text)
        except ValueError as error:
            raise ValueError(f"Not valid JSON: {error}.") from None
    return text.strip()


def change(settingid: int) -> ResponseReturnValue:
    require_admin()
    session = get_session()
    row = session.get(Setting, settingid)
    if row is None:
        return current_site().error(404, f"There is no settings row with id {settingid}.")
    key = row.setting
    definition = DEFINITIONS.get(key, UNDECLARED)
    posted = {key: request.form.get("value", "")}
    try:
        value = typed(definition, request.form)
    except ValueError as error:
        return page({key: [str(error)]}, posted, 400)
    try:
        save("settings", {"setting": key, "value": value}, settingid)
    except (InvalidInputError, ConflictError) as error:
        messages = [message for each in problems(error).values() for message in each]
        return page({key: list(dict.fromkeys(messages))}, posted, status(error))
    flash(f"Saved the setting {key}.", "success")
    return redirect(f"/admin/settings#setting-{key}", 303)


def settings() -> ResponseReturnValue:
    require_admin()
    return page()


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/admin/settings", "adminsettings", settings)
    blueprint.add_url_rule(
        "/admin/settings/<int:settingid>", "adminsetting", change, methods=["POST"]
    )
