"""The asset contract: every asset class (computers, machines, gauges, ...)
extends the `assets` row with a table of its own owned by a plugin."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopdb.models.base import Base, TimestampMixin, coordinate, flag_true, intpk, text
from shopdb.models.lookups import unique_in_any_case

if TYPE_CHECKING:
    from shopdb.models.locations import Location
    from shopdb.models.reference import BusinessUnit, ProductModel, Vendor
    from shopdb.models.relationships import AssetRelationship


class AssetType(TimestampMixin, Base):
    """One row per asset class, registered by the plugin that owns the class."""

    __tablename__ = "assettypes"

    assettypeid: Mapped[intpk]
    assettype: Mapped[str] = mapped_column(String(50), unique=True)
    label: Mapped[str] = mapped_column(String(100))
    pluginname: Mapped[str | None] = mapped_column(String(50))
    icon: Mapped[str | None] = mapped_column(String(50))

    assets: Mapped[list[Asset]] = relationship(back_populates="assettype")


unique_in_any_case(AssetType.assettype)


class AssetStatus(TimestampMixin, Base):
    """Life-cycle state of an asset: active, inactive, decommissioned, retired."""

    __tablename__ = "assetstatuses"

    assetstatusid: Mapped[intpk]
    assetstatus: Mapped[str] = mapped_column(String(50), unique=True)
    description: Mapped[str | None] = mapped_column(String(200))

    assets: Mapped[list[Asset]] = relationship(back_populates="assetstatus")


unique_in_any_case(AssetStatus.assetstatus)


class Asset(TimestampMixin, Base):
    """Anything tracked on the floor. `mapx`/`mapy` are its own position on the
    floor plan that shows its location (the location's own plan or the nearest
    ancestor's); when unset, position is resolved through relationships and
    locations (see `shopdb.services.positions`)."""

    __tablename__ = "assets"

    assetid: Mapped[intpk]
    assetnumber: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str | None] = mapped_column(String(200), index=True)
    assettypeid: Mapped[int] = mapped_column(ForeignKey("assettypes.assettypeid"), index=True)
    assetstatusid: Mapped[int] = mapped_column(
        ForeignKey("assetstatuses.assetstatusid"), index=True
    )
    locationid: Mapped[int | None] = mapped_column(ForeignKey("locations.locationid"), index=True)
    businessunitid: Mapped[int | None] = mapped_column(
        ForeignKey("businessunits.businessunitid"), index=True
    )
    vendorid: Mapped[int | None] = mapped_column(ForeignKey("vendors.vendorid"), index=True)
    modelid: Mapped[int | None] = mapped_column(ForeignKey("models.modelid"), index=True)
    serialnumber: Mapped[str | None] = mapped_column(String(100), index=True)
    mapx: Mapped[coordinate]
    mapy: Mapped[coordinate]
    notes: Mapped[text]
    isactive: Mapped[flag_true]

    assettype: Mapped[AssetType] = relationship(back_populates="assets")
    assetstatus: Mapped[AssetStatus] = relationship(back_populates="assets")
    location: Mapped[Location | None] = relationship(back_populates="assets")
    businessunit: Mapped[BusinessUnit | None] = relationship(back_populates="assets")
    vendor: Mapped[Vendor | None] = relationship(back_populates="assets")
    model: Mapped[ProductModel | None] = relationship(back_populates="assets")
    outgoingrelationships: Mapped[list[AssetRelationship]] = relationship(
        back_populates="sourceasset", foreign_keys="AssetRelationship.sourceassetid"
    )
    incomingrelationships: Mapped[list[AssetRelationship]] = relationship(
        back_populates="targetasset", foreign_keys="AssetRelationship.targetassetid"
    )

    @property
    def has_own_position(self) -> bool:
        return self.mapx is not None and self.mapy is not None


# Sort keys the API documents, on a table that grows: an index lets a sorted
# page read its rows in order instead of sorting the table (migration 0004).
Index("idx_assets_createdat", Asset.createdat)
Index("idx_assets_modifiedat", Asset.modifiedat)
