"""Point → grid in O(log n): an STRtree over every grid polygon, cached per database.

A city district has thousands of grids and every report, device reading and alarm asks
"which grid is this point in?", so the tree is built once and reused until the grids
change. Whether they changed is read from a cheap aggregate over the grid rows (the
stamp); a lookup compares the stamp and rebuilds under a lock when it moved.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.db import cache_tokens, database_key
from gongzhi.geo.models import Area, GeoState
from gongzhi.geo.versioning import (
    AREAS_TOKEN,  # (importing it installs the flush hook that bumps the version)
)

GRID = "grid"


class GridLocator:
    """Immutable spatial index of grid polygons; safe to share between threads.

    A point on the border of two grids belongs to both polygons ("intersects" counts the
    boundary); the grid with the lowest id wins so the answer never flips between runs.
    """

    def __init__(self, items: Iterable[tuple[int, BaseGeometry | Mapping[str, Any]]]) -> None:
        ids: list[int] = []
        geoms: list[BaseGeometry] = []
        for area_id, geometry in items:
            geom = geometry if isinstance(geometry, BaseGeometry) else shape(geometry)
            if geom.is_empty:
                continue
            ids.append(area_id)
            geoms.append(geom)
        self._ids = np.asarray(ids, dtype=np.int64)
        self._id_list = ids  # plain ints: cheaper than numpy scalars on the one-hit path
        self._geoms = np.asarray(geoms, dtype=object)
        self._tree = shapely.STRtree(self._geoms)

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[int, BaseGeometry | Mapping[str, Any]]]) -> GridLocator:
        """From (area id, GeoJSON dict or shapely geometry) pairs; no database needed."""
        return cls(pairs)

    def __len__(self) -> int:
        return len(self._ids)

    def locate(self, lat: float, lng: float) -> int | None:
        """The id of the grid containing the WGS84 point (boundary included), or None."""
        # A scalar geometry makes query() return a 1-D array of tree indices.
        hits = self._tree.query(Point(lng, lat), predicate="intersects")
        if len(hits) == 0:
            return None
        if len(hits) == 1:
            return self._id_list[int(hits[0])]
        return int(self._ids[hits].min())

    def locate_many(self, points: Sequence[tuple[float, float]]) -> list[int | None]:
        """Bulk lookup of (lat, lng) pairs in one tree query; same answers as locate()."""
        result: list[int | None] = [None] * len(points)
        if not points or len(self._ids) == 0:
            return result
        coords = np.asarray([(lng, lat) for lat, lng in points], dtype=float)
        # An array of geometries makes query() return a 2 x k array: (input index, tree index).
        pairs = self._tree.query(shapely.points(coords), predicate="intersects")
        for point_index, tree_index in zip(pairs[0].tolist(), pairs[1].tolist(), strict=True):
            area_id = int(self._ids[tree_index])
            current = result[point_index]
            if current is None or area_id < current:
                result[point_index] = area_id
        return result


_VERSION_QUERY = select(GeoState.grid_version).where(GeoState.id == 1)
_GRIDS_QUERY = select(Area.id, Area.geometry).where(Area.level == GRID)


def grid_version(session: Session) -> str:
    """The token that changes with every area edit (geo/versioning.py): one primary-key read."""
    return session.scalar(_VERSION_QUERY) or ""


def _load(session: Session) -> GridLocator:
    rows = session.execute(_GRIDS_QUERY).all()
    # A JSON column may hold JSON null rather than SQL NULL, so filter here, not in SQL.
    return GridLocator((area_id, geometry) for area_id, geometry in rows if geometry)


_lock = threading.Lock()
_cache: dict[str, tuple[str, GridLocator]] = {}
_MAX_DATABASES = 8


def _stamp(session: Session) -> str:
    # The areas' cache token (gongzhi.db.watch, bumped in the flush of any area change) is read
    # once per transaction for the reference caches anyway; grid_version is the fallback.
    return cache_tokens(session).get(AREAS_TOKEN) or grid_version(session)


def locator_for(session: Session) -> GridLocator:
    """The cached locator for the grids this session sees, rebuilt if they changed."""
    key = database_key(session)  # one process may talk to several databases (tests use two)
    stamp = _stamp(session)
    cached = _cache.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with _lock:
        # Another thread may have rebuilt while this one waited.
        cached = _cache.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        locator = _load(session)
        if key not in _cache and len(_cache) >= _MAX_DATABASES:
            _cache.pop(next(iter(_cache)))
        _cache[key] = (stamp, locator)
        return locator


def clear_cache() -> None:
    with _lock:
        _cache.clear()
