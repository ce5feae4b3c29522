"""The plugin's tables: a usbdevices row per asset of type `usb`, and the
issue history (who handed which stick to whom or to which PC, when, why, and
its return)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopdb.api import TIMESTAMP, Asset, Base, TimestampMixin

IN_STOCK, ISSUED, LOST, DESTROYED = "in stock", "issued", "lost", "destroyed"
DEVICE_STATUSES = (IN_STOCK, ISSUED, LOST, DESTROYED)


class UsbDevice(TimestampMixin, Base):
    """A USB storage device. The asset row holds number, name, vendor, model,
    location and notes; this row its serial (the identity, stored upper-case
    without blanks), the number on its label, its capacity and where it is:
    `devicestatus`, and while issued the computer (`assignedassetid`) or
    person (`assignedto`) holding it. Those two are written only by the issue
    and return actions, each of which leaves a `usbissues` row."""

    __tablename__ = "usbdevices"

    assetid: Mapped[int] = mapped_column(
        ForeignKey("assets.assetid", ondelete="CASCADE"), primary_key=True
    )
    serial: Mapped[str] = mapped_column(String(100), unique=True)
    labelnumber: Mapped[str | None] = mapped_column(String(50), unique=True)
    capacitygb: Mapped[int | None]
    devicestatus: Mapped[str] = mapped_column(String(20), index=True, default=IN_STOCK)
    assignedassetid: Mapped[int | None] = mapped_column(
        ForeignKey("assets.assetid", ondelete="SET NULL"), index=True
    )
    assignedto: Mapped[str | None] = mapped_column(String(100), index=True)

    # One way only: the core never knows plugin tables.
    asset: Mapped[Asset] = relationship(foreign_keys=[assetid])
    assignedasset: Mapped[Asset | None] = relationship(foreign_keys=[assignedassetid])


class UsbIssue(TimestampMixin, Base):
    """One hand-out of a device and, once it is back, its return.

    `openassetid` is the device's assetid while the issue is open and NULL
    once it is returned. Its unique constraint is what lets a device have one
    open issue, so one holder, on every database, whatever requests race:
    NULLs never clash, a second open issue of the same device does."""

    __tablename__ = "usbissues"

    usbissueid: Mapped[int] = mapped_column(primary_key=True)
    assetid: Mapped[int] = mapped_column(
        ForeignKey("usbdevices.assetid", ondelete="CASCADE"), index=True
    )
    openassetid: Mapped[int | None] = mapped_column(unique=True)
    issuedto: Mapped[str | None] = mapped_column(String(100), index=True)
    issuedtoassetid: Mapped[int | None] = mapped_column(
        ForeignKey("assets.assetid", ondelete="SET NULL"), index=True
    )
    issuedby: Mapped[str] = mapped_column(String(100))
    issuedat: Mapped[datetime] = mapped_column(TIMESTAMP, index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    returnedat: Mapped[datetime | None] = mapped_column(TIMESTAMP)
    returnedby: Mapped[str | None] = mapped_column(String(100))
    returnreason: Mapped[str | None] = mapped_column(Text)

    device: Mapped[UsbDevice] = relationship()


MODELS = [UsbDevice, UsbIssue]
