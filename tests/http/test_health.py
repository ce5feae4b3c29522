"""Liveness says the process is up; readiness says the database is usable."""

from __future__ import annotations

import pytest

from shopdb.database import get_database
from shopdb.services import migrations

pytestmark = pytest.mark.database


def test_health_answers_without_a_database(empty_app):
    response = empty_app.test_client().get("/api/health")
    assert response.status_code == 200
    assert response.get_json() == {"data": {"status": "ok"}}


def test_ready_is_503_until_the_schema_is_current(empty_app):
    client = empty_app.test_client()
    with get_database(empty_app).engine.connect():
        pass
    response = client.get("/api/health/ready")
    assert response.status_code == 503
    error = response.get_json()["data"]["error"]
    assert error["code"] == "not_ready"
    assert "shopdb db upgrade" in error["message"]
    assert "sqlite" not in error["message"]
    migrations.upgrade(get_database(empty_app).engine)
    response = client.get("/api/health/ready")
    assert response.status_code == 200
    assert response.get_json()["data"]["status"] == "ready"


def test_home_page_shows_counts(app):
    response = app.test_client().get("/")
    assert response.status_code == 200
    assert b"ShopDB" in response.data
