"""Rules of particular core resources, beyond what the generic suite checks."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from shopdb.database import get_database, get_session
from shopdb.models import ADMIN, EDITOR, AssetStatus, AuditLog, LocationType, RelationshipType, Role
from shopdb.services import records
from shopdb.testing.clients import make_callers
from shopdb.testing.databases import count_queries

pytestmark = pytest.mark.database


@pytest.fixture
def callers(app):
    return make_callers(app)


@pytest.fixture
def admin(callers):
    return callers[ADMIN]


@pytest.fixture
def editor(callers):
    return callers[EDITOR]


def ids(app):
    with app.app_context():
        session = get_session()
        statuses = dict(
            session.execute(select(AssetStatus.assetstatus, AssetStatus.assetstatusid)).all()
        )
        kinds = dict(
            session.execute(
                select(RelationshipType.relationshiptype, RelationshipType.relationshiptypeid)
            ).all()
        )
        roles = dict(session.execute(select(Role.role, Role.roleid)).all())
        bay = session.scalar(
            select(LocationType.locationtypeid).where(LocationType.locationtype == "bay")
        )
    return statuses, kinds, roles, bay


def create(caller, url, body):
    response = caller.post(url, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


@pytest.fixture
def plant(app, editor, admin):
    """A machine in a bay, a PC that controls it, a switch it hangs off."""
    statuses, kinds, _, bay = ids(app)
    kind = create(admin, "/api/assettypes", {"assettype": "machine", "label": "Machine"})
    hall = create(
        admin, "/api/locations", {"name": "Hall", "locationtypeid": bay, "mapx": 1.0, "mapy": 1.0}
    )

    def asset(number, **values):
        body = {
            "assetnumber": number,
            "assettypeid": kind["assettypeid"],
            "assetstatusid": statuses["active"],
            "locationid": hall["locationid"],
            **values,
        }
        return create(editor, "/api/assets", body)

    machine = asset("M-1", mapx=40.0, mapy=50.0)
    pc = asset("PC-1")
    switch = asset("SW-1", mapx=5.0, mapy=5.0)
    for source, kind_name, target in ((pc, "controls", machine), (pc, "connectedto", switch)):
        create(
            editor,
            "/api/assetrelationships",
            {
                "sourceassetid": source["assetid"],
                "targetassetid": target["assetid"],
                "relationshiptypeid": kinds[kind_name],
            },
        )
    return {"machine": machine, "pc": pc, "switch": switch, "hall": hall, "statuses": statuses}


def test_a_pc_shows_the_position_of_the_machine_it_controls(editor, plant):
    data = editor.get(f"/api/assets/{plant['pc']['assetid']}").get_json()["data"]
    assert data["position"] == {
        "mapx": 40.0,
        "mapy": 50.0,
        "rule": "related",
        "assetid": plant["machine"]["assetid"],
        "locationid": None,
    }
    outgoing = {
        edge["relationshiptype"]: edge["asset"]["assetnumber"]
        for edge in data["relationships"]["outgoing"]
    }
    assert outgoing == {"controls": "M-1", "connectedto": "SW-1"}
    machine = editor.get(f"/api/assets/{plant['machine']['assetid']}").get_json()["data"]
    assert [edge["asset"]["assetnumber"] for edge in machine["relationships"]["incoming"]] == [
        "PC-1"
    ]


def test_asset_detail_takes_a_fixed_number_of_queries(app, editor, plant):
    engine = get_database(app).engine
    with count_queries(engine) as few:
        editor.get(f"/api/assets/{plant['pc']['assetid']}")
    statuses, kinds, _, _ = ids(app)
    for number in range(8):
        extra = create(
            editor,
            "/api/assets",
            {
                "assetnumber": f"X-{number}",
                "assettypeid": plant["machine"]["assettypeid"],
                "assetstatusid": statuses["active"],
            },
        )
        create(
            editor,
            "/api/assetrelationships",
            {
                "sourceassetid": plant["pc"]["assetid"],
                "targetassetid": extra["assetid"],
                "relationshiptypeid": kinds["connectedto"],
            },
        )
    with count_queries(engine) as many:
        response = editor.get(f"/api/assets/{plant['pc']['assetid']}")
    assert len(response.get_json()["data"]["relationships"]["outgoing"]) == 10
    assert many.count == few.count, many.statements


def test_deleting_an_asset_retires_it_and_only_an_admin_deletes_for_good(editor, admin, plant):
    switch = plant["switch"]["assetid"]
    assert editor.delete(f"/api/assets/{switch}").status_code == 204
    data = editor.get(f"/api/assets/{switch}").get_json()["data"]
    assert data["isactive"] is False
    assert data["assetstatusid"] == plant["statuses"]["retired"]
    refused = editor.delete(f"/api/assets/{switch}?permanent=true")
    assert refused.status_code == 403
    referenced = admin.delete(f"/api/assets/{switch}?permanent=true")
    assert referenced.status_code == 409
    assert "assetrelationships" in referenced.get_json()["data"]["error"]["message"]
    edges = admin.get(f"/api/assetrelationships?targetassetid={switch}").get_json()["data"]
    for edge in edges:
        assert (
            admin.delete(f"/api/assetrelationships/{edge['assetrelationshipid']}").status_code
            == 204
        )
    assert admin.delete(f"/api/assets/{switch}?permanent=true").status_code == 204
    assert admin.get(f"/api/assets/{switch}").status_code == 404


def test_referenced_reference_data_cannot_be_deleted(admin, plant):
    response = admin.delete(f"/api/locations/{plant['hall']['locationid']}")
    assert response.status_code == 409
    error = response.get_json()["data"]["error"]
    assert error["details"]["references"]["assets"] == 3


def test_relationships_refuse_self_loops_and_duplicates(app, editor, plant):
    _, kinds, _, _ = ids(app)
    pc = plant["pc"]["assetid"]
    loop = editor.post(
        "/api/assetrelationships",
        json={"sourceassetid": pc, "targetassetid": pc, "relationshiptypeid": kinds["partof"]},
    )
    assert loop.status_code == 400
    assert "targetassetid" in loop.get_json()["data"]["error"]["details"]
    again = editor.post(
        "/api/assetrelationships",
        json={
            "sourceassetid": pc,
            "targetassetid": plant["machine"]["assetid"],
            "relationshiptypeid": kinds["controls"],
        },
    )
    assert again.status_code == 409


def test_a_new_edge_inherits_position_when_its_type_carries_it(editor, plant):
    """Unless told, `controls` and `partof` edges carry position and an
    uplink does not: the stored flag says what the edge does."""
    edges = editor.get(
        "/api/assetrelationships", query_string={"sourceassetid": plant["pc"]["assetid"]}
    ).get_json()["data"]
    flags = {edge["targetassetid"]: edge["inheritsposition"] for edge in edges}
    assert flags == {plant["machine"]["assetid"]: True, plant["switch"]["assetid"]: False}


def test_a_list_narrows_to_a_location_and_everything_below_it(app, admin, editor, plant):
    """`withinlocationid` takes a building and finds what stands in its bays;
    `locationid` stays exact. The tree is walked inside the list's own
    statement: no query more."""
    _, _, _, bay = ids(app)
    hall = plant["hall"]["locationid"]
    building = create(admin, "/api/locations", {"name": "Building", "locationtypeid": bay})
    bay_a = create(
        admin,
        "/api/locations",
        {"name": "Bay A", "locationtypeid": bay, "parentlocationid": building["locationid"]},
    )
    admin.patch(f"/api/locations/{hall}", json={"parentlocationid": bay_a["locationid"]})
    here = {plant[name]["assetid"] for name in ("machine", "pc", "switch")}

    def listed(**query):
        response = editor.get("/api/assets", query_string={"perpage": 500, **query})
        assert response.status_code == 200, response.get_json()
        return {row["assetid"] for row in response.get_json()["data"]}

    assert listed(withinlocationid=building["locationid"]) == here
    assert listed(withinlocationid=bay_a["locationid"]) == here
    assert listed(withinlocationid=hall) == here
    assert listed(locationid=building["locationid"]) == set()
    other = create(admin, "/api/locations", {"name": "Elsewhere", "locationtypeid": bay})
    assert listed(withinlocationid=other["locationid"]) == set()
    assert listed(withinlocationid=[other["locationid"], building["locationid"]]) == here
    engine = get_database(app).engine
    with count_queries(engine) as plain:
        listed()
    with count_queries(engine) as narrowed:
        listed(withinlocationid=building["locationid"])
    assert narrowed.count == plain.count


def test_a_location_cannot_move_under_its_own_descendant(app, admin):
    _, _, _, bay = ids(app)
    site = create(admin, "/api/locations", {"name": "Site", "locationtypeid": bay})
    child = create(
        admin,
        "/api/locations",
        {"name": "Child", "locationtypeid": bay, "parentlocationid": site["locationid"]},
    )
    response = admin.patch(
        f"/api/locations/{site['locationid']}", json={"parentlocationid": child["locationid"]}
    )
    assert response.status_code == 400
    assert "parentlocationid" in response.get_json()["data"]["error"]["details"]
    tree = admin.get("/api/locations/tree").get_json()["data"]
    assert [(node["name"], [c["name"] for c in node["children"]]) for node in tree] == [
        ("Site", ["Child"])
    ]


def test_the_last_active_admin_stays(app, admin):
    _, _, roles, _ = ids(app)
    me = admin.get("/api/users?username=testadmin").get_json()["data"][0]
    for change in ({"isactive": False}, {"roleid": roles["viewer"]}):
        response = admin.patch(f"/api/users/{me['userid']}", json=change)
        assert response.status_code == 409, change
    assert admin.delete(f"/api/users/{me['userid']}").status_code == 409


def test_users_never_show_password_hashes(admin):
    listing = admin.get("/api/users").get_json()["data"]
    assert listing and all(
        "passwordhash" not in user and "password" not in user for user in listing
    )


def test_settings_keep_their_type(admin):
    settings = {row["setting"]: row for row in admin.get("/api/settings").get_json()["data"]}
    anonymous = settings["security.allowanonymousread"]
    assert anonymous["value"] is False
    wrong = admin.patch(f"/api/settings/{anonymous['settingid']}", json={"value": "yes"})
    assert wrong.status_code == 400
    assert "value" in wrong.get_json()["data"]["error"]["details"]


def test_anonymous_reading_follows_the_site_setting(callers, admin, plant):
    anonymous = callers[None]
    assert anonymous.get("/api/assets").status_code == 401
    settings = {row["setting"]: row for row in admin.get("/api/settings").get_json()["data"]}
    flag = settings["security.allowanonymousread"]["settingid"]
    assert admin.patch(f"/api/settings/{flag}", json={"value": True}).status_code == 200
    assert anonymous.get("/api/assets").status_code == 200
    assert anonymous.get(f"/api/assets/{plant['pc']['assetid']}").status_code == 200
    for private in ("/api/users", "/api/settings", "/api/auditlogs", "/api/apitokens"):
        assert anonymous.get(private).status_code == 401, private
    assert anonymous.post("/api/vendors", json={"vendor": "Sneaky"}).status_code == 401


@pytest.mark.parametrize(
    ("options", "status", "code"),
    [
        ({"data": "{not json", "content_type": "application/json"}, 400, "malformed_json"),
        (
            {"data": "vendor=Dell", "content_type": "application/x-www-form-urlencoded"},
            415,
            "unsupported_media_type",
        ),
        ({"json": ["a", "list"]}, 400, "invalid_input"),
        ({"json": {"vendor": "x" * 2_000_000}}, 413, "payload_too_large"),
    ],
)
def test_bad_bodies_get_their_own_errors(admin, options, status, code):
    response = admin.post("/api/vendors", **options)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["data"]["error"]["code"] == code


def test_a_chunked_body_over_the_limit_is_413_not_cut_short(admin, app):
    """Sent without a length (chunked), the body is read up to the limit: a
    body that reaches it is refused as too large, not parsed as broken JSON."""
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = json.dumps({"vendor": "x" * limit}).encode()
    chunked = {
        "headers": {"Transfer-Encoding": "chunked", "Content-Type": "application/json"},
        "environ_overrides": {"wsgi.input_terminated": True},
    }
    response = admin.post("/api/vendors", input_stream=io.BytesIO(body), **chunked)
    assert response.status_code == 413, response.get_json()
    assert response.get_json()["data"]["error"]["code"] == "payload_too_large"
    small = json.dumps({"vendor": "Chunked Tools Inc"}).encode()
    response = admin.post("/api/vendors", input_stream=io.BytesIO(small), **chunked)
    assert response.status_code == 201, response.get_json()


def test_a_conflict_quotes_the_value_as_held(app, admin):
    """Where the database counts two spellings as one (MySQL's collation
    ignores case), the 409 quotes the held spelling, not the one sent."""
    create(admin, "/api/vendors", {"vendor": "Held Spelling AG"})
    response = admin.post("/api/vendors", json={"vendor": "HELD SPELLING AG"})
    if response.status_code == 201:
        return  # this database keeps both spellings apart
    assert response.status_code == 409, response.get_json()
    assert "vendor='Held Spelling AG'" in response.get_json()["data"]["error"]["message"]


def test_a_duplicate_only_the_database_catches_names_the_field(admin, monkeypatch):
    """Two writers checked at the same time and both found the name free; the
    database refuses the second. The 409 still names the field, on every
    database (each driver says which constraint another way)."""
    create(admin, "/api/vendors", {"vendor": "Raced Tools GmbH"})
    monkeypatch.setattr(records, "check_unique", lambda *args, **kwargs: None)
    response = admin.post("/api/vendors", json={"vendor": "Raced Tools GmbH"})
    assert response.status_code == 409, response.get_json()
    error = response.get_json()["data"]["error"]
    assert "written at the same time" in error["message"]
    assert list(error["details"]) == ["vendor"]


def test_each_request_has_its_own_request_id_and_records_the_address(app, editor, plant):
    with app.app_context():
        entries = (
            get_session()
            .scalars(
                select(AuditLog).where(AuditLog.entitytype == "assets", AuditLog.action == "create")
            )
            .all()
        )
    assert len({entry.requestid for entry in entries}) == len(entries)
    assert all(entry.ipaddress for entry in entries)


def test_permissions_are_checked_before_the_body(callers):
    anonymous = callers[None].post("/api/vendors", json={"nosuchfield": 1})
    assert anonymous.status_code == 401
    viewer = callers["viewer"].post("/api/vendors", json={"nosuchfield": 1})
    assert viewer.status_code == 403


def test_the_document_says_invalid_input_is_400(app):
    document = app.test_client().get("/api/openapi.json").get_json()
    post = document["paths"]["/api/vendors"]["post"]["responses"]
    assert "400" in post and "422" not in post


def test_a_misspelt_filter_is_refused_not_ignored(admin):
    response = admin.get("/api/assets?assetnumbr=M-1")
    assert response.status_code == 400
    assert "assetnumbr" in response.get_json()["data"]["error"]["details"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('{"name": ' + "[" * 1000 + "]" * 1000 + "}", "nested deeper than 32 levels"),
        ("[" * 100_000 + "]" * 100_000, "nested deeper than 32 levels"),
        ('{"a": ' * 40 + "1" + "}" * 40, "nested deeper than 32 levels"),
        ("null", "it is null; send a JSON object"),
        ('{"name": "x",}', "not valid JSON (Expecting property name"),
    ],
)
def test_a_body_that_cannot_be_used_is_a_400_that_says_why(admin, body, reason):
    reply = admin.post("/api/assets", data=body, content_type="application/json")
    assert reply.status_code == 400
    error = reply.get_json()["data"]["error"]
    assert error["code"] == "malformed_json" and reason in error["message"]
