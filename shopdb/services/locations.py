"""The location tree seen from above and from below: which locations lie
within others, so a list can be narrowed to a building with all its halls and
bays, and which lie above one, so what targets a building reaches its bays."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, literal_column, select

from shopdb.models import Location

# Deeper trees are cut here, as position resolution cuts its walk upwards.
MAXIMUM_LOCATION_DEPTH = 32


def locations_within(locationids: Iterable[int]) -> Select:
    """The ids of these locations and of every location below them, as one
    recursive query to use in `IN (...)`: no query per level."""
    below = (
        select(Location.locationid, literal_column("0").label("depth"))
        .where(Location.locationid.in_(list(locationids)))
        .cte("within", recursive=True)
    )
    child = select(Location.locationid, (below.c.depth + 1).label("depth")).join(
        below, Location.parentlocationid == below.c.locationid
    )
    below = below.union_all(child.where(below.c.depth < MAXIMUM_LOCATION_DEPTH))
    return select(below.c.locationid)


def locations_above(locationids: Iterable[int]) -> Select:
    """The ids of these locations and of every location above them (parent,
    grandparent, ... up to the root), as one recursive query to use in
    `IN (...)`: a bay's hall and building, no query per level."""
    above = (
        select(Location.locationid, Location.parentlocationid, literal_column("0").label("depth"))
        .where(Location.locationid.in_(list(locationids)))
        .cte("above", recursive=True)
    )
    parent = select(
        Location.locationid, Location.parentlocationid, (above.c.depth + 1).label("depth")
    ).join(above, Location.locationid == above.c.parentlocationid)
    above = above.union_all(parent.where(above.c.depth < MAXIMUM_LOCATION_DEPTH))
    return select(above.c.locationid)
