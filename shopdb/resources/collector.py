"""Collectors: POST /api/collector/<plugin>, where machines push what they know
about themselves and the record with that identity is created or updated.

A push writes through one of the plugin's resources (`Resource.create`,
`Resource.update`), so it is validated, written and audited exactly like an
API write; this module adds what a push needs beyond that:

- the record is checked against the plugin's JSON Schema (Draft 2020-12)
  first, then against the resource's create or update schema;
- the identity value is normalised (trimmed, case-folded when the identity
  property says `"casefold": true`), and the normalised value is both looked
  up and stored, so the unique constraint on the identity column holds one
  record per machine however the collector spells it;
- upsert: not found -> create; found -> update of the pushed fields only
  (relationships and fields not pushed are left alone); nothing changed ->
  `noop`, with no write and no audit entry;
- races: two pushes of a new identity at once both try to create; the
  database's unique constraint refuses the second, which then finds the first
  and updates it. Deadlocks, lock timeouts and serialization failures are run
  again. The client sees created/updated/noop, never a conflict of its own
  making;
- a batch form `{"records": [...]}`, one transaction per record, and a dry
  run that does everything and rolls back.

Who may push is decided in `shopdb.http.collectorkeys`.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import random
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

from flask import current_app, request
from flask.typing import ResponseReturnValue
from flask_smorest import Api, Blueprint
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from jsonschema.exceptions import ValidationError as SchemaViolation
from marshmallow import Schema, fields
from marshmallow import ValidationError as FieldErrors
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from shopdb.database import (
    get_session,
    is_retryable,
    is_unavailable,
    start_writing,
    waited_in_vain,
)
from shopdb.errors import ConflictError, InvalidInputError
from shopdb.http.collectorkeys import CollectorAuthError, authenticate_collector
from shopdb.http.envelope import ApiError, data_response, error_parts
from shopdb.http.identity import verifies_own_credentials
from shopdb.resources.definition import Resource
from shopdb.resources.endpoints import ResourceBlueprint
from shopdb.resources.fieldtypes import CanonicalText
from shopdb.resources.openapischema import as_openapi30
from shopdb.resources.registry import ErrorSchema
from shopdb.services.records import unique_groups

BLUEPRINT = "collectors"
URL_PREFIX = "/api/collector"
BATCH_KEY = "records"
CASEFOLD = "casefold"
CREATED, UPDATED, NOOP, ERROR = "created", "updated", "noop", "error"
# Runs of one record's transaction: a lost race costs one more, a deadlock or
# a busy database a few; more than this is a real problem worth a 5xx.
ATTEMPTS = 8
BACKOFF_SECONDS = 0.02
logger = logging.getLogger("shopdb.collectors")


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
        self.schema = schema
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
        # The identity is required whether or not the schema says so.
        required = sorted({*schema.get("required", ()), identityfield})
        self.validator = Draft202012Validator(
            {**schema, "required": required}, format_checker=Draft202012Validator.FORMAT_CHECKER
        )

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
        problems = schema_problems(self.validator, record)
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

    def push(self, session: Session, record: Any, *, dryrun: bool = False) -> dict[str, Any]:
        """Create or update the record with this identity in a transaction of
        its own (rolled back in a dry run); returns the result to reply."""
        values = self.check(record)
        identity = values[self.identityfield]
        conflict: ConflictError | None = None
        attempt = 0
        while True:
            attempt += 1
            try:
                start_writing(session)
                result = self._apply(session, values, identity, dryrun, conflict)
                if dryrun:
                    session.rollback()
                else:
                    session.commit()
                return result
            except ConflictError as error:
                # A lost race: the winner is committed now, so the next run finds
                # it. Many pushes of one record (its child rows too) may keep
                # racing, so run again with back-off while attempts remain; a
                # clash that is not about this identity is raised by _apply.
                session.rollback()
                if attempt >= ATTEMPTS:
                    raise
                logger.debug("push of %r lost a race (%s); running it again", identity, error)
                conflict = error
                time.sleep(random.uniform(0, BACKOFF_SECONDS * attempt))
            except DBAPIError as error:
                session.rollback()
                if not is_retryable(error) or waited_in_vain(error) or attempt >= ATTEMPTS:
                    raise
                logger.debug("push of %r met %s; running it again", identity, error.orig)
                time.sleep(random.uniform(0, BACKOFF_SECONDS * attempt))
            except BaseException:
                session.rollback()
                raise

    def _apply(
        self,
        session: Session,
        values: dict[str, Any],
        identity: Any,
        dryrun: bool,
        conflict: ConflictError | None,
    ) -> dict[str, Any]:
        resource = self.resource
        found = resource.find_by(session, self.identityfield, identity, lock=True)
        if found is None:
            if conflict is not None:
                raise conflict  # the clash was not with this identity
            instance = resource.create(session, _load(self.create_schema, values))
            key = None if dryrun else getattr(instance, resource.primary_key)
            return _result(CREATED, key, self.stored_identity(instance, identity))
        # Fields fixed at creation are not pushed again; the collector cannot
        # know whether its record exists.
        update = {name: value for name, value in values.items() if name not in resource.create_only}
        changes = resource.update(session, found, _load(self.update_schema, update))
        key = getattr(found, resource.primary_key)
        stored = self.stored_identity(found, identity)
        return _result(UPDATED if changes else NOOP, key, stored, changes)

    def stored_identity(self, instance: Any, pushed: Any) -> Any:
        """The identity as the record holds it (a resource may store another
        form than the one pushed), else as pushed."""
        return getattr(instance, self.identityfield, pushed)

    def push_batch(
        self, session: Session, body: dict[str, Any], *, limit: int, dryrun: bool = False
    ) -> dict[str, Any]:
        """Each record on its own (a failing one undoes nothing of the others),
        in order, so a later record of the same identity sees an earlier one.
        In a dry run every record is rolled back, so records do not see each
        other. A database that cannot be used stops the batch (a 503): the
        records before it are stored, and sending the batch again is safe."""
        records = batch_records(body, limit)
        counts = dict.fromkeys((CREATED, UPDATED, NOOP, ERROR), 0)
        results = []
        for index, record in enumerate(records):
            try:
                result = {"index": index, **self.push(session, record, dryrun=dryrun)}
                counts[result["action"]] += 1
            except Exception as error:
                if isinstance(error, DBAPIError) and is_unavailable(error):
                    raise
                result = {"index": index, "status": ERROR, "error": _describe(error, index)}
                counts[ERROR] += 1
            results.append(result)
        status = "ok"
        if counts[ERROR]:
            status = ERROR if counts[ERROR] == len(records) else "partial"
        return {"status": status, "counts": counts, "results": results}


def _result(
    action: str, key: Any, identity: Any, changes: dict[str, Any] | None = None
) -> dict[str, Any]:
    result = {"status": "ok", "action": action, "assetid": key, "identityvalue": identity}
    if action == UPDATED:
        result["changes"] = changes
    return result


def _load(schema: Schema, values: dict[str, Any]) -> dict[str, Any]:
    try:
        return schema.load(values)
    except FieldErrors as error:
        messages = (
            error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        )
        raise InvalidInputError("The record has invalid fields; see details.", messages) from None


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
            try:
                authenticate_collector(collector.plugin, collector.resource.write)
            except CollectorAuthError as refused:
                return refused.response
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
        dryrun = args["dryrun"]
        payload = request.get_json(silent=True)
        if isinstance(payload, dict) and BATCH_KEY in payload:
            limit = current_app.config["SHOPDB_COLLECTOR_BATCH_LIMIT"]
            reply = collector.push_batch(session, payload, limit=limit, dryrun=dryrun)
        else:
            reply = collector.push(session, payload, dryrun=dryrun)
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
