"""The plugin's table: one row per asset of the plugin's asset type, keyed by
the asset, holding what the core `assets` row does not."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopdb.api import Asset, Base, TimestampMixin


class Measuringtool(TimestampMixin, Base):
    """The asset row holds number, name, status and location; this row the rest."""

    __tablename__ = "measuringtools"

    assetid: Mapped[int] = mapped_column(
        ForeignKey("assets.assetid", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(50), unique=True)
    capacity: Mapped[int | None] = mapped_column(index=True)
    specification: Mapped[str | None] = mapped_column(Text)

    # One way only: the core Asset model never knows plugin tables. The generic
    # endpoints load the asset through it, in the same query as this row.
    asset: Mapped[Asset] = relationship()
