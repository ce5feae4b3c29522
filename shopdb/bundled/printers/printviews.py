"""The plugin's print views (GET /print/printers/<view>?ids=...): a QR
label per printer, one to a page (`qr`), or a sheet of small ones for a
selection (`qrsheet`). The code holds the printer's page in ShopDB, so a
phone on the floor opens the printer's record, supplies and queue."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, selectinload

from shopdb.api import DetailPanel, PrintView, rows_by_id

from .models import Printer


def print_links(session: Session, printer: Printer) -> dict[str, Any]:
    """A printer's page links to its QR label."""
    return {"assetid": printer.assetid}


def printers_by_id(session: Session, ids: list[int]) -> dict[str, Any]:
    """The printers asked for, in the order asked (404 for an id that is none)."""
    loads = (selectinload(Printer.asset), selectinload(Printer.printertype))
    return {"printers": rows_by_id(session, Printer, ids, "printer", *loads)}


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

DETAIL_PANELS = [
    DetailPanel("printers", "print", "Print", "printers/printlinks.html", print_links, order=200)
]
