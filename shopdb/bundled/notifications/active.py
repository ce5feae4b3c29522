"""Which announcements are showing, for whom and where: one query that the
API (`GET /api/notifications/active`), the kiosk page and the web UI's banner
all use, so they never disagree.

An announcement is active from its `starttime` (inclusive) until its
`endtime` (exclusive), or for good without one. At a location it shows when
it targets that location or one above it (a building's announcement reaches
its halls and bays), or targets nothing (everywhere). A signed-in user who
dismissed it does not see it again until it changes (its `modifiedat` moves
past the one dismissed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import ColumnElement, Select, and_, case, exists, or_, select
from sqlalchemy.orm import Session, selectinload

from shopdb.api import (
    Access,
    Asset,
    ConflictError,
    InvalidInputError,
    Location,
    Resource,
    locations_above,
    render_markdown,
    utcnow,
)

from .models import SEVERITIES, Notification, NotificationDismissal, NotificationLocation

# Ids are positive 32-bit integers on every database.
MAXIMUM_ID = 2_147_483_647
# Heaviest first on every screen: outage, warning, info.
SEVERITY_RANK = case(
    {name: rank for rank, name in enumerate(SEVERITIES)}, value=Notification.severity, else_=-1
)


# Where an announcement is in its time -------------------------------------------------


def is_active(at: datetime) -> ColumnElement[bool]:
    return and_(
        Notification.starttime <= at,
        or_(Notification.endtime.is_(None), Notification.endtime > at),
    )


def is_upcoming(at: datetime) -> ColumnElement[bool]:
    return Notification.starttime > at


def is_archived(at: datetime) -> ColumnElement[bool]:
    """Ended: the archive, searchable like every list (`?state=archived&q=`)."""
    return Notification.endtime <= at


def state_conditions() -> dict[str, Callable[[], ColumnElement[bool]]]:
    """The `state` filter of the list: each read at the request's time."""
    return {
        "active": lambda: is_active(utcnow()),
        "upcoming": lambda: is_upcoming(utcnow()),
        "archived": lambda: is_archived(utcnow()),
    }


def state_of(notification: Notification, at: datetime) -> str:
    if notification.starttime > at:
        return "upcoming"
    if notification.endtime is not None and notification.endtime <= at:
        return "archived"
    return "active"


# The query ------------------------------------------------------------------------------


def shown_at(locationid: int) -> ColumnElement[bool]:
    """Targets nothing, or this location or one above it."""
    targets = NotificationLocation.notificationid == Notification.notificationid
    return or_(
        ~exists().where(targets),
        exists().where(targets, NotificationLocation.locationid.in_(locations_above([locationid]))),
    )


def not_dismissed_by(userid: int) -> ColumnElement[bool]:
    """No dismissal by this user of the announcement as it is now."""
    return ~exists().where(
        NotificationDismissal.notificationid == Notification.notificationid,
        NotificationDismissal.userid == userid,
        NotificationDismissal.notificationmodifiedat >= Notification.modifiedat,
    )


def active_query(at: datetime, locationid: int | None = None, userid: int | None = None) -> Select:
    """The active announcements at `at`, heaviest severity first, then by
    start; with their target locations loaded (one more statement)."""
    query = select(Notification).where(is_active(at))
    if locationid is not None:
        query = query.where(shown_at(locationid))
    if userid is not None:
        query = query.where(not_dismissed_by(userid))
    return query.options(selectinload(Notification.locations)).order_by(
        SEVERITY_RANK.desc(), Notification.starttime, Notification.notificationid
    )


def active_notifications(
    session: Session,
    *,
    locationid: int | None = None,
    userid: int | None = None,
    at: datetime | None = None,
) -> list[Notification]:
    """What to show now: at a location (None: everywhere, targeted or not),
    to a signed-in user (None: nobody's dismissals count). The web UI's
    banner calls this with the page's location and the user's id; a kiosk
    and `GET /api/notifications/active` without a user. A location that does
    not exist is a 400 on `locationid`."""
    if locationid is not None:
        check_location(session, locationid)
    query = active_query(at or utcnow(), locationid, userid)
    return list(session.scalars(query))


def check_location(session: Session, locationid: int) -> None:
    found = session.scalar(select(Location.locationid).where(Location.locationid == locationid))
    if found is None:
        raise InvalidInputError(
            f"There is no location with id {locationid}.",
            {"locationid": [f"No location has id {locationid}; /api/locations lists them."]},
        )


# What a screen shows ----------------------------------------------------------------------


def message_html(notification: Notification) -> Markup:
    """The message as safe HTML: Markdown through render_markdown (sanitised),
    plain text escaped with its line breaks kept."""
    text = notification.message or ""
    if notification.ismarkdown:
        return Markup(render_markdown(text))  # sanitised by nh3
    return Markup("<br>\n").join(escape(line) for line in text.splitlines())


@dataclass(frozen=True)
class AssetSummary:
    assetid: int
    assetnumber: str
    name: str | None

    def dump(self) -> dict[str, Any]:
        return {"assetid": self.assetid, "assetnumber": self.assetnumber, "name": self.name}


def linked_assets(session: Session, rows: list[Notification]) -> dict[int, AssetSummary]:
    """The assets the announcements link to, in one statement (none when no
    announcement links one)."""
    ids = {row.assetid for row in rows if row.assetid is not None}
    if not ids:
        return {}
    found = session.execute(
        select(Asset.assetid, Asset.assetnumber, Asset.name).where(Asset.assetid.in_(ids))
    )
    return {assetid: AssetSummary(assetid, number, name) for assetid, number, name in found}


def dump_active(session: Session, rows: list[Notification], dumper: Any) -> list[dict[str, Any]]:
    """Each announcement as the resource shows it, plus `messagehtml` and the
    linked asset's number and name (`asset`, or null)."""
    assets = linked_assets(session, rows)
    items = []
    for row in rows:
        asset = assets.get(row.assetid) if row.assetid is not None else None
        items.append(
            {
                **dumper.dump(row),
                "messagehtml": str(message_html(row)),
                "asset": asset.dump() if asset else None,
            }
        )
    return items


# Dismissals -------------------------------------------------------------------------------

# Written through the write path like every record, but not served as a
# resource of its own: the routes `POST/DELETE .../<id>/dismiss` are its API.
DISMISSALS = Resource(
    NotificationDismissal, name="notificationdismissals", write=Access.AUTHENTICATED
)


def dismiss(session: Session, notification: Notification, userid: int) -> NotificationDismissal:
    """Hide the announcement from this user until it changes: one row per
    user and announcement, holding the version dismissed, written through
    the write path (audited). Dismissing a changed announcement again moves
    the version; dismissing an unchanged one again writes nothing; two
    requests at once leave one row (the loser's insert fails in its
    savepoint, and it moves the winner's row instead)."""
    version = notification.modifiedat
    row = _dismissal(session, notification.notificationid, userid)
    if row is None:
        values = {
            "userid": userid,
            "notificationid": notification.notificationid,
            "notificationmodifiedat": version,
        }
        try:
            with session.begin_nested():
                created: NotificationDismissal = DISMISSALS.save(
                    session, values, validated=True
                ).record
                return created
        except ConflictError:  # the same user dismissed it in another request
            row = _dismissal(session, notification.notificationid, userid)
            if row is None:
                raise
    if row.notificationmodifiedat != version:
        DISMISSALS.save(session, {"notificationmodifiedat": version}, row, validated=True)
    return row


def undismiss(session: Session, notificationid: int, userid: int) -> bool:
    """Show the announcement to this user again (through the write path,
    audited); False when it was not dismissed."""
    row = _dismissal(session, notificationid, userid)
    if row is None:
        return False
    DISMISSALS.delete(session, row)
    return True


def _dismissal(session: Session, notificationid: int, userid: int) -> NotificationDismissal | None:
    return session.scalar(
        select(NotificationDismissal).where(
            NotificationDismissal.notificationid == notificationid,
            NotificationDismissal.userid == userid,
        )
    )


def iso(value: datetime | None) -> str | None:
    """A stored (naive UTC) time as the API writes it."""
    return None if value is None else value.replace(tzinfo=UTC).isoformat()
