"""What the browser tests share: screenshots, axe-core's check, the theme,
the navigation as a person sees it."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from shopdb.web.site import THEME_COOKIE
from shopdb.web.vendor import VENDOR_FOLDER

SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
AXE = VENDOR_FOLDER / "axecore" / "axe.min.js"
# axe-core's impacts that fail a page.
REFUSED_IMPACTS = ("serious", "critical")


def shot(page: Any, name: str, full: bool = True) -> None:
    """A screenshot of the page in tests/screenshots/ (git-ignored)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full)


@cache
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def axe_problems(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page as it is.

    axe is evaluated through the browser's debugging protocol, which the
    page's Content-Security-Policy does not govern: the page is checked with
    its policy in force (no bypass), as a person gets it."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{each['id']} ({each['impact']}): {each['help']} at "
        f"{[node['target'] for node in each['nodes'][:3]]}"
        for each in result["violations"]
        if each["impact"] in REFUSED_IMPACTS
    ]


def set_theme(page: Any, theme: str, base_url: str) -> None:
    """The theme cookie, as the toggle sets it; pages opened next use it."""
    page.context.add_cookies([{"name": THEME_COOKIE, "value": theme, "url": base_url}])


def navigation(page: Any) -> list[tuple[str, str]]:
    """(label, address) of every entry of the navigation's menus on the page."""
    return page.eval_on_selector_all(
        "#mainmenu .dropdown-menu a.dropdown-item",
        "links => links.map((link) => [link.textContent.trim(), link.getAttribute('href')])",
    )
