"""The audit trail: who changed what, when, from where, with before and after
values. Rows are written once and never updated."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shopdb.models.base import Base, TimestampMixin, intpk


class AuditLog(TimestampMixin, Base):
    """One recorded action; entries of one request share `requestid`."""

    __tablename__ = "auditlogs"

    auditlogid: Mapped[intpk]
    userid: Mapped[int | None] = mapped_column(ForeignKey("users.userid"), index=True)
    username: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20), index=True)
    entitytype: Mapped[str] = mapped_column(String(50), index=True)
    entityid: Mapped[str | None] = mapped_column(String(50), index=True)
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    ipaddress: Mapped[str | None] = mapped_column(String(45))
    requestid: Mapped[str | None] = mapped_column(String(36), index=True)
    message: Mapped[str | None] = mapped_column(String(500))


# Sort keys the API documents, on a table that grows: an index lets a sorted
# page read its rows in order instead of sorting the table (migration 0004).
Index("idx_auditlogs_createdat", AuditLog.createdat)
