"""The plugin's print views (GET /print/printers/<view>?ids=...): a QR
label per printer, one to a page (`qr`), or a sheet of small ones for a
selection (`qrsheet`). The code holds the printer's page in ShopDB, so a
phone on the floor opens the printer's record, supplies and queue."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from shopdb.api import NotFoundError, PrintView

from .models import Printer


def printers_by_id(session: Session, ids: list[int]) -> dict[str, Any]:
    """The printers asked for, in the order asked; a 404 naming the ids that
    are no printer."""
    query = (
        select(Printer)
        .where(Printer.assetid.in_(ids))
        .options(selectinload(Printer.asset), selectinload(Printer.printertype))
    )
    found = {row.assetid: row for row in session.scalars(query)}
    missing = [str(each) for each in ids if each not in found]
    if missing:
        raise NotFoundError(f"No printer has the id(s) {', '.join(missing)}.")
    return {"printers": [found[each] for each in ids]}


PRINT_VIEWS = [
    PrintView(
        name="qr",
        label="Printer QR label",
        template="printers/qr.html",
        context=printers_by_id,
    ),
    PrintView(
        name="qrsheet",
        label="Printer QR labels (sheet)",
        template="printers/qrsheet.html",
        context=printers_by_id,
    ),
]
