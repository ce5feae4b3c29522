"""Lookups given by name (`Resource(by_name=...)`): a test plugin's spools
name their material (required, never created) and their colour (optional,
created when new) instead of sending ids. The names are byte-compared on
every database (case_sensitive_string), so case variants can exist on all
three and the same tests run everywhere."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from shopdb.api import Base, ByName, InvalidInputError, Resource, TimestampMixin
from shopdb.api import case_sensitive_string as name_column
from shopdb.database import get_database, get_session
from shopdb.models import AuditLog
from shopdb.plugins.isolation import ModelSnapshot
from shopdb.resources.registry import register_resources
from shopdb.testing.models import created_tables

pytestmark = pytest.mark.database

URL = "/api/bynspools"


# Fixtures ----------------------------------------------------------------------


def declare() -> SimpleNamespace:
    class BynMaterial(TimestampMixin, Base):
        """Filament materials: a lookup that is never created by name."""

        __tablename__ = "bynmaterials"
        materialid: Mapped[int] = mapped_column(primary_key=True)
        material: Mapped[str] = mapped_column(name_column(40), unique=True)

    class BynColour(TimestampMixin, Base):
        """Colours: a lookup a write may add to by naming a new one."""

        __tablename__ = "byncolours"
        colourid: Mapped[int] = mapped_column(primary_key=True)
        colour: Mapped[str] = mapped_column(name_column(40), unique=True)

    class BynFinish(TimestampMixin, Base):
        """Surface finishes: a lookup with the database's own collation (MySQL's
        ignores case and accents), added to by naming a new one."""

        __tablename__ = "bynfinishes"
        finishid: Mapped[int] = mapped_column(primary_key=True)
        finish: Mapped[str] = mapped_column(String(40), unique=True)

    class BynSpool(TimestampMixin, Base):
        """Filament spools, with a material (required) and a colour."""

        __tablename__ = "bynspools"
        spoolid: Mapped[int] = mapped_column(primary_key=True)
        label: Mapped[str] = mapped_column(name_column(40), unique=True)
        materialid: Mapped[int] = mapped_column(ForeignKey("bynmaterials.materialid"))
        colourid: Mapped[int | None] = mapped_column(ForeignKey("byncolours.colourid"))
        finishid: Mapped[int | None] = mapped_column(ForeignKey("bynfinishes.finishid"))

    class Spools(Resource):
        def prepare(self, session: Any, values: dict[str, Any], instance: Any) -> dict:
            if str(values.get("label", "")).startswith("bad"):
                raise InvalidInputError("Bad label.", {"label": ["Must not start with bad."]})
            return values

    spools = Spools(
        BynSpool,
        filters=("materialid", "colourid"),
        by_name={
            "material": ByName("materialid", BynMaterial.material, label="material"),
            "colour": ByName("colourid", BynColour.colour, label="colour", create=True),
            "finish": ByName("finishid", BynFinish.finish, label="finish", create=True),
        },
    )
    return SimpleNamespace(
        Material=BynMaterial,
        Colour=BynColour,
        Finish=BynFinish,
        Spool=BynSpool,
        resources=[spools, Resource(BynMaterial), Resource(BynColour), Resource(BynFinish)],
    )


@pytest.fixture(scope="module")
def models(migrated_database_url: str) -> Iterator[SimpleNamespace]:
    snapshot = ModelSnapshot.take()
    try:
        declared = declare()
        tables = [
            declared.Material.__table__,
            declared.Colour.__table__,
            declared.Finish.__table__,
            declared.Spool.__table__,
        ]
        with created_tables(migrated_database_url, tables):
            yield declared
    finally:
        assert snapshot.restore([]) == []


@pytest.fixture
def app(app, models):
    register_resources(app, models.resources)
    return app


@pytest.fixture
def rows(app, models):
    """rows(Model, *names) -> their ids, inserted directly (as another site
    or an older version could have)."""

    def insert(model: type, *names: str) -> list[int]:
        column = "material" if model is models.Material else "colour"
        with app.app_context():
            session = get_session()
            made = [model(**{column: name}) for name in names]
            session.add_all(made)
            session.commit()
            return [row.materialid if column == "material" else row.colourid for row in made]

    return insert


_labels = iter(range(1, 10**6))


def post(editor, **values: Any):
    return editor.post(URL, json={"label": f"spool {next(_labels)}", **values})


def created(editor, **values: Any) -> dict[str, Any]:
    response = post(editor, **values)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


def refused(response) -> dict[str, Any]:
    assert response.status_code == 400, response.get_json()
    return response.get_json()["data"]["error"]["details"]


# Matching ----------------------------------------------------------------------


def test_an_exact_name_wins_over_one_that_differs_in_case(editor, models, rows):
    upper, lower = rows(models.Material, "PLA", "pla")
    assert created(editor, material="pla")["materialid"] == lower
    assert created(editor, material="PLA")["materialid"] == upper


def test_a_single_name_that_differs_in_case_is_used(editor, models, rows):
    (petg,) = rows(models.Material, "PETG")
    assert created(editor, material=" petg ")["materialid"] == petg


def test_case_is_ignored_for_letters_beyond_ascii(editor, models, rows):
    (green,) = rows(models.Material, "GRÜN")
    assert created(editor, material="grün")["materialid"] == green


def test_names_that_differ_only_in_case_without_an_exact_one_are_refused(editor, models, rows):
    rows(models.Material, "ABS", "abs")
    (message,) = refused(post(editor, material="Abs"))["material"]
    assert "'ABS'" in message and "'abs'" in message and "materialid" in message


def test_an_unknown_name_is_refused_naming_the_field_and_the_known_ones(editor, models, rows):
    rows(models.Material, "PLA", "PETG")
    details = refused(post(editor, material="nylon"))
    (message,) = details["material"]
    assert "'nylon'" in message and "'PETG'" in message and "/api/bynmaterials" in message


def test_a_name_and_an_id_must_agree(editor, models, rows):
    pla, petg = rows(models.Material, "PLA", "PETG")
    (message,) = refused(post(editor, material="PLA", materialid=petg))["material"]
    assert f"materialid is {petg}" in message
    assert created(editor, material="PLA", materialid=pla)["materialid"] == pla


def test_a_required_lookup_is_asked_for_by_its_name(editor, models, rows):
    details = refused(post(editor))
    assert details == {
        "material": ["Missing data for required field; send material (the name) or materialid."]
    }
    (pla,) = rows(models.Material, "PLA")
    assert created(editor, materialid=pla)["colourid"] is None


def test_name_problems_and_prepare_problems_come_in_one_reply(editor, models):
    details = refused(editor.post(URL, json={"label": "bad one", "material": "nylon"}))
    assert set(details) == {"material", "label"}


def test_an_update_may_name_the_lookup(editor, models, rows):
    pla, petg = rows(models.Material, "PLA", "PETG")
    spool = created(editor, materialid=pla)
    reply = editor.patch(f"{URL}/{spool['spoolid']}", json={"material": "petg"})
    assert reply.status_code == 200, reply.get_json()
    assert reply.get_json()["data"]["materialid"] == petg
    reply = editor.patch(f"{URL}/{spool['spoolid']}", json={"material": "nylon"})
    assert list(refused(reply)) == ["material"]


# Creating ----------------------------------------------------------------------


def test_a_new_name_creates_one_audited_row_that_later_writes_reuse(app, editor, models, rows):
    (pla,) = rows(models.Material, "PLA")
    first = created(editor, materialid=pla, colour="Signal Red")
    again = created(editor, materialid=pla, colour="signal red")
    exact = created(editor, materialid=pla, colour="Signal Red")
    assert first["colourid"] is not None
    assert again["colourid"] == exact["colourid"] == first["colourid"]
    with app.app_context():
        session = get_session()
        assert session.scalars(select(models.Colour.colour)).all() == ["Signal Red"]
        audited = session.scalar(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.entitytype == "byncolours", AuditLog.action == "create")
        )
        assert audited == 1


def test_a_name_the_database_counts_as_a_held_one_is_refused_naming_it(app, editor, models, rows):
    """MySQL's collation ignores accents: there 'Matte Creme' cannot be added
    beside 'Matte Cr\u00e8me', and the reply says so instead of 'retry'. The
    other databases keep both."""
    (material,) = rows(models.Material, "PLA-Creme")
    created(editor, materialid=material, finish="Matte Cr\u00e8me")
    response = post(editor, materialid=material, finish="Matte Creme")
    if get_database(app).backend in ("mysql", "mariadb"):
        (message,) = refused(response)["finish"]
        assert "as the same finish as 'Matte Cr\u00e8me'" in message
    else:
        assert response.status_code == 201, response.get_json()


def test_nothing_is_created_when_the_write_is_refused(app, editor, models):
    refused(post(editor, material="nylon", colour="Ocean Blue"))
    with app.app_context():
        assert get_session().scalars(select(models.Colour)).all() == []


def test_a_nullable_lookup_may_be_named_null(editor, models, rows):
    (pla,) = rows(models.Material, "PLA")
    (red,) = rows(models.Colour, "red")
    spool = created(editor, materialid=pla, colour="RED")
    assert spool["colourid"] == red
    reply = editor.patch(f"{URL}/{spool['spoolid']}", json={"colour": None})
    assert reply.status_code == 200, reply.get_json()
    assert reply.get_json()["data"]["colourid"] is None
    assert "material" in refused(post(editor, material=None))


# Filtering ---------------------------------------------------------------------


def test_a_list_filters_by_name_where_it_filters_by_id(editor, models, rows):
    petg, nylon, other = rows(models.Material, "PETG-F", "Nylon-F", "Other-F")
    first = created(editor, materialid=petg)["spoolid"]
    second = created(editor, materialid=nylon)["spoolid"]
    created(editor, materialid=other)

    def listed(query: str) -> list[int]:
        response = editor.get(f"{URL}?perpage=500&{query}")
        assert response.status_code == 200, response.get_json()
        return [row["spoolid"] for row in response.get_json()["data"]]

    assert listed("material=petg-f") == [first]
    assert sorted(listed("material=PETG-F&material=nylon-f")) == sorted([first, second])
    assert listed("material=no-such-material") == []
    assert listed(f"material=petg-f&materialid={nylon}") == []  # both must hold
    assert "material" in refused(editor.get(f"{URL}?material=" + "x" * 41))


def test_the_name_filters_are_documented(editor):
    spec = editor.get("/api/openapi.json").get_json()
    parameters = {item["name"]: item for item in spec["paths"][URL]["get"]["parameters"]}
    assert "case ignored" in parameters["material"]["description"]
    assert "colour" in parameters


def test_the_document_asks_for_a_required_lookup_by_name_or_by_id(editor):
    """A client generated from the document sends one of the two: without
    either the create is a 400 (materialid is required; colour is not)."""
    spec = editor.get("/api/openapi.json").get_json()
    schema = spec["components"]["schemas"]["BynspoolsInput"]
    assert schema["allOf"] == [
        {"anyOf": [{"required": ["material"]}, {"required": ["materialid"]}]}
    ]
    assert "allOf" not in spec["components"]["schemas"]["BynspoolsUpdate"]
    assert editor.post(URL, json={"label": "no material"}).status_code == 400


# Declaring ---------------------------------------------------------------------


def test_the_name_fields_are_documented_as_input_only(app, editor):
    spec = editor.get("/api/openapi.json").get_json()
    schema = spec["components"]["schemas"]["BynspoolsInput"]["properties"]
    assert schema["material"]["writeOnly"] is True
    assert "instead of its id" in schema["material"]["description"]
    assert "created" in schema["colour"]["description"]
    # In replies the same key is the name object of the lookup (read only).
    shown = spec["components"]["schemas"]["Bynspools"]["properties"]["material"]
    assert shown["readOnly"] is True
    assert "#/components/schemas/LookupName" in str(shown)


def test_a_declaration_that_does_not_fit_is_refused(models):
    with pytest.raises(ValueError, match="not a foreign key to byncolours"):
        Resource(models.Spool, name="x1", by_name={"c": ByName("materialid", models.Colour.colour)})
    with pytest.raises(ValueError, match="not a field the resource writes"):
        Resource(models.Spool, name="x2", by_name={"c": ByName("nosuchid", models.Colour.colour)})
    with pytest.raises(ValueError, match="named like its fields"):
        Resource(
            models.Spool, name="x3", by_name={"label": ByName("colourid", models.Colour.colour)}
        )
