"""List queries: filters, free-text search, sort and pagination, declared once
per resource and applied the same way for every caller."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    Select,
    case,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from shopdb.http.envelope import ApiError
from shopdb.resources.schemas import INTEGER_RANGE, UtcDateTime, safe_text

if TYPE_CHECKING:
    from shopdb.resources.definition import Resource

DEFAULT_PERPAGE = 50
MAXIMUM_PERPAGE = 500
MAXIMUM_PAGE = 1_000_000
RANGED_TYPES = (Integer, Float, Numeric, Date, DateTime)


def _query_field(column: Any) -> fields.Field:
    kind = column.type
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
    return fields.String(validate=[validate.Length(max=200), safe_text])


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
            metadata={"description": "Page number, from 1"},
        ),
        "perpage": fields.Integer(
            load_default=DEFAULT_PERPAGE,
            validate=validate.Range(1, MAXIMUM_PERPAGE),
            metadata={"description": f"Rows per page, at most {MAXIMUM_PERPAGE}"},
        ),
        "sort": fields.String(
            validate=[validate.Length(max=500), check_sort],
            metadata={"description": f"Comma-separated fields, '-' for descending: {sortable}"},
        ),
    }
    if resource.search:
        searched = ", ".join(name for name, _ in resource.search)
        attributes["q"] = fields.String(
            validate=[validate.Length(min=1, max=200), safe_text],
            metadata={"description": f"Free text matched in: {searched}"},
        )
    for key in resource.filters:
        column = resource.column(key)
        attributes[key] = _query_field(column)
        if isinstance(column.type, RANGED_TYPES) and not isinstance(column.type, Boolean):
            attributes[f"{key}min"] = _query_field(column)
            attributes[f"{key}max"] = _query_field(column)
    return type(name, (Schema,), attributes)


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    page: int
    perpage: int
    total: int

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
            }
        }


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def apply_filters(resource: Resource, query: Select, args: dict[str, Any]) -> Select:
    for key in resource.filters:
        column = resource.column(key)
        if key in args:
            query = query.where(column == args[key])
        if f"{key}min" in args:
            query = query.where(column >= args[f"{key}min"])
        if f"{key}max" in args:
            query = query.where(column <= args[f"{key}max"])
    return query


def apply_search(resource: Resource, query: Select, text: str | None) -> tuple[Select, Any]:
    """Match `text` in the search fields; returns the query and a rank expression."""
    if not text or not resource.search:
        return query, None
    pattern = f"%{_escape_like(text.lower())}%"
    matches = [
        (func.lower(resource.column(name)).like(pattern, escape="\\"), weight)
        for name, weight in resource.search
    ]
    query = query.where(or_(*(match for match, _ in matches)))
    rank = sum((case((match, weight), else_=0) for match, weight in matches), start=0)
    return query, rank


def apply_sort(resource: Resource, query: Select, sort: str | None, rank: Any) -> Select:
    primary = resource.column(resource.primary_key)
    order = []
    if sort:
        for part in sort.split(","):
            key = part.strip()
            column = resource.column(key.removeprefix("-"))
            order.append(column.desc() if key.startswith("-") else column.asc())
    elif rank is not None:
        order.append(rank.desc())
    else:
        key = resource.default_sort
        column = resource.column(key.removeprefix("-"))
        order.append(column.desc() if key.startswith("-") else column.asc())
    return query.order_by(*order, primary.asc())


def paginate(session: Session, query: Select, page: int, perpage: int) -> Page:
    """Two queries whatever the page size: the count and the rows."""
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    total = session.scalar(counted) or 0
    last = math.ceil(total / perpage) if total else 1
    if page > last:
        raise ApiError(
            400,
            "page_out_of_range",
            f"Page {page} is past the last page ({last}).",
            {"page": [f"At most {last}."]},
        )
    rows = list(session.scalars(query.limit(perpage).offset((page - 1) * perpage)))
    return Page(rows, page, perpage, total)
