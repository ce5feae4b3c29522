"""Markdown rendering is safe against the usual XSS payloads."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from shopdb.services.markdown import render_markdown

PAYLOADS = [
    "<script>alert(1)</script>",
    "<iframe src='https://evil.example'></iframe>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
]


class _Elements(HTMLParser):
    """The tags and attributes a browser would build from the HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend((name, (value or "").strip().lower()) for name, value in attrs)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_nothing_that_runs_reaches_the_page(payload: str) -> None:
    elements = _Elements()
    elements.feed(render_markdown(f"Before\n\n{payload}\n\nafter"))
    assert not {"script", "iframe", "svg", "div", "object", "embed"} & set(elements.tags)
    for name, value in elements.attributes:
        assert not name.startswith("on"), (name, value)
        assert name != "style" or "url(" not in value, value
        if name in {"href", "src"}:
            assert value.startswith(("http:", "https:", "mailto:")) or value in {"", "x"}, value


def test_markdown_still_renders() -> None:
    html = render_markdown("# Title\n\n**bold** [docs](https://example.com)\n\n|a|b|\n|-|-|\n|1|2|")
    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html
    assert 'href="https://example.com"' in html
    assert "<table>" in html


def test_empty_text_is_empty_html() -> None:
    assert render_markdown("") == ""
