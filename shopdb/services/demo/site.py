"""The demo plant's layout: buildings and their bays, rooms and aisles, the
machines standing in each bay, and the `Place` (location names from the site
down) of each. Coordinates of bays and rooms are pixels on their building's
floor plan; those of buildings are pixels on the site plan.
"""

from __future__ import annotations

from dataclasses import dataclass

from shopdb.services.demo.catalog import ASSEMBLY, IT, MACHINING, MAINTENANCE, QUALITY


@dataclass(frozen=True)
class Rect:
    x: int
    y: int
    w: int
    h: int

    @property
    def center(self) -> tuple[float, float]:
        return (self.x + self.w / 2, self.y + self.h / 2)


@dataclass(frozen=True)
class Area:
    """A bay, room or area inside a building; `rect` is on the building plan."""

    code: str
    name: str
    locationtype: str
    purpose: str
    businessunit: str
    rect: Rect


@dataclass(frozen=True)
class Building:
    code: str
    name: str
    purpose: str
    businessunit: str
    width: int
    height: int
    footprint: Rect  # on the site plan
    areas: tuple[Area, ...]
    aisles: tuple[Rect, ...]


SITE_NAME = "Plant 1"
SITE_WIDTH, SITE_HEIGHT = 1600, 1060
SITE_METERS_PER_PIXEL = 0.125
BUILDING_METERS_PER_PIXEL = 0.05
FOOTER = 100  # plans keep this strip below the outline for title and scale


def _bay(code: str, purpose: str, unit: str, rect: Rect) -> Area:
    return Area(code, f"Bay {code}", "bay", purpose, unit, rect)


BUILDINGS = (
    Building(
        "A",
        "Building A",
        "Machining 1: milling and turning",
        MACHINING,
        1600,
        1080,
        Rect(100, 100, 640, 400),
        (
            _bay("A1", "5-axis milling", MACHINING, Rect(40, 40, 720, 410)),
            _bay("A2", "Horizontal milling, FMS line", MACHINING, Rect(840, 40, 720, 410)),
            _bay("A3", "Vertical milling", MACHINING, Rect(40, 550, 720, 410)),
            _bay("A4", "Turning", MACHINING, Rect(840, 550, 520, 410)),
            Area(
                "SR",
                "Server Room",
                "room",
                "Servers, core switch",
                IT,
                Rect(1380, 550, 180, 190),
            ),
            Area(
                "TC",
                "Tool Crib",
                "area",
                "Presetting, spares",
                MAINTENANCE,
                Rect(1380, 760, 180, 200),
            ),
        ),
        (Rect(20, 460, 1560, 80), Rect(770, 20, 60, 960)),
    ),
    Building(
        "B",
        "Building B",
        "Machining 2: grinding, EDM, mill-turn",
        MACHINING,
        1400,
        1080,
        Rect(840, 100, 560, 400),
        (
            _bay("B1", "Cylindrical grinding", MACHINING, Rect(40, 40, 620, 410)),
            _bay("B2", "EDM and die milling", MACHINING, Rect(740, 40, 620, 410)),
            _bay("B3", "Mill-turn and robot cell", MACHINING, Rect(40, 550, 800, 410)),
            Area(
                "QL",
                "Metrology Lab",
                "room",
                "Climate controlled, 20 C +/- 0.5 K",
                QUALITY,
                Rect(860, 550, 500, 410),
            ),
        ),
        (Rect(20, 460, 1360, 80), Rect(670, 20, 60, 440)),
    ),
    Building(
        "C",
        "Building C",
        "Assembly, test and shipping",
        ASSEMBLY,
        1400,
        880,
        Rect(100, 620, 560, 280),
        (
            _bay("C1", "Assembly line 1", ASSEMBLY, Rect(40, 40, 620, 310)),
            _bay("C2", "Assembly line 2", ASSEMBLY, Rect(740, 40, 620, 310)),
            _bay("C3", "Leak test and shipping", ASSEMBLY, Rect(40, 450, 1320, 310)),
        ),
        (Rect(20, 360, 1360, 80), Rect(670, 20, 60, 340)),
    ),
)

AREAS = {area.code: (building, area) for building in BUILDINGS for area in building.areas}

Place = tuple[str, ...]  # location names from the site down


def building_place(building: Building) -> Place:
    return (SITE_NAME, building.name)


def area_place(building: Building, area: Area) -> Place:
    return (SITE_NAME, building.name, area.name)


def place_of(code: str) -> Place:
    return area_place(*AREAS[code])


# What stands in each bay -------------------------------------------------------

# Machines of each bay: (vendor, model, count). A cell's members come first.
BAY_MACHINES = {
    "A1": (
        ("DMG Mori", "DMU 65 monoBLOCK", 6),
        ("Hermle", "C 42 U", 4),
        ("Mazak", "VARIAXIS i-700", 4),
        ("Okuma", "MU-5000V", 3),
        ("DMG Mori", "DMU 50", 3),
    ),
    "A2": (("Makino", "a61nx", 6), ("Makino", "a81nx", 4), ("Hermle", "C 32 U", 2)),
    "A3": (
        ("Haas", "VF-2SS", 6),
        ("Haas", "VF-4", 4),
        ("DMG Mori", "DMC 1035 V", 4),
        ("Okuma", "GENOS M560-V", 4),
        ("Mazak", "VCN-530C", 4),
    ),
    "A4": (
        ("DMG Mori", "NLX 2500", 6),
        ("Okuma", "LB3000 EX II", 5),
        ("Mazak", "QUICK TURN 250MSY", 5),
        ("Haas", "ST-20Y", 3),
        ("DMG Mori", "CTX beta 800", 3),
    ),
    "B1": (("Studer", "S33", 5), ("Studer", "S41", 4), ("Studer", "favorit", 3)),
    "B2": (("Makino", "U6 H.E.A.T.", 3), ("Makino", "EDAF3", 2), ("Makino", "D200Z", 3)),
    "B3": (
        ("Fanuc", "ROBODRILL a-D21MiB5", 3),
        ("Fanuc", "M-20iD/25", 1),
        ("Mazak", "INTEGREX i-200", 4),
        ("Haas", "UMC-750", 3),
        ("Fanuc", "M-20iD/25", 1),
    ),
    "C1": (("Atlas Copco", "PF6000", 3), ("Fanuc", "M-20iD/25", 1), ("ATEQ", "F620", 1)),
    "C2": (("Atlas Copco", "PF6000", 2), ("Ecoclean", "EcoCwave", 1)),
    "C3": (("ATEQ", "F620", 2), ("Ecoclean", "EcoCwave", 1), ("Fanuc", "M-20iD/25", 1)),
}

# Bay-level groupings a single PC drives: (bay, name, how many of the bay's first machines)
CELLS = (
    ("A2", "Makino MMC2 pallet line", 6),
    ("B1", "Studer grinding cell", 4),
    ("B3", "ROBODRILL robot cell", 4),
    ("C1", "Assembly line 1", 5),
)

# Bays whose mills get touch probes, and bays whose lathes and grinders get bore gauges.
MILLING_BAYS = ("A1", "A2", "A3", "B3")
GAUGED_BAYS = ("A4", "B1")
