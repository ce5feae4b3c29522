"""Typed settings: the OpenAPI document says each setting's value type, and the
server takes exactly that, refusing another type with a 400 that names the
setting."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, Phase, given, strategies
from hypothesis import settings as hypothesis_settings
from schemathesis import checks

from shopdb.errors import InvalidInputError
from shopdb.models import ADMIN
from shopdb.services import settings
from shopdb.testing.clients import make_callers
from shopdb.testing.fuzzing import CHECKS, operations

pytestmark = pytest.mark.database


@pytest.fixture
def admin(app):
    return make_callers(app)[ADMIN]


@pytest.fixture
def rows(admin):
    listing = admin.get("/api/settings").get_json()["data"]
    return {row["setting"]: row for row in listing}


def body_schemas(app):
    document = app.test_client().get("/api/openapi.json").get_json()
    body = document["paths"]["/api/settings/{itemid}"]["patch"]["requestBody"]
    reference = body["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][reference.rsplit("/", 1)[1]]
    return {branch["title"]: branch for branch in schema["oneOf"]}


def test_the_document_types_each_setting_value(app):
    branches = body_schemas(app)
    anonymous = branches["security.allowanonymousread"]["properties"]
    assert anonymous["setting"]["enum"] == ["security.allowanonymousread"]
    assert anonymous["value"] == {"type": "boolean"}
    assert branches["site.name"]["properties"]["value"]["type"] == "string"
    for branch in branches.values():
        assert branch["required"] == ["setting", "value"]
        assert branch["additionalProperties"] is False
    undeclared = branches["plugin.<name>.<key>"]["properties"]
    assert undeclared["setting"]["pattern"] == settings.PLUGIN_KEY.pattern
    assert undeclared["value"]["nullable"] is True


@pytest.mark.parametrize(
    ("key", "value"),
    [("security.allowanonymousread", True), ("site.name", "Plant 2 Floor")],
)
def test_a_documented_body_is_taken(admin, rows, key, value):
    response = admin.patch(
        f"/api/settings/{rows[key]['settingid']}", json={"setting": key, "value": value}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["data"]["value"] == value


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("security.allowanonymousread", "yes", "takes a boolean value"),
        ("security.allowanonymousread", 1, "takes a boolean value"),
        ("site.name", 5, "takes a string value"),
        ("site.name", None, "takes a string value"),
        ("site.name", "x" * (settings.MAXIMUM_STRING + 1), "at most 1000 characters"),
    ],
)
def test_a_value_of_the_wrong_type_is_a_400_naming_the_setting(admin, rows, key, value, words):
    row = rows[key]
    response = admin.patch(f"/api/settings/{row['settingid']}", json={"value": value})
    assert response.status_code == 400
    error = response.get_json()["data"]["error"]
    assert repr(key) in error["message"] and words in error["message"]
    assert "value" in error["details"]
    after = admin.get(f"/api/settings/{row['settingid']}").get_json()["data"]
    assert after["value"] == row["value"]


def test_a_body_naming_another_setting_is_a_409_and_changes_nothing(admin, rows):
    row = rows["site.name"]
    response = admin.patch(
        f"/api/settings/{row['settingid']}",
        json={"setting": "security.allowanonymousread", "value": True},
    )
    assert response.status_code == 409
    error = response.get_json()["data"]["error"]
    assert "'site.name'" in error["message"] and "security.allowanonymousread" in error["message"]
    after = admin.get(f"/api/settings/{row['settingid']}").get_json()["data"]
    assert after["value"] == row["value"]


def test_a_body_without_the_setting_name_is_still_taken(admin, rows):
    row = rows["site.name"]
    response = admin.patch(f"/api/settings/{row['settingid']}", json={"value": "Plant 3"})
    assert response.status_code == 200
    assert response.get_json()["data"]["value"] == "Plant 3"


def test_generated_setting_changes_are_all_taken(app, admin, rows):
    """What a client built from the document sends to a stored setting is
    taken, or, naming another row's setting, a 409: schemathesis's
    positive_data_acceptance, on the rows that exist (a random id is a 404)."""
    (patch,) = operations(
        app,
        lambda operation: (
            operation.path == "/api/settings/{itemid}" and operation.method.upper() == "PATCH"
        ),
    )
    stored = sorted(row["settingid"] for row in rows.values())
    statuses = []

    # Half the cases go to the row the body names (when it names a stored
    # one): with every declared setting a branch of the body's oneOf, a
    # random row alone would rarely match and the test would see only 409s.
    @given(
        case=patch.as_strategy(),
        itemid=strategies.sampled_from(stored),
        matching=strategies.booleans(),
    )
    @hypothesis_settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,
        phases=[Phase.generate],
    )
    def check(case, itemid, matching):
        named = case.body.get("setting") if isinstance(case.body, dict) else None
        if matching and named in rows:
            itemid = rows[named]["settingid"]
        case.path_parameters = {"itemid": itemid}
        response = case.call_and_validate(
            headers=admin.headers, checks=[*CHECKS, checks.positive_data_acceptance]
        )
        statuses.append(response.status_code)

    check()
    assert 200 in statuses and 409 in statuses


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (2**31, "at most 2147483647"),
        (-(2**31) - 1, "at least -2147483648"),
        (float("nan"), "NaN"),
        (1.5, "takes an integer value"),
    ],
)
def test_integer_settings_take_database_integers(value, words):
    settings.define_setting("plugin.testsettings.count", "integer", 1, "A count")
    try:
        with pytest.raises(InvalidInputError) as refused:
            settings.coerce("plugin.testsettings.count", value)
        assert words in str(refused.value)
        assert settings.coerce("plugin.testsettings.count", 2**31 - 1) == 2**31 - 1
    finally:
        del settings.DEFINITIONS["plugin.testsettings.count"]


def test_declared_bounds_are_in_the_document_and_checked():
    settings.define_setting(
        "plugin.testsettings.days", "integer", 30, "Days", minimum=0, maximum=3650
    )
    try:
        (branch,) = [
            body
            for body in settings.document_bodies()
            if body["title"] == "plugin.testsettings.days"
        ]
        assert branch["properties"]["value"] == {"type": "integer", "minimum": 0, "maximum": 3650}
        with pytest.raises(InvalidInputError, match="at least 0"):
            settings.coerce("plugin.testsettings.days", -1)
        undeclared = settings.document_bodies()[-1]["properties"]["setting"]
        assert "plugin.testsettings.days" in undeclared["not"]["enum"]
    finally:
        del settings.DEFINITIONS["plugin.testsettings.days"]


def test_an_undeclared_plugin_setting_takes_any_json_but_nan():
    key = "plugin.testsettings.anything"
    assert settings.coerce(key, {"a": [1, "b", None]}) == {"a": [1, "b", None]}
    with pytest.raises(InvalidInputError, match="NaN"):
        settings.coerce(key, [float("inf")])
    with pytest.raises(InvalidInputError, match="bytes of JSON"):
        settings.coerce(key, "x" * settings.MAXIMUM_JSON_BYTES)
    assert json.dumps(settings.coerce(key, None)) == "null"
