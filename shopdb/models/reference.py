"""Reference data that assets point at: vendors, their models, operating
systems and business units."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopdb.models.base import Base, TimestampMixin, flag_true, intpk, text
from shopdb.models.lookups import unique_in_any_case

if TYPE_CHECKING:
    from shopdb.models.assets import Asset, AssetType


class Vendor(TimestampMixin, Base):
    """A manufacturer or supplier of assets."""

    __tablename__ = "vendors"

    vendorid: Mapped[intpk]
    vendor: Mapped[str] = mapped_column(String(100), unique=True)
    website: Mapped[str | None] = mapped_column(String(255))
    notes: Mapped[text]
    isactive: Mapped[flag_true]

    models: Mapped[list[ProductModel]] = relationship(back_populates="vendor")
    assets: Mapped[list[Asset]] = relationship(back_populates="vendor")


unique_in_any_case(Vendor.vendor)


class ProductModel(TimestampMixin, Base):
    """A vendor's product model (table `models`); the class name avoids
    clashing with the word for ORM models."""

    __tablename__ = "models"
    __table_args__ = (UniqueConstraint("vendorid", "modelnumber"),)

    modelid: Mapped[intpk]
    modelnumber: Mapped[str] = mapped_column(String(100))
    vendorid: Mapped[int] = mapped_column(ForeignKey("vendors.vendorid"), index=True)
    assettypeid: Mapped[int | None] = mapped_column(
        ForeignKey("assettypes.assettypeid"), index=True
    )
    imageurl: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[text]
    isactive: Mapped[flag_true]

    vendor: Mapped[Vendor] = relationship(back_populates="models")
    assettype: Mapped[AssetType | None] = relationship()
    assets: Mapped[list[Asset]] = relationship(back_populates="model")


class OperatingSystem(TimestampMixin, Base):
    """An operating system of a PC or server (controller OSes live in plugins)."""

    __tablename__ = "operatingsystems"

    operatingsystemid: Mapped[intpk]
    operatingsystem: Mapped[str] = mapped_column(String(100), unique=True)
    isactive: Mapped[flag_true]


unique_in_any_case(OperatingSystem.operatingsystem)


class BusinessUnit(TimestampMixin, Base):
    """The part of the business that owns an asset."""

    __tablename__ = "businessunits"

    businessunitid: Mapped[intpk]
    businessunit: Mapped[str] = mapped_column(String(100), unique=True)
    code: Mapped[str | None] = mapped_column(String(20))
    isactive: Mapped[flag_true]

    assets: Mapped[list[Asset]] = relationship(back_populates="businessunit")


unique_in_any_case(BusinessUnit.businessunit)
