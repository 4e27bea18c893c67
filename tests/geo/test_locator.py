"""GridLocator on its own (no database)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box, shape

from gongzhi.geo.locator import GridLocator

from .helpers import square


def _grid_of(n: int) -> list[tuple[int, dict[str, object]]]:
    return [(1 + i * n + j, square(120.0 + i * 0.01, 30.0 + j * 0.01)) for i in range(n) for j in range(n)]


def test_finds_the_containing_square_and_none_outside() -> None:
    loc = GridLocator.from_pairs(_grid_of(3))
    assert len(loc) == 9
    assert loc.locate(30.005, 120.005) == 1
    assert loc.locate(30.025, 120.015) == 1 * 3 + 2 + 1  # column 1, row 2
    assert loc.locate(29.999, 120.005) is None
    assert loc.locate(30.005, 120.031) is None


def test_border_point_goes_to_the_lowest_id_every_time() -> None:
    # Listed in reverse so the tree order differs from the id order.
    loc = GridLocator.from_pairs(list(reversed(_grid_of(2))))
    assert loc.locate(30.005, 120.01) == 1  # on the edge between ids 1 and 3
    assert loc.locate(30.01, 120.01) == 1  # the corner shared by all four
    assert loc.locate(30.0, 120.0) == 1  # an outer corner still belongs to its square


def test_holes_and_multipolygons() -> None:
    ring = box(0, 0, 10, 10).exterior.coords
    hole = box(4, 4, 6, 6).exterior.coords
    donut = {"type": "Polygon", "coordinates": [list(map(list, ring)), list(map(list, hole))]}
    islands = {
        "type": "MultiPolygon",
        "coordinates": [square(20, 0)["coordinates"], square(30, 0)["coordinates"]],
    }
    loc = GridLocator.from_pairs([(7, donut), (8, islands)])
    assert loc.locate(1, 1) == 7
    assert loc.locate(5, 5) is None  # in the hole
    assert loc.locate(0.005, 30.005) == 8
    assert loc.locate(0.005, 25) is None  # between the islands


def test_empty_locator() -> None:
    loc = GridLocator.from_pairs([])
    assert len(loc) == 0
    assert loc.locate(30, 120) is None
    assert loc.locate_many([(30, 120)]) == [None]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(29.99, 30.06), st.floats(119.99, 120.06)), max_size=60))
def test_bulk_lookup_agrees_with_single_lookups_and_brute_force(points: list[tuple[float, float]]) -> None:
    pairs = _grid_of(5)
    loc = GridLocator.from_pairs(pairs)
    shapes = [(area_id, shape(g)) for area_id, g in pairs]
    bulk = loc.locate_many(points)
    for (lat, lng), found in zip(points, bulk, strict=True):
        assert found == loc.locate(lat, lng)
        covering = [area_id for area_id, s in shapes if s.covers(Point(lng, lat))]
        assert found == (min(covering) if covering else None)
