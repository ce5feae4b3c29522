"""The API names its lookups: on the demo site with every bundled plugin,
every resource's list and detail replies carry, beside each id that points
at another row, the object naming that row, at a cost that does not grow
with the page."""

from __future__ import annotations

from shopdb.database import get_database
from shopdb.testing.databases import count_queries


def named_resources(app):
    resources = app.extensions["shopdb.resources"].values()
    return [resource for resource in resources if resource.named_lookups]


def test_every_resource_names_its_lookups_in_lists_and_details(demo_app, browser_of):
    client = browser_of("admin")
    resources = named_resources(demo_app)
    assert {"assets", "computers", "equipment", "assetrelationships", "usbissues"} <= {
        resource.name for resource in resources
    }
    named = 0
    for resource in resources:
        reply = client.get(f"/api/{resource.name}?perpage=50")
        assert reply.status_code == 200, resource.name
        rows = reply.get_json()["data"]
        for row in rows:
            for field, lookup in resource.named_lookups.items():
                value = row[field]
                if value is None:
                    assert row[lookup.key] is None, (resource.name, field)
                    continue
                assert row[lookup.key]["id"] == value, (resource.name, field)
                assert isinstance(row[lookup.key]["name"], str), (resource.name, field)
                named += 1
        if rows:
            itemid = rows[0][resource.primary_key]
            detail = client.get(f"/api/{resource.name}/{itemid}").get_json()["data"]
            for field, lookup in resource.named_lookups.items():
                assert (detail[lookup.key] or {}).get("id") == detail[field], resource.name
    assert named > 500


def test_names_are_the_lookup_rows_labels(browser_of):
    client = browser_of("viewer")
    statuses = {
        row["assetstatusid"]: row["assetstatus"]
        for row in client.get("/api/assetstatuses").get_json()["data"]
    }
    computer = client.get("/api/computers?perpage=1").get_json()["data"][0]
    assert computer["assetstatus"] == {
        "id": computer["assetstatusid"],
        "name": statuses[computer["assetstatusid"]],
    }
    edge = client.get("/api/assetrelationships?perpage=1").get_json()["data"][0]
    source = client.get(f"/api/assets/{edge['sourceassetid']}").get_json()["data"]
    assert edge["sourceasset"] == {"id": source["assetid"], "name": source["assetnumber"]}


def test_naming_costs_one_statement_whatever_the_page(demo_app, browser_of):
    client = browser_of("admin")
    engine = get_database(demo_app).engine
    for name in ("assets", "computers", "assetrelationships", "usbissues"):
        counts = []
        for size in (60, 250):
            with count_queries(engine) as counter:
                assert client.get(f"/api/{name}?perpage={size}").status_code == 200
            counts.append(counter.count)
        assert counts[0] == counts[1], (name, counts)
    with count_queries(engine) as named:
        client.get("/api/assets?perpage=50")
    with count_queries(engine) as bare:
        client.get("/api/assets?perpage=50&assetnumber=no-such-asset")
    # Six lookup tables, one statement (an empty page asks none).
    assert named.count - bare.count == 1


def test_the_document_describes_the_name_objects(browser_of):
    spec = browser_of("viewer").get("/api/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    assert set(schemas["LookupName"]["required"]) == {"id", "name"}
    shown = schemas["Computers"]["properties"]["operatingsystem"]
    assert shown["readOnly"] is True
    assert "operatingsystems.operatingsystem" in shown["description"]
