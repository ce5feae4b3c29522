"""List replies dump their rows with RowDumper: the same keys and values as
marshmallow's own dump, over every resource of the demo site."""

from __future__ import annotations

from flask import Flask

from shopdb.database import get_session
from shopdb.resources.registry import RESOURCES_KEY
from shopdb.resources.schemas import RowDumper


def test_every_resource_lists_the_rows_marshmallow_would(demo_app: Flask):
    dumped = 0
    with demo_app.app_context():
        session = get_session()
        for resource in demo_app.extensions[RESOURCES_KEY].values():
            rows = list(session.scalars(resource.scope(resource.select()).limit(50)).unique())
            schema = resource.schemas.output()
            assert RowDumper(schema).dump(rows) == schema.dump(rows, many=True), resource.name
            dumped += len(rows)
    assert dumped > 200
