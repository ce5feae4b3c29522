"""The generic pages of a resource: list, detail, create, edit and delete,
built from its declaration with no template of its own.

`ResourcePages` has the shape of the REST API's `ResourceViews`: each verb is
made of named steps (`list_page`, `get_object`, `detail_data`, `save_record`,
`delete_record`, ...) so that a later change for one resource overrides one
step. The list reuses the REST list's query (`ResourceViews.list_query`, the
resource's own override included) and its two-statement pagination; writes
go through `Resource.save`/`Resource.delete` in one unit of work as the
request's actor, as the REST views do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import Schema, ValidationError
from sqlalchemy import Boolean, select
from sqlalchemy.orm import Session
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import MultiDict

from shopdb.database import get_session
from shopdb.errors import ConflictError, InvalidInputError, StaleRecordError
from shopdb.http.envelope import ApiError
from shopdb.http.identity import authorize, request_actor
from shopdb.models import AuditLog
from shopdb.resources.definition import Resource
from shopdb.resources.endpoints import ResourceViews
from shopdb.resources.naming import name_lookups
from shopdb.resources.queries import (
    DEFAULT_PERPAGE,
    Page,
    build_list_arguments,
    paginate,
)
from shopdb.resources.schemas import camel
from shopdb.services.unitofwork import unit_of_work
from shopdb.web import detail, storedimages
from shopdb.web.bulk import bulk_controls, label_sheets, may_bulk, may_label
from shopdb.web.deletes import delete_preview, retires
from shopdb.web.forms import VERSION_FIELD, ResourceForm, general_errors
from shopdb.web.locationtree import TreeNode, in_tree_order, location_tree
from shopdb.web.words import field_label

if TYPE_CHECKING:
    from shopdb.web.site import Site

PAGE_SIZES = (10, 25, 50, 100, 250)
# Audit entries a detail page shows; the audit log's list has the rest.
HISTORY_SHOWN = 20
RESULTS_TARGET = "results"


@dataclass
class Column:
    """One column of a list table."""

    name: str
    label: str
    sortable: bool
    reference: str = ""  # the resource its ids point at


@dataclass
class FilterControl:
    """One of the resource's filters as a form control."""

    parameter: str
    label: str
    widget: str  # select, text, range, boolean
    value: Any = ""
    options: list[tuple[Any, str]] | None = None
    low: str = ""
    high: str = ""
    tree: list[TreeNode] | None = None  # the location tree picker


class ResourcePages:
    """The web UI's pages of one resource."""

    def __init__(self, site: Site, resource: Resource) -> None:
        self.site = site
        self.resource = resource
        self.views = (resource.views or ResourceViews)(resource)
        self.arguments: type[Schema] = build_list_arguments(
            resource, f"{camel(resource.name)}PageArguments"
        )
        self.output = resource.schemas.output()
        self.detail_schema = resource.schemas.detail()
        columns = list(dict.fromkeys(resource.list_columns))
        if not columns:
            columns = [name for name in resource.columns if name not in resource.hidden][:6]
        self.column_names = columns

    # Permissions -----------------------------------------------------------------

    def may_write(self) -> bool:
        return self.site.allows(self.resource.write, write=True)

    def check_read(self) -> None:
        authorize(self.resource.read, write=False)

    def check_write(self) -> None:
        authorize(self.resource.write, write=True)

    # List steps ----------------------------------------------------------------

    def list_arguments(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The list's state from the query string (empty fields dropped), as
        the REST list reads it, and the problems with it."""
        given = request.args.copy()
        for key in list(given):
            kept = [value for value in given.getlist(key) if value.strip()]
            if kept:
                given.setlist(key, kept)
            else:
                del given[key]
        schema = self.arguments()
        try:
            return dict(schema.load(MultiDictProxy(given, schema))), {}
        except ValidationError as error:
            problems = error.messages if isinstance(error.messages, dict) else {}
            valid = {
                key: value
                for key, value in given.to_dict(flat=False).items()
                if key not in problems
            }
            try:
                return dict(schema.load(MultiDictProxy(_multi(valid), schema))), problems
            except ValidationError:
                return dict(schema.load({})), problems

    def list_page(self, session: Session, args: dict[str, Any]) -> Page:
        query = self.views.list_query(args)
        try:
            return paginate(session, query, args["page"], args["perpage"])
        except ApiError:  # past the last page: the first one
            args["page"] = 1
            return paginate(session, query, 1, args["perpage"])

    def columns(self) -> list[Column]:
        references = self.site.lookups.of(self.resource)
        return [
            Column(
                name,
                field_label(name, name in references),
                name in self.resource.sort,
                references[name].target.name if name in references else "",
            )
            for name in self.column_names
        ]

    def filters(self, session: Session, args: dict[str, Any]) -> list[FilterControl]:
        resource = self.resource
        references = self.site.lookups.of(resource)
        controls = []
        for parameter, item in resource.list_filters.items():
            given = args.get(parameter) or []
            value = given[0] if given else ""
            if item.names is not None and item.names.idfield in resource.list_filters:
                continue  # the id filter shows the names already
            options: list[tuple[Any, str]] | None
            if item.custom is not None:
                controls.append(FilterControl(parameter, field_label(parameter), "text", value))
            elif item.target is None:
                options = [(name, name) for name in item.choices]
                controls.append(
                    FilterControl(parameter, field_label(parameter), "select", value, options)
                )
            elif item.within:
                tree = location_tree(session, value)
                controls.append(
                    FilterControl(parameter, "Within location", "tree", value, tree=tree)
                )
            elif parameter in references:
                options = self.site.lookups.options(session, references[parameter])
                label = field_label(parameter, True)
                if options is None:
                    controls.append(FilterControl(parameter, f"{label} (id)", "text", value))
                else:
                    controls.append(FilterControl(parameter, label, "select", value, options))
            elif isinstance(item.target.column.type, Boolean):
                controls.append(
                    FilterControl(
                        parameter,
                        field_label(parameter),
                        "boolean",
                        "" if value == "" else ("true" if value else "false"),
                    )
                )
            elif item.ranged:
                controls.append(
                    FilterControl(
                        parameter,
                        field_label(parameter),
                        "range",
                        low=_text(args.get(f"{parameter}min")),
                        high=_text(args.get(f"{parameter}max")),
                    )
                )
            else:
                controls.append(
                    FilterControl(parameter, field_label(parameter), "text", _text(value))
                )
        return controls

    def rows(self, session: Session, page: Page) -> tuple[list[dict[str, Any]], dict]:
        dumped = self.output.dump(page.rows, many=True)
        # The API's names of the lookups (one statement for the page).
        name_lookups(session, self.resource.named_lookups, dumped)
        return dumped, detail.named_labels(self.resource, dumped)

    # Verbs ---------------------------------------------------------------------

    def list(self) -> ResponseReturnValue:
        self.check_read()
        session = get_session()
        args, problems = self.list_arguments()
        page = self.list_page(session, args)
        rows, labels = self.rows(session, page)
        columns = self.columns()
        extra = detail.add_plugin_columns(self.site, self, session, rows)
        columns += [Column(name, label, False) for name, label in extra]
        context: dict[str, Any] = {
            "pages": self,
            "resource": self.resource,
            "args": args,
            "problems": general_errors(problems, []),
            "page": page,
            "rows": rows,
            "labels": labels,
            "columns": columns,
            "references": {each.name: each.reference for each in columns if each.reference},
            "state": self.state(args),
            "pagesizes": PAGE_SIZES,
            "maywrite": self.may_write(),
            "bulkable": may_bulk(self),
        }
        partial = (
            request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-Target") == RESULTS_TARGET
            and not request.headers.get("HX-History-Restore-Request")
        )
        if partial:
            response = self.site.page("web/results.html", **context)
            response.headers["HX-Push-Url"] = self.url(args)
        else:
            context["filters"] = self.filters(session, args)
            if context["bulkable"]:
                context["bulkcontrols"] = bulk_controls(self, session)
                context["bulkverb"] = "Retire" if retires(self.resource) else "Delete"
                context["labelsheets"] = label_sheets() if may_label(self) else []
            response = self.site.page("web/list.html", **context)
        response.headers["Vary"] = "HX-Request, HX-Target"
        return response

    def detail(self, itemid: int) -> ResponseReturnValue:
        self.check_read()
        session = get_session()
        instance = self.get_object(session, itemid)
        return self.site.page("web/detail.html", **self.detail_context(session, instance))

    def create(self) -> ResponseReturnValue:
        self.check_write()
        if not self.resource.allow_create:
            return self.site.error(405, f"{self.title()} cannot be created here.")
        session = get_session()
        form = ResourceForm(self.resource, self.site.lookups, creating=True)
        if request.method == "GET":
            return self.form_page(session, form, None, {})
        try:
            raw = self.posted(form)
            with unit_of_work(session, request_actor()):
                saved = self.save_record(session, raw, None)
                itemid = getattr(saved.record, self.resource.primary_key)
                extra = self.resource.after_create(session, saved.record)
                context = self.detail_context(session, saved.record) if extra else None
        except (InvalidInputError, ConflictError) as error:
            return self.form_page(session, form, None, _details(error), status=_status(error))
        if context is not None:
            # Shown once (a new API token): on this reply, never stored.
            return self.site.page("web/detail.html", **context, shownonce=extra, status=201)
        flash(f"Created {self.title()} {itemid}.", "success")
        return redirect(self.item_url(itemid), 303)

    def edit(self, itemid: int) -> ResponseReturnValue:
        self.check_write()
        if not self.resource.allow_update:
            return self.site.error(405, f"{self.title()} cannot be changed here.")
        session = get_session()
        form = ResourceForm(self.resource, self.site.lookups, creating=False)
        if request.method == "GET":
            return self.form_page(session, form, self.get_object(session, itemid), {})
        try:
            raw = self.posted(form)
            with unit_of_work(session, request_actor()):
                instance = self.get_object(session, itemid, lock=True)
                version = request.form.get(VERSION_FIELD) or None
                saved = self.save_record(session, raw, instance, version=version)
        except StaleRecordError as error:
            # What the user typed stays on the form, now on the current
            # version: saving again replaces the other change on purpose.
            instance = self.get_object(session, itemid)
            return self.form_page(session, form, instance, {}, status=409, stale=error)
        except (InvalidInputError, ConflictError) as error:
            instance = self.get_object(session, itemid)
            return self.form_page(session, form, instance, _details(error), status=_status(error))
        message = "Saved." if saved.action == "updated" else "Nothing changed."
        flash(message, "success" if saved.action == "updated" else "info")
        return redirect(self.item_url(itemid), 303)

    def delete(self, itemid: int) -> ResponseReturnValue:
        self.check_write()
        if not self.resource.allow_delete:
            return self.site.error(405, f"{self.title()} cannot be deleted here.")
        session = get_session()
        instance = self.get_object(session, itemid)
        context = {
            **self.detail_context(session, instance),
            "problem": "",
            "preview": delete_preview(self.site, self.resource, session, [instance])[0],
        }
        if request.method == "GET":
            return self.site.page("web/delete.html", **context)
        try:
            with unit_of_work(session, request_actor()):
                action = self.delete_record(session, self.get_object(session, itemid, lock=True))
        except ConflictError as error:
            context["problem"] = str(error)
            return self.site.page("web/delete.html", **context, status=409)
        done = {"retire": "Retired", "revoke": "Revoked"}.get(action, "Deleted")
        flash(f"{done} {self.title()} {itemid}.", "success")
        return redirect(url_for("web.list", name=self.resource.name), 303)

    # Steps of the single-record pages ---------------------------------------------

    def get_object(self, session: Session, itemid: int, *, lock: bool = False) -> Any:
        return self.views.get_object(session, itemid, lock=lock)

    def detail_data(self, session: Session, instance: Any) -> dict[str, Any]:
        """What the REST API's detail reply holds, extras included."""
        return self.resource.detail(session, instance, self.detail_schema.dump(instance))

    def detail_context(self, session: Session, instance: Any) -> dict[str, Any]:
        data = self.detail_data(session, instance)
        references = self.site.lookups.of(self.resource)
        itemid = getattr(instance, self.resource.primary_key)
        history = self.history(session, itemid)
        return {
            "pages": self,
            "resource": self.resource,
            "itemid": itemid,
            "history": history,
            "historynames": detail.history_names(session, self.resource, history),
            "historyshown": HISTORY_SHOWN,
            "data": data,
            "labels": self.site.lookups.labels(session, self.resource, [data]),
            "references": {name: each.target.name for name, each in references.items()},
            "title": self.record_title(data),
            "maywrite": self.may_write(),
            "edgeeditor": detail.edge_editor(self.site, session, data),
            "panels": detail.panels(self.site, self, session, instance),
            "positionname": detail.position_name(session, data),
            "imageparts": storedimages.image_parts(self.resource, instance, self.may_write()),
        }

    def history(self, session: Session, itemid: int) -> Sequence[AuditLog] | None:
        """The record's latest audit entries (its own rows', and for an asset
        extension its asset's), newest first; None for who may not read the
        audit log."""
        auditlogs = self.site.resources.get("auditlogs")
        if auditlogs is None or not self.site.allows(auditlogs.read, write=False):
            return None
        query = (
            select(AuditLog)
            .where(
                AuditLog.entitytype.in_(self.resource.entitytypes),
                AuditLog.entityid == str(itemid),
            )
            .order_by(AuditLog.auditlogid.desc())
            .limit(HISTORY_SHOWN)
        )
        return session.scalars(query).all()

    def posted(self, form: ResourceForm) -> dict[str, Any]:
        """The posted form as the API body; a field that cannot even be
        read (JSON that does not parse) is an error like the schema's."""
        raw, problems = form.read(request.form)
        if problems:
            raise InvalidInputError("The record has invalid fields.", problems)
        return raw

    def save_record(
        self,
        session: Session,
        raw: dict[str, Any],
        instance: Any | None,
        version: str | None = None,
    ) -> Any:
        return self.resource.save(session, raw, instance, actor=request_actor(), version=version)

    def delete_record(self, session: Session, instance: Any) -> str:
        return self.resource.delete(session, instance, actor=request_actor())

    def form_page(
        self,
        session: Session,
        form: ResourceForm,
        instance: Any | None,
        errors: dict[str, Any],
        status: int = 200,
        stale: StaleRecordError | None = None,
    ) -> ResponseReturnValue:
        values = self.detail_schema.dump(instance) if instance is not None else {}
        posted = request.form if request.method == "POST" else None
        controls = form.fields(session, values, errors, posted)
        in_tree_order(session, controls, self.location_fields())
        shown = [control.name for control in controls]
        context: dict[str, Any] = {
            "pages": self,
            "resource": self.resource,
            "form": form,
            "controls": controls,
            "problems": general_errors(errors, shown),
            "fixed": {name: values.get(name) for name in form.fixed} if instance else {},
            "itemid": getattr(instance, self.resource.primary_key) if instance else None,
            "title": self.record_title(values) if instance is not None else "",
            "maywrite": True,
            "status": status,
            "version": self.resource.version(instance) if instance is not None else "",
            "stale": stale,
            "lastchange": self.last_change(session, instance) if stale is not None else None,
            "changedat": values.get("modifiedat") if stale is not None else None,
        }
        return self.site.page("web/form.html", **context)

    def location_fields(self) -> set[str]:
        """The fields that name a location (their selects list the tree)."""
        references = self.site.lookups.of(self.resource)
        return {name for name, each in references.items() if each.target.name == "locations"}

    def last_change(self, session: Session, instance: Any) -> AuditLog | None:
        """The record's latest audit entry (who changed it, what), when the
        caller may read the audit log."""
        history = self.history(session, getattr(instance, self.resource.primary_key))
        return history[0] if history else None

    # Names and addresses -----------------------------------------------------------

    def title(self) -> str:
        return self.site.resource_label(self.resource)

    def record_title(self, data: dict[str, Any]) -> str:
        name = self.site.title_fields[self.resource.name]
        value = data.get(name)
        return str(value) if value not in (None, "") else f"#{data.get(self.resource.primary_key)}"

    def item_url(self, itemid: int) -> str:
        return url_for("web.detail", name=self.resource.name, itemid=itemid)

    def url(self, args: dict[str, Any], **changes: Any) -> str:
        """The list's address for `args` changed by `changes` (None drops a
        parameter), with only what differs from the defaults."""
        state = {**self.state(args), **changes}
        pairs = []
        for key, value in state.items():
            if value in (None, "", []):
                continue
            if key == "page" and value == 1:
                continue
            if key == "perpage" and value == DEFAULT_PERPAGE:
                continue
            for each in value if isinstance(value, list) else [value]:
                pairs.append((key, _text(each)))
        base = url_for("web.list", name=self.resource.name)
        return f"{base}?{urlencode(pairs)}" if pairs else base

    def state(self, args: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in args.items() if value not in (None, "", [])}

    def sort_url(self, args: dict[str, Any], column: str) -> str:
        current = args.get("sort") or ""
        wanted = f"-{column}" if current == column else column
        return self.url(args, sort=wanted, page=None)

    def sort_state(self, args: dict[str, Any], column: str) -> str:
        current = args.get("sort") or ""
        if current == column:
            return "ascending"
        if current == f"-{column}":
            return "descending"
        return "none"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return _text(value[0]) if value else ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _multi(values: dict[str, list[str]]) -> MultiDict:
    return MultiDict([(key, each) for key, many in values.items() for each in many])


def _details(error: InvalidInputError | ConflictError) -> dict[str, Any]:
    details = dict(getattr(error, "details", None) or {})
    if not details:
        details = {"_schema": [str(error)]}
    elif isinstance(error, ConflictError):
        details = {**details, "_schema": [str(error)]}
    return details


def _status(error: Exception) -> int:
    return 409 if isinstance(error, ConflictError) else 400
