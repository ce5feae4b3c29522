"""The HTTP tests share one app: seeded, plain-HTTP cookies, emptied afterwards."""

from __future__ import annotations

import pytest

from tests.http.auth_support import seeded_app


@pytest.fixture
def app(make_app, migrated_database_url):
    yield from seeded_app(make_app, migrated_database_url)
