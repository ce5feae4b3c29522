"""Position resolution, one test per rule of DESIGN.md section 4."""

from __future__ import annotations

import pytest

from shopdb.database import get_database
from shopdb.services.positions import resolve_asset_position, resolve_positions
from shopdb.testing.databases import count_queries
from tests import factories

pytestmark = pytest.mark.database


@pytest.fixture
def make(session):
    def build(x=None, y=None, **values):
        return factories.asset(session, mapx=x, mapy=y, **values)

    return build


def link(session, source, kind, target, **values):
    return factories.edge(session, source, kind, target, **values)


def where(asset):
    found = resolve_asset_position(asset)
    return None if found is None else (found.mapx, found.mapy, found.rule, found.assetid)


def test_own_position_wins(session, make):
    machine = make(10, 20)
    pc = make(1, 2)
    link(session, pc, "controls", machine)
    assert where(pc) == (1, 2, "asset", None)


def test_half_a_position_is_no_position(session, make):
    machine = make(10, 20)
    pc = make(5, None)
    link(session, pc, "controls", machine)
    assert where(pc) == (10, 20, "related", machine.assetid)


def test_a_pc_shows_where_the_machine_it_controls_stands(session, make):
    machine = make(10, 20)
    pc = make()
    link(session, pc, "controls", machine)
    assert where(pc) == (10, 20, "related", machine.assetid)


def test_partof_edges_come_before_controls_edges(session, make):
    controlled, parent = make(1, 1), make(2, 2)
    spindle = make()
    link(session, spindle, "controls", controlled)
    link(session, spindle, "partof", parent)
    assert where(spindle) == (2, 2, "related", parent.assetid)


def test_connectedto_never_carries_position(session, make):
    switch = make(5, 5)
    camera = make()
    link(session, camera, "connectedto", switch)
    assert where(camera) is None


def test_legacy_connection_types_carry_no_position(session, make):
    machine = make(5, 5)
    pc = make()
    link(session, pc, "Serial Cable", machine)
    link(session, pc, "Controls", machine)
    assert where(pc) is None


def test_edges_that_do_not_inherit_position_are_ignored(session, make):
    machine = make(5, 5)
    pc = make()
    link(session, pc, "controls", machine, inheritsposition=False)
    assert where(pc) is None


def test_inactive_edges_are_ignored(session, make):
    machine = make(5, 5)
    pc = make()
    link(session, pc, "controls", machine, isactive=False)
    assert where(pc) is None


def test_incoming_edges_are_ignored(session, make):
    pc = make(5, 5)
    machine = make()
    link(session, pc, "controls", machine)
    assert where(machine) is None


def test_position_is_found_recursively(session, make):
    bay_machine = make(7, 8)
    gauge, spindle = make(), make()
    link(session, gauge, "partof", spindle)
    link(session, spindle, "partof", bay_machine)
    assert where(gauge) == (7, 8, "related", bay_machine.assetid)


def test_depth_first_in_order_the_first_positioned_asset_wins(session, make):
    # start -partof-> a (no position) -partof-> deep (positioned)
    # start -controls-> near (positioned): partof is followed first, to the end.
    deep, near = make(1, 1), make(2, 2)
    a, start = make(), make()
    link(session, a, "partof", deep)
    link(session, start, "partof", a)
    link(session, start, "controls", near)
    assert where(start) == (1, 1, "related", deep.assetid)


def test_a_cycle_terminates(session, make):
    a, b, c = make(), make(), make()
    link(session, a, "partof", b)
    link(session, b, "partof", c)
    link(session, c, "partof", a)
    assert where(a) is None


def test_a_cycle_still_finds_a_position_beyond_it(session, make):
    a, b, far = make(), make(), make(3, 4)
    link(session, a, "partof", b)
    link(session, b, "partof", a)
    link(session, b, "controls", far)
    assert where(a) == (3, 4, "related", far.assetid)


def test_depth_is_capped_at_three(session, make):
    chain = [make() for _ in range(4)]
    at_three, at_four = make(3, 3), make(4, 4)
    link(session, chain[0], "partof", chain[1])
    link(session, chain[1], "partof", chain[2])
    link(session, chain[2], "partof", at_three)
    assert where(chain[0]) == (3, 3, "related", at_three.assetid)
    link(session, chain[3], "partof", chain[0])
    # From chain[3] the positioned asset is four hops away.
    assert where(chain[3]) is None
    link(session, chain[2], "controls", at_four)
    assert where(chain[1])[3] == at_three.assetid


def test_related_beats_location(session, make):
    hall = factories.location(session, "Hall", mapx=50, mapy=60)
    machine = make(1, 2)
    pc = make(locationid=hall.locationid)
    link(session, pc, "controls", machine)
    assert where(pc) == (1, 2, "related", machine.assetid)


def test_a_machine_placed_only_by_its_location_places_the_pc_that_controls_it(session, make):
    office = factories.location(session, "IT office", mapx=5, mapy=5)
    bay = factories.location(session, "Bay 3", mapx=400, mapy=245)
    machine = make(locationid=bay.locationid)
    pc, spare = make(), make(locationid=office.locationid)
    link(session, pc, "controls", machine)
    link(session, spare, "controls", machine)
    for controller in (pc, spare):
        found = resolve_asset_position(controller)
        assert (found.mapx, found.mapy, found.rule, found.assetid, found.locationid) == (
            400,
            245,
            "related",
            machine.assetid,
            bay.locationid,
        )


def test_coordinates_further_along_beat_a_nearer_assets_location(session, make):
    bay = factories.location(session, "Bay 4", mapx=400, mapy=245)
    cell = make(410, 250)
    machine = make(locationid=bay.locationid)
    pc = make()
    link(session, pc, "controls", machine)
    link(session, machine, "partof", cell)
    assert where(pc) == (410, 250, "related", cell.assetid)


def test_location_position_when_nothing_related_has_one(session, make):
    hall = factories.location(session, "Hall", mapx=50, mapy=60)
    pc = make(locationid=hall.locationid)
    found = resolve_asset_position(pc)
    assert (found.mapx, found.mapy, found.rule, found.locationid) == (
        50,
        60,
        "location",
        hall.locationid,
    )


def test_ancestor_locations_are_the_last_resort(session, make):
    site = factories.location(session, "Site", mapx=1, mapy=1)
    building = factories.location(session, "Building", parent=site, mapx=9, mapy=9)
    bay = factories.location(session, "Bay", parent=building)
    corner = factories.location(session, "Corner", parent=bay, mapx=4)
    pc = make(locationid=corner.locationid)
    found = resolve_asset_position(pc)
    assert (found.mapx, found.rule, found.locationid) == (9, "location", building.locationid)


def test_nothing_found(session, make):
    bay = factories.location(session, "Bay")
    assert where(make(locationid=bay.locationid)) is None
    assert where(make()) is None


def test_the_number_of_queries_is_bounded(app, session, make):
    # A wide, deep graph with no position anywhere: the worst case.
    start = make(locationid=factories.location(session, "Nowhere").locationid)
    level = [start]
    for _ in range(5):
        following = []
        for source in level[:4]:
            for _ in range(4):
                target = make()
                link(session, source, "partof", target)
                link(session, source, "controls", target)
                following.append(target)
        level = following
    session.commit()
    with count_queries(get_database(app).engine) as counter:
        assert where(start) is None
    assert counter.count <= 5, counter.statements


def test_many_assets_resolve_as_each_alone_in_a_bounded_number_of_queries(app, session, make):
    # Every rule at once, over shared parts of the graph: the batch gives
    # what each asset gives alone, in as many statements for 3 as for 60.
    bay = factories.location(session, "Bay 9", mapx=300, mapy=200)
    unplaced = factories.location(session, "Store")

    def build(count):
        built = []
        for number in range(count):
            machine = make(
                *((number, number) if number % 3 == 0 else (None, None)), locationid=bay.locationid
            )
            pc, part = make(locationid=unplaced.locationid), make()
            link(session, pc, "controls", machine)
            link(session, part, "partof", pc)
            link(session, machine, "partof", part)  # a cycle through all three
            built += [machine, pc, part, make(locationid=unplaced.locationid)]
        return built

    small, large = build(1), build(15)
    session.commit()
    alone = {asset.assetid: resolve_asset_position(asset) for asset in small + large}
    counts = []
    for assets in (small, large):
        with count_queries(get_database(app).engine) as counter:
            together = resolve_positions(session, [asset.assetid for asset in assets] + [10**9])
        counts.append(counter.count)
        assert together == {asset.assetid: alone[asset.assetid] for asset in assets}
    assert counts[0] == counts[1] <= 5
    assert {found.rule if found else None for found in alone.values()} == {
        "asset",
        "related",
        "location",
        None,
    }
