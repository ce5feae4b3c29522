"""The demo site planned in memory: every asset and relationship the demo adds,
as plain data, drawn from one generator with a fixed seed so that every call
plans exactly the same rows.
"""

from __future__ import annotations

import math
import random
from collections.abc import Collection
from dataclasses import KW_ONLY, dataclass, field
from typing import Any, TypedDict

from shopdb.models import CONNECTEDTO, CONTROLS, PARTOF
from shopdb.services.demo.catalog import (
    IT,
    MACHINE_NOTES,
    MACHINING,
    MAINTENANCE,
    PC_MODELS,
    PC_NOTES,
    QUALITY,
    SERIAL_DIGITS,
    SERIAL_LETTERS,
    SERIAL_PATTERNS,
    SERVERS,
    SPINDLE_MODELS,
)
from shopdb.services.demo.site import (
    AREAS,
    BAY_MACHINES,
    BUILDINGS,
    CELLS,
    GAUGED_BAYS,
    MILLING_BAYS,
    SITE_NAME,
    Area,
    Building,
    Place,
    Rect,
    area_place,
    building_place,
    place_of,
)

# Every random choice of the plan comes from one generator with this seed.
DEMO_SEED = 20240611


@dataclass
class PlannedAsset:
    assetnumber: str
    name: str
    assettype: str
    place: Place
    businessunit: str
    vendor: str | None = None
    model: str | None = None
    _: KW_ONLY
    serialnumber: str | None = None
    mapx: float | None = None
    mapy: float | None = None
    status: str = "active"
    notes: str | None = None


@dataclass(frozen=True)
class PlannedEdge:
    source: str
    target: str
    relationshiptype: str
    label: str | None = None
    inheritsposition: bool = True
    isactive: bool = True


@dataclass
class Plan:
    assets: list[PlannedAsset] = field(default_factory=list)
    edges: dict[tuple[str, str, str], PlannedEdge] = field(default_factory=dict)

    def of_types(self, assettypes: Collection[str]) -> Plan:
        """The part of the plan a site can hold: the assets of these types
        and the edges between them."""
        assets = [asset for asset in self.assets if asset.assettype in assettypes]
        kept = {asset.assetnumber for asset in assets}
        edges = {
            key: edge
            for key, edge in self.edges.items()
            if edge.source in kept and edge.target in kept
        }
        return Plan(assets, edges)


def _round(point: tuple[float, float]) -> tuple[float, float]:
    return (round(point[0], 1), round(point[1], 1))


class MapPosition(TypedDict):
    mapx: float
    mapy: float


def _at(x: float, y: float) -> MapPosition:
    """Keyword arguments placing a planned asset on its building's plan."""
    return {"mapx": round(x, 1), "mapy": round(y, 1)}


class Planner:
    """Builds the plan; every random choice comes from one seeded generator."""

    def __init__(self) -> None:
        self.rng = random.Random(DEMO_SEED)
        self.plan = Plan()
        self.counters: dict[str, int] = {}
        self.serials: set[str] = set()
        self.model_counts: dict[str, int] = {}
        self.machines: dict[str, list[PlannedAsset]] = {}  # by bay code
        self.cell_members: set[str] = set()
        self.cells: list[tuple[Building, Area, PlannedAsset]] = []
        self.controlled_by_pc: list[tuple[PlannedAsset, str]] = []  # (target, label)
        self.switches: dict[Place, str] = {}
        self.ports: dict[str, int] = {}

    # helpers
    def number(self, prefix: str, start: int, width: int = 4) -> str:
        self.counters[prefix] = self.counters.get(prefix, start) + 1
        return f"{prefix}-{self.counters[prefix]:0{width}d}"

    def serial(self, vendor: str) -> str:
        pattern = SERIAL_PATTERNS.get(vendor, "SN########")
        while True:
            chars = []
            for symbol in pattern:
                if symbol == "#":
                    chars.append(self.rng.choice(SERIAL_DIGITS))
                elif symbol == "@":
                    chars.append(self.rng.choice(SERIAL_LETTERS))
                elif symbol == "*":
                    chars.append(self.rng.choice(SERIAL_LETTERS + SERIAL_DIGITS))
                else:
                    chars.append(symbol)
            serial = "".join(chars)
            if serial not in self.serials:
                self.serials.add(serial)
                return serial

    def numbered_name(self, model: str) -> str:
        self.model_counts[model] = self.model_counts.get(model, 0) + 1
        return f"{model} #{self.model_counts[model]}"

    def add(self, asset: PlannedAsset) -> PlannedAsset:
        if asset.vendor and asset.serialnumber is None:
            asset.serialnumber = self.serial(asset.vendor)
        self.plan.assets.append(asset)
        return asset

    def relate(self, source: str, target: str, kind: str, label: str | None = None, **flags: bool):
        key = (source, target, kind)
        if source != target and key not in self.plan.edges:
            self.plan.edges[key] = PlannedEdge(source, target, kind, label, **flags)

    def connect(self, asset: PlannedAsset) -> None:
        """Patch an asset into the nearest switch: its bay's, else its building's IDF."""
        switch = self.switches.get(asset.place) or self.switches.get(asset.place[:2])
        switch = switch or self.switches[(SITE_NAME,)]
        self.ports[switch] = self.ports.get(switch, 0) + 1
        port = f"Gi1/0/{self.ports[switch]}"
        self.relate(asset.assetnumber, switch, CONNECTEDTO, port, inheritsposition=False)

    def grid(self, rect: Rect, count: int, top: int = 70, margin: int = 45):
        """`count` points spread in rows over a rectangle, a little off the grid."""
        width, height = rect.w - 2 * margin, rect.h - top - margin
        columns = max(1, round(math.sqrt(count * width / height)))
        rows = math.ceil(count / columns)
        columns = math.ceil(count / rows)
        step_x, step_y = width / columns, height / rows
        points = []
        for index in range(count):
            row, column = divmod(index, columns)
            x = rect.x + margin + step_x * (column + 0.5) + self.rng.uniform(-0.1, 0.1) * step_x
            y = rect.y + top + step_y * (row + 0.5) + self.rng.uniform(-0.1, 0.1) * step_y
            points.append(_round((x, y)))
        return points

    def pick(self, choices: tuple[tuple[str, str, int], ...]) -> tuple[str, str]:
        """A (vendor, model) drawn with the given weights."""
        population = [(vendor, model) for vendor, model, _ in choices]
        weights = [weight for _, _, weight in choices]
        return self.rng.choices(population, weights)[0]

    # the site, category by category
    def machines_pass(self) -> None:
        for building in BUILDINGS:
            for area in building.areas:
                if area.code not in BAY_MACHINES:
                    continue
                specs = [(v, m) for v, m, n in BAY_MACHINES[area.code] for _ in range(n)]
                points = self.grid(area.rect, len(specs))
                bay = self.machines.setdefault(area.code, [])
                for (vendor, model), (x, y) in zip(specs, points, strict=True):
                    bay.append(
                        self.add(
                            PlannedAsset(
                                self.number("M", 1000),
                                self.numbered_name(model),
                                "equipment",
                                area_place(building, area),
                                area.businessunit,
                                vendor,
                                model,
                                mapx=x,
                                mapy=y,
                            )
                        )
                    )
        for cellbay, _, size in CELLS:
            self.cell_members.update(m.assetnumber for m in self.machines[cellbay][:size])
        loose = [m for bay in self.machines.values() for m in bay]
        loose = [m for m in loose if m.assetnumber not in self.cell_members]
        for machine in self.rng.sample(loose, 8):
            machine.notes = self.rng.choice(MACHINE_NOTES)
        for machine, status in zip(
            self.rng.sample(loose, 6),
            ("retired", "retired", "retired", "inactive", "inactive", "decommissioned"),
            strict=True,
        ):
            machine.status = status
            if status == "retired":
                machine.mapx = machine.mapy = None
                machine.notes = "Retired and sold in 2023; kept for the record."
            elif status == "decommissioned":
                machine.notes = "Out of service; waiting for the scrap dealer."
            else:
                machine.notes = "Idle: no orders planned for this machine this quarter."

    def cells_pass(self) -> None:
        for bay, name, size in CELLS:
            building, area = AREAS[bay]
            members = self.machines[bay][:size]
            x = sum(m.mapx or 0 for m in members) / size
            y = sum(m.mapy or 0 for m in members) / size
            vendors = {m.vendor for m in members}
            cell = self.add(
                PlannedAsset(
                    self.number("CELL", 0, 2),
                    name,
                    "equipment",
                    area_place(building, area),
                    area.businessunit,
                    vendors.pop() if len(vendors) == 1 else None,
                    mapx=round(x, 1),
                    mapy=round(y, 1),
                    notes=f"{members[0].assetnumber} to {members[-1].assetnumber} are part of it.",
                )
            )
            for member in members:
                self.relate(member.assetnumber, cell.assetnumber, PARTOF, "Cell member")
            self.cells.append((building, area, cell))

    def spindles_pass(self) -> None:
        candidates = [
            m
            for bay in self.machines.values()
            for m in bay
            if m.model in SPINDLE_MODELS and m.status == "active"
        ]
        for machine in self.rng.sample(candidates, 9):
            spindle = self.add(
                PlannedAsset(
                    self.number("SP", 3000),
                    f"Motor spindle, {machine.name}",
                    "equipment",
                    machine.place,
                    MAINTENANCE,
                    machine.vendor,
                )
            )
            self.relate(spindle.assetnumber, machine.assetnumber, PARTOF, "Motor spindle")
        self.add(
            PlannedAsset(
                self.number("SP", 3000),
                "Motor spindle, rebuilt spare",
                "equipment",
                place_of("TC"),
                MAINTENANCE,
                "DMG Mori",
                status="inactive",
                notes="Rebuilt spare for the DMU 65 monoBLOCK machines; on the shelf.",
            )
        )

    def measuring_pass(self) -> None:
        lab = AREAS["QL"][1]
        place = place_of("QL")
        bench = (
            ("Zeiss", "CONTURA"),
            ("Zeiss", "CONTURA"),
            ("Zeiss", "PRISMO"),
            ("Hexagon", "GLOBAL S"),
            ("Keyence", "IM-8000"),
            ("Keyence", "VR-6000"),
            ("Mitutoyo", "SJ-410"),
            ("Mitutoyo", "QM-Height"),
            ("Mitutoyo", "QM-Height"),
            ("Hexagon", "Absolute Arm 8525"),
        )
        for (vendor, model), (x, y) in zip(bench, self.grid(lab.rect, len(bench)), strict=True):
            tool = self.add(
                PlannedAsset(
                    self.number("MT", 5000),
                    self.numbered_name(model),
                    "measuringtool",
                    place,
                    QUALITY,
                    vendor,
                    model,
                    mapx=x,
                    mapy=y,
                )
            )
            if model in ("CONTURA", "PRISMO", "GLOBAL S"):
                self.controlled_by_pc.append((tool, "CMM controller"))
        handheld = (
            ("Micrometer 0-25 mm", "293-240-30", 3),
            ("Caliper 0-150 mm", "500-196-30", 2),
        )
        for label, model, count in handheld:
            for index in range(1, count + 1):
                self.add(
                    PlannedAsset(
                        self.number("MT", 5000),
                        f"{label} #{index}",
                        "measuringtool",
                        place,
                        QUALITY,
                        "Mitutoyo",
                        model,
                        notes="Calibrated yearly; kept in cabinet 2." if index == 1 else None,
                    )
                )
        crib = AREAS["TC"][1]
        presetter = self.add(
            PlannedAsset(
                self.number("MT", 5000),
                self.numbered_name("venturion 450"),
                "measuringtool",
                place_of("TC"),
                MAINTENANCE,
                "Zoller",
                "venturion 450",
                **_at(*crib.rect.center),
            )
        )
        self.controlled_by_pc.append((presetter, "Presetter PC"))
        self.add(
            PlannedAsset(
                self.number("MT", 5000),
                self.numbered_name("SJ-210"),
                "measuringtool",
                place_of("B1"),
                QUALITY,
                "Mitutoyo",
                "SJ-210",
                notes="Portable roughness tester shared by the grinders.",
            )
        )
        self.gauges_at_machines()

    def gauges_at_machines(self) -> None:
        mills = [
            m
            for bay in MILLING_BAYS
            for m in self.machines[bay]
            if m.status == "active" and m.vendor != "Fanuc"
        ]
        for index, machine in enumerate(self.rng.sample(mills, 8)):
            model = "OMP400" if index < 5 else "RMP60"
            probe = self.add(
                PlannedAsset(
                    self.number("MT", 5000),
                    f"{model} probe, {machine.name}",
                    "measuringtool",
                    machine.place,
                    MACHINING,
                    "Renishaw",
                    model,
                )
            )
            self.relate(probe.assetnumber, machine.assetnumber, PARTOF, "Touch probe")
        turned = [m for bay in GAUGED_BAYS for m in self.machines[bay] if m.status == "active"]
        for index, machine in enumerate(self.rng.sample(turned, 4), start=1):
            retired = index == 4
            gauge = self.add(
                PlannedAsset(
                    self.number("MT", 5000),
                    f"Bore gauge 18-35 mm #{index}",
                    "measuringtool",
                    machine.place,
                    QUALITY,
                    "Mitutoyo",
                    "511-711",
                    status="decommissioned" if retired else "active",
                    notes="Failed calibration 2024-11; awaiting disposal." if retired else None,
                )
            )
            self.relate(
                gauge.assetnumber,
                machine.assetnumber,
                PARTOF,
                "Gauge at machine",
                isactive=not retired,
            )

    def network_pass(self) -> None:
        server_room = AREAS["SR"][1]
        core = self.add(
            PlannedAsset(
                self.number("NET", 4000),
                "CORE-SW01",
                "network",
                place_of("SR"),
                IT,
                "Cisco",
                "Catalyst 9500-24Y4C",
                **_at(*server_room.rect.center),
                notes="Core switch; the IDFs uplink here over 25G fiber.",
            )
        )
        self.switches[(SITE_NAME,)] = core.assetnumber
        for building in BUILDINGS:
            aisle = building.aisles[0]
            idf = self.add(
                PlannedAsset(
                    self.number("NET", 4000),
                    f"IDF-{building.code}",
                    "network",
                    building_place(building),
                    IT,
                    "Cisco",
                    "Catalyst 9300-24UX",
                    **_at(aisle.x + 40, aisle.y + 20),
                )
            )
            self.relate(
                idf.assetnumber,
                core.assetnumber,
                CONNECTEDTO,
                "Uplink Te1/1/1",
                inheritsposition=False,
            )
            self.switches[building_place(building)] = idf.assetnumber
        for building in BUILDINGS:
            for area in building.areas:
                if area.locationtype != "bay":
                    continue
                model = "Catalyst 9200-24P" if building.code == "C" else "Catalyst 9300-48P"
                switch = self.add(
                    PlannedAsset(
                        self.number("NET", 4000),
                        f"SW-{area.code}",
                        "network",
                        area_place(building, area),
                        IT,
                        "Cisco",
                        model,
                        **_at(area.rect.x + 20, area.rect.y + 80),
                    )
                )
                self.connect(switch)
                self.switches[area_place(building, area)] = switch.assetnumber
        for code in ("A1", "A3", "A4", "B1", "B3", "C3"):
            building, area = AREAS[code]
            x = area.rect.center[0]
            access_point = self.add(
                PlannedAsset(
                    self.number("NET", 4000),
                    f"AP-{code}-01",
                    "network",
                    area_place(building, area),
                    IT,
                    "Aruba",
                    "AP-635" if code == "C3" else "AP-515",
                    **_at(x + self.rng.uniform(-30, 30), area.rect.y + 55),
                )
            )
            self.connect(access_point)

    def pc(self, name: str, place: Place, unit: str, kind: str = "floor", **extra: Any):
        vendor, model = self.pick(PC_MODELS[kind])
        return self.add(
            PlannedAsset(
                self.number("PC", 2000), name, "computer", place, unit, vendor, model, **extra
            )
        )

    def pcs_pass(self) -> None:
        for building in BUILDINGS:
            for area in building.areas:
                if area.locationtype == "bay":
                    self.bay_pcs(building, area)
        for name, notes in SERVERS:
            server = self.pc(name, place_of("SR"), IT, "server", notes=notes)
            self.connect(server)
        for index, (tool, label) in enumerate(self.controlled_by_pc, start=1):
            kind = "office" if tool.model == "venturion 450" else "workstation"
            name = "TC-PC01" if kind == "office" else f"QL-CMM{index:02d}"
            pc = self.pc(name, tool.place, tool.businessunit, kind)
            self.relate(pc.assetnumber, tool.assetnumber, CONTROLS, label)
            self.connect(pc)
        report = self.pc("QL-REPORT01", place_of("QL"), QUALITY, "workstation")
        self.connect(report)

    def bay_pcs(self, building: Building, area: Area) -> None:
        names = iter(f"{area.code}-PC{index:02d}" for index in range(1, 100))
        for machine in self.machines[area.code]:
            if machine.assetnumber in self.cell_members:
                continue
            if machine.status == "active" and self.rng.random() >= 0.85:
                continue  # an older machine fed by USB stick, no PC of its own
            pc = self.pc(next(names), machine.place, machine.businessunit, status=machine.status)
            if self.rng.random() < 0.06:
                pc.notes = self.rng.choice(PC_NOTES)
            gone = machine.status == "retired"
            label = "Until the machine was retired" if gone else "HMI and DNC"
            self.relate(pc.assetnumber, machine.assetnumber, CONTROLS, label, isactive=not gone)
            if not gone:
                self.connect(pc)
        for _, cell_area, cell in self.cells:
            if cell_area is area:
                pc = self.pc(f"{area.code}-CELL01", cell.place, cell.businessunit, "workstation")
                self.relate(pc.assetnumber, cell.assetnumber, CONTROLS, "Cell controller")
                self.connect(pc)
        supervisor = self.pc(
            f"{area.code}-SUP01", area_place(building, area), area.businessunit, "office"
        )
        self.connect(supervisor)

    def printers_pass(self) -> None:
        for building in BUILDINGS:
            for area in building.areas:
                if area.locationtype != "bay":
                    continue
                model = "ZD421" if building.code == "C" else "ZT411"
                self.printer(building, area, "Zebra", model)
        self.printer(*AREAS["A4"], "HP", "LaserJet Enterprise M611dn", "PRN-A4-02")
        self.printer(*AREAS["B3"], "HP", "LaserJet Enterprise M611dn", "PRN-B3-02")
        self.printer(*AREAS["QL"], "HP", "Color LaserJet Enterprise M555dn")
        self.printer(*AREAS["C3"], "Xerox", "VersaLink C7025", "PRN-C3-02")
        self.printer(*AREAS["TC"], "Xerox", "AltaLink C8170")
        worn = self.rng.choice([a for a in self.plan.assets if a.model == "ZT411"])
        worn.status = "inactive"
        worn.notes = "Print head worn; replacement ordered."

    def printer(
        self, building: Building, area: Area, vendor: str, model: str, name: str | None = None
    ) -> None:
        x = area.rect.x + area.rect.w - 25 - (60 if name else 0)
        y = area.rect.y + area.rect.h - 25
        printer = self.add(
            PlannedAsset(
                self.number("PR", 6000),
                name or f"PRN-{area.code}-01",
                "printer",
                area_place(building, area),
                area.businessunit,
                vendor,
                model,
                **_at(x, y),
            )
        )
        self.connect(printer)


def build_plan() -> Plan:
    """The demo site, identical on every call."""
    planner = Planner()
    planner.machines_pass()
    planner.cells_pass()
    planner.spindles_pass()
    planner.measuring_pass()
    planner.network_pass()
    planner.pcs_pass()
    planner.printers_pass()
    return planner.plan
