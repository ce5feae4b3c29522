"""POST /api/collector/<plugin> on a site with the device plugin installed:
upsert by the normalised identity, validation, every way to authenticate,
batches and dry runs."""

from __future__ import annotations

from typing import Any

import pymysql
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from shopdb.database import get_session
from shopdb.models import ADMIN, EDITOR, VIEWER, Asset, AuditLog
from shopdb.plugins.runtime import current_runtime
from shopdb.resources.collector import schema_problems
from shopdb.services import records, tokens, users
from shopdb.testing.clients import make_callers
from tests import factories
from tests.collectors.conftest import PLUGIN_KEY, SHARED_KEY, Site, hostname

pytestmark = pytest.mark.database


def record(site: Site, assetid: int) -> dict[str, Any]:
    """The record as the generic endpoint shows it."""
    admin = make_callers(site.app)[ADMIN]
    response = admin.get(f"/api/{site.name}devices/{assetid}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["data"]


def audit_count(site: Site) -> int:
    with site.app.app_context():
        return get_session().scalar(select(func.count()).select_from(AuditLog))


def token_for(site: Site, role: str, scope: str) -> str:
    make_callers(site.app)  # the test users, one per role
    with site.app.app_context():
        session = get_session()
        user = users.find_user(session, f"test{role}")
        _token, plaintext = tokens.create_token(session, user, f"{role} {scope}", scope)
        session.commit()
        return plaintext


# Upsert ---------------------------------------------------------------------------


def test_a_push_creates_then_updates_then_changes_nothing(site):
    name = hostname()
    created = site.pushed({"hostname": name, "cpu": "i5-8500", "memory": 16})
    assert created == {
        "status": "ok",
        "action": "created",
        "assetid": created["assetid"],
        "identityvalue": name.casefold(),
        "dryrun": False,
    }
    assetid = created["assetid"]
    shown = record(site, assetid)
    assert (shown["hostname"], shown["cpu"], shown["memory"]) == (name.casefold(), "i5-8500", 16)
    assert shown["assetnumber"] == name.casefold()  # the plugin's prepare defaults it
    who = f"collector:{site.name}"
    assert site.audit(assetid) == [
        ("assets", "create", who),
        (f"{site.name}devices", "create", who),
    ]

    before = audit_count(site)
    same = site.pushed({"hostname": name, "cpu": "i5-8500", "memory": 16})
    assert (same["action"], same["assetid"]) == ("noop", assetid)
    assert "changes" not in same
    assert audit_count(site) == before  # no write, no audit entry

    changed = site.pushed({"hostname": name, "memory": 32})
    assert (changed["action"], changed["assetid"]) == ("updated", assetid)
    assert changed["changes"] == {"memory": {"before": 16, "after": 32}}
    assert site.audit(assetid)[-1] == (f"{site.name}devices", "update", who)
    assert record(site, assetid)["cpu"] == "i5-8500"  # not pushed, kept


def test_spellings_of_one_hostname_are_one_machine(site):
    name = hostname()
    first = site.pushed({"hostname": name, "cpu": "a"})
    again = site.pushed({"hostname": f"  {name.lower()} ", "cpu": "a"})
    assert (again["action"], again["assetid"]) == ("noop", first["assetid"])
    assert again["identityvalue"] == name.casefold()
    assert site.count(name.casefold()) == 1


def test_an_update_keeps_relationships_and_fields_not_pushed(site):
    name = hostname()
    assetid = site.pushed({"hostname": name, "name": "Cell 4 PC", "serialnumber": "SN1"})["assetid"]
    with site.app.app_context():
        session = get_session()
        machine = factories.asset(session, name="Lathe 7")
        pc = session.get(Asset, assetid)
        factories.edge(session, pc, "controls", machine)
        area = factories.location(session, f"Area {name}")
        pc.locationid = area.locationid
        session.commit()
        areaid = area.locationid

    updated = site.pushed({"hostname": name, "cpu": "i7", "serialnumber": "SN2"})
    assert updated["action"] == "updated"
    shown = record(site, assetid)
    assert (shown["cpu"], shown["serialnumber"]) == ("i7", "SN2")
    assert (shown["name"], shown["locationid"]) == ("Cell 4 PC", areaid)
    (edge,) = shown["relationships"]["outgoing"]
    assert (edge["relationshiptype"], edge["asset"]["name"]) == ("controls", "Lathe 7")


def test_the_api_and_the_collector_agree_on_the_identity(site):
    """The plugin normalises the hostname in its resource as well, so a
    record created through the API is found by the collector."""
    name = hostname()
    editor = make_callers(site.app)[EDITOR]
    response = editor.post(f"/api/{site.name}devices", json={"hostname": f" {name} "})
    assert response.status_code == 201, response.get_json()
    pushed = site.pushed({"hostname": name, "cpu": "x"})
    assert (pushed["action"], pushed["assetid"]) == (
        "updated",
        response.get_json()["data"]["assetid"],
    )


# Validation ----------------------------------------------------------------------


def test_validation_errors_name_each_failing_field(site):
    response = site.push({"hostname": 5, "memory": "lots", "cpu": "x" * 101})
    assert response.status_code == 400
    error = response.get_json()["data"]["error"]
    assert error["code"] == "invalid_input"
    assert set(error["details"]) == {"hostname", "memory", "cpu"}
    assert all(isinstance(messages, list) and messages for messages in error["details"].values())


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"cpu": "i5"}, "hostname"),
        ({"hostname": "   "}, "hostname"),
        ({"hostname": "PC-1", "memory": -1}, "memory"),
        ({"hostname": "PC-1", "lastseen": "yesterday"}, "lastseen"),
        ({"hostname": "PC-1", "colour": "red"}, "colour"),
        (["PC-1"], "_schema"),
        # Checked before the identity is looked up: PostgreSQL refuses a NUL
        # in a query, and no driver sends a lone surrogate.
        ({"hostname": "PC-\u0000-1"}, "hostname"),
        ({"hostname": "PC-\ud800-1"}, "hostname"),
    ],
)
def test_a_bad_record_is_refused_on_its_field(site, body, field):
    response = site.push(body)
    assert response.status_code == 400, response.get_json()
    assert field in response.get_json()["data"]["error"]["details"]


def test_unknown_fields_are_refused_and_nothing_is_written(site):
    name = hostname()
    response = site.push({"hostname": name, "colour": "red"})
    assert response.status_code == 400
    assert response.get_json()["data"]["error"]["details"] == {"colour": ["Unknown field."]}
    assert site.count(name.casefold()) == 0


def test_a_body_that_is_no_json_object(site):
    client = site.app.test_client()
    headers = {"X-API-Key": PLUGIN_KEY}
    assert client.post(site.path, headers=headers).status_code == 400
    broken = client.post(
        site.path, data="{", headers={**headers, "Content-Type": "application/json"}
    )
    assert broken.get_json()["data"]["error"]["code"] == "malformed_json"
    plain = client.post(site.path, data="hostname=x", headers=headers)
    assert plain.status_code == 415


def test_times_are_stored_as_pushed(site):
    name = hostname()
    body = {"hostname": name, "lastseen": "2026-11-26T10:15:30.123456+01:00"}
    assetid = site.pushed(body)["assetid"]
    assert record(site, assetid)["lastseen"] == "2026-11-26T09:15:30.123456+00:00"
    assert site.pushed(body)["action"] == "noop"


# Who may push --------------------------------------------------------------------


def test_the_plugin_key_and_the_shared_key_both_work(site):
    assert site.push({"hostname": hostname()}, key=PLUGIN_KEY).status_code == 200
    bearer = {"Authorization": f"Bearer {SHARED_KEY}"}
    assert site.push({"hostname": hostname()}, key=None, headers=bearer).status_code == 200


def test_a_collector_token_pushes_as_its_user(site):
    token = token_for(site, EDITOR, "collector")
    pushed = site.pushed({"hostname": hostname()}, key=token)
    assert {who for _kind, _action, who in site.audit(pushed["assetid"])} == {f"test{EDITOR}"}


@pytest.mark.parametrize(
    ("role", "scope"), [(EDITOR, "write"), (EDITOR, "read"), (VIEWER, "collector")]
)
def test_a_token_without_the_scope_or_role_is_forbidden(site, role, scope):
    response = site.push({"hostname": hostname()}, key=token_for(site, role, scope))
    assert response.status_code == 403
    assert response.get_json()["data"]["error"]["code"] == "permission_denied"


def test_a_missing_or_wrong_key_is_401_and_says_what_to_send(site):
    missing = site.push({"hostname": hostname()}, key=None)
    assert missing.status_code == 401
    assert "X-API-Key" in missing.get_json()["data"]["error"]["message"]
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = site.push({"hostname": hostname()}, key=PLUGIN_KEY + "x")
    assert wrong.status_code == 401
    assert wrong.get_json()["data"]["error"]["code"] == "invalid_api_key"
    revoked = site.push({"hostname": hostname()}, key="sdb_" + "x" * 43)
    assert revoked.status_code == 401


def test_a_sign_in_token_is_no_collector_key(site):
    admin = make_callers(site.app)[ADMIN]
    assert site.push({"hostname": hostname()}, key=None, headers=admin.headers).status_code == 401


def test_another_plugins_key_is_refused(site):
    other = site.start(COLLECTOR_API_KEY_OTHERPLUGIN=PLUGIN_KEY[::-1])
    assert site.push({"hostname": hostname()}, key=PLUGIN_KEY[::-1], app=other).status_code == 401
    assert site.push({"hostname": hostname()}, key=PLUGIN_KEY, app=other).status_code == 401


# Batches ---------------------------------------------------------------------------


def test_a_batch_reports_each_record_and_keeps_the_good_ones(site):
    first, second = hostname(), hostname()
    body = {
        "records": [
            {"hostname": first, "cpu": "a"},
            {"hostname": second, "memory": -5},
            {"hostname": first.lower(), "cpu": "b"},
            {"hostname": second, "colour": "red"},
            {"hostname": first, "cpu": "b"},
        ]
    }
    data = site.pushed(body)
    assert data["status"] == "partial"
    assert data["counts"] == {"created": 1, "updated": 1, "noop": 1, "error": 2}
    results = data["results"]
    assert [item["index"] for item in results] == [0, 1, 2, 3, 4]
    assert [item.get("action") for item in results] == ["created", None, "updated", None, "noop"]
    assert results[2]["changes"] == {"cpu": {"before": "a", "after": "b"}}
    assert results[1]["status"] == "error"
    assert results[1]["error"]["code"] == "invalid_input"
    assert "memory" in results[1]["error"]["details"]
    assert results[3]["error"]["details"] == {"colour": ["Unknown field."]}
    assert site.count(first.casefold()) == 1 and site.count(second.casefold()) == 0


def test_a_batch_over_the_limit_is_refused_whole(site):
    small = site.start(SHOPDB_COLLECTOR_BATCH_LIMIT="3", **site.keys)
    names = [hostname() for _ in range(4)]
    response = site.push({"records": [{"hostname": name} for name in names]}, app=small)
    assert response.status_code == 413
    assert "at most 3 records" in response.get_json()["data"]["error"]["message"]
    assert all(site.count(name.casefold()) == 0 for name in names)
    assert site.push({"records": [{"hostname": names[0]}] * 3}, app=small).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [({"records": {"hostname": "x"}}, "records"), ({"records": [], "extra": 1}, "extra")],
)
def test_a_malformed_batch_is_refused(site, body, field):
    response = site.push(body)
    assert response.status_code == 400
    assert field in response.get_json()["data"]["error"]["details"]


# Dry runs --------------------------------------------------------------------------


def test_a_dry_run_reports_and_writes_nothing(site):
    name = hostname()
    before = audit_count(site)
    would = site.pushed({"hostname": name, "cpu": "a"}, dryrun=True)
    assert (would["action"], would["assetid"], would["dryrun"]) == ("created", None, True)
    assert site.count(name.casefold()) == 0
    assert audit_count(site) == before

    assetid = site.pushed({"hostname": name, "cpu": "a"})["assetid"]
    before = audit_count(site)
    would = site.pushed({"hostname": name, "cpu": "b"}, dryrun=True)
    assert (would["action"], would["assetid"]) == ("updated", assetid)
    assert would["changes"] == {"cpu": {"before": "a", "after": "b"}}
    assert record(site, assetid)["cpu"] == "a"
    same = site.pushed({"hostname": name, "cpu": "a"}, dryrun=True)
    assert (same["action"], same["assetid"]) == ("noop", assetid)

    batch = site.pushed(
        {"records": [{"hostname": name, "cpu": "c"}, {"hostname": hostname()}]}, dryrun=True
    )
    assert batch["dryrun"] is True
    assert batch["counts"] == {"created": 1, "updated": 1, "noop": 0, "error": 0}
    assert record(site, assetid)["cpu"] == "a"
    assert audit_count(site) == before


def test_a_dry_run_still_checks_the_record(site):
    response = site.push({"hostname": hostname(), "memory": "x"}, dryrun=True)
    assert response.status_code == 400


# Where the endpoint is -----------------------------------------------------------


def test_only_plugins_with_a_collector_schema_have_an_endpoint(site):
    assert site.app.test_client().post(f"/api/collector/{site.plain}").status_code == 404
    assert site.app.test_client().post("/api/collector/nosuchplugin").status_code == 404
    assert site.push({"hostname": hostname()}).status_code == 200


def test_the_openapi_document_describes_the_endpoint(site):
    document = site.app.test_client().get("/api/openapi.json").get_json()
    operation = document["paths"][site.path]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    reference = body["oneOf"][0]["$ref"]
    schema = document["components"]["schemas"][reference.rsplit("/", 1)[1]]
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["hostname"]
    assert schema["properties"]["hostname"]["x-casefold"] is True
    assert body["oneOf"][1]["properties"]["records"]["items"]["$ref"] == reference
    assert {parameter["name"] for parameter in operation["parameters"]} == {"dryrun"}
    assert f"/api/collector/{site.plain}" not in document["paths"]


# Races -----------------------------------------------------------------------------


@pytest.fixture
def collector(site):
    return current_runtime(site.app).get(site.name).parts.collector


@pytest.mark.parametrize("caught_by", ["check", "constraint"])
def test_a_lost_race_to_create_becomes_an_update(site, collector, monkeypatch, caught_by):
    """Another push created the machine between this push's lookup and its
    insert: the insert is refused (by the unique check, or by the database's
    constraint when the check ran too early), and the push finds the winner
    and updates it. The client never hears of the clash."""
    name = hostname()
    assetid = site.pushed({"hostname": name, "cpu": "first"})["assetid"]
    lookups = []
    find_by = collector.resource.find_by

    def late(session, field, value, **options):
        lookups.append(value)
        return None if len(lookups) == 1 else find_by(session, field, value, **options)

    monkeypatch.setattr(collector.resource, "find_by", late)
    if caught_by == "constraint":
        monkeypatch.setattr(records, "check_unique", lambda *args, **kwargs: None)
    pushed = site.pushed({"hostname": name, "cpu": "second"})
    assert (pushed["action"], pushed["assetid"]) == ("updated", assetid)
    assert len(lookups) == 2
    assert site.count(name.casefold()) == 1
    assert record(site, assetid)["cpu"] == "second"


def test_a_real_clash_is_a_conflict_naming_the_field(site):
    """An asset of another kind already has the number the new machine would
    get: running again cannot help, so the push is a 409."""
    name = hostname()
    with site.app.app_context():
        factories.asset(get_session(), assetnumber=name.casefold())
        get_session().commit()
    response = site.push({"hostname": name})
    assert response.status_code == 409
    assert "assetnumber" in response.get_json()["data"]["error"]["details"]
    assert site.count(name.casefold()) == 0


def test_a_lock_the_database_waited_for_in_vain_is_busy_not_run_again(site, collector, monkeypatch):
    """A lock wait timeout already waited the database's whole timeout; eight
    more waits would outlast any proxy. The push is a 503 asking to wait."""
    attempts = []

    def timed_out(session, values):
        attempts.append(values)
        original = pymysql.err.OperationalError(1205, "Lock wait timeout exceeded")
        raise OperationalError("INSERT", {}, original)

    monkeypatch.setattr(collector.resource, "create", timed_out)
    name = hostname()
    response = site.push({"hostname": name})
    assert response.status_code == 503, response.get_json()
    assert response.headers["Retry-After"] == "2"
    assert len(attempts) == 1 and site.count(name.casefold()) == 0


def test_a_deadlock_is_run_again(site, collector, monkeypatch):
    create = collector.resource.create
    failures = []

    def deadlocked_once(session, values):
        if not failures:
            failures.append(values)
            original = pymysql.err.OperationalError(1213, "Deadlock found")
            raise OperationalError("INSERT", {}, original)
        return create(session, values)

    monkeypatch.setattr(collector.resource, "create", deadlocked_once)
    name = hostname()
    assert site.pushed({"hostname": name})["action"] == "created"
    assert len(failures) == 1 and site.count(name.casefold()) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"hostname": "PC-1", "memorymb": 1.0},
        {"hostname": "PC-1", "memorymb": True},
        {"hostname": "PC-1", "memorymb": 2**70},
        {"hostname": "PC-1", "memorymb": 1.5},
        {"hostname": "PC-1\n"},
        {"hostname": ""},
        {"hostname": None},
        {"hostname": "\u00e9" * 300},
        {"hostname": "PC-1", "extra": 1},
        {"hostname": "PC-\ud800-1"},
    ],
)
def test_the_compiled_schema_check_passes_what_the_worded_one_passes(site, body):
    """A record the compiled validator passes skips the worded check: the two
    must agree, or a push would skip errors the reply should word."""
    collector = current_runtime(site.app).get(site.name).parts.collector
    assert collector is not None and collector.quick is not None
    assert collector._surely_valid(body) == (not schema_problems(collector.validator, body))
