"""RowDumper dumps list rows as marshmallow's `Schema.dump` does, field kind
by field kind (the demo site's resources are compared in tests/web)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from marshmallow import Schema, fields, post_dump

from shopdb.resources.schemas import RowDumper, UtcDateTime


class Inner(Schema):
    code = fields.String()


class Every(Schema):
    number = fields.Integer()
    ratio = fields.Float()
    text = fields.String()
    flag = fields.Boolean()
    when = UtcDateTime()
    renamed = fields.String(data_key="shown")
    deep = fields.String(attribute="parent.name")
    defaulted = fields.String(dump_default="none given")
    computed = fields.Method("shout")
    nested = fields.Nested(Inner, many=True)

    def shout(self, record: Any) -> str:
        text = record["text"] if isinstance(record, dict) else record.text
        return str(text).upper()


def record(**values: Any) -> SimpleNamespace:
    base = {
        "number": 7,
        "ratio": 2,
        "text": "lathe",
        "flag": 1,
        "when": datetime(2026, 12, 7, 23, 0, 1, 5),
        "renamed": b"bytes",
        "parent": SimpleNamespace(name="cell 4"),
        "nested": [SimpleNamespace(code="a"), SimpleNamespace(code=None)],
    }
    return SimpleNamespace(**{**base, **values})


def test_every_kind_of_field_dumps_as_marshmallow_dumps_it():
    schema = Every()
    rows = [
        record(),
        record(number=None, ratio=None, text=None, flag=None, when=None, parent=None),
        record(when=datetime(2026, 1, 1, tzinfo=UTC), defaulted="given", flag=False),
        {"number": 3, "text": "a mapping", "nested": []},
    ]
    dumped = RowDumper(schema).dump(rows)
    assert dumped == schema.dump(rows, many=True)
    assert dumped[0]["when"] == "2026-12-07T23:00:01.000005+00:00"
    assert dumped[0]["shown"] == "bytes" and dumped[0]["deep"] == "cell 4"
    assert "deep" not in dumped[1] and dumped[1]["defaulted"] == "none given"


def test_a_schema_with_dump_hooks_is_dumped_by_marshmallow():
    class Hooked(Schema):
        text = fields.String()

        @post_dump
        def tag(self, data: dict, **_kwargs: Any) -> dict:
            return {**data, "tagged": True}

    rows = [record()]
    assert RowDumper(Hooked()).dump(rows) == [{"text": "lathe", "tagged": True}]
