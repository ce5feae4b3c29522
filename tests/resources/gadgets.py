"""A test plugin's asset class, written the way a plugin writes one (public
namespace only): gadgets extend assets as computers do.

Importing this module adds the `gadgets` table to the shared metadata, so only
the `gadgets` fixture of test_extensions imports it, and forgets it again.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopdb.api import Asset, Base, Resource, TimestampMixin

ASSET_TYPE = "gadget"


class Gadget(TimestampMixin, Base):
    """Small networked things on the floor."""

    __tablename__ = "gadgets"

    assetid: Mapped[int] = mapped_column(
        ForeignKey("assets.assetid", ondelete="CASCADE"), primary_key=True
    )
    gadgetcode: Mapped[str] = mapped_column(String(40), unique=True)
    ports: Mapped[int | None]
    firmware: Mapped[str | None] = mapped_column(String(50))

    asset: Mapped[Asset] = relationship()


GADGETS = Resource(
    Gadget,
    asset_type=ASSET_TYPE,
    filters=(
        "assetnumber",
        "assetstatusid",
        "locationid",
        "isactive",
        "createdat",
        "gadgetcode",
        "ports",
        "firmware",
    ),
    sort=("assetnumber", "name", "locationid", "modifiedat", "gadgetcode", "ports"),
    default_sort="assetnumber",
    search=(("gadgetcode", 10), ("name", 5)),
    list_columns=("assetnumber", "name", "gadgetcode", "firmware", "locationid"),
)
