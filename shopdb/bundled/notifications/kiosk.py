"""The kiosk page: `/notifications/kiosk`, the active announcements full
screen, one at a time, for a screen on the shop floor.

No JavaScript: the page refreshes itself (`<meta http-equiv="refresh">`) to
the next announcement, whose index the server chooses, so a kiosk browser
with scripts off, a lost connection (the browser retries the refresh) or a
changed list (the index wraps round) all keep working, and the content
security policy stays without `unsafe-inline`. Everything shown is escaped
by Jinja; a Markdown message goes through render_markdown (sanitised).

The page is outside /api/, so it is a plain Flask blueprint the plugin
mounts in `init_app`. It reads like every asset list: anyone when the site
allows anonymous reading, else a signed-in viewer; otherwise a sign-in page
(401) that retries by itself, so a kiosk recovers once the setting changes.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue

from shopdb.api import (
    Access,
    AuthenticationRequiredError,
    InvalidInputError,
    Location,
    PermissionDeniedError,
    get_session,
    get_setting,
    guarded,
    plugin_key,
    utcnow,
)

from .active import MAXIMUM_ID, active_notifications, linked_assets, message_html

PLUGIN = "notifications"
SECONDS_SETTING = "kioskseconds"
DEFAULT_SECONDS = 15
SECONDS_RANGE = (5, 3600)
# With nothing to show, look again this often.
IDLE_SECONDS = 60
KIOSK_PARAMETERS = ("locationid", "index", "seconds")


def kiosk_blueprint() -> Blueprint:
    """A new blueprint per app: /notifications/kiosk and its stylesheet."""
    blueprint = Blueprint(
        "notificationskiosk",
        __name__,
        url_prefix="/notifications",
        template_folder="templates",
        static_folder="static",
        static_url_path="/static",
    )
    blueprint.add_url_rule("/kiosk", "kiosk", guarded(Access.ASSET_READ, write=False)(kiosk))
    blueprint.register_error_handler(AuthenticationRequiredError, sign_in_first)
    blueprint.register_error_handler(PermissionDeniedError, not_allowed)
    return blueprint


def kiosk() -> ResponseReturnValue:
    problems: dict[str, str] = {}
    locationid = _whole_number(problems, "locationid", 1, MAXIMUM_ID)
    index = _whole_number(problems, "index", 0, MAXIMUM_ID) or 0
    seconds = _whole_number(problems, "seconds", *SECONDS_RANGE)
    if problems:
        return _problem_page(400, "This kiosk address has a mistake", problems)
    session = get_session()
    location = None
    if locationid is not None:
        location = session.get(Location, locationid)
        if location is None:
            return _problem_page(
                404,
                "No such location",
                {"locationid": f"No location has id {locationid}; /api/locations lists them."},
            )
    try:
        rows = active_notifications(session, locationid=locationid)
    except InvalidInputError as error:  # the location went away meanwhile
        return _problem_page(404, "No such location", {"locationid": str(error)})
    if seconds is None:
        seconds = _stored_seconds(session)
    now = utcnow()
    parameters: dict[str, Any] = {"locationid": locationid}
    if "seconds" in request.args:
        parameters["seconds"] = seconds
    if not rows:
        return render_template(
            "notifications/kiosk.html",
            location=location,
            current=None,
            now=now,
            refresh=IDLE_SECONDS,
            nexturl=url_for(".kiosk", **parameters),
        )
    index %= len(rows)
    current = rows[index]
    asset = linked_assets(session, [current]).get(current.assetid or 0)
    return render_template(
        "notifications/kiosk.html",
        location=location,
        current=current,
        messagehtml=message_html(current),
        asset=asset,
        position=index + 1,
        count=len(rows),
        now=now,
        refresh=seconds,
        nexturl=url_for(".kiosk", index=(index + 1) % len(rows), **parameters),
    )


def _whole_number(problems: dict[str, str], name: str, low: int, high: int) -> int | None:
    text = request.args.get(name)
    if text is None:
        return None
    if not text.isdigit() or not low <= int(text) <= high:
        problems[name] = f"Must be a whole number from {low} to {high}; got {text[:20]!r}."
        return None
    return int(text)


def _stored_seconds(session: Any) -> int:
    """The site's seconds per announcement (plugin.notifications.kioskseconds)."""
    value = get_setting(session, plugin_key(PLUGIN, SECONDS_SETTING), DEFAULT_SECONDS)
    if isinstance(value, int) and not isinstance(value, bool):
        return min(max(value, SECONDS_RANGE[0]), SECONDS_RANGE[1])
    return DEFAULT_SECONDS


def _problem_page(status: int, title: str, problems: dict[str, str]) -> ResponseReturnValue:
    return render_template("notifications/problem.html", title=title, problems=problems), status


def sign_in_first(_error: Exception) -> ResponseReturnValue:
    kept: dict[str, Any] = {
        name: request.args[name] for name in KIOSK_PARAMETERS if name in request.args
    }
    retry = url_for(".kiosk", **kept)
    return render_template("notifications/signin.html", refresh=IDLE_SECONDS, retryurl=retry), 401


def not_allowed(error: Exception) -> ResponseReturnValue:
    return _problem_page(403, "Not allowed", {"access": str(error)})
