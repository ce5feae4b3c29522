"""`shopdb export` and `shopdb import`: a resource's records to and from CSV
or XLSX, with the list's filters and the write path's checks, as the REST
API does it (shopdb.resources.transfer)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from marshmallow import ValidationError, fields

from shopdb.cli.backup import progress_bar
from shopdb.cli.records import find_resource
from shopdb.cli.support import FriendlyCommand, act_as_cli_user, cli_actor
from shopdb.database import get_database, get_session
from shopdb.errors import InvalidInputError, ShopDBError
from shopdb.resources.endpoints import ResourceViews
from shopdb.resources.registry import RESOURCES_KEY
from shopdb.resources.transfer.endpoints import export_arguments
from shopdb.resources.transfer.exporting import FORMATS, XLSX, Exporter, chunks
from shopdb.resources.transfer.importing import ERROR, UPDATED, import_file
from shopdb.services.migrations import require_current_schema
from shopdb.services.unitofwork import unit_of_work


def list_arguments(
    declared: Any, pairs: tuple[str, ...], sort: str | None, text: str | None
) -> dict:
    """--filter k=v pairs, --sort and --q checked by the list's own schema."""
    schema = export_arguments(declared)()
    given: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise ShopDBError(f"--filter takes NAME=VALUE, not {pair!r}.")
        field = schema.fields.get(key.strip())
        if isinstance(field, fields.List):
            given.setdefault(key.strip(), []).append(value)
        else:
            given[key.strip()] = value
    if sort:
        given["sort"] = sort
    if text:
        given["q"] = text
    try:
        args = schema.load(given)
    except ValidationError as error:
        raise ShopDBError(f"The export's filters are wrong: {json.dumps(error.messages)}") from None
    args.pop("format", None)
    return args


@click.command("export", cls=FriendlyCommand)
@click.argument("resource")
@click.option(
    "--filter", "pairs", multiple=True, metavar="NAME=VALUE", help="A list filter (repeatable)."
)
@click.option("--sort", help="As the list's sort: -modifiedat,name")
@click.option("--q", "text", help="Free text, as the list's q.")
@click.option(
    "--format", "kind", type=click.Choice(FORMATS), help="Default: from -o's suffix, else csv."
)
@click.option("--template", is_flag=True, help="Only the columns and one example row.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def export_command(
    resource: str,
    pairs: tuple[str, ...],
    sort: str | None,
    text: str | None,
    kind: str | None,
    template: bool,
    output: Path,
) -> None:
    """Write RESOURCE's records (as its list filters and sorts them) to a CSV
    or XLSX file."""
    declared = find_resource(resource)
    require_current_schema(get_database().engine)
    act_as_cli_user()
    kind = kind or (XLSX if output.suffix.lower() == ".xlsx" else "csv")
    session = get_session()
    count = 0
    with output.open("wb") as target:
        exporter = Exporter(declared, session)
        if template:
            body = None
            with unit_of_work(session, cli_actor(), dryrun=True, write=False):
                try:
                    body = declared.sample(session, 1)
                except (ValueError, LookupError):
                    body = None
            rows: Any = exporter.template(body)
        else:
            query = ResourceViews(declared).list_query(list_arguments(declared, pairs, sort, text))
            rows = exporter.rows(query)

        def counted() -> Any:
            nonlocal count
            for row in rows:
                count += 1
                yield row

        for piece in chunks(kind, exporter.headers, counted(), declared.name):
            target.write(piece)
    click.echo(f"Wrote {count} {declared.name} row(s) to {output} ({kind}).")


def print_report(report: dict[str, Any]) -> None:
    for row in report["rows"]:
        if row["action"] == ERROR:
            for error in row.get("errors", []):
                column = f" column {error['column']!r}" if error["column"] else ""
                click.echo(f"row {row['row']}{column}: {error['message']}", err=True)
        elif row["action"] == UPDATED:
            click.echo(
                f"row {row['row']} updated {row.get('identity', '')}: {', '.join(row['changes'])}"
            )
    if report["unknowncolumns"]:
        click.echo(f"Unknown columns (left out): {', '.join(report['unknowncolumns'])}", err=True)
    counts = report["counts"]
    summary = ", ".join(f"{number} {action}" for action, number in counts.items())
    state = (
        "dry run, nothing written"
        if report["dryrun"]
        else ("written" if report["written"] else "nothing written")
    )
    click.echo(f"{report['resource']}: {summary} ({state}).")


@click.command("import", cls=FriendlyCommand)
@click.argument("resource")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Report what would be done; write nothing.")
@click.option("--skip-errors", is_flag=True, help="Write the good rows even if others fail.")
@click.option("--create-lookups", is_flag=True, help="Create lookup rows named but not found.")
@click.option("--json", "as_json", is_flag=True, help="Print the whole report as JSON.")
@with_appcontext
def import_command(
    resource: str,
    file: Path,
    dry_run: bool,
    skip_errors: bool,
    create_lookups: bool,
    as_json: bool,
) -> None:
    """Create or update RESOURCE records from a CSV or XLSX FILE, by the
    resource's identity; all or nothing unless --skip-errors."""
    declared = find_resource(resource)
    require_current_schema(get_database().engine)
    actor = act_as_cli_user()
    with file.open("rb") as stream, progress_bar(f"Import {declared.name}") as bar:
        try:
            report = import_file(
                declared,
                get_session(),
                stream,
                file.name,
                actor,
                dryrun=dry_run,
                skip_errors=skip_errors,
                create_lookups=create_lookups,
                resources=current_app.extensions.get(RESOURCES_KEY, {}),
                progress=bar.update,
                started=lambda total: bar.start(total or 0),
            )
        except InvalidInputError as error:
            raise ShopDBError(f"{file.name}: {error}") from None
    shown = report.as_dict(unchanged=False)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, default=str))
    else:
        print_report(shown)
    if report.failed and not skip_errors and not dry_run:
        raise ShopDBError("Nothing was written: fix the rows above, or use --skip-errors.")
