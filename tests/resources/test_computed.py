"""`Resource(computed=...)`: fields a model computes in SQL, filtered and
sorted like columns, left out of writes and audit snapshots, and refused at
declaration when the name is not such a field."""

from __future__ import annotations

import pytest
from marshmallow import fields, validate
from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, column_property, mapped_column

from shopdb.resources import Resource
from shopdb.services.audit import snapshot


class Base(DeclarativeBase):
    pass


class Part(Base):
    __tablename__ = "computedparts"

    partid: Mapped[int] = mapped_column(primary_key=True)
    boxid: Mapped[int] = mapped_column(ForeignKey("computedboxes.boxid"))


class Box(Base):
    __tablename__ = "computedboxes"

    boxid: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(20))


Box.partcount = column_property(
    select(func.count(Part.partid)).where(Part.boxid == Box.boxid).scalar_subquery()
)
Box.fullness = column_property(
    select(func.count(Part.partid)).where(Part.boxid == Box.boxid).scalar_subquery()
)


def test_computed_fields_filter_and_sort_but_are_not_written():
    resource = Resource(
        Box,
        filters=("label", "partcount"),
        sort=("label", "partcount"),
        computed=("partcount",),
        field_rules={"partcount": fields.Integer(validate=validate.Range(min=0))},
    )
    assert resource.column("partcount") is resource.computed_columns["partcount"]
    assert resource.list_filters["partcount"].target.ranged  # partcountmin, partcountmax
    assert "partcount" not in resource.writable
    assert "partcount" not in resource.schemas.create().fields
    assert resource.schemas.output().fields["partcount"].dump_only


def test_a_name_that_is_not_a_computed_field_is_refused():
    with pytest.raises(ValueError, match="'label' must be a column_property"):
        Resource(Box, computed=("label",))
    with pytest.raises(ValueError, match="'nosuch' must be a column_property"):
        Resource(Box, computed=("nosuch",))
    with pytest.raises(ValueError, match="lacks: fullness"):
        Resource(Box, filters=("fullness",))  # computed, but not declared so


def test_audit_snapshots_hold_the_row_only():
    box = Box(boxid=1, label="A")
    box.partcount = 3  # as loaded
    box.fullness = 3
    assert snapshot(box) == {"boxid": 1, "label": "A"}
