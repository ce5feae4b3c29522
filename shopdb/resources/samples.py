"""Valid create bodies made up from a resource's create schema, so that the
generic tests (and the tests a scaffolded plugin starts with) need no
hand-written data for ordinary fields."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from marshmallow import fields, validate
from sqlalchemy import Column, func, select
from sqlalchemy.orm import Session

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
    field is optional). Other optional fields are left out."""
    tables = {column.table for column in resource.columns.values()}
    unique = {name for table in tables for group in unique_groups(table) for name in group}
    body: dict[str, Any] = {}
    for name, field in resource.schemas.create().fields.items():
        column = resource.columns.get(name)
        if column is not None and column.foreign_keys:
            (key,) = column.foreign_keys
            lowest = session.scalar(select(func.min(key.column)))
            if lowest is not None:
                body[name] = lowest
            elif field.required:
                raise ValueError(
                    f"a sample {resource.name} needs a row in {key.column.table.name} for "
                    f"{name}; create one first."
                )
        elif field.required or name in unique:
            body[name] = _made_up(resource, name, field, column, number)
    return body


def _made_up(
    resource: Resource, name: str, field: fields.Field, column: Column | None, number: int
) -> Any:
    for validator in field.validators:
        if isinstance(validator, validate.OneOf):
            return next(iter(validator.choices))
    if isinstance(field, fields.Boolean):
        return True
    if isinstance(field, fields.Integer):
        return number % MAXIMUM_ID or MAXIMUM_ID
    if isinstance(field, fields.Number):
        return float(number)
    if isinstance(field, fields.Date):
        return (SAMPLE_DAY + timedelta(days=number % DAYS_IN_A_CENTURY)).isoformat()
    if isinstance(field, fields.DateTime):
        return (SAMPLE_TIME + timedelta(seconds=number)).isoformat()
    if isinstance(field, fields.String):
        text = f"{name}{number}"
        length = getattr(column.type, "length", None) if column is not None else None
        return text[-length:] if length else text
    raise ValueError(
        f"cannot make up a sample {resource.name} {name} ({type(field).__name__}); "
        "override the resource's sample()."
    )
