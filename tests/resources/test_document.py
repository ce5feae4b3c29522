"""The OpenAPI document says what the server takes beyond single fields: text
in a query string holds no control characters, and a page past the last is a
404. (A lookup given by name or by id: tests/resources/test_byname.py.)"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies

from shopdb.models import ADMIN
from shopdb.resources.openapischema import QUERY_SPACE, QUERY_TEXT, query_schema
from shopdb.testing.clients import make_callers
from shopdb.testing.fuzzing import operations

pytestmark = pytest.mark.database

CONTROL = re.compile("[\x00-\x1f\x7f]")


@pytest.fixture
def document(app):
    return app.test_client().get("/api/openapi.json").get_json()


def parameters(document, path):
    found = document["paths"][path]["get"]["parameters"]
    return {item["name"]: item["schema"] for item in found}


def test_query_text_says_it_holds_no_control_characters(document):
    vendors = parameters(document, "/api/vendors")
    assert vendors["q"]["pattern"] == QUERY_TEXT
    assert vendors["vendor"]["items"]["pattern"] == QUERY_TEXT
    assert "\\s" not in vendors["sort"]["pattern"]
    assert QUERY_SPACE in vendors["sort"]["pattern"]


def test_a_field_types_spaces_are_never_control_characters_in_a_query():
    schema = query_schema({"type": "string", "pattern": r"^\s*[a-z]+\s*$"})
    pattern = re.compile(schema["pattern"])
    assert pattern.search("\u00a0abc ") and not pattern.search("\x0babc")
    assert query_schema({"type": "string", "format": "date"}) == {
        "type": "string",
        "format": "date",
    }


def test_what_the_query_pattern_allows_the_server_takes(app):
    admin = make_callers(app)[ADMIN]

    @given(
        strategies.from_regex(QUERY_TEXT, fullmatch=True).filter(lambda text: 0 < len(text) <= 200)
    )
    @settings(max_examples=40, derandomize=True, database=None, deadline=None)
    def check(text):
        response = admin.get("/api/vendors", query_string={"q": text, "sort": " -vendor\u00a0"})
        assert response.status_code == 200, (text, response.get_json())

    check()


def test_a_query_with_a_control_character_is_refused_as_documented(app):
    admin = make_callers(app)[ADMIN]
    assert not re.search(QUERY_TEXT, "a\x0bb")
    assert admin.get("/api/vendors?q=a%0Bb").status_code == 400


def test_a_page_past_the_last_is_a_documented_404(app, document):
    admin = make_callers(app)[ADMIN]
    response = admin.get("/api/vendors?page=2")
    assert response.status_code == 404
    assert response.get_json()["data"]["error"]["code"] == "page_out_of_range"
    assert "404" in document["paths"]["/api/vendors"]["get"]["responses"]


def test_schemathesis_follows_the_query_patterns(app):
    """What a generator makes of the document's query patterns: never a
    control character (schemathesis drops a pattern it cannot read, as it
    did one naming the surrogate range, and then sends anything)."""
    lists = operations(
        app,
        lambda operation: (
            operation.method.upper() == "GET"
            and operation.path in ("/api/vendors", "/api/users", "/api/assets")
        ),
    )
    assert len(lists) == 3
    found = []
    for operation in lists:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=30,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            for name, value in (case.query or {}).items():
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, str) and CONTROL.search(item):
                        found.append((case.path, name, item))

        check()
    assert found == []
