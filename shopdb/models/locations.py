"""Where things are: a hierarchy of locations (site, building, bay, ...), each
with an optional map position inside its parent and an optional floor plan."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopdb.models.base import Base, TimestampMixin, coordinate, flag_true, intpk, text
from shopdb.models.lookups import unique_in_any_case

if TYPE_CHECKING:
    from shopdb.models.assets import Asset


class LocationType(TimestampMixin, Base):
    """The kind of a location: site, building, bay, room, area."""

    __tablename__ = "locationtypes"

    locationtypeid: Mapped[intpk]
    locationtype: Mapped[str] = mapped_column(String(50), unique=True)
    description: Mapped[str | None] = mapped_column(String(200))

    locations: Mapped[list[Location]] = relationship(back_populates="locationtype")


unique_in_any_case(LocationType.locationtype)


class Location(TimestampMixin, Base):
    """A place; `parentlocationid` builds the tree, mapx/mapy place it on the
    parent's floor plan, `floorplanimage` is this location's own plan."""

    __tablename__ = "locations"
    __table_args__ = (UniqueConstraint("parentlocationid", "name"),)

    locationid: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(100))
    locationtypeid: Mapped[int] = mapped_column(
        ForeignKey("locationtypes.locationtypeid"), index=True
    )
    parentlocationid: Mapped[int | None] = mapped_column(
        ForeignKey("locations.locationid"), index=True
    )
    mapx: Mapped[coordinate]
    mapy: Mapped[coordinate]
    floorplanimage: Mapped[str | None] = mapped_column(String(255))
    floorplanwidth: Mapped[int | None]
    floorplanheight: Mapped[int | None]
    notes: Mapped[text]
    isactive: Mapped[flag_true]

    locationtype: Mapped[LocationType] = relationship(back_populates="locations")
    parent: Mapped[Location | None] = relationship(
        back_populates="children", remote_side="Location.locationid"
    )
    children: Mapped[list[Location]] = relationship(back_populates="parent")
    assets: Mapped[list[Asset]] = relationship(back_populates="location")
