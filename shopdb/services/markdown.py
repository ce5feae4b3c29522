"""Markdown to HTML that is safe to put on a page.

Knowledge-base articles and floor announcements are written by people and
shown to everyone, so the rendered HTML is sanitised after rendering: raw HTML
in the source is not passed through by the renderer, and nh3 (an allow-list
sanitiser) removes whatever else could run (scripts, iframes, event handlers,
`javascript:` and `data:` links). Rendering happens in one place so every
plugin that shows Markdown gets the same rules.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import nh3

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

# Tags a Markdown document can produce (CommonMark plus tables and strikethrough).
ALLOWED_TAGS = frozenset(
    {
        "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
        "hr", "img", "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th",
        "thead", "tr", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "td": {"style"},
    "th": {"style"},
}
# Only links a reader can follow without running anything.
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})


@cache
def _renderer() -> MarkdownIt:
    # Imported at the first rendering (60 modules): a worker that serves
    # only the API never needs it.
    from markdown_it import MarkdownIt

    # "html": False keeps raw HTML in the source as text; the sanitiser below is
    # the second line of defence, for what Markdown itself can produce.
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
        ["table", "strikethrough"]
    )


def sanitize_html(html: str) -> str:
    """Strip everything but the allow-listed tags, attributes and URL schemes."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        filter_style_properties={"text-align"},
    )


def render_markdown(text: str) -> str:
    """Markdown source to sanitised HTML, ready to be marked safe in a template."""
    return sanitize_html(_renderer().render(text or ""))
