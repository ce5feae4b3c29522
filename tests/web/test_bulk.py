"""The write side of the generic pages on each database: bulk actions on
selected rows (one save_many, audited per record, all or nothing), the
stale-edit check shared by the edit form and the API's If-Match, and the
delete preview. Pages are driven with bearer tokens (no CSRF cookie to
carry); the demo-site tests in test_write_pages.py cover the cookie path."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from shopdb.database import get_database, get_session
from shopdb.models import ADMIN, EDITOR, VIEWER, Asset, AssetStatus, AuditLog, ProductModel, Vendor
from shopdb.resources.definition import ASSET_BULK_FIELDS, Resource
from shopdb.testing.clients import Caller, make_callers
from shopdb.testing.databases import count_queries
from tests import factories

pytestmark = pytest.mark.database


@pytest.fixture
def callers(app) -> dict[str | None, Caller]:
    return make_callers(app)


@pytest.fixture
def assets(app, callers) -> list[int]:
    """Sixty assets, active, and the status ids by name."""
    with app.app_context():
        session = get_session()
        rows = [factories.asset(session, name=f"Bulk asset {number}") for number in range(60)]
        ids = [row.assetid for row in rows]
        session.commit()
    return ids


def status_id(app, name: str) -> int:
    with app.app_context():
        query = select(AssetStatus.assetstatusid).where(AssetStatus.assetstatus == name)
        return get_session().scalar(query)


def audit_entries(app, entitytype: str, ids: list[int], action: str) -> list[str]:
    with app.app_context():
        query = select(AuditLog.entityid).where(
            AuditLog.entitytype == entitytype,
            AuditLog.action == action,
            AuditLog.entityid.in_([str(each) for each in ids]),
        )
        return list(get_session().scalars(query))


def statuses(app, ids: list[int]) -> set[int]:
    with app.app_context():
        query = select(Asset.assetstatusid).where(Asset.assetid.in_(ids))
        return set(get_session().scalars(query))


def bulk(caller: Caller, name: str, ids: list[int], **fields: Any):
    data: dict[str, Any] = {"ids": [str(each) for each in ids], "next": f"/{name}", **fields}
    return caller.post(f"/{name}/bulk", data=data)


# Declaring bulk fields ----------------------------------------------------------


def test_asset_classes_edit_status_location_and_business_unit_in_bulk(app):
    resources = app.extensions["shopdb.resources"]
    assert tuple(resources["assets"].bulk) == ASSET_BULK_FIELDS
    assert tuple(resources["vendors"].bulk) == ()


def test_a_bulk_field_that_is_no_changeable_column_is_refused_at_start():
    with pytest.raises(ValueError, match=r"bulk fields.*'vendorid'"):
        Resource(Vendor, bulk=("vendorid",))


# Bulk edit -------------------------------------------------------------------------


def test_bulk_edit_of_sixty_records_is_one_set_based_write_audited_per_record(app, callers, assets):
    editor = callers[EDITOR]
    retired = status_id(app, "inactive")
    engine = get_database(app).engine
    with count_queries(engine) as few:
        response = bulk(editor, "assets", assets[:5], action="edit", assetstatusid=retired)
    assert response.status_code == 303, response.get_data(True)[-2000:]
    assert statuses(app, assets[:5]) == {retired}
    with count_queries(engine) as many:
        response = bulk(editor, "assets", assets[5:], action="edit", assetstatusid=retired)
    assert response.status_code == 303
    assert response.headers["Location"] == "/assets"
    assert statuses(app, assets) == {retired}
    # Statements do not grow with the number of records.
    assert many.count == few.count, (few.count, many.count)
    entries = audit_entries(app, "assets", assets, "update")
    assert sorted(entries) == sorted(str(each) for each in assets)


def test_fields_left_unchanged_are_not_written(app, callers, assets):
    with app.app_context():
        session = get_session()
        place = factories.location(session, "Bulk hall")
        session.commit()
        placeid = place.locationid
    response = bulk(
        callers[EDITOR], "assets", assets[:3], action="edit", locationid=placeid, assetstatusid=""
    )
    assert response.status_code == 303
    with app.app_context():
        rows = get_session().scalars(select(Asset).where(Asset.assetid.in_(assets[:3]))).all()
        assert {row.locationid for row in rows} == {placeid}
        assert {row.assetstatusid for row in rows} == {status_id(app, "active")}
        changes = get_session().scalars(
            select(AuditLog.changes).where(AuditLog.entityid == str(assets[0]))
        )
        assert [sorted(each) for each in changes if each] == [["locationid"]]


def test_one_refused_record_leaves_every_record_as_it_was(app, callers, monkeypatch):
    """All or nothing: two vendors renamed to one name; the second is a
    duplicate, so the first keeps its name too, and the page names the
    record at fault and why."""
    monkeypatch.setattr(app.extensions["shopdb.resources"]["vendors"], "bulk", ("vendor",))
    with app.app_context():
        session = get_session()
        first, second = Vendor(vendor="Bulk first"), Vendor(vendor="Bulk second")
        session.add_all([first, second])
        session.commit()
        ids = [first.vendorid, second.vendorid]
    response = bulk(callers[ADMIN], "vendors", ids, action="edit", vendor="Bulk same")
    assert response.status_code == 400
    html = response.get_data(True)
    assert "Nothing was changed" in html
    failures = html.split('data-testid="failures"', 1)[1]
    assert f'href="/vendors/{ids[1]}"' in failures
    assert "Bulk same" in failures  # the message names the value taken
    with app.app_context():
        names = get_session().scalars(select(Vendor.vendor).where(Vendor.vendorid.in_(ids)))
        assert sorted(names) == ["Bulk first", "Bulk second"]


def test_a_value_every_record_refuses_is_listed_per_record(app, callers, assets):
    response = bulk(callers[EDITOR], "assets", assets[:3], action="edit", assetstatusid="999999")
    assert response.status_code == 400
    failures = response.get_data(True).split('data-testid="failures"', 1)[1]
    assert all(f'href="/assets/{each}"' in failures for each in assets[:3])
    assert statuses(app, assets[:3]) == {status_id(app, "active")}


def test_a_record_gone_since_it_was_selected_is_named(app, callers, assets):
    response = bulk(callers[EDITOR], "assets", [assets[0], 987654], action="edit", assetstatusid=1)
    assert response.status_code == 400
    assert "#987654" in response.get_data(True)
    assert audit_entries(app, "assets", [assets[0]], "update") == []


def test_nothing_chosen_or_nothing_selected_is_said(app, callers, assets):
    editor = callers[EDITOR]
    assert "at least one field" in bulk(editor, "assets", assets[:2], action="edit").get_data(True)
    response = bulk(editor, "assets", [], action="edit", assetstatusid=1)
    assert response.status_code == 400
    assert "Select at least one record" in response.get_data(True)
    assert bulk(editor, "assets", ["x"], action="edit").status_code == 400


def test_viewers_get_no_bulk_controls_and_a_403(app, callers, assets):
    viewer = callers[VIEWER]
    page = viewer.get("/assets").get_data(True)
    assert 'data-testid="bulkbar"' not in page and "data-select-row" not in page
    response = bulk(viewer, "assets", assets[:2], action="edit", assetstatusid=1)
    assert response.status_code == 403
    assert audit_entries(app, "assets", assets[:2], "update") == []
    editor_page = callers[EDITOR].get("/assets").get_data(True)
    assert 'data-testid="bulkbar"' in editor_page and "data-select-row" in editor_page


# Bulk retire and delete --------------------------------------------------------------


def test_bulk_retire_previews_then_retires_each(app, callers, assets):
    editor = callers[EDITOR]
    preview = bulk(editor, "assets", assets[:4], action="delete")
    assert preview.status_code == 200
    html = preview.get_data(True)
    assert 'data-testid="confirmbulkdelete"' in html and "Retire 4" in html
    assert statuses(app, assets[:4]) == {status_id(app, "active")}
    done = bulk(editor, "assets", assets[:4], action="delete", confirm="1")
    assert done.status_code == 303
    assert statuses(app, assets[:4]) == {status_id(app, "retired")}
    assert len(audit_entries(app, "assets", assets[:4], "retire")) == 4


def test_a_bulk_delete_refused_for_one_record_deletes_none(app, callers):
    with app.app_context():
        session = get_session()
        used, free = Vendor(vendor="Bulk used"), Vendor(vendor="Bulk free")
        session.add_all([used, free])
        session.flush()
        kind = factories.asset_type(session)
        session.add(
            ProductModel(modelnumber="BM-1", vendorid=used.vendorid, assettypeid=kind.assettypeid)
        )
        session.commit()
        ids = [free.vendorid, used.vendorid]
    admin = callers[ADMIN]
    preview = bulk(admin, "vendors", ids, action="delete").get_data(True)
    assert 'data-testid="problems"' in preview
    assert f'href="/models?vendorid={ids[1]}"' in preview
    response = bulk(admin, "vendors", ids, action="delete", confirm="1")
    assert response.status_code == 409
    assert "other rows still reference it" in response.get_data(True)
    with app.app_context():
        count = get_session().scalar(
            select(func.count()).select_from(Vendor).where(Vendor.vendorid.in_(ids))
        )
        assert count == 2


# The delete preview ----------------------------------------------------------------------


def test_the_delete_page_counts_what_references_the_record(app, callers):
    with app.app_context():
        session = get_session()
        vendor = Vendor(vendor="Previewed vendor")
        session.add(vendor)
        session.flush()
        kind = factories.asset_type(session)
        for number in range(3):
            session.add(
                ProductModel(
                    modelnumber=f"PV-{number}",
                    vendorid=vendor.vendorid,
                    assettypeid=kind.assettypeid,
                )
            )
        session.commit()
        vendorid = vendor.vendorid
    page = callers[ADMIN].get(f"/vendors/{vendorid}/delete").get_data(True)
    preview = page.split('data-testid="deletepreview"', 1)[1].split("</section>", 1)[0]
    assert re.search(r"3 in Models", preview), preview
    assert f'href="/models?vendorid={vendorid}"' in preview
    assert 'data-testid="refusal"' in page


def test_the_retire_page_says_it_retires(app, callers, assets):
    page = callers[EDITOR].get(f"/assets/{assets[0]}/delete").get_data(True)
    assert "This asset is retired" in page
    assert 'data-testid="refusal"' not in page


# The stale-edit check ---------------------------------------------------------------------


def test_the_api_refuses_a_change_made_on_an_old_copy(app, callers):
    admin = callers[ADMIN]
    created = admin.post("/api/vendors", json={"vendor": "Etag vendor"}).get_json()["data"]
    url = f"/api/vendors/{created['vendorid']}"
    first = admin.get(url)
    etag = first.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{20}"', etag)
    changed = admin.patch(url, json={"website": "https://one.example"}, headers={"If-Match": etag})
    assert changed.status_code == 200, changed.get_json()
    stale = admin.patch(url, json={"website": "https://two.example"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.get_json()["data"]["error"]["code"] == "precondition_failed"
    assert admin.get(url).get_json()["data"]["website"] == "https://one.example"
    fresh = admin.get(url).headers["ETag"]
    assert fresh != etag
    again = admin.patch(url, json={"website": "https://two.example"}, headers={"If-Match": fresh})
    assert again.status_code == 200
    anyway = admin.patch(url, json={"website": None}, headers={"If-Match": "*"})
    assert anyway.status_code == 200
    # Without If-Match a PATCH writes as before.
    assert admin.patch(url, json={"website": "https://three.example"}).status_code == 200


def test_the_edit_form_says_when_the_record_changed_since_it_was_opened(app, callers):
    admin = callers[ADMIN]
    created = admin.post("/api/vendors", json={"vendor": "Form vendor"}).get_json()["data"]
    itemid = created["vendorid"]
    form = admin.get(f"/vendors/{itemid}/edit").get_data(True)
    version = re.search(r'name="_version" value="([0-9a-f]+)"', form).group(1)
    # Someone else changes it meanwhile.
    assert (
        admin.patch(f"/api/vendors/{itemid}", json={"website": "https://other.example"}).status_code
        == 200
    )
    mine = {"vendor": "Form vendor", "website": "https://mine.example", "_version": version}
    response = admin.post(f"/vendors/{itemid}/edit", data=mine)
    assert response.status_code == 409
    html = response.get_data(True)
    assert 'data-testid="stale"' in html
    assert re.search(r"The last change: update by \S+ at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", html)
    assert f'href="/vendors/{itemid}/edit"' in html
    assert 'value="https://mine.example"' in html  # what the user typed stays
    assert (
        admin.get(f"/api/vendors/{itemid}").get_json()["data"]["website"] == "https://other.example"
    )
    # Saving again on purpose (the form now carries the current version) writes.
    current = re.search(r'name="_version" value="([0-9a-f]+)"', html).group(1)
    response = admin.post(f"/vendors/{itemid}/edit", data={**mine, "_version": current})
    assert response.status_code == 303
    assert (
        admin.get(f"/api/vendors/{itemid}").get_json()["data"]["website"] == "https://mine.example"
    )


def test_an_editor_is_told_when_the_record_changed(app, callers):
    editor = callers[EDITOR]
    itemid = editor.post("/api/vendors", json={"vendor": "Told vendor"}).get_json()["data"][
        "vendorid"
    ]
    form = editor.get(f"/vendors/{itemid}/edit").get_data(True)
    version = re.search(r'name="_version" value="([0-9a-f]+)"', form).group(1)
    assert (
        editor.patch(f"/api/vendors/{itemid}", json={"vendor": "Told vendor 2"}).status_code == 200
    )
    response = editor.post(
        f"/vendors/{itemid}/edit", data={"vendor": "Told vendor 3", "_version": version}
    )
    assert response.status_code == 409
    assert "It was last changed at" in response.get_data(True)
    assert editor.get(f"/api/vendors/{itemid}").get_json()["data"]["vendor"] == "Told vendor 2"
