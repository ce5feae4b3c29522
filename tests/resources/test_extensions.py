"""Asset extensions: a plugin's asset class served as one flat record of the
asset and its own row. The generic suite runs over the test plugin's gadgets,
then the rules only extensions have; last, `sample()` on core resources."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import ForeignKey, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopdb.database import get_database, get_session
from shopdb.models import Asset, AssetType, AuditLog, Base, Vendor
from shopdb.plugins.isolation import ModelSnapshot
from shopdb.resources import Resource
from shopdb.resources.registry import register_resources
from shopdb.testing.databases import count_queries
from shopdb.testing.models import created_tables, imported_models
from shopdb.testing.resources import ResourceCase, ResourceTests, serial
from tests import factories

pytestmark = pytest.mark.database

MODULE = "tests.resources.gadgets"


# Fixtures ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def gadgets() -> Iterator[ModuleType]:
    """The test plugin, imported for this module only."""
    with imported_models(MODULE) as module:
        yield module


@pytest.fixture(scope="module")
def gadget_table(gadgets: ModuleType, migrated_database_url: str) -> Iterator[None]:
    with created_tables(migrated_database_url, [gadgets.Gadget.__table__]):
        yield


@pytest.fixture
def app(app, gadgets, gadget_table):
    """The core app plus the gadget resource, with the asset type registered
    as the plugin's install step would."""
    register_resources(app, [gadgets.GADGETS])
    with app.app_context():
        session = get_session()
        factories.asset_type(session, gadgets.ASSET_TYPE)
        session.commit()
    return app


@pytest.fixture
def body(app, gadgets, callers) -> Callable[..., dict[str, Any]]:
    """body(**values) -> a valid create body (the resource's sample, overridden)."""

    def build(**values: Any) -> dict[str, Any]:
        with app.app_context():
            return {**gadgets.GADGETS.sample(get_session(), serial()), **values}

    return build


@pytest.fixture
def gadget(editor, body) -> Callable[..., dict[str, Any]]:
    """gadget(**values) -> the create reply's data."""

    def create(**values: Any) -> dict[str, Any]:
        response = editor.post("/api/gadgets", json=body(**values))
        assert response.status_code == 201, response.get_json()
        return response.get_json()["data"]

    return create


def audit_trail(app, assetid: int) -> list[tuple[str, str]]:
    with app.app_context():
        query = select(AuditLog).where(
            AuditLog.entitytype.in_(("assets", "gadgets")), AuditLog.entityid == str(assetid)
        )
        entries = get_session().scalars(query.order_by(AuditLog.auditlogid))
        return [(entry.entitytype, entry.action) for entry in entries]


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


# The generic suite -------------------------------------------------------------


class TestGadgets(ResourceTests):
    case = ResourceCase.sampled(
        "gadgets",
        change=lambda session, row: {"name": "Renamed", "firmware": "2.1", "ports": 8},
        unique=("gadgetcode",),
        delete_action="retire",
    )


# Writing -----------------------------------------------------------------------


def test_create_writes_both_rows_with_one_audit_entry_each(app, gadgets, gadget):
    data = gadget(gadgetcode="GC-1", ports=4, name="Sensor hub")
    assert list(data)[:2] == ["assetid", "assetnumber"]
    assert {"assettypeid", "isactive", "createdat", "modifiedat", "firmware"} <= set(data)
    assert {"position", "relationships"} <= set(data)
    with app.app_context():
        session = get_session()
        asset = session.get(Asset, data["assetid"])
        assert (asset.assettype.assettype, asset.assetstatus.assetstatus) == ("gadget", "active")
        assert data["assettypeid"] == asset.assettypeid
        assert asset.name == "Sensor hub"
        row = session.get(gadgets.Gadget, data["assetid"])
        assert (row.gadgetcode, row.ports) == ("GC-1", 4)
        entries = session.scalars(
            select(AuditLog)
            .where(AuditLog.entityid == str(data["assetid"]))
            .where(AuditLog.entitytype.in_(("assets", "gadgets")))
            .order_by(AuditLog.auditlogid)
        ).all()
    assert [(entry.entitytype, entry.action) for entry in entries] == [
        ("assets", "create"),
        ("gadgets", "create"),
    ]
    assert entries[0].requestid is not None
    assert entries[0].requestid == entries[1].requestid
    assert entries[1].changes["gadgetcode"] == {"before": None, "after": "GC-1"}


def test_the_asset_type_is_fixed(editor, body):
    response = editor.post("/api/gadgets", json=body(assettypeid=1))
    assert response.status_code == 400
    assert "assettypeid" in response.get_json()["data"]["error"]["details"]


def test_the_core_assets_endpoint_leaves_a_plugins_type_to_the_plugin(
    app, gadgets, editor, admin, gadget, body
):
    with app.app_context():
        session = get_session()
        owned = factories.asset_type(session, gadgets.ASSET_TYPE)
        owned.pluginname = "gadgets"
        other = factories.asset_type(session, f"plain{serial()}")
        owned_id, other_id = owned.assettypeid, other.assettypeid
        plain = app.extensions["shopdb.resources"]["assets"].sample(session, serial())
        session.commit()
    plain["assettypeid"] = owned_id
    refused = editor.post("/api/assets", json=plain)
    assert refused.status_code == 400
    (reason,) = refused.get_json()["data"]["error"]["details"]["assettypeid"]
    assert "create them at /api/gadgets" in reason
    data = gadget()
    moved = editor.patch(f"/api/assets/{data['assetid']}", json={"assettypeid": other_id})
    assert moved.status_code == 400
    assert "assettypeid" in moved.get_json()["data"]["error"]["details"]
    assert editor.get(f"/api/gadgets/{data['assetid']}").get_json()["data"]["assettypeid"] == (
        owned_id
    )
    renamed = editor.patch(f"/api/assets/{data['assetid']}", json={"name": "Renamed"})
    assert renamed.status_code == 200, renamed.get_json()
    unowned = admin.patch(f"/api/assettypes/{owned_id}", json={"pluginname": None})
    assert unowned.status_code == 400


def test_an_unregistered_asset_type_is_a_conflict_that_names_it(app, editor, body):
    payload = body()
    with app.app_context():
        session = get_session()
        session.execute(delete(AssetType).where(AssetType.assettype == "gadget"))
        session.commit()
    response = editor.post("/api/gadgets", json=payload)
    assert response.status_code == 409, response.get_json()
    message = response.get_json()["data"]["error"]["message"]
    assert "'gadget'" in message and "shopdb plugin install" in message


def test_a_duplicate_gadgetcode_is_a_conflict_and_writes_nothing(app, editor, gadget, body):
    gadget(gadgetcode="DUP-1")
    again = body(gadgetcode="DUP-1")
    response = editor.post("/api/gadgets", json=again)
    assert response.status_code == 409
    assert set(response.get_json()["data"]["error"]["details"]) == {"gadgetcode"}
    with app.app_context():
        query = select(func.count()).where(Asset.assetnumber == again["assetnumber"])
        assert get_session().scalar(query) == 0


def test_a_missing_location_is_bad_input_that_names_it(editor, body):
    response = editor.post("/api/gadgets", json=body(locationid=2147483000))
    assert response.status_code == 400
    assert set(response.get_json()["data"]["error"]["details"]) == {"locationid"}


def test_a_patch_that_changes_nothing_writes_nothing(app, gadgets, editor, gadget):
    data = gadget(name="Hub", firmware="1.0")
    url = f"/api/gadgets/{data['assetid']}"
    trail = audit_trail(app, data["assetid"])
    same = editor.patch(url, json={"name": "Hub", "firmware": "1.0", "ports": data["ports"]})
    assert same.status_code == 200
    assert same.get_json()["data"]["modifiedat"] == data["modifiedat"]
    assert audit_trail(app, data["assetid"]) == trail

    # A change to the extension alone is audited there and dates the record.
    changed = editor.patch(url, json={"firmware": "1.1"}).get_json()["data"]
    assert changed["firmware"] == "1.1"
    assert moment(changed["modifiedat"]) > moment(data["modifiedat"])
    assert audit_trail(app, data["assetid"]) == [*trail, ("gadgets", "update")]

    resource = gadgets.GADGETS
    with app.app_context():
        session = get_session()
        row = resource.find(session, data["assetid"])
        assert resource.update(session, row, {"name": "Hub", "firmware": "1.1"}) == {}
        assert resource.update(session, row, {"name": "Hub 2", "ports": 3}) == {
            "name": {"before": "Hub", "after": "Hub 2"},
            "ports": {"before": data["ports"], "after": 3},
        }
        session.rollback()


def test_deleting_retires_the_asset_and_keeps_both_rows(app, gadgets, editor, gadget):
    data = gadget()
    assert editor.delete(f"/api/gadgets/{data['assetid']}").status_code == 204
    after = editor.get(f"/api/gadgets/{data['assetid']}").get_json()["data"]
    assert after["isactive"] is False
    with app.app_context():
        session = get_session()
        assert session.get(Asset, data["assetid"]).assetstatus.assetstatus == "retired"
        assert session.get(gadgets.Gadget, data["assetid"]) is not None
    assert audit_trail(app, data["assetid"])[-1] == ("assets", "retire")


def test_only_an_admin_deletes_for_good_and_both_rows_go(app, gadgets, editor, admin, gadget):
    data = gadget()
    url = f"/api/gadgets/{data['assetid']}"
    assert editor.delete(f"{url}?permanent=true").status_code == 403
    assert admin.delete(f"{url}?permanent=true").status_code == 204
    assert admin.get(url).status_code == 404
    with app.app_context():
        session = get_session()
        assert session.get(Asset, data["assetid"]) is None
        assert session.get(gadgets.Gadget, data["assetid"]) is None
    assert audit_trail(app, data["assetid"])[-2:] == [
        ("gadgets", "delete"),
        ("assets", "delete"),
    ]


def test_a_referenced_gadget_is_not_deleted_for_good(app, gadgets, admin, gadget):
    data = gadget()
    with app.app_context():
        session = get_session()
        machine = factories.asset(session)
        factories.edge(session, session.get(Asset, data["assetid"]), "connectedto", machine)
        session.commit()
    response = admin.delete(f"/api/gadgets/{data['assetid']}?permanent=true")
    assert response.status_code == 409
    error = response.get_json()["data"]["error"]
    assert error["details"]["references"] == {"assetrelationships": 1}
    assert admin.get(f"/api/gadgets/{data['assetid']}").status_code == 200


# Reading -----------------------------------------------------------------------


def test_filters_sort_and_search_reach_both_tables(app, admin, gadget):
    with app.app_context():
        session = get_session()
        hall = factories.location(session, "Hall").locationid
        yard = factories.location(session, "Yard").locationid
        factories.asset(session, assetnumber="G-000", locationid=hall)  # not a gadget
        session.commit()
    gadget(assetnumber="G-001", gadgetcode="ALPHA-7", ports=2, locationid=hall)
    gadget(assetnumber="G-002", gadgetcode="BETA-9", ports=8, locationid=yard)
    gadget(assetnumber="G-003", gadgetcode="GAMMA-3", ports=24, locationid=hall)

    def listed(**query: Any) -> list[str]:
        response = admin.get("/api/gadgets", query_string=query)
        assert response.status_code == 200, response.get_json()
        return [item["assetnumber"] for item in response.get_json()["data"]]

    assert listed() == ["G-001", "G-002", "G-003"]
    assert listed(locationid=hall) == ["G-001", "G-003"]
    assert listed(gadgetcode="BETA-9") == ["G-002"]
    assert listed(portsmin=4, portsmax=10) == ["G-002"]
    assert listed(sort="-assetnumber") == ["G-003", "G-002", "G-001"]
    assert listed(sort="-ports") == ["G-003", "G-002", "G-001"]
    assert listed(q="gamma") == ["G-003"]
    assert listed(q="alpha", locationid=yard) == []


def test_the_list_costs_the_same_queries_for_any_page_size(app, gadgets, admin):
    resource = gadgets.GADGETS
    with app.app_context():
        session = get_session()
        for _ in range(30):
            resource.create(session, resource.sample(session, serial()))
        session.commit()
    engine = get_database(app).engine
    with count_queries(engine) as small:
        assert len(admin.get("/api/gadgets?perpage=1").get_json()["data"]) == 1
    with count_queries(engine) as large:
        assert len(admin.get("/api/gadgets?perpage=50").get_json()["data"]) == 30
    assert large.count == small.count, large.statements


def test_find_by_reaches_asset_and_extension_fields(app, gadgets, gadget):
    data = gadget(gadgetcode="FIND-ME")
    resource = gadgets.GADGETS
    with app.app_context():
        session = get_session()
        assert resource.find_by(session, "gadgetcode", "FIND-ME").assetid == data["assetid"]
        found = resource.find_by(session, "assetnumber", data["assetnumber"])
        assert found.asset.assetnumber == data["assetnumber"]
        assert resource.find_by(session, "gadgetcode", "NO-SUCH") is None
        assert resource.find(session, data["assetid"]).gadgetcode == "FIND-ME"
        assert resource.find(session, 0) is None


def test_a_gadget_shows_the_position_of_the_machine_it_controls(app, editor, gadget):
    data = gadget()
    with app.app_context():
        session = get_session()
        machine = factories.asset(session, mapx=40.0, mapy=50.0)
        factories.edge(session, session.get(Asset, data["assetid"]), "controls", machine)
        session.commit()
        machineid = machine.assetid
    detail = editor.get(f"/api/gadgets/{data['assetid']}").get_json()["data"]
    assert detail["position"] == {
        "mapx": 40.0,
        "mapy": 50.0,
        "rule": "related",
        "assetid": machineid,
        "locationid": None,
    }
    outgoing = detail["relationships"]["outgoing"]
    assert [(edge["relationshiptype"], edge["asset"]["assetid"]) for edge in outgoing] == [
        ("controls", machineid)
    ]


def test_the_openapi_document_shows_flat_records(app):
    schemas = app.test_client().get("/api/openapi.json").get_json()["components"]["schemas"]
    output = schemas["Gadgets"]["properties"]
    assert {"assetid", "assetnumber", "assettypeid", "gadgetcode", "ports"} <= set(output)
    assert {"position", "relationships"} <= set(schemas["GadgetsDetail"]["properties"])
    created = schemas["GadgetsInput"]
    assert {"assetnumber", "locationid", "gadgetcode", "firmware"} <= set(created["properties"])
    assert not {"assetid", "assettypeid", "createdat"} & set(created["properties"])
    assert set(created["required"]) == {"assetnumber", "gadgetcode"}


# Declaring -----------------------------------------------------------------------


def test_an_extension_is_keyed_by_its_asset():
    with pytest.raises(ValueError, match=r"'vendorgadgets'.*assetid"):
        Resource(Vendor, name="vendorgadgets", asset_type="gadget")


def test_an_extension_adds_fields_and_reaches_its_asset(gadgets):
    snapshot = ModelSnapshot.take()
    try:

        class Clash(Base):
            __tablename__ = "clashes"
            assetid: Mapped[int] = mapped_column(ForeignKey("assets.assetid"), primary_key=True)
            serialnumber: Mapped[str | None]
            asset: Mapped[Asset] = relationship()

        class Loose(Base):
            __tablename__ = "looses"
            assetid: Mapped[int] = mapped_column(ForeignKey("assets.assetid"), primary_key=True)

        with pytest.raises(ValueError, match=r"'clashes'.*serialnumber"):
            Resource(Clash, asset_type="clash")
        with pytest.raises(ValueError, match=r"'looses'.*relationship"):
            Resource(Loose, asset_type="loose")
        with pytest.raises(ValueError, match=r"'gadgets'.*nosuchfield"):
            Resource(gadgets.Gadget, asset_type="gadget", filters=("nosuchfield",))
    finally:
        assert snapshot.restore([]) == []


# Samples of core resources ---------------------------------------------------------


@pytest.mark.parametrize("name", ["vendors", "assets", "locations"])
def test_a_core_sample_is_accepted_by_create(app, admin, name):
    resource = app.extensions["shopdb.resources"][name]
    with app.app_context():
        session = get_session()
        factories.asset_type(session)
        session.commit()
        bodies = [resource.sample(session, serial()) for _ in range(2)]
    for sample in bodies:
        response = admin.post(f"/api/{name}", json=sample)
        assert response.status_code == 201, (sample, response.get_json())


def test_a_sample_sets_optional_keys_only_when_a_row_exists(app, gadgets, callers):
    resource = gadgets.GADGETS
    with app.app_context():
        session = get_session()
        assert "locationid" not in resource.sample(session, 1)
        hall = factories.location(session, "Hall")
        factories.location(session, "Yard")
        sample = resource.sample(session, 2)
        assert sample["locationid"] == hall.locationid
        assert set(sample) >= {"assetnumber", "gadgetcode", "assetstatusid"}
        assert sample["gadgetcode"] != resource.sample(session, 3)["gadgetcode"]
        session.rollback()


def test_a_duplicate_in_both_rows_is_one_conflict_naming_each(editor, gadget, body):
    first = gadget(gadgetcode="DUP-2")
    again = body(gadgetcode="DUP-2", assetnumber=first["assetnumber"])
    error = editor.post("/api/gadgets", json=again).get_json()["data"]["error"]
    assert set(error["details"]) == {"gadgetcode", "assetnumber"}
    assert error["message"].startswith("Another gadgets row")
    assert f"assetid {first['assetid']}" in error["details"]["gadgetcode"][0]
