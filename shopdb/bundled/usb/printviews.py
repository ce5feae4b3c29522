"""The plugin's print view (GET /print/usb/labels?ids=...): a sheet of
small labels to stick on the devices, each with its label number in large
type and a QR code of its ShopDB page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from shopdb.api import NotFoundError, PrintView

from .models import UsbDevice


def devices_by_id(session: Session, ids: list[int]) -> dict[str, Any]:
    query = (
        select(UsbDevice).where(UsbDevice.assetid.in_(ids)).options(selectinload(UsbDevice.asset))
    )
    found = {row.assetid: row for row in session.scalars(query)}
    missing = [str(each) for each in ids if each not in found]
    if missing:
        raise NotFoundError(f"No USB device has the id(s) {', '.join(missing)}.")
    return {"devices": [found[each] for each in ids]}


PRINT_VIEWS = [
    PrintView(
        name="labels", label="USB device labels", template="usb/labels.html", context=devices_by_id
    )
]
