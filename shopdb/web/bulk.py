"""Actions on the records selected in a list: change the resource's `bulk`
fields, delete (retire) them, or print their asset labels (assets and every
asset class: the core's label print view, /print/assets/labels).

One unit of work per action as the request's actor. A change is one
`Resource.save_many` call (written set-based, audited per record); a delete
is `Resource.delete` per record, each in a savepoint so that every refusal is
found. All or nothing: when any record is refused, the whole action is
rolled back and the page lists each refused record and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from shopdb.database import get_session
from shopdb.errors import InvalidInputError, NotFoundError, ShopDBError
from shopdb.http.envelope import error_parts
from shopdb.http.identity import request_actor
from shopdb.resources.endpoints import ResourceViews
from shopdb.resources.schemas import MAXIMUM_ID
from shopdb.resources.storage import AssetStorage
from shopdb.services.labelsheets import MOST_LABELS, SHEETS, parse_offset, sheet_named
from shopdb.services.unitofwork import unit_of_work
from shopdb.web.deletes import delete_preview, retires
from shopdb.web.forms import FormField, ResourceForm, general_errors
from shopdb.web.locationtree import in_tree_order
from shopdb.web.signin import local_target

if TYPE_CHECKING:
    from shopdb.web.pages import ResourcePages

# Records one action may change: a few pages of the largest page size.
MOST_SELECTED = 1000
IDS_FIELD = "ids"
# The label action's fields (named apart from any resource field).
LABEL_SHEET_FIELD = "labelsheet"
LABEL_OFFSET_FIELD = "labeloffset"


@dataclass
class Failure:
    """A selected record the action was refused for, and why."""

    itemid: Any
    title: str
    messages: list[str]


class RefusedError(Exception):
    """Some selected records cannot take the action: nothing is written."""

    def __init__(self, failures: list[Failure]) -> None:
        super().__init__(f"{len(failures)} records refused")
        self.failures = failures


def may_bulk(pages: ResourcePages) -> bool:
    """Whether the list shows selection boxes and the action bar."""
    resource = pages.resource
    actions = (resource.bulk and resource.allow_update) or resource.allow_delete
    return bool(actions) and pages.may_write()


def may_label(pages: ResourcePages) -> bool:
    """Whether the records are assets, which the asset labels can print."""
    return isinstance(pages.resource.storage, AssetStorage)


def label_sheets() -> list[tuple[str, str, int]]:
    """(name, title, labels a page) of each sheet, for the action's choice."""
    return [(sheet.name, sheet.title, sheet.perpage) for sheet in SHEETS.values()]


def bulk_controls(pages: ResourcePages, session: Session) -> list[FormField]:
    resource = pages.resource
    if not resource.bulk or not resource.allow_update:
        return []
    controls = ResourceForm(resource, pages.site.lookups, creating=False).bulk_fields(session)
    in_tree_order(session, controls, pages.location_fields())
    return controls


def selected_ids() -> list[int]:
    """The posted record ids, each once, in the order given; a value that is
    no record id is a 400 naming it."""
    ids: dict[int, None] = {}
    for text in request.form.getlist(IDS_FIELD):
        try:
            value = int(text)
        except ValueError:
            value = 0
        if not 1 <= value <= MAXIMUM_ID:
            raise RefusedError([Failure(text, text, ["Not a record id."])])
        ids[value] = None
    return list(ids)


def bulk(pages: ResourcePages) -> ResponseReturnValue:
    """POST /<resource>/bulk: `action` edit or delete for the `ids` selected."""
    pages.check_write()
    resource = pages.resource
    back = local_target(request.form.get("next") or url_for("web.list", name=resource.name))
    action = request.form.get("action", "")
    if action == "edit" and not (resource.bulk and resource.allow_update):
        return pages.site.error(405, f"{pages.title()} cannot be changed in bulk here.")
    if action == "delete" and not resource.allow_delete:
        return pages.site.error(405, f"{pages.title()} cannot be deleted here.")
    if action == "labels" and not may_label(pages):
        return pages.site.error(405, f"{pages.title()} are no assets; they have no asset labels.")
    if action not in ("edit", "delete", "labels"):
        return pages.site.error(400, "Choose an action: edit, delete or labels.")
    try:
        ids = selected_ids()
    except RefusedError as refused:
        return refused_page(pages, action, refused.failures, back, 400)
    if not ids:
        return refused_page(pages, action, [], back, 400, "Select at least one record.")
    if len(ids) > MOST_SELECTED:
        message = f"Select at most {MOST_SELECTED} records at a time (you sent {len(ids)})."
        return refused_page(pages, action, [], back, 400, message)
    if action == "edit":
        return edit(pages, ids, back)
    if action == "labels":
        return labels(pages, ids)
    return delete(pages, ids, back)


def labels(pages: ResourcePages, ids: list[int]) -> ResponseReturnValue:
    """Nothing is written: on to the asset labels print view (the core's,
    /print/assets/labels) for the ids, on the sheet chosen, after the labels
    already used; what it would refuse is refused here, as a page."""
    if len(ids) > MOST_LABELS:
        message = f"Select at most {MOST_LABELS} records to print labels (you sent {len(ids)})."
        return pages.site.error(400, message)
    try:
        sheet = sheet_named(request.form.get(LABEL_SHEET_FIELD))
        offset = parse_offset(request.form.get(LABEL_OFFSET_FIELD), sheet)
    except InvalidInputError as error:
        return pages.site.error(400, str(error))
    target = url_for(
        "printviews.print_view",
        plugin="assets",
        view="labels",
        ids=",".join(str(each) for each in ids),
        sheet=sheet.name,
        offset=offset,
    )
    return redirect(target, 303)


def edit(pages: ResourcePages, ids: list[int], back: str) -> ResponseReturnValue:
    resource = pages.resource
    session = get_session()
    raw = ResourceForm(resource, pages.site.lookups, creating=False).read_bulk(request.form)
    if not raw:
        message = "Choose a new value for at least one field; nothing was changed."
        return refused_page(pages, "edit", [], back, 400, message)
    try:
        with unit_of_work(session, request_actor()):
            instances = load(pages, session, ids)
            results = resource.save_many(
                session, [(dict(raw), instance) for instance in instances], actor=request_actor()
            )
            failures = [
                failure(pages, instance, result)
                for instance, result in zip(instances, results, strict=True)
                if isinstance(result, ShopDBError)
            ]
            if failures:
                raise RefusedError(failures)
    except RefusedError as refused:
        return refused_page(pages, "edit", refused.failures, back, 400)
    changed = sum(1 for result in results if getattr(result, "action", "") == "updated")
    same = len(results) - changed
    note = f" ({same} already had these values)" if same else ""
    flash(f"Changed {changed} of {len(results)} {pages.title()} records{note}.", "success")
    return redirect(back, 303)


def delete(pages: ResourcePages, ids: list[int], back: str) -> ResponseReturnValue:
    resource = pages.resource
    session = get_session()
    verb = "Retire" if retires(resource) else "Delete"
    if request.form.get("confirm") != "1":
        instances = load(pages, session, ids, lock=False, missing_ok=True)
        previews = delete_preview(pages.site, resource, session, instances)
        return pages.site.page(
            "web/bulkdelete.html",
            pages=pages,
            resource=resource,
            records=[
                (pages.record_title(pages.output.dump(instance)), preview)
                for instance, preview in zip(instances, previews, strict=True)
            ],
            ids=[preview.itemid for preview in previews],
            verb=verb,
            back=back,
        )
    failures: list[Failure] = []
    try:
        with unit_of_work(session, request_actor()):
            for instance in load(pages, session, ids):
                try:
                    with session.begin_nested():
                        resource.delete(session, instance, actor=request_actor())
                except ShopDBError as error:
                    failures.append(failure(pages, instance, error))
            if failures:
                raise RefusedError(failures)
    except RefusedError as refused:
        return refused_page(pages, "delete", refused.failures, back, 409)
    done = "Retired" if verb == "Retire" else "Deleted"
    flash(f"{done} {len(ids)} {pages.title()} records.", "success")
    return redirect(back, 303)


def load(
    pages: ResourcePages,
    session: Session,
    ids: list[int],
    *,
    lock: bool = True,
    missing_ok: bool = False,
) -> list[Any]:
    """The selected records in the order selected (locked for the write),
    as the resource's views find them; ids that are gone are refused."""
    resource = pages.resource
    if type(pages.views).get_object is ResourceViews.get_object:
        found = resource.find_many_by(session, resource.primary_key, ids, lock=lock)
    else:  # the views narrow what a caller may reach (tokens): ask them
        found = {}
        for itemid in ids:
            try:
                found[itemid] = pages.views.get_object(session, itemid, lock=lock)
            except NotFoundError:
                continue
    missing = [itemid for itemid in ids if itemid not in found]
    if missing and not missing_ok:
        raise RefusedError(
            [
                Failure(itemid, f"#{itemid}", ["There is no such record (any more)."])
                for itemid in missing
            ]
        )
    return [found[itemid] for itemid in ids if itemid in found]


def failure(pages: ResourcePages, instance: Any, error: ShopDBError) -> Failure:
    itemid = getattr(instance, pages.resource.primary_key)
    parts = error_parts(error)
    details = parts[3] if parts else {}
    messages = [str(error)]
    if details:
        messages = (
            general_errors(
                {key: value for key, value in details.items() if key != "references"}, []
            )
            or messages
        )
    return Failure(itemid, pages.record_title(pages.output.dump(instance)), messages)


def refused_page(
    pages: ResourcePages,
    action: str,
    failures: list[Failure],
    back: str,
    status: int,
    message: str = "",
) -> ResponseReturnValue:
    if not message:
        message = (
            f"Nothing was changed: {len(failures)} of the selected records cannot take this "
            "change. Fix them or leave them out, then try again."
        )
    return pages.site.page(
        "web/bulkrefused.html",
        status=status,
        pages=pages,
        resource=pages.resource,
        action=action,
        failures=failures,
        message=message,
        back=back,
    )
