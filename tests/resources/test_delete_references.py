"""A delete counts references only in tables this app's database holds."""

from __future__ import annotations

import importlib

import pytest

from shopdb.plugins.isolation import ModelSnapshot

pytestmark = pytest.mark.database


def test_a_model_imported_but_not_installed_does_not_break_a_delete(app, admin):
    # The applications plugin's model points at vendors; this app runs the
    # core alone, so its table does not exist here. Another test (or a
    # plugin found but not installed) may have imported it in this process.
    snapshot = ModelSnapshot.take()
    try:
        importlib.import_module("shopdb.bundled.applications.models")
        created = admin.post("/api/vendors", json={"vendor": "Orphan Tools"})
        assert created.status_code == 201, created.get_json()
        vendorid = created.get_json()["data"]["vendorid"]
        response = admin.delete(f"/api/vendors/{vendorid}")
        assert response.status_code == 204, response.get_json()
    finally:
        # Forget every plugin module the import pulled in (it imports the computers models).
        snapshot.restore(["shopdb.bundled"])


def test_a_reference_in_a_core_table_still_refuses_the_delete(app, admin):
    vendor = admin.post("/api/vendors", json={"vendor": "Held Tools"}).get_json()["data"]
    model = admin.post(
        "/api/models", json={"modelnumber": "Held 1", "vendorid": vendor["vendorid"]}
    )
    assert model.status_code == 201, model.get_json()
    response = admin.delete(f"/api/vendors/{vendor['vendorid']}")
    assert response.status_code == 409
    assert "models" in response.get_json()["data"]["error"]["message"]
