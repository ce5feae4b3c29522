"""Which floor plan a pair of coordinates is drawn on (ADR 0017).

A location's mapx/mapy are pixels on its parent's plan: the parent's own,
else the nearest ancestor's. An asset's own mapx/mapy are pixels on its
location's plan, own or inherited the same way. A position resolved through
a related asset is on that asset's plan; one taken from a location is on the
plan of that location's parent.

A map shows one plan. A point on the plan of a location below it (a building
on the site map) is drawn at that location's point on this plan, as many
levels up as it takes; a point on any other plan (above this one, or in
another branch of the tree) is not on this map at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class PlanNode:
    """The parts of a location row the plan geometry needs."""

    locationid: int
    parentlocationid: int | None
    name: str
    mapx: float | None
    mapy: float | None
    hasplan: bool
    floorplanwidth: int | None = None
    floorplanheight: int | None = None

    @property
    def placed(self) -> bool:
        return self.mapx is not None and self.mapy is not None


@dataclass(frozen=True)
class PlanPoint:
    """A point on the map's plan; `vialocationid` names the location below
    whose point stands in for a point on that location's own plan."""

    mapx: float
    mapy: float
    vialocationid: int | None = None


class PlanTree:
    """The location tree with its plans, loaded once per map request."""

    def __init__(self, nodes: Iterable[PlanNode]) -> None:
        self.nodes = {node.locationid: node for node in nodes}
        self._plans: dict[int | None, int | None] = {None: None}
        self._lifted: dict[tuple[int | None, int | None], PlanPoint | None] = {}

    def plan_of(self, locationid: int | None) -> int | None:
        """The location whose plan `locationid` shows: itself or the nearest
        ancestor with a plan; None when none has one. A cycle (refused on
        write, but rows written beside the API could make one) ends the walk."""
        if locationid in self._plans:
            return self._plans[locationid]
        seen: list[int] = []
        current: int | None = locationid
        found: int | None = None
        while current is not None and current not in seen:
            if current in self._plans:
                found = self._plans[current]
                break
            node = self.nodes.get(current)
            if node is None:
                break
            seen.append(current)
            if node.hasplan:
                found = current
                break
            current = node.parentlocationid
        for visited in seen:
            self._plans[visited] = found
        self._plans[locationid] = found
        return found

    def location_plan(self, locationid: int) -> int | None:
        """The plan a location's own mapx/mapy are pixels on: its parent's."""
        node = self.nodes.get(locationid)
        return None if node is None else self.plan_of(node.parentlocationid)

    def on_plan(
        self, mapx: float, mapy: float, planid: int | None, target: int | None
    ) -> PlanPoint | None:
        """The point (mapx, mapy) of plan `planid` on plan `target`: itself when
        the plans are one; the point of the location holding `planid` when
        that location lies below `target` (repeated upwards); else None."""
        if planid == target:
            return PlanPoint(mapx, mapy)
        key = (planid, target)
        if key not in self._lifted:
            self._lifted[key] = self._lift(planid, target)
        return self._lifted[key]

    def _lift(self, planid: int | None, target: int | None) -> PlanPoint | None:
        """Where every point of plan `planid` shows on plan `target` (a plan
        below it): the point of the location that holds it; None when
        `planid` is not below `target` or a location on the way has no point."""
        point = None
        seen: set[int | None] = set()
        while planid != target:
            if planid is None or planid in seen:
                return None
            seen.add(planid)
            node = self.nodes[planid]
            if node.mapx is None or node.mapy is None:
                return None
            point = PlanPoint(node.mapx, node.mapy, planid)
            planid = self.plan_of(node.parentlocationid)
        return point

    def regions(self, locationid: int, within: Iterable[int]) -> list[PlanNode]:
        """The locations of `within` below `locationid` whose coordinates are
        on the plan `locationid` shows, by name."""
        target = self.plan_of(locationid)
        found = [
            self.nodes[other]
            for other in within
            if other != locationid
            and other in self.nodes
            and self.nodes[other].placed
            and self.location_plan(other) == target
        ]
        return sorted(found, key=lambda node: (node.name.lower(), node.locationid))
