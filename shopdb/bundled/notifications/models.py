"""The plugin's tables: the announcements, the locations each one targets, and
which signed-in user dismissed which announcement in which version.

Announcements are not assets: they have no asset type and no asset row; one
may link to an asset (`assetid`) that it is about.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopdb.api import TIMESTAMP, Base, TimestampMixin, utcnow

INFO, WARNING, OUTAGE = "info", "warning", "outage"
# Lowest first: lists and screens show the heaviest first.
SEVERITIES = (INFO, WARNING, OUTAGE)


class Notification(TimestampMixin, Base):
    """An announcement for the floor, shown from `starttime` until `endtime`
    (for good when there is none); ended ones are the archive. With target
    locations it is shown at those locations and everywhere below them;
    without, everywhere."""

    __tablename__ = "notifications"

    notificationid: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # Plain text, or Markdown when ismarkdown (rendered by render_markdown).
    message: Mapped[str | None] = mapped_column(Text)
    ismarkdown: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    severity: Mapped[str] = mapped_column(String(20), default=INFO, index=True)
    # Left out when creating: now (the resource sets it, so the end can be checked).
    starttime: Mapped[datetime] = mapped_column(TIMESTAMP, default=utcnow, index=True)
    endtime: Mapped[datetime | None] = mapped_column(TIMESTAMP, index=True)
    assetid: Mapped[int | None] = mapped_column(ForeignKey("assets.assetid"), index=True)

    # Written by the framework's nested rows (HasMany), each row audited.
    locations: Mapped[list[NotificationLocation]] = relationship()


class NotificationLocation(TimestampMixin, Base):
    """A location an announcement targets (with everything below it)."""

    __tablename__ = "notificationlocations"
    __table_args__ = (UniqueConstraint("notificationid", "locationid"),)

    notificationlocationid: Mapped[int] = mapped_column(primary_key=True)
    notificationid: Mapped[int] = mapped_column(
        ForeignKey("notifications.notificationid", ondelete="CASCADE"), index=True
    )
    locationid: Mapped[int] = mapped_column(ForeignKey("locations.locationid"), index=True)


class NotificationDismissal(TimestampMixin, Base):
    """A user closed an announcement's banner: it stays hidden for that user
    while the announcement's `modifiedat` is the one dismissed
    (`notificationmodifiedat`); an edit brings it back."""

    __tablename__ = "notificationdismissals"
    __table_args__ = (UniqueConstraint("userid", "notificationid"),)

    notificationdismissalid: Mapped[int] = mapped_column(primary_key=True)
    userid: Mapped[int] = mapped_column(ForeignKey("users.userid", ondelete="CASCADE"))
    notificationid: Mapped[int] = mapped_column(
        ForeignKey("notifications.notificationid", ondelete="CASCADE"), index=True
    )
    notificationmodifiedat: Mapped[datetime] = mapped_column(TIMESTAMP)


MODELS = [Notification, NotificationLocation, NotificationDismissal]
