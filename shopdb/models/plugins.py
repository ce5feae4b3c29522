"""Installed and enabled state of each plugin, and its last load error."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from shopdb.models.base import TIMESTAMP, Base, TimestampMixin, intpk


class Plugin(TimestampMixin, Base):
    """A plugin this site has seen; the files live elsewhere, the state lives here."""

    __tablename__ = "plugins"

    pluginid: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(50), unique=True)
    version: Mapped[str | None] = mapped_column(String(50))
    isinstalled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    isenabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    installedat: Mapped[datetime | None] = mapped_column(TIMESTAMP)
    lasterror: Mapped[str | None] = mapped_column(Text)
    lasterrorat: Mapped[datetime | None] = mapped_column(TIMESTAMP)
