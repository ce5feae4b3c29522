"""How announcements are served: the generic resource (list, create, get,
change, delete, with their target locations nested), plus two routes of its
own on the same blueprint: `GET /api/notifications/active` for screens and
scripts, and `POST /api/notifications/<id>/dismiss` for a user's banner."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, validate
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from shopdb.api import (
    Asset,
    Conditions,
    HasMany,
    InvalidInputError,
    Location,
    Resource,
    utcnow,
)

from .active import iso, state_conditions
from .models import SEVERITIES, Notification, NotificationDismissal, NotificationLocation
from .routes import add_routes


class Notifications(Resource):
    """Announcements. A new one without `starttime` starts now; `endtime`,
    when given, must come after the start (a 400 naming the field)."""

    def prepare(self, session: Session, values: dict[str, Any], instance: Any | None) -> dict:
        values = dict(values)
        if instance is None and values.get("starttime") is None:
            values["starttime"] = utcnow().replace(microsecond=0)
        start = values.get("starttime", getattr(instance, "starttime", None))
        end = values.get("endtime", getattr(instance, "endtime", None))
        if end is not None and start is not None and end <= start:
            field = "endtime" if "endtime" in values else "starttime"
            message = (
                f"The end ({iso(end)}) must come after the start ({iso(start)}); "
                "leave endtime out (or null) for no end."
            )
            raise InvalidInputError(f"Invalid {field}; see details.", {field: [message]})
        return values

    def remove(self, session: Session, instance: Any, permanent: bool) -> str:
        # Dismissals are the users' banner state, not data of their own: they
        # go with the announcement, whose delete the audit records.
        session.execute(
            delete(NotificationDismissal).where(
                NotificationDismissal.notificationid == instance.notificationid
            )
        )
        return super().remove(session, instance, permanent)

    def sample(self, session: Session, number: int) -> dict[str, Any]:
        """A valid body made up by hand: the framework's sample would need a
        location for the nested targets, and a fresh site has none."""
        body: dict[str, Any] = {
            "title": f"Announcement {number}",
            "message": f"Message {number}",
            "severity": SEVERITIES[number % len(SEVERITIES)],
        }
        location = session.scalar(select(func.min(Location.locationid)))
        if location is not None:
            body["locations"] = [{"locationid": location}]
        asset = session.scalar(select(func.min(Asset.assetid)))
        if asset is not None:
            body["assetid"] = asset
        return body

    def extra_routes(self, blueprint: Any, output_schema: type[Schema]) -> None:
        add_routes(self, blueprint, output_schema)


NOTIFICATIONS = Notifications(
    Notification,
    label="Notifications",
    filters=(
        "severity",
        "ismarkdown",
        "assetid",
        "starttime",
        "endtime",
        # ?locationid= targets exactly that location; ?withinlocationid= it or below.
        ("locationid", "locations.locationid"),
        ("state", Conditions(state_conditions(), "Where the announcement is in its time:")),
    ),
    sort=("starttime", "endtime", "severity", "title", "createdat", "modifiedat"),
    default_sort="-starttime",
    search=(("title", 10), ("message", 3)),
    list_columns=("title", "severity", "starttime", "endtime", "assetid"),
    field_rules={"severity": validate.OneOf(SEVERITIES)},
    nested={"locations": HasMany(NotificationLocation, key="locationid")},
)
