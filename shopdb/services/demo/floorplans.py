"""The demo's floor plans: the site plan and one plan per building, drawn as
SVG text (deterministic, ASCII only) and written under the instance folder
without ever overwriting a file already there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from shopdb.services.demo.site import (
    BUILDING_METERS_PER_PIXEL,
    BUILDINGS,
    FOOTER,
    SITE_HEIGHT,
    SITE_METERS_PER_PIXEL,
    SITE_NAME,
    SITE_WIDTH,
    Building,
    Rect,
)

# Under the instance folder; the locations' floorplanimage paths start with it.
FLOORPLAN_FOLDER = "floorplans"


def slugify(*names: str) -> str:
    return "-".join(re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") for name in names)


def _attrs(**values: object) -> str:
    return " ".join(
        f"{name.replace('_', '-')}={quoteattr(str(value))}" for name, value in values.items()
    )


def _rect(rect: Rect, **style: object) -> str:
    return f"  <rect {_attrs(x=rect.x, y=rect.y, width=rect.w, height=rect.h, **style)}/>"


def _text(x: float, y: float, content: str, **style: object) -> str:
    return f"  <text {_attrs(x=x, y=y, **style)}>{escape(content)}</text>"


def _document(width: int, height: int, title: str, body: Iterable[str]) -> str:
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" {_attrs(width=width, height=height)} '
        f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif">\n'
        f"  <title>{escape(title)}</title>\n"
    )
    return head + "\n".join(body) + "\n</svg>\n"


def _footer(width: int, height: int, title: str, meters_per_pixel: float, meters: int):
    """Title, scale bar and north arrow in the strip below the outline."""
    y = height - FOOTER + 55
    bar = round(meters / meters_per_pixel)
    x = width - 60 - bar
    yield _text(30, y + 5, title, font_size=26, font_weight="bold", fill="#2b2d31")
    yield f'  <path d="M{x} {y} h{bar}" stroke="#2b2d31" stroke-width="6"/>'
    yield f'  <path d="M{x} {y - 10} v20 M{x + bar} {y - 10} v20" stroke="#2b2d31"/>'
    yield _text(x + bar / 2, y - 14, f"{meters} m", font_size=16, text_anchor="middle")
    arrow = x - 70
    yield f'  <path d="M{arrow} {y + 12} l12 -40 l12 40 l-12 -10 z" fill="#2b2d31"/>'
    yield _text(arrow + 12, y + 32, "N", font_size=16, text_anchor="middle")


AREA_FILLS = {"bay": "#e7f0fb", "room": "#e8f5e9", "area": "#f8efe2"}


def building_svg(building: Building) -> str:
    """Outline, aisles, bays and rooms as labelled rectangles, doors, columns."""
    width, height = building.width, building.height
    outline = Rect(20, 20, width - 40, height - FOOTER - 20)
    body = [_rect(Rect(0, 0, width, height), fill="#ffffff")]
    body.append(_rect(outline, fill="#f4f5f7", stroke="#2b2d31", stroke_width=10))
    for aisle in building.aisles:
        body.append(_rect(aisle, fill="#fff4c2"))
    for aisle in building.aisles:
        horizontal = aisle.w > aisle.h
        edges = (
            [
                (aisle.x, aisle.y, aisle.x + aisle.w, aisle.y),
                (aisle.x, aisle.y + aisle.h, aisle.x + aisle.w, aisle.y + aisle.h),
            ]
            if horizontal
            else [
                (aisle.x, aisle.y, aisle.x, aisle.y + aisle.h),
                (aisle.x + aisle.w, aisle.y, aisle.x + aisle.w, aisle.y + aisle.h),
            ]
        )
        for x1, y1, x2, y2 in edges:
            body.append(
                f'  <line {_attrs(x1=x1, y1=y1, x2=x2, y2=y2)} stroke="#e0a800" '
                'stroke-width="4" stroke-dasharray="18 12"/>'
            )
        if horizontal:
            # Gates where the main aisle meets the outer walls.
            for x in (outline.x - 6, outline.x + outline.w - 6):
                body.append(_rect(Rect(x, aisle.y + 10, 12, aisle.h - 20), fill="#ffffff"))
            for x in range(aisle.x + 200, aisle.x + aisle.w, 200):
                for y in (aisle.y - 6, aisle.y + aisle.h - 6):
                    body.append(_rect(Rect(x - 6, y, 12, 12), fill="#8a9099"))
            body.append(
                _text(
                    aisle.x + aisle.w / 2,
                    aisle.y + aisle.h / 2 + 6,
                    "MAIN AISLE",
                    font_size=16,
                    fill="#9a7b00",
                    text_anchor="middle",
                    letter_spacing=6,
                )
            )
    main = building.aisles[0]
    for area in building.areas:
        rect = area.rect
        body.append(
            _rect(rect, fill=AREA_FILLS[area.locationtype], stroke="#4a4f57", stroke_width=4)
        )
        # A door on the wall nearer the main aisle.
        wall = (
            rect.y
            if abs(rect.y - main.y - main.h) < abs(rect.y + rect.h - main.y)
            else (rect.y + rect.h)
        )
        door = min(rect.w // 3, 90)
        body.append(
            _rect(Rect(rect.x + rect.w // 2 - door // 2, wall - 4, door, 8), fill="#fff4c2")
        )
        body.append(
            _text(
                rect.x + 14,
                rect.y + 32,
                area.name,
                font_size=22,
                font_weight="bold",
                fill="#1f2328",
            )
        )
        body.append(_text(rect.x + 14, rect.y + 54, area.purpose, font_size=14, fill="#555b63"))
    title = f"{SITE_NAME}, {building.name}: {building.purpose}"
    body.extend(_footer(width, height, title, BUILDING_METERS_PER_PIXEL, 10))
    return _document(width, height, f"{title} (floor plan)", body)


def site_svg() -> str:
    """Fence, roads, parking and the buildings' footprints."""
    width, height = SITE_WIDTH, SITE_HEIGHT
    fence = Rect(20, 20, width - 40, height - FOOTER - 20)
    body = [
        _rect(Rect(0, 0, width, height), fill="#ffffff"),
        _rect(fence, fill="#eef3e8", stroke="#5b6b4f", stroke_width=4, stroke_dasharray="14 8"),
        _rect(Rect(20, 535, width - 40, 60), fill="#c9ccd1"),
        _rect(Rect(770, 20, 50, 940), fill="#c9ccd1"),
        _text(1200, 571, "Plant road", font_size=16, fill="#50555c", text_anchor="middle"),
    ]
    parking = Rect(860, 640, 440, 240)
    body.append(_rect(parking, fill="#dcdfe3", stroke="#9aa0a6", stroke_width=2))
    for stripe in range(parking.x + 40, parking.x + parking.w, 40):
        body.append(
            f'  <path d="M{stripe} {parking.y} v70 M{stripe} {parking.y + parking.h} v-70" '
            'stroke="#ffffff" stroke-width="3"/>'
        )
    body.append(
        _text(
            parking.x + parking.w / 2,
            parking.y + parking.h / 2 + 6,
            "Parking",
            font_size=18,
            fill="#50555c",
            text_anchor="middle",
        )
    )
    body.append(_rect(Rect(width - 30, 540, 20, 50), fill="#ffffff"))
    body.append(_text(width - 40, 620, "Main gate", font_size=16, text_anchor="end"))
    for building in BUILDINGS:
        rect = building.footprint
        x, y = rect.center
        body.append(_rect(rect, fill="#b8c4d6", stroke="#2b2d31", stroke_width=6))
        body.append(
            _text(
                x,
                y - 4,
                building.name,
                font_size=30,
                font_weight="bold",
                text_anchor="middle",
                fill="#1f2328",
            )
        )
        body.append(
            _text(x, y + 26, building.purpose, font_size=16, text_anchor="middle", fill="#33373d")
        )
    title = f"{SITE_NAME}: site plan"
    body.extend(_footer(width, height, title, SITE_METERS_PER_PIXEL, 50))
    return _document(width, height, title, body)


def write_floorplan(folder: Path, relative: str, content: str) -> bool:
    """Write a plan unless a file is already there (a site may have drawn its own)."""
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="ascii", newline="\n") as handle:
            handle.write(content)
    except FileExistsError:
        return False
    return True
