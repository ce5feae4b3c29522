"""Export and import in the web UI, on the code the REST API and the CLI use
(`shopdb.resources.transfer`).

Export: every list page links to `GET /api/<resource>/export` with the
list's own query string (filters, `q`, `sort`; no paging), so the file holds
the rows the list shows, and to `/export/template` for an empty spreadsheet.

Import, at `/<resource>/import`, in two steps:
1. the user uploads a CSV or XLSX file with the options; `import_file` runs
   as a dry run (writes nothing) and the page shows what each row would do;
2. the user confirms, and `import_file` runs again, for real, on the same
   bytes.
Between the two steps the file waits in the instance folder
(`imports/<token>.partial`, beside its description in `<token>.json.partial`;
backups leave `.partial` files out), named by a random token and bound to
the user and resource that uploaded it; its SHA-256 is checked before the
import and it is removed once imported, or after PENDING_SECONDS (every
upload sweeps older ones; a user keeps at most PENDING_PER_USER). Only the
resource's writers (editors, or admins for admin data) may import; the form
carries the CSRF value like every other form; the body is bounded by
IMPORT_MAX_BYTES before anything reads it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from flask import Blueprint, current_app, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import RequestEntityTooLarge

from shopdb.database import get_session
from shopdb.errors import AuthenticationRequiredError, InvalidInputError
from shopdb.http.identity import current_identity, request_actor
from shopdb.resources.transfer.endpoints import import_limit
from shopdb.resources.transfer.exporting import FORMATS
from shopdb.resources.transfer.importing import ERROR, UNCHANGED, ImportReport, import_file
from shopdb.services.archive.files import PARTIAL_SUFFIX

if TYPE_CHECKING:
    from shopdb.resources.definition import Resource
    from shopdb.web.pages import ResourcePages

PENDING_FOLDER = "imports"
PENDING_SECONDS = 3600
# Uploads one user may keep waiting at once; a new one drops the oldest.
PENDING_PER_USER = 5
TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")
# Rows a report page lists; beyond it, unchanged rows are only counted.
ROWS_SHOWN = 1000
COPY_BYTES = 1 << 20
OPTIONS = ("skiperrors", "createlookups")


def importable(resource: Resource) -> bool:
    """Whether a file can write the resource (the API has its import then)."""
    return bool(resource.allow_create or resource.allow_update)


# Export links -----------------------------------------------------------------


def export_links(pages: ResourcePages, args: dict[str, Any]) -> dict[str, str]:
    """The export addresses of a list in the state `args` (its filters, q and
    sort, without paging), one per format, and the empty templates'."""
    state = pages.url(args, page=None, perpage=None, cursor=None).partition("?")[2]
    name = pages.resource.name
    export = url_for(f"{name}transfer.export")
    template = url_for(f"{name}transfer.template")
    links = {}
    for kind in FORMATS:
        links[kind] = f"{export}?{state}&format={kind}" if state else f"{export}?format={kind}"
        links[f"template{kind}"] = f"{template}?format={kind}"
    links["base"] = export
    return links


# Uploads waiting for their confirmation ----------------------------------------


@dataclass
class Pending:
    """An uploaded file waiting between the dry run and the import."""

    token: str
    resource: str
    userid: int
    filename: str
    size: int
    sha256: str
    created: float

    @staticmethod
    def folder() -> Path:
        return Path(current_app.config["SHOPDB_INSTANCE_PATH"]) / PENDING_FOLDER

    @property
    def path(self) -> Path:
        return self.folder() / f"{self.token}{PARTIAL_SUFFIX}"

    @property
    def described(self) -> Path:
        return self.folder() / f"{self.token}.json{PARTIAL_SUFFIX}"

    def forget(self) -> None:
        for path in (self.path, self.described):
            path.unlink(missing_ok=True)


def sweep(folder: Path, now: float) -> None:
    """Remove what waited longer than PENDING_SECONDS (never confirmed)."""
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        try:
            if now - path.stat().st_mtime > PENDING_SECONDS:
                path.unlink(missing_ok=True)
        except OSError:
            continue  # taken by another request meanwhile


def waiting_of(folder: Path, userid: int) -> list[Pending]:
    """The user's uploads still waiting, oldest first."""
    found = []
    for path in folder.glob(f"*.json{PARTIAL_SUFFIX}"):
        try:
            pending = Pending(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            continue
        if pending.userid == userid:
            found.append(pending)
    return sorted(found, key=lambda pending: pending.created)


def keep_upload(stream: IO[bytes], filename: str, resource: str, userid: int) -> Pending:
    """Copy the upload into the instance folder, at most the import limit."""
    folder = Pending.folder()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    now = time.time()
    sweep(folder, now)
    earlier = waiting_of(folder, userid)
    for pending in earlier[: max(0, len(earlier) - PENDING_PER_USER + 1)]:
        pending.forget()
    pending = Pending(secrets.token_urlsafe(32), resource, userid, filename, 0, "", now)
    limit = import_limit()
    digest = hashlib.sha256()
    try:
        with open(pending.path, "xb") as target:
            while chunk := stream.read(COPY_BYTES):
                pending.size += len(chunk)
                if pending.size > limit:
                    raise file_problem(
                        f"The file is larger than the limit of {limit} bytes; split it, or "
                        "import it with `shopdb import`."
                    )
                digest.update(chunk)
                target.write(chunk)
        if pending.size == 0:
            raise file_problem("The file is empty; send a header row and at least one row of data.")
        pending.sha256 = digest.hexdigest()
        pending.described.write_text(json.dumps(asdict(pending)), encoding="utf-8")
    except BaseException:
        pending.forget()
        raise
    return pending


def waiting(token: str, resource: str) -> Pending:
    """The upload `token` names, when it is this user's for this resource,
    still there and unchanged."""
    gone = file_problem(
        "This upload is no longer waiting (imported already, or older than "
        f"{PENDING_SECONDS // 60} minutes): choose the file again."
    )
    if not TOKEN.fullmatch(token or ""):
        raise gone
    probe = Pending(token, resource, 0, "", 0, "", 0.0)
    try:
        pending = Pending(**json.loads(probe.described.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        raise gone from None
    if (
        pending.token != token
        or pending.resource != resource
        or pending.userid != current_identity().userid
        or time.time() - pending.created > PENDING_SECONDS
    ):
        raise gone
    try:
        digest = hashlib.sha256()
        with open(pending.path, "rb") as source:
            while chunk := source.read(COPY_BYTES):
                digest.update(chunk)
    except OSError:
        raise gone from None
    if digest.hexdigest() != pending.sha256:
        pending.forget()
        raise file_problem("The waiting file changed since it was checked: choose it again.")
    return pending


def claim(pending: Pending) -> Path:
    """Take the file for the import, so that a second confirmation (a double
    click, a reloaded page) finds nothing to import again."""
    taken = pending.path.with_name(f"{pending.token}.taken{PARTIAL_SUFFIX}")
    try:
        os.replace(pending.path, taken)
    except FileNotFoundError:
        raise waiting_error() from None
    return taken


def waiting_error() -> InvalidInputError:
    return file_problem("This upload was imported already: choose the file again.")


def file_problem(message: str) -> InvalidInputError:
    return InvalidInputError(message, {"file": [message]})


# The import page ----------------------------------------------------------------


def options() -> dict[str, bool]:
    return {name: request.form.get(name) in ("on", "true", "1") for name in OPTIONS}


def run_import(
    resource: Resource, path: Path, filename: str, chosen: dict[str, bool], *, dryrun: bool
) -> ImportReport:
    from shopdb.web.site import current_site

    with open(path, "rb") as stream:
        return import_file(
            resource,
            get_session(),
            stream,
            filename,
            request_actor(),
            dryrun=dryrun,
            skip_errors=chosen["skiperrors"],
            create_lookups=chosen["createlookups"],
            resources=current_site().resources,
        )


def shown_rows(report: ImportReport) -> tuple[list[Any], int]:
    """The rows a report page lists, and how many unchanged rows it leaves out."""
    if len(report.rows) <= ROWS_SHOWN:
        return list(report.rows), 0
    listed = [row for row in report.rows if row.action != UNCHANGED][:ROWS_SHOWN]
    return listed, sum(1 for row in report.rows if row.action == UNCHANGED)


def import_page(name: str) -> ResponseReturnValue:
    from shopdb.web.site import current_site

    site = current_site()
    pages = site.pages[name]
    resource = pages.resource
    pages.check_write()
    if not importable(resource):
        return site.error(405, f"{pages.title()} cannot be imported: they are read-only.")
    if request.method == "GET":
        return form_page(pages, dict.fromkeys(OPTIONS, False))
    chosen = options()
    step = request.form.get("step", "check")
    try:
        if step == "check":
            return check_upload(pages, chosen)
        pending = waiting(request.form.get("token", ""), name)
        if step == "confirm":
            return confirm(pages, pending, chosen)
        report = run_import(resource, pending.path, pending.filename, chosen, dryrun=True)
        return report_page(pages, report, pending, chosen)
    except InvalidInputError as error:
        return form_page(pages, chosen, problem=str(error), status=400)


def check_upload(pages: ResourcePages, chosen: dict[str, bool]) -> ResponseReturnValue:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise file_problem("Choose a CSV or XLSX file to import.")
    userid = current_identity().userid
    if userid is None:  # check_write refuses anonymous callers already
        raise AuthenticationRequiredError("Sign in to import.")
    filename = os.path.basename(upload.filename.replace("\\", "/"))
    pending = keep_upload(upload.stream, filename, pages.resource.name, userid)
    try:
        report = run_import(pages.resource, pending.path, filename, chosen, dryrun=True)
    except BaseException:
        pending.forget()
        raise
    return report_page(pages, report, pending, chosen)


def confirm(pages: ResourcePages, pending: Pending, chosen: dict[str, bool]) -> ResponseReturnValue:
    taken = claim(pending)
    try:
        report = run_import(pages.resource, taken, pending.filename, chosen, dryrun=False)
    except BaseException:
        os.replace(taken, pending.path)  # nothing was written: it may be tried again
        raise
    if report.failed and not report.written and not chosen["skiperrors"]:
        os.replace(taken, pending.path)
        errors = report.counts[ERROR]
        problem = (
            f"{errors} row(s) have errors, so nothing was written: fix the file and choose "
            "it again, or tick 'Skip rows with errors' to write the good rows."
        )
        return report_page(pages, report, pending, chosen, problem=problem, status=400)
    taken.unlink(missing_ok=True)
    pending.forget()
    return report_page(pages, report, None, chosen)


def form_page(
    pages: ResourcePages, chosen: dict[str, bool], problem: str = "", status: int = 200
) -> ResponseReturnValue:
    return pages.site.page(
        "web/import.html",
        status=status,
        pages=pages,
        resource=pages.resource,
        chosen=chosen,
        problem=problem,
        links=export_links(pages, {}),
        limit=import_limit(),
    )


def report_page(
    pages: ResourcePages,
    report: ImportReport,
    pending: Pending | None,
    chosen: dict[str, bool],
    problem: str = "",
    status: int = 200,
) -> ResponseReturnValue:
    rows, hidden = shown_rows(report)
    return pages.site.page(
        "web/importreport.html",
        status=status,
        pages=pages,
        resource=pages.resource,
        report=report,
        counts=report.counts,
        rows=rows,
        hidden=hidden,
        pending=pending,
        chosen=chosen,
        problem=problem,
    )


# Wiring ---------------------------------------------------------------------------


def bound_import_body(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Let an import page's body be as large as an import may be (the app's
    limit is for forms); runs before anything reads the body (the CSRF check)."""
    if endpoint == "web.import" and request.method == "POST":
        request.max_content_length = import_limit()


def too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    from shopdb.web.site import current_site

    site = current_site()
    limit = request.max_content_length
    message = f"The file is larger than the limit of {limit} bytes."
    name = (request.view_args or {}).get("name")
    if request.endpoint == "web.import" and name in site.pages:
        pages = site.pages[name]
        return form_page(pages, dict.fromkeys(OPTIONS, False), message, 413)
    return site.error(413, message)


def register(blueprint: Blueprint, resource_rule: str) -> None:
    """The import page of every resource, and the export links of lists."""
    blueprint.add_url_rule(
        f"/<{resource_rule}>/import", "import", import_page, methods=["GET", "POST"]
    )
    blueprint.url_value_preprocessor(bound_import_body)
    blueprint.register_error_handler(RequestEntityTooLarge, too_large)
    blueprint.add_app_template_global(export_links, "export_links")
    blueprint.add_app_template_global(importable, "importable")
