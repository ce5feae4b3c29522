"""Collectors: POST /api/collector/<plugin>, where machines push what they know
about themselves and the record with that identity is created or updated.

A push is "find by identity, then save": it writes through one of the
plugin's resources (`Resource.save`, in a unit of work of
`shopdb.services.unitofwork`), so it is validated, written and audited
exactly like an API write; this module adds what a push needs beyond that:

- the record is checked against the plugin's JSON Schema (Draft 2020-12)
  first, then against the resource's create or update schema;
- the identity value is normalised (trimmed, case-folded when the identity
  property says `"casefold": true`), and the normalised value is both looked
  up and stored, so the unique constraint on the identity column holds one
  record per machine however the collector spells it;
- upsert: not found -> create; found -> update of the pushed fields only
  (relationships and fields not pushed are left alone); nothing changed ->
  `noop`, with no audit entry: only the resource's `last_seen` column (if it
  declares one) is stamped, in one cheap UPDATE;
- races: two pushes of a new identity at once both try to create; the
  database's unique constraint refuses the second, whose unit of work runs
  again (`retrying`), finds the first and updates it. Deadlocks and
  serialization failures are run again too. The client sees
  created/updated/noop, never a conflict of its own making;
- a batch form `{"records": [...]}`, found by identity with one query and
  written set-based (`Resource.save_many`) in one unit of work, and a dry
  run that does everything and rolls back.

Who may push is decided in `shopdb.http.collectorkeys`.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import jsonschema_rs
from flask import current_app, request
from flask.typing import ResponseReturnValue
from flask_smorest import Api, Blueprint
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from jsonschema.exceptions import ValidationError as SchemaViolation
from marshmallow import Schema, fields, validate
from marshmallow import ValidationError as FieldErrors
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from shopdb.database import get_session, is_retryable, is_unavailable
from shopdb.errors import ConflictError, InvalidInputError, ShopDBError
from shopdb.http.collectorkeys import authenticate_collector
from shopdb.http.envelope import ApiError, data_response, error_parts
from shopdb.http.identity import request_actor, verifies_own_credentials
from shopdb.resources.batch import CREATED, NOOP, UPDATED, Saved
from shopdb.resources.definition import Resource
from shopdb.resources.endpoints import ResourceBlueprint
from shopdb.resources.fieldtypes import CanonicalText
from shopdb.resources.openapischema import as_openapi30
from shopdb.resources.registry import ErrorSchema
from shopdb.services.actor import Actor
from shopdb.services.records import unique_groups
from shopdb.services.unitofwork import retrying, unit_of_work

BLUEPRINT = "collectors"
URL_PREFIX = "/api/collector"
BATCH_KEY = "records"
CASEFOLD = "casefold"
ERROR = "error"
logger = logging.getLogger("shopdb.collectors")
# Writes a part of a record another plugin takes: (session, record, value) -> changes.
PartWriter = Callable[[Session, Any, Any], Mapping[str, Any]]


class Collector:
    """One plugin's collector: the JSON Schema of a record, the identity field
    that finds the record, and the resource every push writes through.

    Built when the plugin loads; a ValueError names what does not fit (the
    loader turns it into the plugin's PluginContractError).
    """

    def __init__(
        self, plugin: str, resource: Resource, identityfield: str, schema: dict[str, Any]
    ) -> None:
        self.plugin = plugin
        self.resource = resource
        self.identityfield = identityfield
        schema = completed(schema, resource.schemas.create().fields)
        self.schema = schema
        # Properties other plugins take: name -> (plugin, writer).
        self.parts: dict[str, tuple[str, PartWriter]] = {}
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as error:
            raise ValueError(
                f"its JSON Schema is not valid (Draft 2020-12): {error.message}"
            ) from None
        properties: dict[str, Any] = schema["properties"]
        self.properties = frozenset(properties)
        identity = properties[identityfield]
        casefold = identity.get(CASEFOLD, False) if isinstance(identity, dict) else False
        if not isinstance(casefold, bool):
            raise ValueError(f'"{CASEFOLD}" on {identityfield!r} must be true or false.')
        self.casefold = casefold
        if BATCH_KEY in properties:
            raise ValueError(
                f'the property {BATCH_KEY!r} is reserved: a body with "{BATCH_KEY}" is a batch.'
            )
        self.create_schema = resource.schemas.create()
        self.update_schema = resource.schemas.update(partial=True)
        writable = self.create_schema.fields
        for name in sorted(properties):
            if name not in writable:
                raise ValueError(
                    f"the property {name!r} is not a writable field of the resource "
                    f"{resource.name!r} (writable: {', '.join(sorted(writable))})."
                )
        try:
            column = resource.column(identityfield)
        except KeyError:
            raise ValueError(
                f"the identity field {identityfield!r} is not a column of the resource "
                f"{resource.name!r}."
            ) from None
        if (column.name,) not in unique_groups(column.table) and column.table is not (
            resource.model.__table__
        ):
            raise ValueError(
                f"the identity field {identityfield!r} is {column.table.name}.{column.name}, "
                "which is not unique, and a plugin cannot change a core table; choose a "
                "unique column of the plugin's own table (a serial number or host name "
                "declared unique=True, and unique in the migration)."
            )
        if (column.name,) not in unique_groups(column.table):
            raise ValueError(
                f"the identity field {identityfield!r} has no unique constraint on "
                f"{column.table.name}.{column.name}; declare it unique (unique=True and in "
                "the migration), so the database holds one record per identity even when "
                "pushes race."
            )
        self.validator, self.quick = self._validator()

    def _validator(self) -> tuple[Draft202012Validator, Any]:
        """The record's JSON Schema validator, and the same schema compiled
        by jsonschema_rs: some 100 times faster, it says whether a record is
        valid; only a record it does not pass is checked again by the first,
        whose errors the reply words (`schema_problems`)."""
        # The identity is required whether or not the schema says so.
        required = sorted({*self.schema.get("required", ()), self.identityfield})
        schema = {**self.schema, "required": required}
        validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        try:
            quick = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
        except (ValueError, jsonschema_rs.ValidationError):
            quick = None  # a schema it cannot compile: checked by the first alone
        return validator, quick

    def _surely_valid(self, record: dict[str, Any]) -> bool:
        """Whether the compiled validator passes the record (a value it
        cannot take, such as a lone surrogate, is left to the other)."""
        if self.quick is None:
            return False
        try:
            return bool(self.quick.is_valid(record))
        except (ValueError, TypeError, OverflowError):
            return False

    def add_part(self, owner: str, name: str, schema: dict[str, Any], write: PartWriter) -> None:
        """Take the property `name` (JSON Schema `schema`) in this collector's
        records for the plugin `owner`, which writes it: `write(session,
        record, value)` runs in the push's transaction after the record was
        created or updated, and returns its changes ({label: {"before",
        "after"}}, {} for none). The property is never given to the resource.
        See CollectorPart in shopdb.plugins.contributions."""
        properties: dict[str, Any] = self.schema["properties"]
        if name in properties or name == BATCH_KEY:
            holder = f"plugin {self.parts[name][0]!r}" if name in self.parts else "its schema"
            raise ValueError(
                f"the {self.plugin} collector already has the property {name!r} (from "
                f"{holder}); give the part another name."
            )
        schema_part = {**self.schema, "properties": {**properties, name: schema}}
        try:
            Draft202012Validator.check_schema(schema_part)
        except SchemaError as error:
            raise ValueError(
                f"the schema of the part {name!r} is not valid (Draft 2020-12): {error.message}"
            ) from None
        self.schema = schema_part
        self.properties = frozenset(schema_part["properties"])
        self.parts = {**self.parts, name: (owner, write)}
        self.validator, self.quick = self._validator()

    # Input -------------------------------------------------------------------

    def normalise(self, value: Any) -> Any:
        """The identity as stored and looked up: trimmed, case-folded if asked,
        then in the canonical form of its field type (a MAC address pushed as
        AA-BB-CC-DD-EE-FF is found as the stored aa:bb:cc:dd:ee:ff). A value
        the field type refuses is left as it is, for the schema to report."""
        if isinstance(value, str):
            value = value.strip()
            if self.casefold:
                value = value.casefold()
            field = self.create_schema.fields.get(self.identityfield)
            if isinstance(field, CanonicalText):
                with contextlib.suppress(FieldErrors):
                    value = field.canonical(value)
        return value

    def check(self, record: Any) -> dict[str, Any]:
        """The record, identity normalised, checked against the JSON Schema;
        only the declared properties (extra ones the schema allows are
        dropped, never written)."""
        if not isinstance(record, dict):
            raise InvalidInputError(
                f'Send one record as a JSON object, or a batch as {{"{BATCH_KEY}": [...]}}.',
                {"_schema": ["The record must be a JSON object."]},
            )
        record = dict(record)
        if self.identityfield in record:
            record[self.identityfield] = self.normalise(record[self.identityfield])
        problems = {} if self._surely_valid(record) else schema_problems(self.validator, record)
        identity = record.get(self.identityfield)
        if not problems and (identity is None or identity == ""):
            problems[self.identityfield] = ["The identity field needs a value."]
        if not problems:
            problems = self._identity_problems(identity)
        if problems:
            raise InvalidInputError(
                f"The record does not match the {self.plugin} collector's schema; see details.",
                problems,
            )
        return {name: value for name, value in record.items() if name in self.properties}

    def _identity_problems(self, identity: Any) -> dict[str, list[str]]:
        """What the resource's own field says of the identity (NUL characters,
        length), before the identity is looked up in the database."""
        field = self.create_schema.fields.get(self.identityfield)
        if field is None:
            return {}
        try:
            field.deserialize(identity)
        except FieldErrors as error:
            messages: Any = error.messages
            return {self.identityfield: messages if isinstance(messages, list) else [messages]}
        return {}

    # Pushing -----------------------------------------------------------------

    def push(
        self, session: Session, record: Any, *, actor: Actor, dryrun: bool = False
    ) -> dict[str, Any]:
        """Create or update the record with this identity in a unit of work
        of its own (rolled back in a dry run), run again after a lost race;
        returns the result to reply."""
        values = self.check(record)
        identity = values[self.identityfield]

        def work(conflict: ConflictError | None) -> dict[str, Any]:
            return self._apply(session, values, identity, actor, dryrun, conflict)

        return retrying(session, actor, work, dryrun=dryrun)

    def _apply(
        self,
        session: Session,
        values: dict[str, Any],
        identity: Any,
        actor: Actor,
        dryrun: bool,
        conflict: ConflictError | None,
    ) -> dict[str, Any]:
        """Find by identity, then save."""
        resource = self.resource
        # A run may be repeated (a lost race): `values` stays as pushed.
        values, parts = self._split(values)
        found = resource.find_by(session, self.identityfield, identity, lock=True)
        if found is None and conflict is not None:
            raise conflict  # the clash was not with this identity
        saved = resource.save(session, self._values(values, found is None), found, actor=actor)
        saved = self._write_parts(session, saved, parts)
        if saved.action == NOOP:
            resource.mark_seen(session, [saved.record])
        return self._reply(saved, identity, dryrun)

    def _values(self, values: dict[str, Any], creating: bool) -> dict[str, Any]:
        """Fields fixed at creation are not pushed again to a record that
        exists; the collector cannot know whether it does."""
        if creating:
            return values
        fixed = self.resource.create_only
        return {name: value for name, value in values.items() if name not in fixed}

    def _reply(self, saved: Saved, identity: Any, dryrun: bool = False) -> dict[str, Any]:
        key = getattr(saved.record, self.resource.primary_key)
        if dryrun and saved.action == CREATED:
            key = None
        result = _result(saved.action, key, self.stored_identity(saved.record, identity))
        if saved.action == UPDATED:
            result["changes"] = saved.changes
        return result

    def _split(self, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """The record's own values, and the parts other plugins write."""
        own = {name: value for name, value in values.items() if name not in self.parts}
        return own, {name: value for name, value in values.items() if name in self.parts}

    def _write_parts(self, session: Session, saved: Saved, parts: dict[str, Any]) -> Saved:
        """Hand each part other plugins take to its writer (after the record
        is written, so it has its key); their changes join the record's, and
        make an unchanged record an updated one."""
        changes: dict[str, Any] = {}
        for name, value in parts.items():
            _owner, write = self.parts[name]
            changes.update(write(session, saved.record, value) or {})
        if not changes:
            return saved
        action = CREATED if saved.action == CREATED else UPDATED
        return Saved(saved.record, action, {**saved.changes, **changes})

    def stored_identity(self, instance: Any, pushed: Any) -> Any:
        """The identity as the record holds it (a resource may store another
        form than the one pushed), else as pushed."""
        return getattr(instance, self.identityfield, pushed)

    def push_batch(
        self,
        session: Session,
        body: dict[str, Any],
        *,
        actor: Actor,
        limit: int,
        dryrun: bool = False,
    ) -> dict[str, Any]:
        """A batch in one unit of work (`_together`), in order, so a later
        record of the same identity sees an earlier one; a failing record
        undoes nothing of the others. When the batch meets a clash or a
        database that asks to run again, it is rolled back and each record is
        pushed on its own instead (`_one_by_one`, with the races retried). In
        a dry run every record is rolled back on its own, so records do not
        see each other. A database that cannot be used stops the batch (a
        503); sending the batch again is safe."""
        records = batch_records(body, limit)
        results = None
        if not dryrun:
            try:
                results = self._together(session, records, actor)
            except _BatchClashError:
                pass
            except DBAPIError as error:
                if is_unavailable(error) and not is_retryable(error):
                    raise
        if results is None:
            results = self._one_by_one(session, records, actor, dryrun)
        counts = dict.fromkeys((CREATED, UPDATED, NOOP, ERROR), 0)
        for result in results:
            counts[result.get("action", ERROR)] += 1
        status = "ok"
        if counts[ERROR]:
            status = ERROR if counts[ERROR] == len(records) else "partial"
        return {"status": status, "counts": counts, "results": results}

    def _together(self, session: Session, records: list[Any], actor: Actor) -> list[dict[str, Any]]:
        """The whole batch in one unit of work: records found by identity with
        one query per round (a round holds each identity once; a repeated
        identity waits for the next round, to see the earlier write), then
        `Resource.save_many`."""
        resource = self.resource
        results: list[dict[str, Any]] = [{} for _ in records]
        checked: dict[int, dict[str, Any]] = {}
        for index, record in enumerate(records):
            try:
                checked[index] = self.check(record)
            except InvalidInputError as error:
                results[index] = _failed(index, error)
        schemas: dict[bool, Schema] = {}  # the resource's, built once a batch
        loaded = self._loaded_early(session, checked, schemas)
        with unit_of_work(session, actor):
            pending = list(checked)
            while pending:
                rounds: list[int] = []
                later: list[int] = []
                seen: set[Any] = set()
                for index in pending:
                    identity = checked[index][self.identityfield]
                    (later if identity in seen else rounds).append(index)
                    seen.add(identity)
                outcomes = self._round(session, actor, rounds, checked, loaded, schemas)
                unchanged = [
                    outcome.record
                    for outcome in outcomes
                    if isinstance(outcome, Saved) and outcome.action == NOOP
                ]
                resource.mark_seen(session, unchanged)
                for index, outcome in zip(rounds, outcomes, strict=True):
                    if isinstance(outcome, ConflictError):
                        raise _BatchClashError  # a race, or a clash: pushed one by one
                    if isinstance(outcome, Saved):
                        identity = checked[index][self.identityfield]
                        results[index] = {"index": index, **self._reply(outcome, identity)}
                    else:
                        results[index] = _failed(index, outcome)
                pending = later
        return results

    def _round(
        self,
        session: Session,
        actor: Actor,
        rounds: list[int],
        checked: dict[int, dict[str, Any]],
        loaded: dict[int, tuple[bool, dict[str, Any] | InvalidInputError]],
        schemas: dict[bool, Schema],
    ) -> list[Saved | ShopDBError]:
        """One round of a batch: its records found by identity (one locked
        query), written by `Resource.save_many`; the outcome of each."""
        resource = self.resource
        found = resource.find_many_by(
            session,
            self.identityfield,
            [checked[index][self.identityfield] for index in rounds],
            lock=True,
        )
        items = []
        parts: dict[int, dict[str, Any]] = {}
        outcomes: dict[int, Saved | ShopDBError] = {}
        for index in rounds:
            instance = found.get(checked[index][self.identityfield])
            own, parts[index] = self._split(checked[index])
            early = loaded.pop(index, None)
            if early is None or early[0] != (instance is None):
                # Created or deleted by another writer since the early read:
                # loaded as what it is now.
                early = self._load(own, instance is None, schemas)
            if isinstance(early[1], InvalidInputError):
                outcomes[index] = early[1]
            else:
                items.append((index, early[1], instance))
        saved = resource.save_many(
            session,
            [(values, instance) for _index, values, instance in items],
            actor=actor,
            validated=True,
        )
        for (index, _values, _instance), outcome in zip(items, saved, strict=True):
            outcomes[index] = (
                self._write_parts(session, outcome, parts[index])
                if isinstance(outcome, Saved)
                else outcome
            )
        return [outcomes[index] for index in rounds]

    def _load(
        self, own: dict[str, Any], creating: bool, schemas: dict[bool, Schema]
    ) -> tuple[bool, dict[str, Any] | InvalidInputError]:
        """(creating, the values as the resource's schema loads them for a
        new record or a change, or the record's error)"""
        try:
            body = self._values(own, creating)
            return creating, self.resource.load(body, creating=creating, schemas=schemas)
        except InvalidInputError as error:
            return creating, error

    def _loaded_early(
        self, session: Session, checked: dict[int, dict[str, Any]], schemas: dict[bool, Schema]
    ) -> dict[int, tuple[bool, dict[str, Any] | InvalidInputError]]:
        """Each record loaded by the resource's schema before the write
        begins, as a new record or a change as an early read of the
        identities finds it: on SQLite the write holds the database's one
        write lock, which other workers' batches wait for, so what needs no
        lock is done without it. A record that another writer creates in
        between is loaded again in the write (`_round`)."""
        if not checked:
            return {}
        column = self.resource.column(self.identityfield)
        identities = sorted({values[self.identityfield] for values in checked.values()}, key=repr)
        held = set(session.scalars(select(column).where(column.in_(identities))))
        loaded = {}
        for index, values in checked.items():
            own, _part = self._split(values)
            loaded[index] = self._load(own, values[self.identityfield] not in held, schemas)
        return loaded

    def _one_by_one(
        self, session: Session, records: list[Any], actor: Actor, dryrun: bool
    ) -> list[dict[str, Any]]:
        """Each record in a unit of work of its own."""
        results = []
        for index, record in enumerate(records):
            try:
                pushed = self.push(session, record, actor=actor, dryrun=dryrun)
                results.append({"index": index, **pushed})
            except Exception as error:
                if isinstance(error, DBAPIError) and is_unavailable(error):
                    raise
                results.append(_failed(index, error))
        return results


class _BatchClashError(Exception):
    """A batch met a clash: roll it back and push its records one by one."""


def _failed(index: int, error: Exception) -> dict[str, Any]:
    return {"index": index, "status": ERROR, "error": _describe(error, index)}


# JSON Schema types of the resource's input fields, for properties that leave
# the type out.
JSON_TYPES = (
    (fields.Boolean, "boolean"),
    (fields.Integer, "integer"),
    (fields.Number, "number"),
    (fields.String, "string"),
    (fields.DateTime, "string"),
    (fields.Date, "string"),
    (fields.List, "array"),
    (fields.Nested, "object"),
)
FORMATS = ((fields.DateTime, "date-time"), (fields.Date, "date"))


def completed(schema: dict[str, Any], inputs: dict[str, fields.Field]) -> dict[str, Any]:
    """The plugin's JSON Schema with what the resource's fields already say
    filled into each top-level property that does not say it: the type (and
    null where the field allows it), a text's length, a number's range, a
    time's format. A plugin states a field's facts once, on its model and
    resource; its collector schema says only what is special to a push."""
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return schema
    filled = {}
    for name, declared in properties.items():
        field = inputs.get(name)
        if not isinstance(declared, dict) or field is None:
            filled[name] = declared
            continue
        facts: dict[str, Any] = {}
        kind = next((kind for base, kind in JSON_TYPES if isinstance(field, base)), None)
        if kind is not None:
            facts["type"] = [kind, "null"] if field.allow_none else kind
        formatted = next((form for base, form in FORMATS if isinstance(field, base)), None)
        if formatted is not None:
            facts["format"] = formatted
        for check in _validators(field):
            if isinstance(check, validate.Length) and kind == "string":
                if check.min:
                    facts["minLength"] = check.min
                if check.max is not None:
                    facts["maxLength"] = check.max
            if isinstance(check, validate.Range) and kind in ("integer", "number"):
                # Several ranges (the column's, a rule's): the tightest holds.
                if check.min is not None:
                    facts["minimum"] = max(check.min, facts.get("minimum", check.min))
                if check.max is not None:
                    facts["maximum"] = min(check.max, facts.get("maximum", check.max))
        filled[name] = {**facts, **declared}  # what the plugin says wins
    return {**schema, "properties": filled}


def _validators(field: fields.Field) -> list[Any]:
    return list(field.validators)


def _result(action: str, key: Any, identity: Any) -> dict[str, Any]:
    return {"status": "ok", "action": action, "assetid": key, "identityvalue": identity}


def _describe(error: Exception, index: int) -> dict[str, Any]:
    parts = error_parts(error)
    if parts is None:
        logger.exception("collector batch record %s failed", index)
        return {
            "code": "internal_error",
            "message": "Something went wrong on the server.",
            "details": {},
        }
    _status, code, message, details = parts
    return {"code": code, "message": message, "details": details}


def batch_records(body: dict[str, Any], limit: int) -> list[Any]:
    """The records of a batch body, or the 400/413 that says what is wrong."""
    extra = sorted(set(body) - {BATCH_KEY})
    if extra:
        raise InvalidInputError(
            f'A batch is {{"{BATCH_KEY}": [...]}} and nothing else.',
            {name: ["Unknown field."] for name in extra},
        )
    records = body[BATCH_KEY]
    if not isinstance(records, list):
        raise InvalidInputError(
            "The batch has invalid fields; see details.",
            {BATCH_KEY: ["Must be a list of records (JSON objects)."]},
        )
    if len(records) > limit:
        raise ApiError(
            413,
            "payload_too_large",
            f"A batch may hold at most {limit} records (SHOPDB_COLLECTOR_BATCH_LIMIT); this "
            f"one holds {len(records)}. Send them in smaller batches.",
            {BATCH_KEY: [f"At most {limit} records."]},
        )
    return records


def schema_problems(validator: Draft202012Validator, record: Any) -> dict[str, list[str]]:
    """JSON Schema errors by field (a dotted path; `_schema` for the record
    itself), worded so a person finds the field."""
    problems: dict[str, list[str]] = {}
    for error in validator.iter_errors(record):
        for field, message in _explain(error):
            messages = problems.setdefault(field, [])
            if message not in messages:
                messages.append(message)
    return problems


def _explain(error: SchemaViolation) -> Iterator[tuple[str, str]]:
    """A missing or unknown property is reported on that property, not on
    the object that lacks or holds it."""
    path = [str(part) for part in error.absolute_path]
    instance = error.instance
    if error.validator == "required" and isinstance(instance, dict):
        for name in error.validator_value:
            if name not in instance:
                yield ".".join([*path, name]), "Missing data for required field."
        return
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        known = error.schema.get("properties", {})
        patterns = error.schema.get("patternProperties", {})
        for name in instance:
            if name not in known and not any(re.search(p, name) for p in patterns):
                yield ".".join([*path, name]), "Unknown field."
        return
    yield ".".join(path) or "_schema", error.message


# Endpoints -------------------------------------------------------------------


class PushArgumentsSchema(Schema):
    dryrun = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Validate and report what would happen (action, matched assetid, "
            "changes) without writing anything"
        },
    )


class ChangeSchema(Schema):
    before = fields.Raw(allow_none=True, required=True)
    after = fields.Raw(allow_none=True, required=True)


class PushResultSchema(Schema):
    status = fields.String(required=True, metadata={"description": "ok"})
    action = fields.String(required=True, metadata={"description": "created, updated or noop"})
    assetid = fields.Integer(
        allow_none=True,
        required=True,
        metadata={"description": "The record's id (the asset's); null for a dry-run create"},
    )
    identityvalue = fields.Raw(
        required=True, metadata={"description": "The identity as normalised and stored"}
    )
    changes = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(ChangeSchema),
        metadata={"description": "updated only: the fields that changed (or would)"},
    )
    dryrun = fields.Boolean(required=True)


class BatchItemSchema(Schema):
    index = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": "ok or error"})
    action = fields.String(metadata={"description": "created, updated or noop (ok only)"})
    assetid = fields.Integer(allow_none=True)
    identityvalue = fields.Raw()
    changes = fields.Dict(keys=fields.String(), values=fields.Nested(ChangeSchema))
    error = fields.Nested(ErrorSchema, metadata={"description": "error only"})


class BatchCountsSchema(Schema):
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    noop = fields.Integer(required=True)
    error = fields.Integer(required=True)


class BatchResultSchema(Schema):
    status = fields.String(required=True, metadata={"description": "ok, partial or error"})
    counts = fields.Nested(BatchCountsSchema, required=True)
    results = fields.List(fields.Nested(BatchItemSchema), required=True)
    dryrun = fields.Boolean(required=True)


class PushEnvelopeSchema(Schema):
    data = fields.Nested(PushResultSchema, required=True)


class BatchEnvelopeSchema(Schema):
    data = fields.Nested(BatchResultSchema, required=True)


def register_collectors(api: Api, collectors: list[Collector]) -> None:
    """Serve POST /api/collector/<plugin> for each collector, documented in
    the OpenAPI document with the plugin's record schema as request body."""
    if not collectors:
        return
    blueprint = ResourceBlueprint(
        BLUEPRINT,
        __name__,
        url_prefix=URL_PREFIX,
        description="Collector pushes: create or update a plugin's record by its identity.",
    )
    spec = api.spec
    for name, schema in (
        ("CollectorPush", PushEnvelopeSchema),
        ("CollectorBatch", BatchEnvelopeSchema),
    ):
        if name not in spec.components.schemas:
            spec.components.schema(name, schema=schema)
    for collector in collectors:
        _add_route(api, blueprint, collector)
    api.register_blueprint(blueprint)


def _authenticated(collector: Collector) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Check the caller before the arguments are parsed (as `guarded` does
    for the generic endpoints)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            authenticate_collector(collector.plugin, collector.resource.write)
            return view(*args, **kwargs)

        return checked

    return decorate


def _add_route(api: Api, blueprint: Blueprint, collector: Collector) -> None:
    plugin = collector.plugin
    record = f"{plugin.capitalize()}CollectorRecord"
    api.spec.components.schema(record, component=openapi_record(collector))
    batch = {
        "type": "object",
        "required": [BATCH_KEY],
        "additionalProperties": False,
        "properties": {
            BATCH_KEY: {
                "type": "array",
                "description": "At most SHOPDB_COLLECTOR_BATCH_LIMIT records",
                "items": {"$ref": f"#/components/schemas/{record}"},
            }
        },
    }
    body = {
        "required": True,
        "description": (
            f'One record, or a batch {{"{BATCH_KEY}": [...]}}. Records are validated '
            "against the plugin's JSON Schema (Draft 2020-12), then the resource's fields."
        ),
        "content": {
            "application/json": {
                "schema": {"oneOf": [{"$ref": f"#/components/schemas/{record}"}, batch]}
            }
        },
    }
    replies = {
        "oneOf": [
            {"$ref": "#/components/schemas/CollectorPush"},
            {"$ref": "#/components/schemas/CollectorBatch"},
        ]
    }

    @blueprint.route(f"/{plugin}", methods=["POST"], endpoint=plugin)
    @verifies_own_credentials
    @_authenticated(collector)
    @blueprint.arguments(PushArgumentsSchema, location="query")
    @blueprint.doc(
        summary=f"Push {plugin} records",
        description=(
            f"Creates or updates the {collector.resource.name} record whose "
            f"`{collector.identityfield}` matches (trimmed"
            f"{', case-folded' if collector.casefold else ''}, then in the field's normal "
            "form, such as a MAC address in any spelling). Auth: X-API-Key (or "
            f"Authorization: Bearer) with COLLECTOR_API_KEY_{plugin.upper()}, "
            "COLLECTOR_API_KEY or an API token with the collector scope."
        ),
        requestBody=body,
        security=[{"apikey": []}, {"bearer": []}],
    )
    @blueprint.response(200, replies, description="The result (one record) or per-record results")
    def push(args: dict[str, Any]) -> ResponseReturnValue:
        session = get_session()
        actor = request_actor()  # the collector key or token, made by _authenticated
        dryrun = args["dryrun"]
        payload = request.get_json(silent=True)
        if isinstance(payload, dict) and BATCH_KEY in payload:
            limit = current_app.config["SHOPDB_COLLECTOR_BATCH_LIMIT"]
            reply = collector.push_batch(session, payload, actor=actor, limit=limit, dryrun=dryrun)
        else:
            reply = collector.push(session, payload, actor=actor, dryrun=dryrun)
        return data_response({**reply, "dryrun": dryrun})


def openapi_record(collector: Collector) -> dict[str, Any]:
    """The record schema for the OpenAPI document: the plugin's JSON Schema as
    validated (identity required) in OpenAPI 3.0 terms, `casefold` shown as
    `x-casefold`."""
    schema = as_openapi30(collector.schema)
    schema["required"] = sorted({*schema.get("required", ()), collector.identityfield})
    identity = schema["properties"][collector.identityfield]
    if CASEFOLD in identity:
        identity["x-casefold"] = identity.pop(CASEFOLD)
    return schema
