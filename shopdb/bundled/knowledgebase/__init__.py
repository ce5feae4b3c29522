"""knowledgebase: know-how articles in Markdown, tagged and linked to the
assets, asset types and applications they are about, each saved change kept
as a revision. The body is rendered with `shopdb.api.render_markdown`
(markdown-it-py, then nh3), so what reaches a page is sanitised HTML. See
docs/plugins/knowledgebase.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shopdb.api import Base, BasePlugin, NavigationItem, Resource

from .demo import seed_demo_articles
from .models import MODELS
from .resources import RESOURCES

if TYPE_CHECKING:
    from flask import Blueprint
    from sqlalchemy.orm import Session

ICON = "journal-text"


class Plugin(BasePlugin):
    """Articles: tables, REST endpoints (revisions and diffs too), search
    fields, navigation and demo articles."""

    def get_models(self) -> list[type[Base]]:
        return list(MODELS)

    def get_blueprint(self) -> Blueprint | None:
        return None  # the resource and its revision routes are the REST API

    def get_resources(self) -> list[Resource]:
        return list(RESOURCES)

    def get_navigation_items(self) -> list[NavigationItem]:
        return [NavigationItem(label="Knowledge base", url="/knowledgebase", icon=ICON)]

    def seed_demo(self, session: Session) -> str | None:
        return seed_demo_articles(session)
