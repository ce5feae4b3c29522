"""`shopdb record save|delete`: write any resource's record from the command
line, through the same write path as the REST API and the collectors
(`Resource.save` and `Resource.delete` in one unit of work, audited as the
command-line account). Imports and scripted fixes build on it.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from flask import current_app

from shopdb.cli.support import FriendlyGroup, cli_actor, transaction
from shopdb.errors import InvalidInputError, ShopDBError
from shopdb.resources.definition import Resource
from shopdb.resources.registry import RESOURCES_KEY

record_group = FriendlyGroup("record", help="Write records of any resource (as the API does).")


def find_resource(name: str) -> Resource:
    resources: dict[str, Resource] = current_app.extensions.get(RESOURCES_KEY, {})
    if name not in resources:
        known = ", ".join(sorted(resources)) or "none"
        raise ShopDBError(f"There is no resource {name!r}; known: {known}.")
    return resources[name]


def read_body(text: str) -> Any:
    """The record as JSON, from the argument or (for '-') standard input."""
    source = sys.stdin.read() if text == "-" else text
    try:
        return json.loads(source)
    except json.JSONDecodeError as error:
        raise InvalidInputError(f"The record is not valid JSON: {error}.") from None


def _problems(error: ShopDBError) -> str:
    details = getattr(error, "details", None)
    return f"{error} {json.dumps(details, sort_keys=True)}" if details else str(error)


@record_group.command("save")
@click.argument("resource")
@click.argument("body")
@click.option("--id", "itemid", type=int, help="Change this record instead of creating one.")
def save_command(resource: str, body: str, itemid: int | None) -> None:
    """Create a RESOURCE record from BODY (JSON; '-' reads standard input), or
    change the record --id; prints what was done as JSON."""
    declared = find_resource(resource)
    raw = read_body(body)
    try:
        with transaction() as session:
            instance = None
            if itemid is not None:
                instance = declared.get_row(session, itemid, lock=True)
            saved = declared.save(session, raw, instance, actor=cli_actor())
            key = getattr(saved.record, declared.primary_key)
    except (InvalidInputError, ShopDBError) as error:
        raise ShopDBError(_problems(error)) from None
    result = {"action": saved.action, declared.primary_key: key, "changes": saved.changes}
    click.echo(json.dumps(result, sort_keys=True, default=str))


@record_group.command("delete")
@click.argument("resource")
@click.argument("itemid", type=int)
@click.option("--permanent", is_flag=True, help="Delete for good where the resource can.")
def delete_command(resource: str, itemid: int, permanent: bool) -> None:
    """Delete (retire, revoke) the RESOURCE record ITEMID."""
    declared = find_resource(resource)
    if permanent and not declared.permanent_delete:
        raise ShopDBError(f"{resource} records cannot be deleted permanently.")
    with transaction() as session:
        instance = declared.get_row(session, itemid, lock=True)
        action = declared.delete(session, instance, permanent, actor=cli_actor())
    click.echo(json.dumps({"action": action, declared.primary_key: itemid}))
