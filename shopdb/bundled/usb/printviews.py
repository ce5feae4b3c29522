"""The plugin's print view (GET /print/usb/labels?ids=...): a sheet of
small labels to stick on the devices, each with its label number in large
type and a QR code of its ShopDB page."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, selectinload

from shopdb.api import DetailPanel, PrintView, rows_by_id

from .models import UsbDevice


def print_links(session: Session, device: UsbDevice) -> dict[str, Any]:
    """A device's page links to its label."""
    return {"assetid": device.assetid}


def devices_by_id(session: Session, ids: list[int]) -> dict[str, Any]:
    """The devices asked for, in the order asked (404 for an id that is none)."""
    loads = (selectinload(UsbDevice.asset),)
    return {"devices": rows_by_id(session, UsbDevice, ids, "USB device", *loads)}


PRINT_VIEWS = [
    PrintView(
        name="labels", label="USB device labels", template="usb/labels.html", context=devices_by_id
    )
]

DETAIL_PANELS = [
    DetailPanel("usbdevices", "print", "Print", "usb/printlinks.html", print_links, order=200)
]
