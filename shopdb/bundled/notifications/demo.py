"""The plugin's part of the demo site (`shopdb seed --demo`): announcements
showing now, coming up and archived, some for the whole plant, some for a
building, a bay or a room of the demo site.

Times are relative to the run, so a fresh demo always has something on the
kiosk. An announcement is known by its title: a second run adds nothing.
They are written through the resource, like any API write (validated, nested
target rows, audited).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopdb.api import Asset, Location, utcnow

from .models import INFO, OUTAGE, WARNING, Notification
from .resources import NOTIFICATIONS

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

# (title, severity, markdown?, message, start, end (None: no end), locations, asset name)
DEMO = (
    (
        "Network outage in Building B",
        OUTAGE,
        True,
        "The closet switch **IDF-B** lost power. Machines in Building B cannot load programs "
        "over DNC; run from local memory.\n\nIT is on site. Updates on this screen.",
        -HOUR,
        4 * HOUR,
        ("Building B",),
        "IDF-B",
    ),
    (
        "Compressed air maintenance in Bay A4",
        WARNING,
        True,
        "Air pressure drops to 4 bar between 13:00 and 15:00.\n\n"
        "- Park the bar feeders\n- Do not start warm-up cycles\n- Ask maintenance (ext. 412)",
        -2 * HOUR,
        DAY,
        ("Bay A4",),
        None,
    ),
    (
        "Safety glasses beyond the yellow line",
        INFO,
        False,
        "Safety glasses are required in every bay, visitors included.\nSpares at the tool crib.",
        -30 * DAY,
        None,
        (),
        None,
    ),
    (
        "CMM calibration on Thursday",
        INFO,
        False,
        "The metrology lab's CMMs are calibrated on Thursday; book measurements for Wednesday.",
        2 * DAY,
        3 * DAY,
        ("Metrology Lab",),
        None,
    ),
    (
        "Assembly line 2 changeover",
        WARNING,
        False,
        "Line 2 changes over to the new housing next week: torque programs change.",
        5 * DAY,
        6 * DAY,
        ("Bay C2",),
        None,
    ),
    (
        "ERP downtime on Saturday",
        WARNING,
        False,
        "The ERP was down for its upgrade; book Saturday's work orders on paper.",
        -8 * DAY,
        -6 * DAY,
        (),
        None,
    ),
    (
        "Holiday shutdown",
        INFO,
        True,
        "| Building | Last shift | First shift |\n| --- | --- | --- |\n"
        "| A | Friday late | Monday early |\n| B | Friday early | Monday early |",
        -25 * DAY,
        -20 * DAY,
        ("Building A", "Building B"),
        None,
    ),
)


def seed_demo_notifications(session: Session) -> str | None:
    """Add the demo announcements that are not there yet (by title)."""
    titles = set(session.scalars(select(Notification.title)))
    names = {location.name: location.locationid for location in session.scalars(select(Location))}
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    added = 0
    for title, severity, markdown, message, start, end, places, asset in DEMO:
        if title in titles:
            continue
        values: dict[str, Any] = {
            "title": title,
            "severity": severity,
            "ismarkdown": markdown,
            "message": message,
            "starttime": now + start,
            "endtime": None if end is None else now + end,
            "locations": [{"locationid": names[place]} for place in places if place in names],
        }
        if asset is not None:
            values["assetid"] = session.scalar(select(Asset.assetid).where(Asset.name == asset))
        NOTIFICATIONS.create(session, values)
        added += 1
    session.flush()
    if not added:
        return None
    return f"Added {added} announcement{'s' if added != 1 else ''}."
