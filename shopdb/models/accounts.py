"""People and machines that may sign in: users, their role, their API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopdb.models.base import TIMESTAMP, Base, TimestampMixin, flag_true, intpk

ADMIN = "admin"
EDITOR = "editor"
VIEWER = "viewer"


class Role(TimestampMixin, Base):
    """admin (everything), editor (asset data) or viewer (read only)."""

    __tablename__ = "roles"

    roleid: Mapped[intpk]
    role: Mapped[str] = mapped_column(String(50), unique=True)
    description: Mapped[str | None] = mapped_column(String(200))

    users: Mapped[list[User]] = relationship(back_populates="role")


class User(TimestampMixin, Base):
    """A person who signs in; the password is stored only as a KDF hash."""

    __tablename__ = "users"

    userid: Mapped[intpk]
    username: Mapped[str] = mapped_column(String(100), unique=True)
    passwordhash: Mapped[str] = mapped_column(String(255))
    displayname: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(255))
    roleid: Mapped[int] = mapped_column(ForeignKey("roles.roleid"), index=True)
    lastloginat: Mapped[datetime | None] = mapped_column(TIMESTAMP)
    # When the password was last set (NULL: never since creation). Sign-in
    # tokens issued before that second are refused.
    passwordchangedat: Mapped[datetime | None] = mapped_column(TIMESTAMP)
    isactive: Mapped[flag_true]

    role: Mapped[Role] = relationship(back_populates="users")
    apitokens: Mapped[list[ApiToken]] = relationship(back_populates="user")


class ApiToken(TimestampMixin, Base):
    """A named, expiring, revocable token for scripts; only its hash is stored."""

    __tablename__ = "apitokens"

    apitokenid: Mapped[intpk]
    userid: Mapped[int] = mapped_column(ForeignKey("users.userid"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    tokenhash: Mapped[str] = mapped_column(String(128), unique=True)
    tokenprefix: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(20))
    expiresat: Mapped[datetime | None] = mapped_column(TIMESTAMP)
    lastusedat: Mapped[datetime | None] = mapped_column(TIMESTAMP)
    revokedat: Mapped[datetime | None] = mapped_column(TIMESTAMP)

    user: Mapped[User] = relationship(back_populates="apitokens")


class RevokedToken(TimestampMixin, Base):
    """A JWT id, or the id of a whole sign-in session, that must no longer be
    accepted. Kept until the tokens it covers would have expired anyway."""

    __tablename__ = "revokedtokens"

    revokedtokenid: Mapped[intpk]
    jti: Mapped[str] = mapped_column(String(64), unique=True)
    expiresat: Mapped[datetime] = mapped_column(TIMESTAMP, index=True)
