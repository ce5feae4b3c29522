"""Bodies are read as strictly as the OpenAPI document describes them."""

from __future__ import annotations

import pytest

from shopdb.models import EDITOR
from tests.harness.clients import make_callers

pytestmark = pytest.mark.database


@pytest.fixture
def callers(app):
    return make_callers(app)


@pytest.mark.parametrize("value", ["yes", "off", "true", 1, 0, 0.0, None])
def test_a_boolean_field_takes_only_true_or_false(callers, value):
    response = callers[EDITOR].post("/api/vendors", json={"vendor": "x", "isactive": value})
    assert response.status_code == 400, response.get_json()
    details = response.get_json()["data"]["error"]["details"]
    assert "isactive" in details


@pytest.mark.parametrize("value", [True, False])
def test_json_booleans_still_work(callers, value):
    response = callers[EDITOR].post("/api/vendors", json={"vendor": "x", "isactive": value})
    assert response.status_code == 201
    assert response.get_json()["data"]["isactive"] is value


def test_query_strings_keep_their_documented_booleans(callers):
    for value in ("true", "false", "1", "0"):
        assert callers[EDITOR].get(f"/api/vendors?isactive={value}").status_code == 200
