"""A test plugin whose records carry nested rows, written the way a plugin
writes them (public namespace only):

- rigs extend assets, with an optional controller row keyed by the rig
  (one-to-one, like equipment's FOCAS details) and network ports (one-to-many,
  matched by MAC address, like a computer's interfaces);
- shelves are a plain table with bins (one-to-many, matched by label, no
  timestamps).

Importing this module adds the tables to the shared metadata, so only the
fixture of test_nested imports it, and forgets it again.
"""

from __future__ import annotations

from marshmallow import validate
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopdb.api import (
    Asset,
    Base,
    HasMany,
    HasOne,
    Hostname,
    IpAddress,
    MacAddress,
    Resource,
    TimestampMixin,
)

ASSET_TYPE = "rig"


class Rig(TimestampMixin, Base):
    """Test machines with a controller and network ports."""

    __tablename__ = "rigs"

    assetid: Mapped[int] = mapped_column(
        ForeignKey("assets.assetid", ondelete="CASCADE"), primary_key=True
    )
    rigcode: Mapped[str] = mapped_column(String(40), unique=True)
    spindles: Mapped[int | None]

    asset: Mapped[Asset] = relationship()
    controller: Mapped[RigController | None] = relationship()
    ports: Mapped[list[RigPort]] = relationship()


class RigController(TimestampMixin, Base):
    """How to reach a rig's controller; optional, at most one per rig."""

    __tablename__ = "rigcontrollers"

    assetid: Mapped[int] = mapped_column(
        ForeignKey("rigs.assetid", ondelete="CASCADE"), primary_key=True
    )
    host: Mapped[str] = mapped_column(String(253))
    port: Mapped[int | None]
    path: Mapped[str | None] = mapped_column(String(100))


class RigPort(TimestampMixin, Base):
    """A rig's network port; MAC addresses are unique across all rigs."""

    __tablename__ = "rigports"

    rigportid: Mapped[int] = mapped_column(primary_key=True)
    assetid: Mapped[int] = mapped_column(ForeignKey("rigs.assetid", ondelete="CASCADE"), index=True)
    macaddress: Mapped[str] = mapped_column(String(17), unique=True)
    ipaddress: Mapped[str | None] = mapped_column(String(45))
    name: Mapped[str] = mapped_column(String(30))


class Shelf(TimestampMixin, Base):
    """Storage shelves: a plain table, not an asset."""

    __tablename__ = "shelves"

    shelfid: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)

    bins: Mapped[list[ShelfBin]] = relationship()


class ShelfBin(Base):
    """A bin on a shelf; its label is unique on its shelf."""

    __tablename__ = "shelfbins"
    __table_args__ = (UniqueConstraint("shelfid", "label", name="uq_shelfbins_shelfid_label"),)

    shelfbinid: Mapped[int] = mapped_column(primary_key=True)
    shelfid: Mapped[int] = mapped_column(ForeignKey("shelves.shelfid", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(20))
    capacity: Mapped[int]


RIGS = Resource(
    Rig,
    asset_type=ASSET_TYPE,
    filters=("assetnumber", "isactive", "rigcode", "spindles"),
    sort=("assetnumber", "name", "rigcode", "spindles"),
    default_sort="assetnumber",
    search=(("rigcode", 10), ("name", 5)),
    field_rules={"spindles": validate.Range(min=0)},
    nested={
        "controller": HasOne(
            RigController,
            field_rules={"host": Hostname(), "port": validate.Range(min=1, max=65535)},
        ),
        "ports": HasMany(
            RigPort,
            key="macaddress",
            field_rules={"macaddress": MacAddress(), "ipaddress": IpAddress()},
        ),
    },
)

SHELVES = Resource(
    Shelf,
    filters=("name",),
    sort=("name", "modifiedat"),
    default_sort="name",
    search=(("name", 10),),
    nested={
        "bins": HasMany(ShelfBin, key="label", field_rules={"capacity": validate.Range(min=0)})
    },
)
