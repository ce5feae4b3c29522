"""The core's own print view, GET /print/assets/labels?ids=1,2&sheet=l7160&offset=4:
a label per asset (any asset class: computers, equipment, printers, ... are
all assets) with a QR code of the asset's page in the web UI and its asset
number and name, laid out on a label sheet (shopdb.services.labelsheets).

Served through the same route and `PrintView` as the plugins' views; the
list pages' "Print labels" action opens it for the selected records.
"""

from __future__ import annotations

from typing import Any

from flask import request
from sqlalchemy.orm import Session

from shopdb.models import Asset
from shopdb.plugins.contributions import PrintView
from shopdb.services.labelsheets import (
    MOST_LABELS,
    LabelSheet,
    layout,
    page_count,
    parse_offset,
    sheet_named,
    shortened,
)

# The route's name for the core's views: a core table, so no plugin takes it.
CORE = "assets"
# Character width of the name's type (7 pt) in mm, for cutting long names.
NAME_CHARACTER_MM = 1.8


def name_length(sheet: LabelSheet) -> int:
    """Characters of a name that fit two lines beside the square QR code."""
    width = sheet.labelwidth * (25.4 if sheet.unit == "in" else 1.0)
    text = width - sheet.labelheight_mm - 4
    return max(12, int(text / NAME_CHARACTER_MM) * 2)


def asset_labels(session: Session, ids: list[int]) -> dict[str, Any]:
    """The assets asked for (one statement; 404 naming unknown ids) laid out
    on the sheet `sheet` from slot `offset`."""
    from shopdb.plugins.printviews import rows_by_id  # it registers this view

    sheet = sheet_named(request.args.get("sheet"))
    offset = parse_offset(request.args.get("offset"), sheet)
    assets = rows_by_id(session, Asset, ids, "asset")
    most = name_length(sheet)
    labels = [
        {
            "assetid": asset.assetid,
            "assetnumber": asset.assetnumber,
            "name": shortened(asset.name, most),
            "url": f"{request.url_root}assets/{asset.assetid}",
        }
        for asset in assets
    ]
    return {
        "sheet": sheet,
        "offset": offset,
        "pages": layout(labels, offset, sheet),
        "pagecount": page_count(len(labels), offset, sheet),
        "qrwidth": round(sheet.labelheight_mm - 4, 2),
    }


ASSET_LABELS = PrintView(
    name="labels",
    label="Asset labels",
    template="print/assetlabels.html",
    context=asset_labels,
    maxids=MOST_LABELS,
)
