"""Typed, directed edges between assets ("source partof target",
"source controls target", "source connectedto target")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopdb.models.base import (
    Base,
    TimestampMixin,
    case_sensitive_string,
    flag_true,
    intpk,
    label200,
)

if TYPE_CHECKING:
    from shopdb.models.assets import Asset

# Names of the seeded relationship types that carry meaning in code.
PARTOF = "partof"
CONTROLS = "controls"
CONNECTEDTO = "connectedto"


class RelationshipType(TimestampMixin, Base):
    """A kind of edge. Names are unique and compared case-sensitively on every
    database, so a legacy `Controls` row never stands in for `controls`.
    `propagatesthroughid`: an edge of this type to a parent also applies to the
    assets that are connected to the parent by the named type (controls a bay
    -> controls every machine part of the bay)."""

    __tablename__ = "relationshiptypes"

    relationshiptypeid: Mapped[intpk]
    relationshiptype: Mapped[str] = mapped_column(case_sensitive_string(50), unique=True)
    description: Mapped[str | None] = mapped_column(String(200))
    propagatesthroughid: Mapped[int | None] = mapped_column(
        ForeignKey("relationshiptypes.relationshiptypeid"), index=True
    )

    propagatesthrough: Mapped[RelationshipType | None] = relationship(
        remote_side="RelationshipType.relationshiptypeid"
    )


class AssetRelationship(TimestampMixin, Base):
    """One edge between two different assets; at most one per (source, target, type)."""

    __tablename__ = "assetrelationships"
    __table_args__ = (
        UniqueConstraint("sourceassetid", "targetassetid", "relationshiptypeid"),
        CheckConstraint("sourceassetid <> targetassetid", name="noselfloop"),
    )

    assetrelationshipid: Mapped[intpk]
    sourceassetid: Mapped[int] = mapped_column(ForeignKey("assets.assetid"), index=True)
    targetassetid: Mapped[int] = mapped_column(ForeignKey("assets.assetid"), index=True)
    relationshiptypeid: Mapped[int] = mapped_column(
        ForeignKey("relationshiptypes.relationshiptypeid"), index=True
    )
    label: Mapped[label200]
    inheritsposition: Mapped[flag_true]
    isactive: Mapped[flag_true]

    sourceasset: Mapped[Asset] = relationship(
        back_populates="outgoingrelationships", foreign_keys=[sourceassetid]
    )
    targetasset: Mapped[Asset] = relationship(
        back_populates="incomingrelationships", foreign_keys=[targetassetid]
    )
    relationshiptype: Mapped[RelationshipType] = relationship()


# Sort keys the API documents, on a table that grows: an index lets a sorted
# page read its rows in order instead of sorting the table (migration 0004).
Index("idx_assetrelationships_createdat", AssetRelationship.createdat)
Index("idx_assetrelationships_modifiedat", AssetRelationship.modifiedat)
