"""The plugin's tables: the applications a site uses, and which computers
have each installed.

An application's name is unique in any case: `namekey` holds it case-folded
under a unique constraint, so `Zeiss Calypso` and `ZEISS CALYPSO` are one
application on every database (the name itself keeps the spelling people
typed first).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopdb.api import Base, TimestampMixin, Vendor
from shopdb.bundled.computers.models import Computer

NAME_LENGTH = 200
VERSION_LENGTH = 100


class Application(TimestampMixin, Base):
    """A piece of software used on the floor: CAM, DNC, metrology, MES clients."""

    __tablename__ = "applications"

    applicationid: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    # The name case-folded: what makes two spellings one application.
    namekey: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)
    vendorid: Mapped[int | None] = mapped_column(ForeignKey("vendors.vendorid"), index=True)
    # The version the site runs or rolls out; installed ones are per computer.
    version: Mapped[str | None] = mapped_column(String(VERSION_LENGTH))
    licence: Mapped[str | None] = mapped_column(String(200))
    supportcontact: Mapped[str | None] = mapped_column(String(200))
    documentationurl: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)
    isactive: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    vendor: Mapped[Vendor | None] = relationship()


class Installation(TimestampMixin, Base):
    """An application installed on a computer: one row per pair, with the
    version and date the computer reports. `iscollected` rows came from an
    inventory push and go when a later push no longer lists them; rows typed
    by hand are left alone by pushes."""

    __tablename__ = "installations"
    __table_args__ = (UniqueConstraint("applicationid", "assetid"),)

    installationid: Mapped[int] = mapped_column(primary_key=True)
    applicationid: Mapped[int] = mapped_column(
        ForeignKey("applications.applicationid", ondelete="CASCADE"), index=True
    )
    assetid: Mapped[int] = mapped_column(
        ForeignKey("computers.assetid", ondelete="CASCADE"), index=True
    )
    version: Mapped[str | None] = mapped_column(String(VERSION_LENGTH))
    installdate: Mapped[date | None] = mapped_column(Date)
    iscollected: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    # One way only, loaded with every list page (see resources.Installations).
    application: Mapped[Application] = relationship()
    computer: Mapped[Computer] = relationship()


MODELS = [Application, Installation]
