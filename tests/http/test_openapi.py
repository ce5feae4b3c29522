"""The OpenAPI document: generated from the validating schemas, valid, and
honest. Schemathesis drives every operation as an admin with generated input
and checks that nothing answers 5xx and every reply matches its documented
schema. Bounded: a fixed number of examples per operation."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate as validate_spec

from shopdb.models import ADMIN
from shopdb.testing.clients import make_callers
from shopdb.testing.fuzzing import fuzz, operations

pytestmark = [pytest.mark.slow, pytest.mark.database]

EXAMPLES_PER_OPERATION = 15


@pytest.fixture
def admin_headers(app):
    return make_callers(app)[ADMIN].headers


def test_the_document_describes_every_resource(app):
    document = app.test_client().get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    for name in app.extensions["shopdb.resources"]:
        assert f"/api/{name}" in paths, name
        assert "get" in paths[f"/api/{name}"]
    assert "/api/auth/login" in paths
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_the_docs_page_uses_only_local_files(app):
    client = app.test_client()
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "http://" not in html and "https://" not in html
    assert client.get("/api/docs/vendor/swagger-ui-bundle.js").status_code == 200


def test_generated_requests_never_fail_the_server(app, admin_headers):
    """Every operation, EXAMPLES_PER_OPERATION generated requests each, as admin.

    See shopdb/testing/fuzzing.py for how the requests are made and checked.
    """
    found = operations(app)
    assert len(found) >= 60
    fuzz(found, headers=admin_headers, examples=EXAMPLES_PER_OPERATION)


def test_the_document_is_valid_openapi(app):
    validate_spec(app.test_client().get("/api/openapi.json").get_json())


def test_each_operation_says_what_it_takes_and_how_it_fails(app):
    paths = app.test_client().get("/api/openapi.json").get_json()["paths"]
    listing = paths["/api/assets"]["get"]
    assert listing["summary"] == "List assets"
    assert "`assetnumber`" in listing["description"] and "`q` searches" in listing["description"]
    assert "Ranges: `<filter>min` and `<filter>max` for" in listing["description"]
    create = paths["/api/assets"]["post"]
    assert "Required: `assetnumber`" in create["description"]
    assert {"400", "401", "403", "409", "413", "415"} <= set(create["responses"])
    item = paths["/api/assets/{itemid}"]
    assert "404" in item["get"]["responses"] and "409" in item["patch"]["responses"]
    assert item["delete"]["description"].startswith("Retires the asset")
    assert paths["/api/vendors/{itemid}"]["delete"]["description"].startswith("Deletes")
