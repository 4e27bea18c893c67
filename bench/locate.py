"""Point → grid: GridLocator (STRtree) against a brute-force loop over every polygon.

    python bench/locate.py [--grids 5000] [--points 20000] [--seed 1]

No database: 5000 square grids of ~100 m tiled over a block of Hangzhou, 20000 random
points over the block and a margin around it (so some fall on no grid). Both methods run
in the same process on the same points, and their answers are checked against each other.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections.abc import Callable, Sequence

from shapely.geometry import Point, box
from shapely.geometry.base import BaseGeometry

from gongzhi.geo.locator import GridLocator

CELL = 0.001  # degrees, about 100 m at Hangzhou's latitude
WEST, SOUTH = 120.10, 30.20


def build_grids(n: int) -> list[tuple[int, BaseGeometry]]:
    columns = math.ceil(math.sqrt(n * 2))  # a 2:1 block, like a street running east-west
    return [
        (
            i + 1,
            box(
                WEST + (i % columns) * CELL,
                SOUTH + (i // columns) * CELL,
                WEST + (i % columns + 1) * CELL,
                SOUTH + (i // columns + 1) * CELL,
            ),
        )
        for i in range(n)
    ]


def random_points(
    n: int, grids: Sequence[tuple[int, BaseGeometry]], rng: random.Random
) -> list[tuple[float, float]]:
    west, south, east, north = grids[0][1].bounds
    for _, g in grids:
        x0, y0, x1, y1 = g.bounds
        west, south, east, north = min(west, x0), min(south, y0), max(east, x1), max(north, y1)
    margin = 5 * CELL
    return [
        (rng.uniform(south - margin, north + margin), rng.uniform(west - margin, east + margin))
        for _ in range(n)
    ]


def brute_force(grids: Sequence[tuple[int, BaseGeometry]]) -> Callable[[float, float], int | None]:
    def locate(lat: float, lng: float) -> int | None:
        point = Point(lng, lat)
        for area_id, polygon in grids:
            if polygon.contains(point):
                return area_id
        return None

    return locate


def timed(
    locate: Callable[[float, float], int | None], points: Sequence[tuple[float, float]]
) -> tuple[float, list[int | None]]:
    start = time.perf_counter()
    found = [locate(lat, lng) for lat, lng in points]
    return time.perf_counter() - start, found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grids", type=int, default=5000)
    parser.add_argument("--points", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    grids = build_grids(args.grids)
    points = random_points(args.points, grids, rng)

    start = time.perf_counter()
    locator = GridLocator.from_pairs(grids)
    build_s = time.perf_counter() - start

    tree_s, tree_found = timed(locator.locate, points)
    start = time.perf_counter()
    bulk_found = locator.locate_many(points)
    bulk_s = time.perf_counter() - start
    brute_s, brute_found = timed(brute_force(grids), points)

    # Random floats essentially never land on an edge, where the two may legitimately differ
    # (contains excludes the boundary, the locator includes it).
    mismatches = sum(1 for a, b in zip(tree_found, brute_found, strict=True) if a != b)
    bulk_mismatches = sum(1 for a, b in zip(tree_found, bulk_found, strict=True) if a != b)
    hits = sum(1 for a in tree_found if a is not None)

    print(f"grids: {args.grids}, points: {args.points} ({hits} on a grid)")
    print(f"STRtree built in   : {build_s * 1000:12.1f} ms")
    print(f"GridLocator.locate : {args.points / tree_s:12,.0f} lookups/s  ({tree_s:.3f} s)")
    print(f"GridLocator bulk   : {args.points / bulk_s:12,.0f} lookups/s  ({bulk_s:.3f} s)")
    print(f"brute force        : {args.points / brute_s:12,.0f} lookups/s  ({brute_s:.3f} s)")
    print(
        f"speedup            : {brute_s / tree_s:12,.1f}x (single lookups), {brute_s / bulk_s:,.1f}x (bulk)"
    )
    print(f"answers differing  : {mismatches} (brute force vs locate), {bulk_mismatches} (bulk vs locate)")
    return 1 if mismatches or bulk_mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
