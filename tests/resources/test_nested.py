"""Nested records: rows of other tables shown inside a record and written with
it. The test plugin's rigs (an asset extension) carry a one-to-one controller
and one-to-many ports; its shelves (a plain table) carry bins. The generic
suite runs over both, then the rules only nested records have."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from types import ModuleType
from typing import Any

import pytest
from marshmallow import fields, validate
from sqlalchemy import func, select

from shopdb.api import HasMany, HasOne, MacAddress
from shopdb.database import get_database, get_session
from shopdb.models import ADMIN, Asset, AuditLog
from shopdb.resources import Resource
from shopdb.resources.registry import register_resources
from shopdb.testing.databases import count_queries
from shopdb.testing.fuzzing import fuzz, operations
from shopdb.testing.models import created_tables, imported_models
from shopdb.testing.resources import ResourceCase, ResourceTests, serial
from tests import factories

pytestmark = pytest.mark.database

MODULE = "tests.resources.rigs"


# Fixtures ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def rigs() -> Iterator[ModuleType]:
    """The test plugin, imported for this module only."""
    with imported_models(MODULE) as module:
        yield module


@pytest.fixture(scope="module")
def rig_tables(rigs: ModuleType, migrated_database_url: str) -> Iterator[None]:
    models = (rigs.Rig, rigs.RigController, rigs.RigPort, rigs.Shelf, rigs.ShelfBin)
    with created_tables(migrated_database_url, [model.__table__ for model in models]):
        yield


@pytest.fixture
def app(app, rigs, rig_tables):
    register_resources(app, [rigs.RIGS, rigs.SHELVES])
    with app.app_context():
        session = get_session()
        factories.asset_type(session, rigs.ASSET_TYPE)
        session.commit()
    return app


@pytest.fixture
def body(app, rigs) -> Callable[..., dict[str, Any]]:
    """body(**values) -> a valid rig create body (the sample, overridden)."""

    def build(**values: Any) -> dict[str, Any]:
        with app.app_context():
            return {**rigs.RIGS.sample(get_session(), serial()), **values}

    return build


@pytest.fixture
def rig(editor, body) -> Callable[..., dict[str, Any]]:
    """rig(**values) -> the create reply's data."""

    def create(**values: Any) -> dict[str, Any]:
        response = editor.post("/api/rigs", json=body(**values))
        assert response.status_code == 201, response.get_json()
        return response.get_json()["data"]

    return create


def port(number: int, **values: Any) -> dict[str, Any]:
    """A port whose MAC (06:...) can never equal one Resource.sample() makes (02:...)."""
    return {"macaddress": f"06:00:00:00:01:{number:02x}", "name": f"eth{number}", **values}


def mac(number: int) -> str:
    return port(number)["macaddress"]


def last_entry(app) -> int:
    with app.app_context():
        return get_session().scalar(select(func.max(AuditLog.auditlogid))) or 0


def entries_since(app, mark: int) -> list[tuple[str, str]]:
    with app.app_context():
        query = select(AuditLog).where(AuditLog.auditlogid > mark).order_by(AuditLog.auditlogid)
        return [(entry.entitytype, entry.action) for entry in get_session().scalars(query)]


def errors(response) -> dict[str, Any]:
    assert response.status_code == 400, response.get_json()
    return response.get_json()["data"]["error"]["details"]


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


# The generic suite -------------------------------------------------------------


class TestRigs(ResourceTests):
    case = ResourceCase.sampled(
        "rigs",
        change=lambda session, row: {"name": "Renamed", "spindles": 3},
        unique=("rigcode",),
        delete_action="retire",
    )


class TestShelves(ResourceTests):
    case = ResourceCase.sampled(
        "shelves", change=lambda session, row: {"name": f"Shelf {serial()}"}, unique=("name",)
    )


# Reading and creating ----------------------------------------------------------


def test_create_writes_every_row_in_one_request(app, editor, rig):
    data = rig(
        controller={"host": " CNC-7.Example.com. ", "port": 8193},
        ports=[port(1, ipaddress="10.0.0.5"), {"macaddress": "AA-BB-CC-00-00-02", "name": "eth1"}],
    )
    assert data["controller"] == {"host": "cnc-7.example.com", "port": 8193, "path": None}
    assert [item["macaddress"] for item in data["ports"]] == [mac(1), "aa:bb:cc:00:00:02"]
    assert set(data["ports"][0]) == {"rigportid", "macaddress", "ipaddress", "name"}
    assert data["ports"][0]["ipaddress"] == "10.0.0.5"

    shown = editor.get(f"/api/rigs/{data['assetid']}").get_json()["data"]
    assert (shown["controller"], shown["ports"]) == (data["controller"], data["ports"])
    listed = editor.get("/api/rigs", query_string={"rigcode": data["rigcode"]}).get_json()
    assert [(item["controller"], item["ports"]) for item in listed["data"]] == [
        (data["controller"], data["ports"])
    ]

    with app.app_context():
        session = get_session()
        created = session.scalar(
            select(AuditLog).where(
                AuditLog.entitytype == "rigs", AuditLog.entityid == str(data["assetid"])
            )
        )
        request = session.scalars(
            select(AuditLog)
            .where(AuditLog.requestid == created.requestid)
            .order_by(AuditLog.auditlogid)
        ).all()
    assert [(entry.entitytype, entry.action) for entry in request] == [
        ("assets", "create"),
        ("rigs", "create"),
        ("rigcontrollers", "create"),
        ("rigports", "create"),
        ("rigports", "create"),
    ]
    assert request[2].entityid == str(data["assetid"])
    assert request[2].changes["host"] == {"before": None, "after": "cnc-7.example.com"}


def test_a_record_without_nested_rows_shows_null_and_an_empty_list(rig):
    data = rig(ports=[])
    assert (data["controller"], data["ports"]) == (None, [])


def test_a_sample_has_one_child_row_and_no_optional_detail(app, rigs):
    with app.app_context():
        session = get_session()
        first, second = (rigs.RIGS.sample(session, number) for number in (1, 2))
    assert "controller" not in first
    assert [set(item) for item in first["ports"]] == [{"macaddress", "name"}]
    assert first["ports"][0]["macaddress"] != second["ports"][0]["macaddress"]


def test_a_required_detail_is_in_every_create_and_never_null(app, rigs):
    strict = Resource(
        rigs.Rig,
        name="strictrigs",
        asset_type=rigs.ASSET_TYPE,
        nested={"controller": HasOne(rigs.RigController, required=True)},
    )
    create = strict.schemas.create().fields["controller"]
    update = strict.schemas.update().fields["controller"]
    assert (create.required, create.allow_none, update.allow_none) == (True, False, False)
    with app.app_context():
        assert set(strict.sample(get_session(), 5)["controller"]) == {"host"}


# Writing one-to-one ------------------------------------------------------------


def test_a_patch_changes_only_the_nested_fields_sent(app, editor, rig):
    data = rig(controller={"host": "a.example", "port": 1, "path": "/x"})
    url = f"/api/rigs/{data['assetid']}"
    mark = last_entry(app)
    changed = editor.patch(url, json={"controller": {"port": 2}}).get_json()["data"]
    assert changed["controller"] == {"host": "a.example", "port": 2, "path": "/x"}
    assert moment(changed["modifiedat"]) > moment(data["modifiedat"])
    assert entries_since(app, mark) == [("rigcontrollers", "update")]

    kept = editor.patch(url, json={"name": "Other"}).get_json()["data"]
    assert kept["controller"] == changed["controller"]


def test_null_deletes_the_detail_and_a_new_one_needs_its_required_fields(app, editor, rig):
    data = rig(name="Before", controller={"host": "a.example", "port": 1})
    url = f"/api/rigs/{data['assetid']}"
    mark = last_entry(app)
    assert editor.patch(url, json={"controller": None}).get_json()["data"]["controller"] is None
    assert entries_since(app, mark) == [("rigcontrollers", "delete")]
    mark = last_entry(app)
    assert editor.patch(url, json={"controller": None}).status_code == 200
    assert entries_since(app, mark) == []

    # No row yet: the partial object of a PATCH must be complete; nothing is written.
    refused = editor.patch(url, json={"name": "After", "controller": {"port": 5}})
    assert errors(refused) == {"controller.host": ["Missing data for required field."]}
    assert editor.get(url).get_json()["data"]["name"] == "Before"

    created = editor.patch(url, json={"controller": {"host": "b.example"}}).get_json()["data"]
    assert created["controller"] == {"host": "b.example", "port": None, "path": None}


# Writing one-to-many -----------------------------------------------------------


def test_a_list_replaces_the_set_and_keeps_the_rows_it_matches(app, editor, rig):
    data = rig(ports=[port(1), port(2, ipaddress="10.0.0.2"), port(3)])
    ids = {item["macaddress"]: item["rigportid"] for item in data["ports"]}
    url = f"/api/rigs/{data['assetid']}"
    mark = last_entry(app)
    # 1 unchanged, 2 renamed (its ipaddress not sent: kept), 3 left out, 4 new
    sent = [port(1), port(2, name="uplink") | {"macaddress": "06-00-00-00-01-02"}, port(4)]
    sent[1].pop("ipaddress", None)
    after = editor.patch(url, json={"ports": sent}).get_json()["data"]["ports"]
    assert [(item["macaddress"], item["name"], item["ipaddress"]) for item in after] == [
        (mac(1), "eth1", None),
        (mac(2), "uplink", "10.0.0.2"),
        (mac(4), "eth4", None),
    ]
    assert after[0]["rigportid"] == ids[mac(1)]
    assert after[1]["rigportid"] == ids[mac(2)]
    assert after[2]["rigportid"] not in (ids[mac(1)], ids[mac(2)])
    assert entries_since(app, mark) == [
        ("rigports", "delete"),
        ("rigports", "update"),
        ("rigports", "create"),
    ]

    mark = last_entry(app)
    assert editor.patch(url, json={"name": "Kept"}).get_json()["data"]["ports"] == after
    assert editor.patch(url, json={"ports": []}).get_json()["data"]["ports"] == []
    assert entries_since(app, mark) == [("assets", "update")] + [("rigports", "delete")] * 3


def test_the_same_payload_twice_changes_nothing(app, rigs, editor, rig):
    payload = {
        "name": "Same",
        "spindles": 2,
        "controller": {"host": "h.example", "port": 7},
        "ports": [port(1, ipaddress="FD00:0:0::5"), port(2)],
    }
    data = rig(**payload)
    assert data["ports"][0]["ipaddress"] == "fd00::5"
    url = f"/api/rigs/{data['assetid']}"
    mark = last_entry(app)
    again = editor.patch(url, json=payload).get_json()["data"]
    assert again["modifiedat"] == data["modifiedat"]
    assert entries_since(app, mark) == []

    resource = rigs.RIGS
    with app.app_context():
        session = get_session()
        row = resource.find(session, data["assetid"])
        values = resource.schemas.update().load(payload, partial=True)
        assert resource.update(session, row, values) == {}
        changes = resource.update(
            session, row, {"controller": {"port": 8}, "ports": [port(1, ipaddress="fd00::5")]}
        )
        session.rollback()
    assert changes == {
        "controller": {
            "before": {"host": "h.example", "port": 7, "path": None},
            "after": {"host": "h.example", "port": 8, "path": None},
        },
        "ports": {"before": data["ports"], "after": data["ports"][:1]},
    }
    assert entries_since(app, mark) == []


# Refusals ----------------------------------------------------------------------


def test_nested_errors_name_the_path(app, editor, body, rig):
    cases = [
        (
            {"controller": {"port": 70000, "nosuchfield": 1}},
            {
                "controller.host": ["Missing data for required field."],
                "controller.port": [
                    "Must be greater than or equal to 1 and less than or equal to 65535."
                ],
                "controller.nosuchfield": ["Unknown field."],
            },
        ),
        ({"controller": "x"}, {"controller._schema": ["Must be a JSON object."]}),
        ({"ports": "x"}, {"ports": ["Not a valid list."]}),
        (
            {"ports": [port(1), {"name": "eth9"}]},
            {"ports.1.macaddress": ["Missing data for required field."]},
        ),
        (
            {"ports": [port(1), port(5) | {"macaddress": "06-00-00-00-01-01"}]},
            {"ports.1.macaddress": ["Repeats item 0; each item needs its own value here."]},
        ),
        ({"ports": [port(1, rigportid=4)]}, {"ports.0.rigportid": ["Unknown field."]}),
    ]
    for values, expected in cases:
        payload = body(**values)
        assert errors(editor.post("/api/rigs", json=payload)) == expected, values
        with app.app_context():
            query = select(func.count()).where(Asset.assetnumber == payload["assetnumber"])
            assert get_session().scalar(query) == 0

    # A PATCH is partial, but each list item stands for a whole row.
    url = f"/api/rigs/{rig()['assetid']}"
    refused = editor.patch(url, json={"ports": [{"name": "eth0"}]})
    assert errors(refused) == {"ports.0.macaddress": ["Missing data for required field."]}


def test_field_types_and_minimums_refuse_with_field_messages(editor, body, admin):
    response = editor.post(
        "/api/rigs",
        json=body(
            spindles=-1,
            controller={"host": "bad_host!"},
            ports=[port(1, ipaddress="300.1.1.1"), {"macaddress": "aa:bb:cc", "name": "x"}],
        ),
    )
    details = errors(response)
    assert details["spindles"] == ["Must be greater than or equal to 0."]
    assert details["controller.host"][0].startswith("Not a host name")
    assert details["ports.0.ipaddress"][0].startswith("Not an IP address")
    assert "aabb.ccdd.eeff" in details["ports.1.macaddress"][0]

    bins = admin.post("/api/shelves", json={"name": "S", "bins": [{"label": "A", "capacity": -2}]})
    assert errors(bins) == {"bins.0.capacity": ["Must be greater than or equal to 0."]}


def test_a_taken_unique_value_in_a_child_is_a_conflict_naming_it(app, editor, body, rig):
    first = rig(ports=[port(9)])
    payload = body(ports=[port(8), port(9, name="other")])
    response = editor.post("/api/rigs", json=payload)
    assert response.status_code == 409, response.get_json()
    error = response.get_json()["data"]["error"]
    (reason,) = error["details"]["ports.1.macaddress"]
    assert reason == error["message"]
    holder = f"assetid {first['assetid']}, assetnumber {first['assetnumber']!r})"
    assert f"{holder} already has macaddress={mac(9)!r}" in reason
    with app.app_context():
        query = select(func.count()).where(Asset.assetnumber == payload["assetnumber"])
        assert get_session().scalar(query) == 0

    other = rig(ports=[port(7)])
    url = f"/api/rigs/{other['assetid']}"
    taken = editor.patch(url, json={"ports": [port(7), port(9)]})
    assert taken.status_code == 409
    assert set(taken.get_json()["data"]["error"]["details"]) == {"ports.1.macaddress"}
    assert editor.get(url).get_json()["data"]["ports"] == other["ports"]
    assert editor.get(f"/api/rigs/{first['assetid']}").get_json()["data"]["ports"] == first["ports"]


def test_a_key_shared_across_parents_is_fine_when_the_constraint_allows_it(admin):
    for name in ("North", "South"):
        response = admin.post(
            "/api/shelves", json={"name": name, "bins": [{"label": "A1", "capacity": 4}]}
        )
        assert response.status_code == 201, response.get_json()
        assert [item["label"] for item in response.get_json()["data"]["bins"]] == ["A1"]


# Deleting ----------------------------------------------------------------------


def test_retiring_keeps_the_nested_rows(editor, rig):
    data = rig(controller={"host": "a.example"}, ports=[port(1)])
    url = f"/api/rigs/{data['assetid']}"
    assert editor.delete(url).status_code == 204
    after = editor.get(url).get_json()["data"]
    assert after["isactive"] is False
    assert (after["controller"], after["ports"]) == (data["controller"], data["ports"])


def test_deleting_for_good_removes_the_nested_rows_first(app, rigs, admin, rig):
    data = rig(controller={"host": "a.example"}, ports=[port(1), port(2)])
    mark = last_entry(app)
    assert admin.delete(f"/api/rigs/{data['assetid']}?permanent=true").status_code == 204
    assert entries_since(app, mark) == [
        ("rigcontrollers", "delete"),
        ("rigports", "delete"),
        ("rigports", "delete"),
        ("rigs", "delete"),
        ("assets", "delete"),
    ]
    with app.app_context():
        session = get_session()
        assert session.get(rigs.RigController, data["assetid"]) is None
        assert session.scalar(select(func.count()).select_from(rigs.RigPort)) == 0


def test_deleting_a_plain_record_removes_its_children_first(app, rigs, admin):
    created = admin.post(
        "/api/shelves",
        json={
            "name": "Gone",
            "bins": [{"label": "A", "capacity": 1}, {"label": "B", "capacity": 0}],
        },
    ).get_json()["data"]
    mark = last_entry(app)
    assert admin.delete(f"/api/shelves/{created['shelfid']}").status_code == 204
    assert entries_since(app, mark) == [
        ("shelfbins", "delete"),
        ("shelfbins", "delete"),
        ("shelves", "delete"),
    ]
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(rigs.ShelfBin)) == 0


# Query counts ------------------------------------------------------------------


def test_a_list_costs_one_query_per_nested_part_whatever_the_page_size(app, rigs, admin):
    resource = rigs.RIGS
    with app.app_context():
        session = get_session()
        for number in range(30):
            values = resource.sample(session, serial())
            values["controller"] = {"host": f"rig{number}.example", "port": 100 + number}
            values["ports"].append(port(number))
            resource.create(session, values)
        session.commit()
    engine = get_database(app).engine
    with count_queries(engine) as small:
        assert len(admin.get("/api/rigs?perpage=1").get_json()["data"]) == 1
    with count_queries(engine) as large:
        page = admin.get("/api/rigs?perpage=50").get_json()["data"]
    assert len(page) == 30
    assert all(item["controller"] and len(item["ports"]) == 2 for item in page)
    assert large.count == small.count, large.statements
    nested = [text for text in large.statements if "FROM rigcontrollers" in text]
    assert len(nested) == 1
    assert len([text for text in large.statements if "FROM rigports" in text]) == 1


def test_a_plain_list_costs_one_query_per_nested_part_too(app, admin):
    for number in range(12):
        bins = [{"label": f"B{index}", "capacity": index} for index in range(3)]
        response = admin.post("/api/shelves", json={"name": f"Shelf {number}", "bins": bins})
        assert response.status_code == 201
    engine = get_database(app).engine
    with count_queries(engine) as small:
        admin.get("/api/shelves?perpage=1")
    with count_queries(engine) as large:
        page = admin.get("/api/shelves?perpage=50").get_json()["data"]
    assert [len(item["bins"]) for item in page] == [3] * 12
    assert large.count == small.count, large.statements


# Declarations ------------------------------------------------------------------


def test_a_wrong_declaration_fails_at_import_and_says_why(rigs):
    bins = HasMany(rigs.ShelfBin, key="label")
    wrong = [
        ({"nested": {"bins": rigs.ShelfBin}}, "must be HasOne"),
        ({"nested": {"bins": HasOne(rigs.ShelfBin)}}, "use HasMany"),
        ({"nested": {"bins": HasMany(rigs.ShelfBin)}}, "needs key="),
        ({"nested": {"bins": HasMany(rigs.ShelfBin, key="shelfid")}}, "needs key="),
        ({"nested": {"ports": HasMany(rigs.RigPort, key="name")}}, "exactly one relationship"),
        ({"nested": {"name": bins}}, "nests under names"),
        ({"nested": {"bins": HasMany(rigs.ShelfBin, key="label", hidden=("x",))}}, "hides"),
        ({"field_rules": {"nosuchfield": MacAddress()}}, "cannot write"),
        ({"field_rules": {"shelfid": validate.Range(min=0)}}, "cannot write"),
        ({"field_rules": {"name": 5}}, "must be a marshmallow field"),
        (
            {"nested": {"bins": HasMany(rigs.ShelfBin, key="label", field_rules={"x": 1})}},
            "'bins' has field rules",
        ),
    ]
    for options, message in wrong:
        with pytest.raises(ValueError, match=message):
            Resource(rigs.Shelf, name="wrongshelves", **options)


def test_a_field_rule_keeps_what_the_column_says(rigs):
    resource = Resource(
        rigs.RigPort,
        name="looseports",
        field_rules={"macaddress": MacAddress(), "name": [validate.Length(min=2)]},
    )
    inputs = resource.schemas.create().fields
    assert isinstance(inputs["macaddress"], MacAddress)
    assert inputs["macaddress"].required and not inputs["macaddress"].allow_none
    assert any(
        isinstance(check, validate.Length) and check.max == 17
        for check in inputs["macaddress"].validators
    )
    assert isinstance(inputs["name"], fields.String)
    assert {type(check) for check in inputs["name"].validators} >= {validate.Length}
    lengths = [check for check in inputs["name"].validators if isinstance(check, validate.Length)]
    # The column's bound and the rule's both hold (a required text also says min 1).
    assert {check.max for check in lengths} >= {30}
    assert {check.min for check in lengths} >= {2}


# OpenAPI -----------------------------------------------------------------------


def test_the_document_shows_the_nested_schemas(app):
    document = app.test_client().get("/api/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    create = schemas["RigsInput"]["properties"]
    assert create["ports"]["type"] == "array"
    assert create["ports"]["items"]["$ref"].endswith("/RigsPortsInput")
    assert schemas["RigsPortsInput"]["required"] == ["macaddress", "name"]
    assert "RigsControllerUpdate" in schemas
    assert "required" not in schemas["RigsControllerUpdate"]
    assert schemas["RigsControllerInput"]["required"] == ["host"]
    assert schemas["RigsControllerInput"]["properties"]["port"]["minimum"] == 1
    output = schemas["Rigs"]["properties"]
    assert set(output) >= {"controller", "ports", "rigcode"}
    assert "rigportid" in schemas["RigsPorts"]["properties"]


@pytest.mark.slow
def test_generated_requests_to_nested_records_never_fail_the_server(app, callers):
    found = operations(app, lambda found: found.path.startswith(("/api/rigs", "/api/shelves")))
    assert len(found) == 16  # five each, and export, template and import each
    fuzz(found, headers=callers[ADMIN].headers, examples=25)
