"""notifications: announcements for the floor. Each has a title, a message
(plain text or Markdown), a severity (info, warning, outage), a time window,
optional target locations and an optional asset it is about. Not an asset
class: a resource of its own at /api/notifications.

What is showing comes from one query (`active.active_notifications`), used
by `GET /api/notifications/active`, the kiosk page `/notifications/kiosk`
and the web UI's banners (`page_banners`). See docs/plugins/notifications.md.

Import ShopDB only from shopdb.api; the plugin's own modules relatively.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shopdb.api import (
    Banner,
    Base,
    BasePlugin,
    DashboardWidget,
    NavigationItem,
    Resource,
    utcnow,
)

from .active import active_notifications, active_query, message_html
from .demo import seed_demo_notifications
from .kiosk import DEFAULT_SECONDS, SECONDS_SETTING, kiosk_blueprint
from .models import INFO, MODELS, OUTAGE, WARNING
from .resources import NOTIFICATIONS

if TYPE_CHECKING:
    from flask import Blueprint, Flask
    from sqlalchemy.orm import Session

__all__ = ["Plugin", "active_notifications"]

ICON = "megaphone"
# A notification's severity as a banner's level.
BANNER_LEVEL = {INFO: "info", WARNING: "warning", OUTAGE: "critical"}


class Plugin(BasePlugin):
    """Announcements: their tables, resource, kiosk page, banners, dashboard
    card and demo rows."""

    def get_models(self) -> list[type[Base]]:
        return list(MODELS)

    def get_blueprint(self) -> Blueprint | None:
        # /active and /<id>/dismiss are routes of the resource; the kiosk
        # page lives outside /api/ and is mounted in init_app.
        return None

    def get_resources(self) -> list[Resource]:
        return [NOTIFICATIONS]

    def get_navigation_items(self) -> list[NavigationItem]:
        return [NavigationItem(label="Notifications", url="/notifications", icon=ICON)]

    def get_dashboard_widgets(self) -> list[DashboardWidget]:
        return [
            DashboardWidget(
                name="active",
                title="Announcements",
                template="notifications/widget.html",
                order=10,
                context=lambda session: {"notifications": active_notifications(session)},
            )
        ]

    def page_banners(
        self, session: Session, userid: int | None, locationid: int | None
    ) -> list[Banner]:
        # The page's location is not checked: one deleted meanwhile has no
        # ancestors, so only what targets nothing shows there.
        rows = session.scalars(active_query(utcnow(), locationid, userid)).all()
        return [
            Banner(
                key=f"notification-{row.notificationid}",
                title=row.title,
                html=str(message_html(row)),
                level=BANNER_LEVEL.get(row.severity, "info"),
                dismissurl=(f"/api/notifications/{row.notificationid}/dismiss" if userid else ""),
            )
            for row in rows
        ]

    def init_app(self, app: Flask) -> None:
        # Pages are served outside /api/; the web UI's page hook comes with
        # the UI itself, so the kiosk mounts its own blueprint here.
        app.register_blueprint(kiosk_blueprint())

    def on_install(self, session: Session) -> None:
        if self.get_setting(SECONDS_SETTING) is None:
            self.set_setting(SECONDS_SETTING, DEFAULT_SECONDS)

    def seed_demo(self, session: Session) -> str | None:
        return seed_demo_notifications(session)
