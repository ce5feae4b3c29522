"""A plugin's lookup names are unique in any case too (ADR 0011): the
equipment plugin's lookups refuse a name that differs only in case with a 409
naming the held one, and a machine naming the lookup in another case uses it."""

from __future__ import annotations

import pytest

from tests.bundled.equipment.conftest import LOOKUPS, Site, machinenumber

pytestmark = pytest.mark.database


@pytest.mark.parametrize("resource", sorted(LOOKUPS))
def test_a_lookup_name_that_differs_only_in_case_is_a_conflict(site: Site, resource: str):
    field, _key = LOOKUPS[resource]
    first = site.admin.post(f"/api/{resource}", json={field: f"Case Twin {resource}"})
    assert first.status_code == 201, first.get_json()
    twin = site.admin.post(f"/api/{resource}", json={field: f"CASE TWIN {resource}"})
    assert twin.status_code == 409, twin.get_json()
    details = twin.get_json()["data"]["error"]["details"]
    assert f"Case Twin {resource}" in details[field][0], details


def test_a_machine_naming_a_type_in_another_case_uses_the_held_one(site: Site):
    held = site.admin.post("/api/equipmenttypes", json={"equipmenttype": "Twin Spindle Lathe"})
    assert held.status_code == 201, held.get_json()
    number = machinenumber()
    body = {"assetnumber": number, "machinenumber": number, "equipmenttype": "TWIN SPINDLE LATHE"}
    created = site.editor.post("/api/equipment", json=body)
    assert created.status_code == 201, created.get_json()
    assert (
        created.get_json()["data"]["equipmenttypeid"] == held.get_json()["data"]["equipmenttypeid"]
    )
