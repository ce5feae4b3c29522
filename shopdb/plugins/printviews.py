"""Print views: GET /print/<plugin>/<view>?ids=1,2,3, the pages plugins
declare with `get_print_views()` (labels, badges, QR sheets).

Served outside /api/, as HTML rendered on the server with Jinja2 and no
JavaScript; the page prints from the browser. Codes are SVG drawn in Python
(`qr_svg` with segno, `code128_svg` with python-barcode's encoder), so nothing
is fetched and nothing runs in the browser.
Reading a print view needs what reading assets needs.

Each plugin's `templates` folder is served to Jinja under the plugin's name
(`printers/qr.html` is `<printers folder>/templates/qr.html`), for its print
views and dashboard widgets alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import barcode
import segno
from flask import Blueprint, Flask, render_template, request
from flask.typing import ResponseReturnValue
from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from shopdb.database import get_session
from shopdb.errors import InvalidInputError, NotFoundError
from shopdb.http.identity import authorize
from shopdb.models import Base
from shopdb.plugins.assetlabels import ASSET_LABELS, CORE
from shopdb.plugins.contributions import PrintView
from shopdb.plugins.runtime import current_runtime
from shopdb.resources.schemas import MAXIMUM_ID
from shopdb.services.access import Access

blueprint = Blueprint("printviews", __name__, template_folder="templates")

PRINT_VIEWS_KEY = "shopdb.printviews"
# The pages run no script at all; images may come from the web (a model's
# picture given as a web address), not only from the site.
PRINT_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'none'",
        "img-src 'self' data: https: http:",
        "style-src 'self' 'unsafe-inline'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
TEMPLATES_FOLDER = "templates"
# QR error correction M (15 % of the code may be damaged) and a module size
# that prints sharply on 203 dpi label printers.
QR_ERROR = "m"
# Code 128: a narrow bar of 0.33 mm reads well with hand scanners and
# survives a 203 dpi label printer; the standard asks for a quiet zone of ten
# modules either side.
BAR_MODULE_MM = 0.33
BAR_QUIET_MODULES = 10
BAR_HEIGHT_MM = 15.0
# Printable ASCII: what Code 128 code sets B and C hold without FNC4 tricks.
CODE128_CHARACTERS = frozenset(chr(code) for code in range(32, 127))


def qr_svg(text: str, scale: int = 4, border: int = 4, width_mm: float | None = None) -> Markup:
    """`text` as a QR code, an inline SVG element (black modules, no fill),
    made on the server with segno; safe to put in a template as it is.
    `scale` is pixels per module; `width_mm` instead sizes the whole code,
    quiet zone included, in millimetres (for label sheets, where a code
    must fit a label exactly)."""
    code = segno.make(str(text), error=QR_ERROR, micro=False)
    if width_mm is None:
        svg = code.svg_inline(scale=scale, border=border, svgclass="qr", lineclass="qrline")
    else:
        modules = code.symbol_size(scale=1, border=border)[0]
        svg = code.svg_inline(
            scale=round(width_mm / modules, 4),
            border=border,
            unit="mm",
            svgclass="qr",
            lineclass="qrline",
        )
    return Markup(svg)  # segno's own markup: the text is encoded as modules, not embedded


def code128_svg(
    text: str, module_mm: float = BAR_MODULE_MM, height_mm: float = BAR_HEIGHT_MM
) -> Markup:
    """`text` as a Code 128 barcode, an inline SVG element sized in
    millimetres (one black path, quiet zones included, no text under the
    bars); safe to put in a template as it is. python-barcode encodes (code
    set choice, check digit); the bars are drawn here, so the page gets one
    small element without ids, styles or an XML prolog. A ValueError names a
    text Code 128 cannot hold (empty, or not printable ASCII)."""
    text = str(text)
    wrong = sorted({each for each in text if each not in CODE128_CHARACTERS})
    if not text or wrong:
        shown = ", ".join(ascii(each) for each in wrong) or "nothing"
        raise ValueError(
            f"Code 128 cannot hold {text!a}: it takes printable ASCII only, not {shown}."
        )
    (modules,) = barcode.get("code128", text).build()
    quiet = BAR_QUIET_MODULES
    bars = []
    position = 0
    for width in _runs(modules):
        if modules[position] == "1":
            bars.append(f"M{quiet + position} 0h{width}v1h-{width}z")
        position += width
    total = len(modules) + 2 * quiet
    width_mm = round(total * module_mm, 3)
    label = escape(text)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="barcode" role="img" '
        f'aria-label="{label}" width="{width_mm}mm" height="{height_mm}mm" '
        f'viewBox="0 0 {total} 1" preserveAspectRatio="none" shape-rendering="crispEdges">'
        f'<path fill="#000" d="{"".join(bars)}"/></svg>'
    )
    return Markup(svg)


def _runs(modules: str) -> list[int]:
    """'1100010' -> [2, 3, 1, 1]: the widths of the bars and spaces in turn."""
    runs: list[int] = []
    for index, module in enumerate(modules):
        if index and module == modules[index - 1]:
            runs[-1] += 1
        else:
            runs.append(1)
    return runs


def rows_by_id(
    session: Session, model: type[Base], ids: list[int], what: str, *options: Any
) -> list[Any]:
    """The rows of `model` (keyed by its one primary key column) with these
    ids, in the order asked, loaded with `options`; a 404 naming the ids that
    are no `what`. What a print view's context usually needs."""
    (key,) = model.__table__.primary_key.columns
    query = select(model).where(key.in_(ids)).options(*options)
    found = {getattr(row, key.key): row for row in session.scalars(query)}
    missing = [str(each) for each in ids if each not in found]
    if missing:
        raise NotFoundError(f"No {what} has the id(s) {', '.join(missing)}.")
    return [found[each] for each in ids]


def parse_ids(text: str | None, maxids: int) -> list[int]:
    """`1,2,3` -> [1, 2, 3], each id once, in the order given; a 400 naming the
    problem otherwise."""
    if text is None or not text.strip():
        raise _bad_ids("Give the records to print: ?ids=1,2,3.")
    ids: dict[int, None] = {}  # ordered, each once
    for raw in text.split(","):
        part = raw.strip()
        if not (part.isascii() and part.isdigit()) or not 1 <= int(part) <= MAXIMUM_ID:
            raise _bad_ids(f"{part!r} is not a record id; ids are positive whole numbers.")
        ids[int(part)] = None
    if len(ids) > maxids:
        raise _bad_ids(f"{len(ids)} ids; this view prints at most {maxids} at a time.")
    return list(ids)


def _bad_ids(message: str) -> InvalidInputError:
    return InvalidInputError(message, {"ids": [message]})


@blueprint.get("/print/<plugin>/<view>")
def print_view(plugin: str, view: str) -> ResponseReturnValue:
    """One plugin's print view for the records `ids`."""
    authorize(Access.ASSET_READ, write=False)
    views: dict[tuple[str, str], PrintView] = blueprint_views()
    found = views.get((plugin, view))
    if found is None:
        known = ", ".join(f"/print/{name}/{each}" for name, each in sorted(views)) or "none"
        raise NotFoundError(f"There is no print view {plugin}/{view}; known: {known}.")
    ids = parse_ids(request.args.get("ids"), found.maxids)
    context = dict(found.context(get_session(), ids))
    html = render_template(found.template, **context, printview=found, ids=ids)
    headers = {"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": PRINT_POLICY}
    return html, 200, headers


def blueprint_views() -> dict[tuple[str, str], PrintView]:
    from flask import current_app

    return current_app.extensions.get(PRINT_VIEWS_KEY, {})


def init_app(app: Flask) -> None:
    """After the plugins are wired: their template folders, their views and
    the route."""
    runtime = current_runtime(app)
    folders = {}
    # The core's own views first; no plugin is named like a core table.
    views: dict[tuple[str, str], PrintView] = {(CORE, ASSET_LABELS.name): ASSET_LABELS}
    for loaded in runtime.loaded:
        folder = Path(loaded.manifest.path) / TEMPLATES_FOLDER
        if folder.is_dir():
            folders[loaded.name] = FileSystemLoader(str(folder))
        for view in loaded.parts.printviews:
            views[(loaded.name, view.name)] = view
    if folders:
        # The app's own loader first; Flask has none when there is no template folder.
        own = [app.jinja_loader] if app.jinja_loader is not None else []
        app.jinja_loader = ChoiceLoader([*own, PrefixLoader(folders)])
    app.extensions[PRINT_VIEWS_KEY] = views
    app.jinja_env.globals["qr_svg"] = qr_svg
    app.jinja_env.globals["code128_svg"] = code128_svg
    app.register_blueprint(blueprint)
