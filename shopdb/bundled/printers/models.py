"""The plugin's tables: a printer row per asset of type `printer`, its supply
levels (one row per toner, ink, ribbon or drum) and the printer types lookup."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Double, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopdb.api import TIMESTAMP, Asset, Base, TimestampMixin, unique_in_any_case

# The longest forms the field types store (see the network plugin).
IP_LENGTH = 45
MAC_LENGTH = 17
HOSTNAME_LENGTH = 253


class PrinterType(TimestampMixin, Base):
    """What kind of printer it is (laser, label, plotter, MFP, ...); seeded on install."""

    __tablename__ = "printertypes"

    printertypeid: Mapped[int] = mapped_column(primary_key=True)
    printertype: Mapped[str] = mapped_column(String(50), unique=True)
    description: Mapped[str | None] = mapped_column(Text)


unique_in_any_case(PrinterType.printertype)


class Printer(TimestampMixin, Base):
    """A network printer. The asset row holds number, name, serial number,
    vendor, model, status and location; this row how it is reached and what
    monitoring last said. `hostname` is the collector's identity, stored
    lower-case (the Hostname field type), so its unique constraint compares
    case-insensitively on every database. `zabbixhostid` is the Zabbix host
    the sync found (or an admin set); `monitoringstatus` and `lastzabbixsync`
    are written by the sync only."""

    __tablename__ = "printers"

    assetid: Mapped[int] = mapped_column(
        ForeignKey("assets.assetid", ondelete="CASCADE"), primary_key=True
    )
    hostname: Mapped[str] = mapped_column(String(HOSTNAME_LENGTH), unique=True)
    ipaddress: Mapped[str | None] = mapped_column(String(IP_LENGTH), index=True)
    macaddress: Mapped[str | None] = mapped_column(String(MAC_LENGTH), unique=True)
    queuename: Mapped[str | None] = mapped_column(String(100), index=True)
    printertypeid: Mapped[int | None] = mapped_column(
        ForeignKey("printertypes.printertypeid"), index=True
    )
    # Zabbix ids are unsigned 64-bit numbers; one printer per Zabbix host.
    zabbixhostid: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    monitoringstatus: Mapped[str | None] = mapped_column(String(20), index=True)
    lastzabbixsync: Mapped[datetime | None] = mapped_column(TIMESTAMP)

    # One way only: the core never knows plugin tables.
    asset: Mapped[Asset] = relationship()
    printertype: Mapped[PrinterType | None] = relationship()
    # Written by the framework's nested rows (HasMany), each row audited.
    supplies: Mapped[list[PrinterSupply]] = relationship()


class PrinterSupply(TimestampMixin, Base):
    """One supply of a printer (black toner, ribbon, drum): its level in per
    cent of full, its capacity when the printer reports one, and when the
    level now stored was measured."""

    __tablename__ = "printersupplies"
    __table_args__ = (UniqueConstraint("assetid", "name"),)

    printersupplyid: Mapped[int] = mapped_column(primary_key=True)
    assetid: Mapped[int] = mapped_column(
        ForeignKey("printers.assetid", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    color: Mapped[str | None] = mapped_column(String(30))
    levelpercent: Mapped[float | None] = mapped_column(Double, index=True)
    maxcapacity: Mapped[int | None]
    lastvalueat: Mapped[datetime | None] = mapped_column(TIMESTAMP)


MODELS = [PrinterType, Printer, PrinterSupply]
