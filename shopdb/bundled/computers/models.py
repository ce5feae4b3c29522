"""The plugin's tables: a computer row per asset of type `computer`, its
network interfaces, and the computer types it is sorted by."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopdb.api import TIMESTAMP, Asset, Base, OperatingSystem, TimestampMixin, unique_in_any_case


class ComputerType(TimestampMixin, Base):
    """What a computer is for (shop-floor PC, CMM PC, server, ...); seeded on install."""

    __tablename__ = "computertypes"

    computertypeid: Mapped[int] = mapped_column(primary_key=True)
    computertype: Mapped[str] = mapped_column(String(50), unique=True)
    description: Mapped[str | None] = mapped_column(Text)


unique_in_any_case(ComputerType.computertype)


class Computer(TimestampMixin, Base):
    """A PC, workstation or server. The asset row holds number, name, serial
    number, status and location; this row what the inventory collector reports.
    `hostname` is the collector's identity, stored lower-case (the Hostname
    field type), so its unique constraint compares case-insensitively on every
    database."""

    __tablename__ = "computers"

    assetid: Mapped[int] = mapped_column(
        ForeignKey("assets.assetid", ondelete="CASCADE"), primary_key=True
    )
    hostname: Mapped[str] = mapped_column(String(100), unique=True)
    computertypeid: Mapped[int | None] = mapped_column(
        ForeignKey("computertypes.computertypeid"), index=True
    )
    operatingsystemid: Mapped[int | None] = mapped_column(
        ForeignKey("operatingsystems.operatingsystemid"), index=True
    )
    loggedinuser: Mapped[str | None] = mapped_column(String(100))
    lastseen: Mapped[datetime | None] = mapped_column(TIMESTAMP, index=True)
    warrantyend: Mapped[date | None] = mapped_column(Date, index=True)
    cpu: Mapped[str | None] = mapped_column(String(100))
    memorymb: Mapped[int | None]
    diskgb: Mapped[int | None]

    # One way only: the core never knows plugin tables.
    asset: Mapped[Asset] = relationship()
    computertype: Mapped[ComputerType | None] = relationship()
    operatingsystem: Mapped[OperatingSystem | None] = relationship()
    # Written by the framework's nested rows (HasMany), each row audited.
    interfaces: Mapped[list[ComputerInterface]] = relationship()


class ComputerInterface(TimestampMixin, Base):
    """A network interface of a computer; a MAC address belongs to one computer."""

    __tablename__ = "computerinterfaces"

    computerinterfaceid: Mapped[int] = mapped_column(primary_key=True)
    assetid: Mapped[int] = mapped_column(
        ForeignKey("computers.assetid", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    macaddress: Mapped[str] = mapped_column(String(17), unique=True)
    ipaddress: Mapped[str | None] = mapped_column(String(45), index=True)
