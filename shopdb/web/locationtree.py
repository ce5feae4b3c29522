"""Locations as the tree they are (each may have a parent), for the list
filter `withinlocationid` and the location fields of forms: read in one
query, ordered by name at each level."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopdb.models import Location


@dataclass
class TreeNode:
    """One location and the locations inside it."""

    locationid: int
    name: str
    children: list[TreeNode] = field(default_factory=list)
    open: bool = False  # shown unfolded: it holds the chosen location


def location_tree(session: Session, chosen: Any = None) -> list[TreeNode]:
    """The top locations, each with its children; the branch holding
    `chosen` (a location id) is unfolded. A parent that is missing (or a
    loop) puts a location at the top rather than lose it."""
    rows = session.execute(
        select(Location.locationid, Location.name, Location.parentlocationid)
    ).all()
    nodes = {row.locationid: TreeNode(row.locationid, str(row.name)) for row in rows}
    parents = {row.locationid: row.parentlocationid for row in rows}
    top = []
    for row in rows:
        parent = parents[row.locationid]
        if parent in nodes and not _loops(parents, row.locationid):
            nodes[parent].children.append(nodes[row.locationid])
        else:
            top.append(nodes[row.locationid])
    for node in nodes.values():
        node.children.sort(key=_name)
    top.sort(key=_name)
    try:
        wanted = int(chosen) if chosen not in (None, "") else None
    except (TypeError, ValueError):
        wanted = None
    seen: set[int] = set()
    current = parents.get(wanted) if wanted is not None else None
    while isinstance(current, int) and current in nodes and current not in seen:
        seen.add(current)
        nodes[current].open = True
        current = parents.get(current)
    return top


def tree_options(session: Session) -> list[tuple[Any, str]]:
    """Every location as a select's option, in tree order, indented by depth."""
    return [
        (node.locationid, "- " * depth + node.name) for node, depth in walk(location_tree(session))
    ]


def in_tree_order(session: Session, controls: Sequence[Any], names: Collection[str]) -> None:
    """Give the listed select controls (location fields of a form or of the
    bulk bar) the locations in tree order, unless they search as the user
    types (too many to list)."""
    chosen = [
        control
        for control in controls
        if control.name in names and control.options is not None and not control.remote
    ]
    if chosen:
        options = tree_options(session)
        for control in chosen:
            control.options = options


def walk(nodes: list[TreeNode], depth: int = 0) -> Iterator[tuple[TreeNode, int]]:
    """Every node in tree order with its depth."""
    for node in nodes:
        yield node, depth
        yield from walk(node.children, depth + 1)


def _loops(parents: dict[int, Any], start: int) -> bool:
    seen = {start}
    current = parents.get(start)
    while current in parents:
        if current in seen:
            return True
        seen.add(current)
        current = parents[current]
    return False


def _name(node: TreeNode) -> str:
    return node.name.lower()
