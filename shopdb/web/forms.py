"""Create and edit forms generated from a resource's input schema.

The schema that validates the REST API's input decides the form: which
fields there are, which are required, their types and lengths. The form
turns what the browser posts (text) into the JSON types that schema takes
(numbers, true/false, null) and nothing more, so `Resource.save` validates a
form exactly as it validates an API body, and each error it names is shown
beside its field. A resource's nested parts (a PC's network interfaces) are
edited in place as rows of fields (`NestedRows`), sent as the list (or
object) the API takes in the same save; other fields whose value is an
object or a list (a setting's JSON value) are edited as JSON text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Text
from werkzeug.datastructures import MultiDict

from shopdb.resources.definition import Resource
from shopdb.resources.nested import NestedPart
from shopdb.web.lookups import Lookups, Reference, title_field
from shopdb.web.words import field_label

# The form field holding the CSRF value (config: JWT_CSRF_REQUEST_FORM_ACCESS_FIELD_NAME).
CSRF_FIELD = "csrf_token"
# Texts longer than this (or without a length) get a text area.
LONG_TEXT = 255
# The hidden field holding the record's version when its edit form was made.
VERSION_FIELD = "_version"
# A nested part's rows post as <part>-<row>-<field>; <part>-rows marks the editor.
ROW_FIELD = re.compile(r"(?P<part>[a-z0-9]+)-(?P<row>\d+)-(?P<field>[a-z0-9_]+)")
REMOVE = "_remove"
# A bulk field's choice that empties the field on every selected record.
CLEAR = "_none"


@dataclass
class RowColumn:
    """One field of a nested part's rows."""

    name: str
    label: str
    widget: str
    required: bool = False
    nullable: bool = True
    maxlength: int | None = None
    options: list[tuple[Any, str]] | None = None


@dataclass
class NestedRows:
    """A nested part as rows of fields: the columns, each row's values as
    shown, and the errors of each row (by field) and of the part."""

    many: bool
    columns: list[RowColumn]
    rows: list[dict[str, Any]] = field(default_factory=list)
    rowerrors: dict[int, dict[str, list[str]]] = field(default_factory=dict)


@dataclass
class FormField:
    """One control of a generated form, with its value as the browser shows it."""

    name: str
    label: str
    widget: str  # text, textarea, password, number, decimal, checkbox, date, datetime, select, json
    required: bool = False
    nullable: bool = True
    maxlength: int | None = None
    value: Any = ""
    options: list[tuple[Any, str]] | None = None
    remote: str = ""  # the REST list a large lookup searches
    remotelabel: str = ""  # the label field of the rows it returns
    remotekey: str = ""
    help: str = ""
    errors: list[str] = field(default_factory=list)
    nested: NestedRows | None = None

    @property
    def checked(self) -> bool:
        return self.value is True


def _maxlength(schema_field: fields.Field) -> int | None:
    for check in schema_field.validators:
        if isinstance(check, validate.Length) and check.max is not None:
            return check.max
    return None


def _widget(resource: Resource, name: str, schema_field: fields.Field, lookup: bool) -> str:
    if name in resource.nesting:
        return "rows"
    return _field_widget(resource.columns, name, schema_field, lookup)


def _field_widget(
    columns: Mapping[str, Any], name: str, schema_field: fields.Field, lookup: bool
) -> str:
    if isinstance(schema_field, fields.Nested | fields.List | fields.Dict):
        return "json"
    if lookup:
        return "select"
    if isinstance(schema_field, fields.Boolean):
        return "checkbox"
    if isinstance(schema_field, fields.Integer):
        return "number"
    if isinstance(schema_field, fields.Float | fields.Decimal):
        return "decimal"
    if isinstance(schema_field, fields.DateTime):
        return "datetime"
    if isinstance(schema_field, fields.Date):
        return "date"
    if isinstance(schema_field, fields.String):
        if schema_field.load_only:
            return "password"
        column = columns.get(name)
        length = _maxlength(schema_field)
        if (column is not None and isinstance(column.type, Text)) or (
            length is None or length > LONG_TEXT
        ):
            return "textarea"
        return "text"
    return "json"  # anything else (a setting's value): JSON text


def _shown(widget: str, value: Any) -> Any:
    """A stored value as its control shows it."""
    if value is None:
        return False if widget == "checkbox" else ""
    if widget == "checkbox":
        return bool(value)
    if widget == "json":
        return json.dumps(value, indent=2, ensure_ascii=True)
    if widget == "datetime":
        text = value.isoformat() if isinstance(value, datetime) else str(value)
        return text[:19].replace(" ", "T")  # naive UTC, as the input shows it
    if widget == "date":
        return value.isoformat() if isinstance(value, date) else str(value)
    return value


def _writable(schema_field: fields.Field, value: Any) -> Any:
    """A nested part's stored rows with only the fields its input takes
    (not their ids), so that an unchanged form sends back what it got."""
    inner = schema_field.inner if isinstance(schema_field, fields.List) else schema_field
    nested = getattr(inner, "schema", None) if isinstance(inner, fields.Nested) else None
    if nested is None:
        return value
    accepted = {key for key, each in nested.fields.items() if not each.dump_only}

    def keep(row: Any) -> Any:
        if not isinstance(row, dict):
            return row
        return {key: each for key, each in row.items() if key in accepted}

    return [keep(row) for row in value] if isinstance(value, list) else keep(value)


def _default(resource: Resource, name: str) -> Any:
    column = resource.columns.get(name)
    default = getattr(column, "default", None)
    arg = getattr(default, "arg", None)
    return arg if isinstance(arg, bool | int | float | str) else None


class ResourceForm:
    """The create or the edit form of one resource."""

    def __init__(self, resource: Resource, lookups: Lookups, *, creating: bool) -> None:
        self.resource = resource
        self.creating = creating
        self.references: dict[str, Reference] = lookups.of(resource)
        self.lookups = lookups
        schema: Schema = (
            resource.schemas.create() if creating else resource.schemas.update(partial=True)
        )
        self.schema_fields = schema.fields
        names = dict.fromkeys(resource.form_fields)  # each once, in declared order
        self.names = [name for name in names if name in self.schema_fields]
        # Shown but fixed once created (an asset's number on some resources).
        self.fixed = [name for name in names if name not in self.schema_fields]

    def fields(
        self,
        session: Any,
        values: Mapping[str, Any],
        errors: Mapping[str, Any] | None = None,
        posted: MultiDict | None = None,
        only: Collection[str] | None = None,
    ) -> list[FormField]:
        """The controls (`only` those named), filled with `values` (stored,
        or defaults) or with what was `posted`, and the errors of the last
        attempt."""
        errors = errors or {}
        built = []
        for name in self.names:
            if only is not None and name not in only:
                continue
            schema_field = self.schema_fields[name]
            reference = self.references.get(name)
            widget = _widget(self.resource, name, schema_field, reference is not None)
            control = FormField(
                name=name,
                label=field_label(name, reference is not None),
                widget=widget,
                required=bool(schema_field.required),
                nullable=bool(schema_field.allow_none),
                maxlength=_maxlength(schema_field),
                help=str(schema_field.metadata.get("description", "")),
                errors=_messages(errors.get(name)),
            )
            if widget == "rows":
                control.nested = self._rows(session, name, values, errors.get(name), posted)
                control.errors = _part_messages(errors.get(name))
                part = self.resource.nesting[name]
                control.help = (
                    f"Rows are matched by {', '.join(field_label(key) for key in part.key)}; "
                    "an empty row is left out."
                    if part.many
                    else "Leave every field empty for none."
                )
            elif posted is not None and widget != "password":
                control.value = name in posted if widget == "checkbox" else posted.get(name, "")
            elif widget != "password":
                value = _writable(schema_field, values.get(name))
                if self.creating and value is None:
                    value = _default(self.resource, name)
                control.value = _shown(widget, value)
            if widget == "json" and not control.help:
                control.help = "JSON; leave empty to keep as it is."
            if reference is not None:
                control.help = ""  # the API's note on sending a name instead
                self._choices(session, control, reference)
            built.append(control)
        return built

    def _choices(self, session: Any, control: FormField, reference: Reference) -> None:
        options = self.lookups.options(session, reference)
        if options is not None:
            control.options = options
            return
        # Too many to list: the current one, then search as the user types.
        control.remote = f"/api/{reference.target.name}"
        control.remotekey = reference.key.key
        control.remotelabel = reference.label.key
        current = control.value
        label = None
        if current not in ("", None):
            try:
                label = self.lookups.label_of(session, reference, int(current))
            except ValueError:
                label = None
        control.options = [(current, label or str(current))] if label else []

    def read(self, form: MultiDict) -> tuple[dict[str, Any], dict[str, list[str]]]:
        """The posted form as the JSON body the API would take, and the
        fields that could not even be read (JSON that does not parse)."""
        raw: dict[str, Any] = {}
        problems: dict[str, list[str]] = {}
        for name in self.names:
            schema_field = self.schema_fields[name]
            widget = _widget(self.resource, name, schema_field, name in self.references)
            if widget == "rows":
                if f"{name}-rows" in form:  # the editor was on the page
                    rows = [row for _index, row in self._posted_rows(name, form)]
                    many = self.resource.nesting[name].many
                    raw[name] = rows if many else (rows[0] if rows else None)
                continue
            if widget == "checkbox":
                raw[name] = name in form
                continue
            text = form.get(name, "")
            if widget not in {"textarea", "json"}:
                text = text.strip()
            if text == "":
                if widget in ("password", "json"):
                    continue  # left empty: unchanged (or missing, when required)
                if self.creating:
                    if schema_field.required:
                        raw[name] = "" if widget in ("text", "textarea") else None
                    continue
                raw[name] = None if schema_field.allow_none else ""
                continue
            if widget == "json":
                try:
                    raw[name] = json.loads(text)
                except ValueError as error:
                    problems[name] = [f"Not valid JSON: {error}."]
                continue
            raw[name] = _typed(widget, text)
        return raw, problems

    # Many records at once ---------------------------------------------------------

    def bulk_fields(self, session: Any) -> list[FormField]:
        """The controls of the resource's `bulk` fields for a list's action
        bar: each starts at "unchanged"; a yes/no field is a choice of three."""
        controls = []
        for control in self.fields(session, {}, only=set(self.resource.bulk or ())):
            if control.widget == "checkbox":
                control.widget = "select"
                control.options = [("true", "yes"), ("false", "no")]
                control.nullable = False
            control.value = ""
            controls.append(control)
        return controls

    def read_bulk(self, form: MultiDict) -> dict[str, Any]:
        """The bulk fields given a value (a field left at "unchanged" is not
        sent; "(none)" clears a field that may be empty), as the API's body."""
        raw: dict[str, Any] = {}
        for name in self.resource.bulk or ():
            if name not in self.schema_fields:
                continue
            text = form.get(name, "").strip()
            if text == "":
                continue
            if text == CLEAR:
                raw[name] = None
                continue
            schema_field = self.schema_fields[name]
            widget = _widget(self.resource, name, schema_field, name in self.references)
            if widget == "checkbox":
                raw[name] = text == "true"
            else:
                raw[name] = _typed(widget, text)
        return raw

    # Nested parts -------------------------------------------------------------

    def row_columns(self, name: str, session: Any = None) -> list[RowColumn]:
        """The fields of a nested part's rows; a field that points at a small
        lookup table is a select of its rows by name (given a `session`)."""
        part = self.resource.nesting[name]
        schema_fields = part.create_schema().fields
        columns = []
        for key, each in schema_fields.items():
            reference = self._row_reference(part, key)
            widget = _field_widget(part.columns, key, each, reference is not None)
            column = RowColumn(
                name=key,
                label=field_label(key, reference is not None),
                widget="text" if widget == "textarea" else widget,
                required=bool(each.required),
                nullable=bool(each.allow_none),
                maxlength=_maxlength(each),
            )
            if reference is not None and session is not None:
                column.options = self.lookups.options(session, reference)
                if column.options is None:
                    column.widget = "number"  # too many to list: the id
            columns.append(column)
        return columns

    def _row_reference(self, part: NestedPart, name: str) -> Reference | None:
        """The lookup a nested row's field points at, when a resource serves
        that table and names its rows there (not an asset extension's)."""
        for key in part.columns[name].foreign_keys:
            target = self.lookups.by_table.get(key.column.table)  # type: ignore[arg-type]
            if target is None or name == part.foreign_key:
                continue
            label = target.columns[title_field(target)]
            if label.table is key.column.table:
                return Reference(name, target, key.column, label)  # type: ignore[arg-type]
        return None

    def _rows(
        self,
        session: Any,
        name: str,
        values: Mapping[str, Any],
        errors: Any,
        posted: MultiDict | None,
    ) -> NestedRows:
        part: NestedPart = self.resource.nesting[name]
        columns = self.row_columns(name, session)
        if posted is not None and f"{name}-rows" in posted:
            shown = [
                {
                    column.name: (
                        f"{name}-{index}-{column.name}" in posted
                        if column.widget == "checkbox"
                        else posted.get(f"{name}-{index}-{column.name}", "")
                    )
                    for column in columns
                }
                for index, _row in self._posted_rows(name, posted)
            ]
        else:
            stored = _writable(self.schema_fields[name], values.get(name))
            stored = stored if isinstance(stored, list) else ([] if stored is None else [stored])
            shown = [
                {column.name: _shown(column.widget, row.get(column.name)) for column in columns}
                for row in stored
                if isinstance(row, dict)
            ]
        if part.many or not shown:
            shown.append({column.name: "" for column in columns})  # room for one more
        rowerrors: dict[int, dict[str, list[str]]] = {}
        if isinstance(errors, dict):
            for key, each in errors.items():
                index = _index(key)
                if index is not None and isinstance(each, dict):
                    rowerrors[index] = {field: _messages(text) for field, text in each.items()}
                elif not part.many and not str(key).startswith("_") and _index(key) is None:
                    rowerrors.setdefault(0, {})[str(key)] = _messages(each)
        return NestedRows(part.many, columns, shown, rowerrors)

    def _posted_rows(self, name: str, form: MultiDict) -> list[tuple[int, dict[str, Any]]]:
        """The rows of a nested part's editor as the API takes them, with
        their row numbers on the page; a row left blank or marked for removal
        is not sent (a one-row part left blank is null: no row)."""
        columns = self.row_columns(name)
        indices = sorted(
            {
                int(match["row"])
                for key in form
                if (match := ROW_FIELD.fullmatch(key)) and match["part"] == name
            }
        )
        rows = []
        for index in indices:
            if f"{name}-{index}-{REMOVE}" in form:
                continue
            row: dict[str, Any] = {}
            blank = True
            for column in columns:
                key = f"{name}-{index}-{column.name}"
                if column.widget == "checkbox":
                    row[column.name] = key in form
                    continue
                text = form.get(key, "").strip()
                if text == "":
                    if not column.required and column.nullable:
                        row[column.name] = None
                    continue
                blank = False
                if column.widget == "json":
                    try:
                        row[column.name] = json.loads(text)
                    except ValueError:
                        row[column.name] = text
                else:
                    row[column.name] = _typed(column.widget, text)
            if not blank:
                rows.append((index, row))
        return rows


def _index(key: Any) -> int | None:
    if isinstance(key, int):
        return key
    return int(key) if isinstance(key, str) and key.isdigit() else None


def _part_messages(value: Any) -> list[str]:
    """A nested part's errors that belong to no one row (the list as a
    whole, or the part of a record)."""
    if isinstance(value, dict):
        return [
            message
            for key, each in value.items()
            if _index(key) is None and str(key).startswith("_")
            for message in _messages(each)
        ]
    return _messages(value)


def _typed(widget: str, text: str) -> Any:
    """Numbers as numbers; anything that does not read as one is sent as
    typed, so that the schema names the problem as the API would."""
    try:
        if widget in ("number", "select"):
            return int(text)
        if widget == "decimal":
            return float(text)
    except ValueError:
        return text
    return text


def _messages(value: Any) -> list[str]:
    """An error entry (a list, or a dict for a nested field) as sentences."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [message for each in value for message in _messages(each)]
    if isinstance(value, dict):
        return [
            f"{key}: {message}" if not str(key).startswith("_") else message
            for key, each in value.items()
            for message in _messages(each)
        ]
    return [str(value)]


def general_errors(errors: Mapping[str, Any], shown: list[str]) -> list[str]:
    """Errors about fields the form does not show (or the whole record)."""
    return [
        message if name.startswith("_") else f"{field_label(name)}: {message}"
        for name, value in errors.items()
        if name not in shown
        for message in _messages(value)
    ]
