"""Read a page's record form as a browser would submit it (stdlib parser)."""

from __future__ import annotations

from html.parser import HTMLParser

from werkzeug.datastructures import MultiDict


class FormReader(HTMLParser):
    """The fields of the form marked data-testid="recordform": what a browser
    sends when the user changes nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self.select: str | None = None
        self.selected: str | None = None
        self.first: str | None = None
        self.textarea: str | None = None
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "form" and found.get("data-testid") == "recordform":
            self.inside = True
        if not self.inside:
            return
        name = found.get("name")
        if tag == "input" and name:
            kind = found.get("type", "text")
            if kind == "checkbox":
                if "checked" in found:
                    self.fields.append((name, found.get("value", "on")))
            else:
                self.fields.append((name, found.get("value", "")))
        elif tag == "select" and name:
            self.select, self.selected, self.first = name, None, None
        elif tag == "option" and self.select is not None:
            value = found.get("value", "")
            if self.first is None:
                self.first = value
            if "selected" in found:
                self.selected = value
        elif tag == "textarea" and name:
            self.textarea, self.text = name, ""

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select" and self.select is not None:
            chosen = self.selected if self.selected is not None else (self.first or "")
            self.fields.append((self.select, chosen))
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            # A browser drops the newline right after <textarea>.
            self.fields.append((self.textarea, self.text.removeprefix("\n")))
            self.textarea = None


def read_form(html: str, **changes: str) -> MultiDict:
    """The form's fields as a browser sends them, with `changes` typed in."""
    reader = FormReader()
    reader.feed(html)
    return MultiDict([(key, changes.get(key, value)) for key, value in reader.fields])
