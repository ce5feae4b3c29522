"""Generated requests to the collector endpoint, as schemathesis drives the
core API in tests/http/test_openapi.py: never a 5xx, replies as documented."""

from __future__ import annotations

import pytest

from shopdb.testing.fuzzing import fuzz, operations
from tests.collectors.conftest import PLUGIN_KEY

pytestmark = [pytest.mark.slow, pytest.mark.database]


def test_generated_pushes_never_fail_the_server(site):
    (found,) = operations(site.app, lambda operation: operation.path == site.path)
    fuzz([found], headers={"X-API-Key": PLUGIN_KEY}, examples=40)
