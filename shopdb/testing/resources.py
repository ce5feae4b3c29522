"""A generic test suite for any resource, core or plugin.

Subclass `ResourceTests`, set `case` to a `ResourceCase` that knows how to
build a valid body, and the subclass runs: list with every declared filter and
sort, pagination edges, search, get, create, update, delete, validation errors,
404s, names unique in any case, the permission matrix (anonymous, viewer,
editor, admin), an audit entry for each write, and a list whose query count
does not grow with the page size.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask, current_app
from marshmallow import fields
from sqlalchemy import Boolean, Date, DateTime, Float, Integer, Numeric, String, select
from sqlalchemy.orm import Session

from shopdb.database import get_database, get_session
from shopdb.models import ADMIN, EDITOR, VIEWER, AuditLog
from shopdb.models.lookups import anycase_indexes
from shopdb.resources.definition import Resource
from shopdb.resources.queries import MAXIMUM_PERPAGE
from shopdb.services.access import Access
from shopdb.services.records import unique_groups
from shopdb.testing.clients import Caller, make_callers
from shopdb.testing.databases import count_queries

ROLE_ORDER = (None, VIEWER, EDITOR, ADMIN)
_serial = itertools.count(1)


def serial() -> int:
    """A number unique within the test run, for unique names."""
    return next(_serial)


@dataclass
class ResourceCase:
    """What the generic suite needs to know about one resource.

    `build(session)` returns a valid create body (creating what it refers to);
    `change(session, row)` a valid partial update of a created row. Resources
    that cannot be created give `existing(session)`, which returns the id of a
    row made another way.
    """

    name: str
    build: Callable[[Session], dict[str, Any]] | None = None
    change: Callable[[Session, dict[str, Any]], dict[str, Any]] | None = None
    existing: Callable[[Session], int] | None = None
    unique: tuple[str, ...] = ()
    delete_action: str = "delete"
    owner_scoped: bool = False  # rows are visible to their owner and admins only
    skip_fields: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def sampled(cls, name: str, **options: Any) -> ResourceCase:
        """A case whose bodies are the resource's own `sample()`, unique per call."""

        def build(session: Session) -> dict[str, Any]:
            return current_app.extensions["shopdb.resources"][name].sample(session, serial())

        return cls(name, build=build, **options)

    @classmethod
    def declared(cls, resource: Resource) -> ResourceCase:
        """A sampled case read from the declaration alone, for resources nobody
        wrote a case for (a site's plugins in the contract suite): the change
        is a fresh sample of the text fields `sample()` makes up and an update
        accepts, the unique field checked is the first single one (the
        resource's own table first), and an asset extension retires on delete."""
        create = resource.schemas.create().fields
        update = resource.schemas.update().fields
        own = resource.model.__table__
        tables = sorted(
            {column.table for column in resource.columns.values()}, key=lambda t: t is not own
        )
        groups = [group for table in tables for group in unique_groups(table)]
        unique = [group for group in groups if len(group) == 1 and group[0] in create]
        made_up = {name for group in groups for name in group} | {
            name for name, field in create.items() if field.required
        }
        changeable = tuple(
            name
            for name, field in create.items()
            if isinstance(field, fields.String)
            and name in made_up
            and name in update
            and name not in resource.create_only
            and name in resource.columns
            and not resource.columns[name].foreign_keys
        )

        name = resource.name  # the app's own declaration is looked up by name

        def change(session: Session, row: dict[str, Any]) -> dict[str, Any]:
            fresh = current_app.extensions["shopdb.resources"][name].sample(session, serial())
            return {field: fresh[field] for field in changeable if field in fresh}

        def existing(session: Session) -> int:
            """A row written through the record method, for a resource the API
            does not create (a history that actions write)."""
            declared = current_app.extensions["shopdb.resources"][name]
            body = declared.sample(session, serial())
            row = declared.create(session, declared.schemas.create().load(body))
            session.flush()
            return getattr(row, declared.primary_key)

        return cls.sampled(
            name,
            change=change if changeable else None,
            unique=unique[0] if unique else (),
            delete_action="retire" if resource.asset_type else "delete",
            existing=None if resource.allow_create else existing,
        )


def allowed(access: Access, role: str | None) -> bool:
    if access is Access.ASSET_READ:
        return role is not None
    if access in (Access.AUTHENTICATED, Access.PERSON):
        # The callers sign in with JWTs, never API tokens.
        return role is not None
    return role is not None and ROLE_ORDER.index(role) >= ROLE_ORDER.index(access.value)


def refused_status(role: str | None) -> int:
    return 401 if role is None else 403


class ResourceTests:
    """Mix into a test class and set `case`."""

    case: ResourceCase

    # Fixtures -----------------------------------------------------------------

    @pytest.fixture
    def callers(self, app: Flask) -> dict[str | None, Caller]:
        return make_callers(app)

    @pytest.fixture
    def resource(self, app: Flask) -> Resource:
        return app.extensions["shopdb.resources"][self.case.name]

    @pytest.fixture
    def url(self) -> str:
        return f"/api/{self.case.name}"

    @pytest.fixture
    def admin(self, callers: dict[str | None, Caller]) -> Caller:
        return callers[ADMIN]

    def body(self, app: Flask) -> dict[str, Any]:
        assert self.case.build, f"{self.case.name}: give `build` to create rows"
        with app.app_context():
            session = get_session()
            built = self.case.build(session)
            session.commit()
        return built

    def make_row(self, app: Flask, admin: Caller, resource: Resource) -> dict[str, Any]:
        """A row of this resource, through the API where the resource allows it."""
        if resource.allow_create and self.case.build:
            response = admin.post(f"/api/{resource.name}", json=self.body(app))
            assert response.status_code == 201, response.get_json()
            return response.get_json()["data"]
        assert self.case.existing, f"{resource.name}: give `existing` or `build`"
        with app.app_context():
            session = get_session()
            itemid = self.case.existing(session)
            session.commit()
        response = admin.get(f"/api/{resource.name}/{itemid}")
        assert response.status_code == 200, response.get_json()
        return response.get_json()["data"]

    def audit_entries(self, app: Flask, resource: Resource, itemid: Any) -> list[AuditLog]:
        with app.app_context():
            query = select(AuditLog).where(
                AuditLog.entitytype.in_(resource.entitytypes), AuditLog.entityid == str(itemid)
            )
            return list(get_session().scalars(query.order_by(AuditLog.auditlogid)))

    # Reading ------------------------------------------------------------------

    def test_list_uses_the_envelope(self, app, admin, resource, url):
        self.make_row(app, admin, resource)
        response = admin.get(url)
        assert response.status_code == 200
        body = response.get_json()
        assert isinstance(body["data"], list) and body["data"]
        pagination = body["meta"]["pagination"]
        assert set(pagination) == {"page", "perpage", "total", "totalpages", "isexact"}
        assert pagination["total"] >= 1
        assert pagination["isexact"] is True
        assert set(body["meta"]) == {"pagination", "next"}

    def test_pagination_edges(self, app, admin, resource, url):
        self.make_row(app, admin, resource)
        self.make_row(app, admin, resource)
        first = admin.get(f"{url}?perpage=1").get_json()
        total = first["meta"]["pagination"]["total"]
        assert len(first["data"]) == 1
        assert first["meta"]["pagination"]["totalpages"] == total
        last = admin.get(f"{url}?perpage=1&page={total}").get_json()
        assert len(last["data"]) == 1
        assert last["meta"]["next"] is None
        # The cursor of page 1 gives page 2, as the page number does.
        second = admin.get(f"{url}?perpage=1&page=2").get_json()
        after = admin.get(url, query_string={"perpage": 1, "cursor": first["meta"]["next"]})
        assert after.status_code == 200, after.get_json()
        assert after.get_json()["data"] == second["data"]
        # Past the last page: a 404, since the page may exist once there are more rows.
        past = admin.get(f"{url}?page={total + 1}&perpage=1")
        assert past.status_code == 404
        assert past.get_json()["data"]["error"]["code"] == "page_out_of_range"
        for query, name in (
            ("page=0", "page"),
            ("perpage=0", "perpage"),
            (f"perpage={MAXIMUM_PERPAGE + 1}", "perpage"),
            ("page=abc", "page"),
        ):
            response = admin.get(f"{url}?{query}")
            assert response.status_code == 400, query
            assert name in response.get_json()["data"]["error"]["details"], query

    def test_every_filter(self, app, admin, resource, url):
        row = self.make_row(app, admin, resource)
        self.make_row(app, admin, resource)
        response = admin.get(url, query_string={"nosuchfilter": "1"})
        assert response.status_code == 400
        (message,) = response.get_json()["data"]["error"]["details"]["nosuchfilter"]
        assert all(name in message for name in resource.list_filters), message
        for name in resource.filters:
            value = row.get(name)
            if value is None:
                continue
            response = admin.get(url, query_string={name: _query_value(value), "perpage": 500})
            assert response.status_code == 200, (name, response.get_json())
            found = response.get_json()["data"]
            assert found, name
            assert all(item[name] == value for item in found), name
            kind = resource.column(name).type
            if isinstance(kind, Integer | Float | Numeric | Date | DateTime) and not isinstance(
                kind, Boolean
            ):
                between = {f"{name}min": _query_value(value), f"{name}max": _query_value(value)}
                response = admin.get(url, query_string={**between, "perpage": 500})
                assert response.status_code == 200, (name, response.get_json())
                assert row[resource.primary_key] in {
                    item[resource.primary_key] for item in response.get_json()["data"]
                }

    def test_every_sort(self, app, admin, resource, url):
        self.make_row(app, admin, resource)
        self.make_row(app, admin, resource)
        for name in resource.sort:
            for prefix in ("", "-"):
                response = admin.get(url, query_string={"sort": f"{prefix}{name}", "perpage": 500})
                assert response.status_code == 200, (name, response.get_json())
                values = [
                    item[name] for item in response.get_json()["data"] if item[name] is not None
                ]
                if all(isinstance(value, str) for value in values):
                    continue  # collations differ between databases
                assert values == sorted(values, reverse=prefix == "-"), name
        response = admin.get(url, query_string={"sort": "nosuchfield"})
        assert response.status_code == 400
        assert "sort" in response.get_json()["data"]["error"]["details"]

    def test_search(self, app, admin, resource, url):
        if not resource.search:
            pytest.skip("the resource declares no search fields")
        row = self.make_row(app, admin, resource)
        for name, _ in resource.search:
            value = row.get(name)
            if isinstance(value, str) and value:
                response = admin.get(url, query_string={"q": value[:20], "perpage": 500})
                assert response.status_code == 200
                ids = {item[resource.primary_key] for item in response.get_json()["data"]}
                assert row[resource.primary_key] in ids, name
                return
        pytest.skip("no searchable text in the built row")

    def test_get_and_missing(self, app, admin, resource, url):
        row = self.make_row(app, admin, resource)
        itemid = row[resource.primary_key]
        response = admin.get(f"{url}/{itemid}")
        assert response.status_code == 200
        assert response.get_json()["data"][resource.primary_key] == itemid
        for method in ("GET", "PATCH", "DELETE"):
            missing = admin.request(
                method, f"{url}/2147483000", json={} if method == "PATCH" else None
            )
            expected = {404} if method == "GET" else {404, 405}
            assert missing.status_code in expected, method
            if missing.status_code == 404:
                assert missing.get_json()["data"]["error"]["code"] == "not_found"

    def test_list_query_count_does_not_grow_with_page_size(self, app, admin, resource, url):
        for _ in range(3):
            self.make_row(app, admin, resource)
        engine = get_database(app).engine
        with count_queries(engine) as small:
            assert admin.get(f"{url}?perpage=1").status_code == 200
        with count_queries(engine) as large:
            assert admin.get(f"{url}?perpage=100").status_code == 200
        assert large.count == small.count, large.statements

    # Writing ------------------------------------------------------------------

    def test_create_update_delete_are_audited(self, app, admin, resource, url):
        row = self.make_row(app, admin, resource)
        itemid = row[resource.primary_key]
        if resource.allow_create and self.case.build:
            # One entry per row written: an asset extension writes two.
            assert [entry.action for entry in self.audit_entries(app, resource, itemid)] == [
                "create"
            ] * len(resource.entitytypes)
        if resource.allow_update and self.case.change:
            with app.app_context():
                change = self.case.change(get_session(), row)
            response = admin.patch(f"{url}/{itemid}", json=change)
            assert response.status_code == 200, response.get_json()
            data = response.get_json()["data"]
            for key, value in change.items():
                if key in data:
                    assert data[key] == value, (
                        f"{key}: sent {value!r}, the reply holds {data[key]!r}; a resource "
                        "that stores another form than it is sent overrides sample() so "
                        "the sample is in the stored form"
                    )
            entries = self.audit_entries(app, resource, itemid)
            written = [entry for entry in entries if entry.requestid == entries[-1].requestid]
            assert {entry.action for entry in written} == {"update"}
            changed = {key for entry in written for key in entry.changes}
            assert changed >= {key for key in change if key in data}
            assert {entry.username for entry in written} == {f"test{ADMIN}"}
            unchanged = admin.patch(f"{url}/{itemid}", json=change)
            assert unchanged.status_code == 200
            assert len(self.audit_entries(app, resource, itemid)) == len(entries)
        if resource.allow_delete:
            response = admin.delete(f"{url}/{itemid}")
            assert response.status_code == 204, response.get_json()
            assert self.audit_entries(app, resource, itemid)[-1].action == self.case.delete_action
            if self.case.delete_action == "delete":
                assert admin.get(f"{url}/{itemid}").status_code == 404

    def test_invalid_input_names_the_field(self, app, admin, resource, url):
        if not (resource.allow_create and self.case.build):
            pytest.skip("the resource cannot be created through the API")
        body = self.body(app)
        cases = [({**body, "nosuchfield": 1}, "nosuchfield")]
        inputs = resource.schemas.create().fields
        for name in body:
            if name in self.case.skip_fields or name not in resource.columns:
                continue
            column = resource.column(name)
            kind = column.type
            if isinstance(kind, Boolean):
                cases.append(({**body, name: "maybe"}, name))
            elif isinstance(kind, Integer):
                cases.append(({**body, name: "not a number"}, name))
                if name.endswith("id") and column.foreign_keys:
                    cases.append(({**body, name: 2147483000}, name))
            elif isinstance(kind, Float):
                cases.append(({**body, name: "north"}, name))
            elif isinstance(kind, String):
                cases.append(({**body, name: 12}, name))
                if kind.length:
                    cases.append(({**body, name: "x" * (kind.length + 1)}, name))
            if inputs[name].required:
                cases.append(({key: v for key, v in body.items() if key != name}, name))
        for payload, name in cases:
            response = admin.post(url, json=payload)
            assert response.status_code == 400, (name, payload, response.get_json())
            error = response.get_json()["data"]["error"]
            assert name in error["details"], (name, error)

    def test_unique_values_conflict(self, app, admin, resource, url):
        if not self.case.unique:
            pytest.skip("no unique fields declared for the test")
        body = self.body(app)
        assert admin.post(url, json=body).status_code == 201
        again = self.body(app)
        again.update({name: body[name] for name in self.case.unique})
        response = admin.post(url, json=again)
        assert response.status_code == 409, response.get_json()
        details = response.get_json()["data"]["error"]["details"]
        assert set(self.case.unique) <= set(details)

    def test_names_unique_in_any_case(self, app, admin, resource, url):
        """A name declared unique in any case (`unique_in_any_case`, ADR 0011)
        cannot be stored twice in different cases, "Laser" and "LASER", on
        any database: the second is a 409 naming the field and the held name."""
        columns = [
            index.info["anycase"]
            for index in anycase_indexes([resource.model.__table__])
            if index.info["anycase"] in resource.writable
        ]
        if not columns:
            pytest.skip("no name declared unique in any case")
        if not (resource.allow_create and self.case.build):
            pytest.skip("the resource cannot be created through the API")
        for name in columns:
            length = resource.column(name).type.length or 50
            held = f"Laser {serial()}"[:length]
            first = admin.post(url, json={**self.body(app), name: held})
            assert first.status_code == 201, (name, first.get_json())
            twin = admin.post(url, json={**self.body(app), name: held.upper()})
            assert twin.status_code == 409, (name, twin.get_json())
            details = twin.get_json()["data"]["error"]["details"]
            assert name in details, (name, details)
            assert held in str(details[name]), (name, details)

    def test_permission_matrix(self, app, callers, admin, resource, url):
        row = self.make_row(app, admin, resource)
        itemid = row[resource.primary_key]
        for role in ROLE_ORDER:
            caller = callers[role]
            reading = caller.get(url)
            expected = 200 if allowed(resource.read, role) else refused_status(role)
            assert reading.status_code == expected, (role, "list", reading.get_json())
            one = caller.get(f"{url}/{itemid}")
            hidden = self.case.owner_scoped and role not in (None, ADMIN)
            assert one.status_code == (404 if hidden else expected), (role, "get")
            writing_allowed = allowed(resource.write, role)
            if resource.allow_create and self.case.build:
                response = caller.post(url, json=self.body(app))
                expected = 201 if writing_allowed else refused_status(role)
                assert response.status_code == expected, (role, "create", response.get_json())
            if hidden:
                continue  # someone else's row: the 404 above already says enough
            if resource.allow_update and not writing_allowed:
                response = caller.patch(f"{url}/{itemid}", json={})
                assert response.status_code == refused_status(role), (role, "update")
            if resource.allow_delete and not writing_allowed:
                response = caller.delete(f"{url}/{itemid}")
                assert response.status_code == refused_status(role), (role, "delete")


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
