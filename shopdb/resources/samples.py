"""Valid create bodies made up from a resource's create schema, so that the
generic tests (and the tests a scaffolded plugin starts with) need no
hand-written data for ordinary fields."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from marshmallow import fields, validate
from sqlalchemy import Column, func, select
from sqlalchemy.orm import Session

from shopdb.resources.fieldtypes import CanonicalText
from shopdb.resources.schemas import MAXIMUM_ID
from shopdb.services.records import unique_groups

if TYPE_CHECKING:
    from shopdb.resources.definition import Resource

SAMPLE_DAY = date(2000, 1, 1)
SAMPLE_TIME = datetime(2000, 1, 1)
DAYS_IN_A_CENTURY = 36_525


def sample_body(resource: Resource, session: Session, number: int) -> dict[str, Any]:
    """Required and unique fields made up from `number`; every foreign key set
    to the lowest id of its target table (left out when none exists and the
    field is optional). Other optional fields are left out. A required
    one-to-one nested row is made up the same way, and every one-to-many
    nested list gets one such row."""
    inputs = resource.schemas.create().fields
    own = {name: field for name, field in inputs.items() if name not in resource.nesting}
    body = _sample_values(resource.name, session, own, resource.columns, number)
    for name, part in resource.nesting.items():
        if part.many or inputs[name].required:
            row = _sample_values(
                f"{resource.name} {name}",
                session,
                part.create_schema().fields,
                part.columns,
                number,
            )
            body[name] = [row] if part.many else row
    return body


def _sample_values(
    owner: str,
    session: Session,
    inputs: Mapping[str, fields.Field],
    columns: Mapping[str, Column],
    number: int,
) -> dict[str, Any]:
    tables = {column.table for column in columns.values()}
    unique = {name for table in tables for group in unique_groups(table) for name in group}
    body: dict[str, Any] = {}
    for name, field in inputs.items():
        column = columns.get(name)
        if column is not None and column.foreign_keys:
            (key,) = column.foreign_keys
            lowest = session.scalar(select(func.min(key.column)))
            if lowest is not None:
                body[name] = lowest
            elif field.required:
                raise ValueError(
                    f"a sample {owner} needs a row in {key.column.table.name} for "
                    f"{name}; create one first."
                )
        elif field.required or name in unique:
            body[name] = _made_up(owner, name, field, column, number)
    return body


def _made_up(owner: str, name: str, field: fields.Field, column: Column | None, number: int) -> Any:
    for validator in field.validators:
        if isinstance(validator, validate.OneOf):
            return next(iter(validator.choices))
    if isinstance(field, CanonicalText):
        return field.sample(number)
    if isinstance(field, fields.Boolean):
        return True
    if isinstance(field, fields.Integer):
        return _in_range(field, number % MAXIMUM_ID or MAXIMUM_ID, number)
    if isinstance(field, fields.Number):
        return float(_in_range(field, number, number))
    if isinstance(field, fields.Date):
        return (SAMPLE_DAY + timedelta(days=number % DAYS_IN_A_CENTURY)).isoformat()
    if isinstance(field, fields.DateTime):
        return (SAMPLE_TIME + timedelta(seconds=number)).isoformat()
    if isinstance(field, fields.String):
        text = f"{name}{number}"
        length = getattr(column.type, "length", None) if column is not None else None
        return text[-length:] if length else text
    raise ValueError(
        f"cannot make up a sample {owner} {name} ({type(field).__name__}); "
        "override the resource's sample()."
    )


def _in_range(field: fields.Field, value: int, number: int) -> int:
    """`value`, or when the field's ranges refuse it a number within them
    that still varies with `number` (a port from 1 to 65535, a count from 0)."""
    low, high = -MAXIMUM_ID - 1, MAXIMUM_ID
    for validator in field.validators:
        if isinstance(validator, validate.Range):
            if validator.min is not None:
                low = max(low, math.ceil(validator.min) + (not validator.min_inclusive))
            if validator.max is not None:
                high = min(high, math.floor(validator.max) - (not validator.max_inclusive))
    if low <= value <= high:
        return value
    return low + number % (high - low + 1)
