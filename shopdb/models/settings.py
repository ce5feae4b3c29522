"""Typed site settings stored as key/value rows (plugins use `plugin.<name>.<key>`)."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shopdb.models.base import Base, TimestampMixin, intpk


class Setting(TimestampMixin, Base):
    """One setting; `value` holds JSON text, `valuetype` says how to read it."""

    __tablename__ = "settings"

    settingid: Mapped[intpk]
    setting: Mapped[str] = mapped_column(String(150), unique=True)
    value: Mapped[str | None] = mapped_column(Text)
    valuetype: Mapped[str] = mapped_column(String(20), default="string")
    description: Mapped[str | None] = mapped_column(String(500))
