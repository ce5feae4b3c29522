"""List queries: filters, free-text search, sort and pagination, declared once
per resource and applied the same way for every caller."""

from __future__ import annotations

import base64
import copy
import json
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from marshmallow import Schema, ValidationError, fields, pre_load, validate
from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    Select,
    UniqueConstraint,
    and_,
    case,
    false,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session

from shopdb.http.envelope import ApiError
from shopdb.models import Location
from shopdb.resources.schemas import INTEGER_RANGE, UtcDateTime, safe_text
from shopdb.resources.searchindex import is_broad, is_indexed, list_condition, list_rank
from shopdb.services.locations import locations_within

if TYPE_CHECKING:
    from shopdb.resources.byname import NameLookup
    from shopdb.resources.definition import Resource
    from shopdb.resources.nested import NestedPart

DEFAULT_PERPAGE = 50
MAXIMUM_PERPAGE = 500
MAXIMUM_PAGE = 1_000_000
RANGED_TYPES = (Integer, Float, Numeric, Date, DateTime)
# Parameters every list takes; no filter may take their names.
LIST_PARAMETERS = ("page", "perpage", "sort", "q", "cursor")
# A cursor is base64 of a few key values; anything longer was not written here.
MAXIMUM_CURSOR = 2000
# Query parameters are lowercase letters and digits, run together.
PARAMETER_NAME = re.compile(r"[a-z][a-z0-9]*")
# Values one repeated filter parameter may carry (an IN list stays small).
MAXIMUM_VALUES = 100
# The longest text a filter or `q` takes.
MAXIMUM_TEXT = 200
# A list that filters by `locationid` also takes `withinlocationid`.
LOCATION_FILTER = "locationid"
WITHIN_FILTER = "withinlocationid"


# Declared filters and search fields -----------------------------------------------
# A resource names the fields it filters and searches by; these are bound to
# their columns once, when the resource is declared, so that a wrong name
# fails at start and every list request reads the same bindings.


@dataclass(frozen=True, eq=False)
class Target:
    """A field a list filters or searches by: a column (or computed field) of
    the resource, or a column of the child rows of one of its nested parts
    (`interfaces.macaddress`).

    `kind` is the field's type from `field_rules` (`MacAddress()`), which
    turns a query value into the stored spelling, or None."""

    path: str
    column: Column | ColumnElement[Any]
    kind: fields.Field | None
    part: NestedPart | None

    @property
    def ranged(self) -> bool:
        kind = self.column.type
        return isinstance(kind, RANGED_TYPES) and not isinstance(kind, Boolean)

    def spellings(self, text: str) -> list[str]:
        """`text` and, when the field's type reads it as a value of its own
        (a MAC address written with dashes), the stored spelling of that value."""
        found = [text]
        canonical = getattr(self.kind, "canonical", None)
        if canonical is not None:
            try:
                stored = canonical(text.strip())
            except ValidationError:
                return found
            if stored.lower() != text.lower():
                found.append(stored)
        return found


@dataclass(frozen=True, eq=False)
class Conditions:
    """A filter whose values name conditions instead of comparing one field:
    `filters=(("state", Conditions({"active": active, "archived": ended})),)`
    takes `?state=active`; a repeated parameter matches any of the named
    conditions. Each is a function called when a list is asked for (so a
    condition on "now" reads the request's time), returning a condition on
    the resource's query (`Notification.endtime <= utcnow()`)."""

    conditions: Mapping[str, Callable[[], ColumnElement[bool]]]
    description: str = ""


@dataclass(frozen=True)
class FilterBy:
    """A filter that takes values of `field` (a marshmallow field, as the
    query string reads it) and makes its own condition on the resource's
    query from them: `("relatedto", FilterBy(fields.Integer(), related_to,
    "Assets related to this asset"))`. For what no one field holds (assets
    related to another, directly or through a derived edge)."""

    field: fields.Field
    condition: Callable[[list[Any]], ColumnElement[bool]]
    description: str = ""


@dataclass(frozen=True, eq=False)
class ListFilter:
    """One filter: the query parameter and the field it compares. A filter
    by name (`names`, from a `by_name` lookup) compares the id field with the
    ids of the lookup rows that have one of the names, case ignored. A filter
    of named `conditions` has no field (`target` None)."""

    parameter: str
    target: Target | None
    names: NameLookup | None = None
    within: bool = False  # a location and every location below it
    conditions: Conditions | None = None
    custom: FilterBy | None = None

    @property
    def ranged(self) -> bool:
        return self.target is not None and self.target.ranged and not self.within

    @property
    def choices(self) -> Mapping[str, Callable[[], ColumnElement[bool]]]:
        """The named conditions of a Conditions filter; empty for the others."""
        return self.conditions.conditions if self.conditions is not None else {}

    def condition(self, values: list[Any]) -> ColumnElement[bool]:
        if self.custom is not None:
            return self.custom.condition(values)
        if self.target is None:
            return or_(*(self.choices[value]() for value in values))
        column = self.target.column
        if self.within:
            return column.in_(locations_within(values))
        if self.names is not None:
            wanted = [value.lower() for value in values]
            lookup = self.names
            ids = select(lookup.key).where(func.lower(lookup.namecolumn).in_(wanted))
            return column.in_(ids)
        return column == values[0] if len(values) == 1 else column.in_(values)


def _field_type(rule: Any) -> fields.Field | None:
    return rule if isinstance(rule, fields.Field) else None


def _target(resource: Resource, path: str, what: str) -> Target:
    """The field a filter or search entry names, or a ValueError that says why not."""
    owner = f"resource {resource.name!r}"
    name, dot, child = path.partition(".")
    if not dot:
        if path not in resource.queryable:
            raise ValueError(f"{owner} {what} a field its model lacks: {path}")
        kind = _field_type(resource.field_rules.get(path))
        return Target(path, resource.queryable[path], kind, None)
    part = resource.nesting.get(name)
    if part is None:
        nested = ", ".join(resource.nesting) or "none"
        raise ValueError(
            f"{owner} {what} {path!r}, but nests nothing under {name!r} (nested: {nested})."
        )
    if child not in part.columns or child in part.declaration.hidden:
        raise ValueError(
            f"{owner} {what} {path!r}, but {part.model.__name__} has no shown field {child!r}."
        )
    kind = _field_type(part.declaration.field_rules.get(child))
    return Target(path, part.columns[child], kind, part)


def bind_filters(resource: Resource) -> dict[str, ListFilter]:
    """The declared `filters` by query parameter.

    An entry is a field name (`"hostname"`), a nested field
    (`"interfaces.macaddress"`, taking the parameter `macaddress`) or a
    (parameter, field) pair (`("interfacemac", "interfaces.macaddress")`).
    A nested field's parameter must not be the name of one of the resource's
    own fields, so that `?macaddress=` always means one thing."""
    owner = f"resource {resource.name!r}"
    unknown = [
        entry
        for entry in resource.filters
        if isinstance(entry, str) and "." not in entry and entry not in resource.queryable
    ]
    if unknown:
        raise ValueError(f"{owner} names fields its model lacks: {', '.join(unknown)}")
    found: dict[str, ListFilter] = {}
    taken: dict[str, str] = {name: "a list parameter" for name in LIST_PARAMETERS}
    for entry in resource.filters:
        if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[1], Conditions):
            found[entry[0]] = _conditions_filter(owner, resource, entry[0], entry[1], taken)
            continue
        if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[1], FilterBy):
            found[entry[0]] = _custom_filter(owner, resource, entry[0], entry[1], taken)
            continue
        if isinstance(entry, str):
            parameter, path = entry.rpartition(".")[2], entry
        elif (
            isinstance(entry, tuple)
            and len(entry) == 2
            and all(isinstance(item, str) for item in entry)
        ):
            parameter, path = entry
        else:
            raise ValueError(
                f"{owner}: a filter is a field name ('hostname'), a nested field "
                f"('interfaces.macaddress'), a (parameter, field) pair or a (parameter, "
                f"Conditions) pair; not {entry!r}."
            )
        target = _target(resource, path, "filters by")
        if not PARAMETER_NAME.fullmatch(parameter):
            raise ValueError(
                f"{owner}: the filter parameter {parameter!r} must be lowercase letters and "
                "digits, run together."
            )
        if parameter != path and parameter in resource.columns:
            raise ValueError(
                f"{owner}: the filter on {path!r} would take the parameter {parameter!r}, "
                f"which is a field of the resource; name it: ('{parameter}x', {path!r})."
            )
        names = [parameter]
        if target.ranged:
            names += [f"{parameter}min", f"{parameter}max"]
        for name in names:
            if name in taken:
                raise ValueError(
                    f"{owner}: the filter on {path!r} would take the parameter {name!r}, "
                    f"already {taken[name]}; give it another with a (parameter, field) pair."
                )
            taken[name] = f"the filter on {path!r}"
        found[parameter] = ListFilter(parameter, target)
    found.update(_derived_filters(resource, found, taken))
    return found


def _conditions_filter(
    owner: str, resource: Resource, parameter: Any, declared: Conditions, taken: dict[str, str]
) -> ListFilter:
    """A (parameter, Conditions) filter, checked: its own parameter, named
    conditions that are functions."""
    _own_parameter(owner, resource, parameter, taken)
    named = declared.conditions
    if not named or not all(
        isinstance(name, str) and callable(condition) for name, condition in named.items()
    ):
        raise ValueError(
            f"{owner}: the filter {parameter!r} needs Conditions({{name: function}}) with at "
            "least one named condition, each a function returning a SQL condition."
        )
    taken[parameter] = f"the filter {parameter!r}"
    return ListFilter(parameter, None, conditions=declared)


def _own_parameter(owner: str, resource: Resource, parameter: Any, taken: dict[str, str]) -> None:
    """A filter that names its own parameter: a valid name, not taken."""
    if not isinstance(parameter, str) or not PARAMETER_NAME.fullmatch(parameter):
        raise ValueError(
            f"{owner}: the filter parameter {parameter!r} must be lowercase letters and "
            "digits, run together."
        )
    if parameter in taken or parameter in resource.columns:
        holder = taken.get(parameter, "a field of the resource")
        raise ValueError(f"{owner}: the filter {parameter!r} takes a name already {holder}.")


def _custom_filter(
    owner: str, resource: Resource, parameter: Any, declared: FilterBy, taken: dict[str, str]
) -> ListFilter:
    """A (parameter, FilterBy) filter, checked: its own parameter, a field
    to read the values and a function to make the condition."""
    _own_parameter(owner, resource, parameter, taken)
    if not (isinstance(declared.field, fields.Field) and callable(declared.condition)):
        raise ValueError(
            f"{owner}: the filter {parameter!r} needs FilterBy(<marshmallow field>, "
            "<function of the values returning a SQL condition>)."
        )
    taken[parameter] = f"the filter {parameter!r}"
    return ListFilter(parameter, None, custom=declared)


def _derived_filters(
    resource: Resource, found: dict[str, ListFilter], taken: dict[str, str]
) -> dict[str, ListFilter]:
    """Filters that follow from declared ones: a lookup written by name
    filters by name where its id field filters (`?equipmenttype=lathe`), and a
    list that filters by location filters by a part of the tree too."""
    derived = {}
    for parameter, lookup in resource.lookups.items():
        idfilter = found.get(lookup.idfield)
        if idfilter is not None and idfilter.target is not None and parameter not in taken:
            derived[parameter] = ListFilter(parameter, idfilter.target, lookup)
    located = found.get(LOCATION_FILTER)
    if located is None or located.target is None or WITHIN_FILTER in taken:
        return derived
    locations = Location.__table__.c.locationid
    if any(key.column is locations for key in located.target.column.foreign_keys):
        derived[WITHIN_FILTER] = ListFilter(WITHIN_FILTER, located.target, within=True)
    return derived


def bind_search(resource: Resource) -> tuple[tuple[Target, int], ...]:
    """The declared `search` pairs, (field, weight), bound to their columns;
    a field may be nested (`("interfaces.ipaddress", 6)`)."""
    owner = f"resource {resource.name!r}"
    unknown = [
        name for name, _ in resource.search if "." not in name and name not in resource.queryable
    ]
    if unknown:
        raise ValueError(f"{owner} searches unknown fields: {unknown}")
    bound = []
    for entry in resource.search:
        name, weight = entry
        if not isinstance(weight, int) or isinstance(weight, bool) or weight < 1:
            raise ValueError(f"{owner}: the search weight of {name!r} must be a whole number >= 1.")
        bound.append((_target(resource, name, "searches"), weight))
    return tuple(bound)


# The query-string schema ------------------------------------------------------------


class Repeatable(fields.List):
    """A filter value that may be given several times (`?a=1&a=2`: any of
    them). Errors read as for a single value: the messages, without the
    position of the value in the list."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        try:
            return super()._deserialize(value, attr, data, **kwargs)
        except ValidationError as error:
            messages = error.messages
            if isinstance(messages, dict):
                flat: list[str] = []
                for each in messages.values():
                    for message in each if isinstance(each, list) else [each]:
                        if message not in flat:
                            flat.append(message)
                raise ValidationError(flat) from None
            raise


class ListArguments(Schema):
    """Base of every list's query-string schema: a parameter that takes one
    value must come once, or the request would quietly use only the first."""

    @pre_load
    def refuse_repeats(self, data: Any, **_kwargs: Any) -> Any:
        getlist = getattr(data, "getlist", None)
        if getlist is None:
            return data
        multiple: set[str] = getattr(data, "multiple_keys", set())
        repeated = {
            key: ["Give this parameter once."]
            for key in set(data)
            if key not in multiple and len(getlist(key)) > 1
        }
        if repeated:
            raise ValidationError(repeated)
        return data

    @pre_load
    def refuse_page_with_cursor(self, data: Any, **_kwargs: Any) -> Any:
        """A cursor says where the page starts; a page number would too."""
        if "cursor" in data and "page" in data:
            raise ValidationError({"cursor": ["Give page or cursor, not both."]})
        return data


def _query_field(target: Target) -> fields.Field:
    """One value of a filter: the field type's own input (so the value is
    turned into its stored spelling), else what the column holds."""
    if target.kind is not None:
        field = copy.copy(target.kind)
        field.required = False
        field.allow_none = False
        if isinstance(field, fields.String):
            field.validators = [validate.Length(max=MAXIMUM_TEXT), safe_text, *field.validators]
        return field
    kind = target.column.type
    if isinstance(kind, Boolean):
        return fields.Boolean()
    if isinstance(kind, Integer):
        return fields.Integer(strict=False, validate=INTEGER_RANGE)
    if isinstance(kind, Float | Numeric):
        return fields.Float(allow_nan=False)
    if isinstance(kind, DateTime):
        return UtcDateTime()
    if isinstance(kind, Date):
        return fields.Date()
    return fields.String(validate=[validate.Length(max=MAXIMUM_TEXT), safe_text])


def _name_field(lookup: NameLookup) -> fields.Field:
    length = getattr(lookup.namecolumn.type, "length", None) or MAXIMUM_TEXT
    return fields.String(validate=[validate.Length(min=1, max=length), safe_text])


def _describe(item: ListFilter) -> str:
    target = item.target
    if item.custom is not None:
        return f"{item.custom.description} Repeat the parameter for any of several.".lstrip()
    if target is None:
        text = item.conditions.description if item.conditions is not None else ""
        named = ", ".join(item.choices)
        return f"{text} One of: {named}; repeat the parameter for any of several.".lstrip()
    if item.within:
        return (
            "Records at this location or anywhere below it (a building: its halls and bays "
            "too); repeat the parameter for several."
        )
    if item.names is not None:
        return (
            f"Records whose {item.names.label} has this name (case ignored), instead of "
            f"{item.names.idfield}; repeat the parameter for any of several names."
        )
    if target.part is None:
        what = f"{target.path} equals the value"
    else:
        what = (
            f"the record has a {target.part.name} row whose {target.column.key} equals the value "
            f"(several {target.part.name} filters: the same row)"
        )
    text = f"Records where {what}; repeat the parameter for any of several values."
    if target.kind is not None:
        text += f" {target.kind.metadata.get('description', '')}".rstrip()
    return text


def sort_pattern(keys: Iterable[str]) -> str:
    """The document's pattern for `sort`: one or more sortable fields, each
    maybe with '-', comma-separated (what check_sort takes, no more)."""
    one = "-?(?:" + "|".join(re.escape(key) for key in sorted(keys, key=len, reverse=True)) + ")"
    return rf"^\s*{one}\s*(?:,\s*{one}\s*)*$"


def build_list_arguments(resource: Resource, name: str) -> type[Schema]:
    """The query-string schema of a resource's list endpoint (validated and documented)."""
    sortable = ", ".join(resource.sort)

    def check_sort(value: str) -> None:
        for part in value.split(","):
            key = part.strip().removeprefix("-")
            if key not in resource.sort:
                raise ValidationError(f"Cannot sort by {key!r}; sortable fields: {sortable}.")

    attributes: dict[str, Any] = {
        "page": fields.Integer(
            load_default=1,
            validate=validate.Range(1, MAXIMUM_PAGE),
            metadata={"description": "Page number, from 1 (not with cursor)"},
        ),
        "perpage": fields.Integer(
            load_default=DEFAULT_PERPAGE,
            validate=validate.Range(1, MAXIMUM_PERPAGE),
            metadata={"description": f"Rows per page, at most {MAXIMUM_PERPAGE}"},
        ),
        "cursor": fields.String(
            validate=validate.Length(min=1, max=MAXIMUM_CURSOR),
            metadata={
                "description": (
                    "The page after the one whose reply gave this value as `meta.next` "
                    "(keyset paging: as fast deep in the list as at its start); give the "
                    "same sort, and no page"
                )
            },
        ),
        "sort": fields.String(
            validate=[validate.Length(max=500), check_sort],
            metadata={
                "description": f"Comma-separated fields, '-' for descending: {sortable}",
                "pattern": sort_pattern(resource.sort),
            },
        ),
    }
    if resource.search:
        searched = ", ".join(name for name, _ in resource.search)
        attributes["q"] = fields.String(
            validate=[validate.Length(min=1, max=MAXIMUM_TEXT), safe_text],
            metadata={"description": f"Free text matched in: {searched}"},
        )
    for parameter, item in resource.list_filters.items():
        value: fields.Field
        if item.custom is not None:
            value = copy.copy(item.custom.field)
        elif item.target is None:
            value = fields.String(validate=validate.OneOf(list(item.choices)))
        elif item.names:
            value = _name_field(item.names)
        else:
            value = _query_field(item.target)
        attributes[parameter] = Repeatable(
            value,
            validate=validate.Length(max=MAXIMUM_VALUES),
            metadata={"description": _describe(item)},
        )
        target = item.target
        # A part of the location tree is not a range of ids: no min/max for `within`.
        if target is not None and target.ranged and not item.within:
            for bound, word in (("min", "at least"), ("max", "at most")):
                field = _query_field(target)
                field.metadata = {"description": f"Records whose {parameter} is {word} this."}
                attributes[f"{parameter}{bound}"] = field
    taken = ", ".join(attributes)
    attributes["error_messages"] = {"unknown": f"Unknown parameter; this list takes: {taken}."}
    return type(name, (ListArguments,), attributes)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def apply_filters(resource: Resource, query: Select, args: dict[str, Any]) -> Select:
    """Own fields compare in the query's WHERE; the conditions on one nested
    part go into one EXISTS, so they hold for the same child row and a record
    comes once however many of its rows match."""
    nested: dict[str, list[ColumnElement[bool]]] = defaultdict(list)
    parts: dict[str, NestedPart] = {}
    for parameter, item in resource.list_filters.items():
        conditions = []
        if parameter in args:
            conditions.append(item.condition(list(dict.fromkeys(args[parameter]))))
        if item.target is None:
            query = query.where(*conditions)
            continue
        column = item.target.column
        if f"{parameter}min" in args:
            conditions.append(column >= args[f"{parameter}min"])
        if f"{parameter}max" in args:
            conditions.append(column <= args[f"{parameter}max"])
        part = item.target.part
        if part is None:
            query = query.where(*conditions)
        elif conditions:
            nested[part.name].extend(conditions)
            parts[part.name] = part
    for name, conditions in nested.items():
        query = query.where(parts[name].having(*conditions))
    return query


def apply_search(resource: Resource, query: Select, text: str | None) -> tuple[Select, Any]:
    """Match `text` in the search fields; returns the query and a rank expression.

    A resource that reads the search index matches words from their start
    (`shopdb.resources.searchindex`); one that does not (a lookup table)
    scans its fields with LIKE for `text` anywhere.

    A field with a type is also matched by the stored spelling of `text` when
    the type reads it (`q=02-5D-00-00-0F-A2` finds `02:5d:00:00:0f:a2`); a
    nested field matches when any child row does (EXISTS)."""
    if not text or not resource.search_fields:
        return query, None
    if is_indexed(resource):
        # Through the search index (ADR 0015): a prefix range per spelling,
        # matching a field's value from its start or from a later word's.
        # A query matching thousands is listed in the default order (BROAD).
        rank = None if is_broad(resource, text) else list_rank(resource, text)
        return query.where(list_condition(resource, text)), rank
    matches = []
    for target, weight in resource.search_fields:
        lowered = func.lower(target.column)
        match = or_(
            *(
                lowered.like(f"%{_escape_like(spelling.lower())}%", escape="\\")
                for spelling in target.spellings(text)
            )
        )
        if target.part is not None:
            match = target.part.having(match)
        matches.append((match, weight))
    query = query.where(or_(*(match for match, _ in matches)))
    rank = sum((case((match, weight), else_=0) for match, weight in matches), start=0)
    return query, rank


# Sort and pages -----------------------------------------------------------------
# A list is ordered by its sort keys, then by the primary key (unless a key
# is already unique and never empty), so every row has one place. A page is
# asked for by number (OFFSET: any page, but the database walks every row
# before it) or by the `next` cursor of the page before it (keyset: the
# rows after the last one seen, found through an index, as fast on page
# 2,000 as on page 2). See docs/adr/0014-keyset-pagination.md.


@dataclass(frozen=True)
class SortKey:
    """One key of a list's order: what to compare, which way, whether it can
    be empty (NULL), and how a cursor's JSON value turns back into it."""

    name: str
    expression: Any
    descending: bool
    nullable: bool
    kind: Any = None

    def ordering(self) -> Any:
        return self.expression.desc() if self.descending else self.expression.asc()


def _is_unique(column: Any) -> bool:
    """True for a column that holds a different, non-empty value in every row."""
    if not isinstance(column, Column) or column.nullable:
        return False
    if column.primary_key and len(column.table.primary_key.columns) == 1:
        return True
    if column.unique:
        return True
    table = column.table
    single = [list(index.columns) for index in table.indexes if index.unique]
    single += [
        list(constraint.columns)
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    ]
    return [column] in single


def _key(resource: Resource, text: str) -> SortKey:
    name = text.strip()
    column = resource.column(name.removeprefix("-"))
    nullable = not isinstance(column, Column) or bool(column.nullable)
    return SortKey(name, column, name.startswith("-"), nullable, getattr(column, "type", None))


def sort_keys(resource: Resource, sort: str | None, rank: Any) -> list[SortKey]:
    """The list's order: the asked-for sort, else the search rank (heaviest
    first), else the declared default; then the primary key (the way the
    last key runs), unless a key is unique already (so `assetnumber` alone
    orders assets, and the database walks its unique index instead of
    sorting every row)."""
    if sort:
        keys = [_key(resource, part) for part in sort.split(",")]
    elif rank is not None:
        keys = [SortKey("rank", rank, True, False, Integer())]
    else:
        keys = [_key(resource, resource.default_sort)]
    if not any(_is_unique(key.expression) for key in keys):
        # The tie-breaker runs the way the last key does: an index on that
        # key holds the primary key in the same order (SQLite's rowid), so
        # `-modifiedat` reads its index backwards with no sort at all.
        primary = resource.column(resource.primary_key)
        last = keys[-1].descending and keys[-1].name != "rank"  # equal ranks: oldest first
        name = f"-{resource.primary_key}" if last else resource.primary_key
        keys.append(SortKey(name, primary, last, False, primary.type))
    return keys


def apply_sort(resource: Resource, query: Select, sort: str | None, rank: Any) -> Select:
    return query.order_by(*(key.ordering() for key in sort_keys(resource, sort, rank)))


def _signature(keys: list[SortKey]) -> str:
    return ",".join(key.name for key in keys)


def _bad_cursor(reason: str) -> ApiError:
    return ApiError(
        400,
        "invalid_input",
        f"The cursor cannot be used: {reason}",
        {"cursor": [f"{reason} Use the `next` value of a reply of this list, with its sort."]},
    )


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _decode_value(key: SortKey, value: Any) -> Any:
    if value is None:
        if not key.nullable:
            raise _bad_cursor(f"{key.name} is empty in it.")
        return None
    kind = key.kind
    try:
        if isinstance(kind, DateTime):
            return datetime.fromisoformat(value)
        if isinstance(kind, Date):
            return date.fromisoformat(value)
        if isinstance(kind, Boolean):
            expected: Any = bool
        elif isinstance(kind, Integer):
            expected = int
        elif isinstance(kind, Float | Numeric):
            expected = int | float
        else:
            expected = str
    except (TypeError, ValueError):
        raise _bad_cursor(f"its {key.name} is not a value of that field.") from None
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise _bad_cursor(f"its {key.name} is not a value of that field.")
    return value


def encode_cursor(keys: list[SortKey], values: Iterable[Any]) -> str:
    """Opaque to clients: the sort and the last row's key values, as base64 of JSON."""
    body = {"sort": _signature(keys), "after": [_encode_value(value) for value in values]}
    text = json.dumps(body, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(keys: list[SortKey], cursor: str) -> list[Any]:
    """The key values a cursor holds, or a 400 naming what is wrong with it."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        body = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise _bad_cursor("it is not a cursor this server wrote.") from None
    if not isinstance(body, dict) or not isinstance(body.get("after"), list):
        raise _bad_cursor("it is not a cursor this server wrote.")
    if body.get("sort") != _signature(keys):
        raise _bad_cursor(
            f"it pages the order {body.get('sort')!r}, this request asks for {_signature(keys)!r}."
        )
    values = body["after"]
    if len(values) != len(keys):
        raise _bad_cursor("it is not a cursor this server wrote.")
    return [_decode_value(key, value) for key, value in zip(keys, values, strict=True)]


def _after(key: SortKey, value: Any, nulls_large: bool) -> tuple[Any, Any]:
    """(rows after `value` in this key's order, rows equal to it); empty
    values sort as the database sorts them (PostgreSQL: larger than any
    value; SQLite, MySQL, MariaDB: smaller)."""
    column = key.expression
    nulls_after = nulls_large != key.descending  # do NULLs come after the values?
    if value is None:
        return (column.is_not(None) if not nulls_after else false()), column.is_(None)
    beyond = column < value if key.descending else column > value
    if key.nullable and nulls_after:
        beyond = or_(beyond, column.is_(None))
    return beyond, column == value


def after_cursor(keys: list[SortKey], values: list[Any], dialect: str) -> ColumnElement[bool]:
    """The rows after the cursor's row in the list's order: (k1 after v1) or
    (k1 = v1 and k2 after v2) or ..., led by a range on the first key when it
    is never empty, so the database reads on from there in its index."""
    nulls_large = dialect == "postgresql"
    branches = []
    equal: list[Any] = []
    for key, value in zip(keys, values, strict=True):
        beyond, same = _after(key, value, nulls_large)
        branches.append(and_(*equal, beyond))
        equal.append(same)
    condition = or_(*branches)
    first, value = keys[0], values[0]
    if not first.nullable and value is not None:
        column = first.expression
        condition = and_(column <= value if first.descending else column >= value, condition)
    return condition


# Counting stops here: a filter that keeps most of 100,000 rows (`isactive`)
# cost more to count than to page. Past it the total is "at least" (isexact
# false), unless the page asked for lies deeper, which is counted to.
COUNT_BOUND = 10_000


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows, where it is (a number, or None for a
    page asked for by cursor), the count (exact, or a lower bound), and the
    cursor of the next page."""

    rows: list[Any]
    page: int | None
    perpage: int
    total: int
    next: str | None = None
    isexact: bool = True

    @property
    def totalpages(self) -> int:
        return math.ceil(self.total / self.perpage) if self.total else 0

    def meta(self) -> dict[str, Any]:
        return {
            "pagination": {
                "page": self.page,
                "perpage": self.perpage,
                "total": self.total,
                "totalpages": self.totalpages,
                "isexact": self.isexact,
            },
            "next": self.next,
        }


def count_rows(session: Session, query: Select, bound: int) -> tuple[int, bool]:
    """How many rows the list has, counted up to `bound`: (the count, True),
    or (bound, False) when there are more. An unfiltered list on SQLite is
    counted whole: SQLite counts a table from its b-tree's page counts
    without reading rows, which a bounded subquery would prevent."""
    if query.whereclause is None and session.get_bind().dialect.name == "sqlite":
        return session.scalar(
            select(func.count()).select_from(query.order_by(None).subquery())
        ) or 0, True
    # The rows are counted, not read: selecting no column of them lets the
    # database answer from an index alone (SQLite read every row of a
    # 2,500-asset location for its 16 columns: 4-9 ms instead of 0.1).
    counted: Select = query.order_by(None).with_only_columns(
        literal_column("1"), maintain_column_froms=True
    )
    limited = counted.limit(bound + 1).subquery()
    found = session.scalar(select(func.count()).select_from(limited)) or 0
    return (found, True) if found <= bound else (bound, False)


def paginate(
    session: Session,
    query: Select,
    page: int,
    perpage: int,
    *,
    keys: list[SortKey] | None = None,
    cursor: str | None = None,
) -> Page:
    """Two queries whatever the page size: the count (bounded, see
    COUNT_BOUND) and the rows. With `keys` (the query's order) the page
    carries the cursor of the next one; with a `cursor` too, the rows are
    those after it (the page number is then unknown: None)."""
    if cursor is not None and keys:
        total, exact = count_rows(session, query, COUNT_BOUND)
        values = decode_cursor(keys, cursor)
        dialect = session.get_bind().dialect.name
        query = query.where(after_cursor(keys, values, dialect))
        return _rows(session, query, None, perpage, total, exact, keys)
    total, exact = count_rows(session, query, max(COUNT_BOUND, page * perpage))
    last = math.ceil(total / perpage) if total else 1
    if page > last:
        raise ApiError(
            404,
            "page_out_of_range",
            f"Page {page} is past the last page ({last}).",
            {"page": [f"At most {last}."]},
        )
    return _rows(session, query.offset((page - 1) * perpage), page, perpage, total, exact, keys)


def _rows(
    session: Session,
    query: Select,
    page: int | None,
    perpage: int,
    total: int,
    exact: bool,
    keys: list[SortKey] | None,
) -> Page:
    """The page's rows (one more asked for, to know whether a next page
    exists) and the cursor after the last of them."""
    if not keys:
        return Page(list(session.scalars(query.limit(perpage))), page, perpage, total, None, exact)
    found = list(
        session.execute(query.add_columns(*(key.expression for key in keys)).limit(perpage + 1))
    )
    rows = [row[0] for row in found[:perpage]]
    cursor = None
    if len(found) > perpage:
        cursor = encode_cursor(keys, tuple(found[perpage - 1])[1:])
    return Page(rows, page, perpage, total, cursor, exact)
