"""The area tree: create, edit, walk, import GeoJSON, point → grid.

Rules: a level sits exactly one below its parent's (district > street > community|village >
grid); only a district or a street may be a root (a platform may serve one street);
codes are unique; boundaries are valid WGS84 Polygons or MultiPolygons. Services flush,
never commit, and take `now` from the caller.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, Final

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gongzhi.db import SnapshotCache, attach_row, row_values
from gongzhi.errors import AppError, Conflict, Invalid, NotFound
from gongzhi.geo import messages  # noqa: F401  (registers the module's i18n keys)
from gongzhi.geo.locator import locator_for
from gongzhi.geo.models import LEVEL_DEPTH, LEVELS, Area
from gongzhi.geo.versioning import AREAS_TOKEN
from gongzhi.i18n import DEFAULT_LANGUAGE, translate

ROOT_LEVELS: Final = ("district", "street")
GEOMETRY_TYPES: Final = ("Polygon", "MultiPolygon")
CODE_MAX, NAME_MAX = 32, 100
# SQLite and PostgreSQL both cap bound parameters; stay far below either.
_IN_CHUNK = 500


class _Unset(Enum):
    UNSET = 0


UNSET: Final = _Unset.UNSET


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    unchanged: int = 0


@dataclass(frozen=True)
class ImportProblem:
    """One bad feature: its index in `features` (0-based), its code if readable, and why."""

    index: int
    code: str
    error: AppError

    def reason(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return translate(self.error.code, lang, **self.error.params)


class ImportInvalid(Invalid):
    """The import was refused; `problems` lists every bad feature, in file order."""

    def __init__(self, problems: Sequence[ImportProblem]) -> None:
        first = problems[0]
        super().__init__(
            "area_import_invalid", index=first.index, area=first.code or "-", reason=first.reason(),
            count=len(problems),
        )
        self.problems = list(problems)


# ---------------------------------------------------------------- validation


def _check_code(code: object) -> str:
    if (
        not isinstance(code, str) or not code or len(code) > CODE_MAX
        or "/" in code or any(ch.isspace() for ch in code)
    ):
        raise Invalid("area_code_invalid")
    return code


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > NAME_MAX:
        raise Invalid("area_name_invalid")
    return name.strip()


def _check_name_en(name_en: object) -> str:
    if not isinstance(name_en, str) or len(name_en) > NAME_MAX:
        raise Invalid("area_name_en_invalid")
    return name_en.strip()


def _check_households(households: object) -> int:
    # bool is an int in Python; True households is a data error, not 1.
    if isinstance(households, bool) or not isinstance(households, int) or households < 0:
        raise Invalid("area_households_invalid")
    return households


def _check_level(level: object) -> str:
    if not isinstance(level, str) or level not in LEVELS:
        raise Invalid("area_level_unknown", level=str(level))
    return level


def _check_parent(level: str, parent_code: str | None, parent_level: str | None) -> None:
    if parent_code is None:
        if level not in ROOT_LEVELS:
            raise Invalid("area_parent_required")
        return
    if parent_level is None or LEVEL_DEPTH[parent_level] != LEVEL_DEPTH[level] - 1:
        raise Invalid(f"area_parent_level_{level}", parent=parent_code)


def parse_geometry(geometry: object) -> BaseGeometry:
    """A GeoJSON dict → a valid shapely (Multi)Polygon in WGS84 range, or Invalid."""
    if not isinstance(geometry, dict):
        raise Invalid("area_geometry_invalid", reason="not a GeoJSON object")
    kind = geometry.get("type")
    if kind not in GEOMETRY_TYPES:
        raise Invalid("area_geometry_invalid", reason=f"type {kind!r} is not Polygon or MultiPolygon")
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises many types on malformed coordinates
        raise Invalid("area_geometry_invalid", reason=f"malformed coordinates ({exc})") from None
    if geom.is_empty:
        raise Invalid("area_geometry_invalid", reason="empty geometry")
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        raise Invalid("area_geometry_invalid", reason="coordinates must be finite numbers")
    if (np.abs(coords[:, 0]) > 180).any() or (np.abs(coords[:, 1]) > 90).any():
        raise Invalid("area_geometry_invalid", reason="coordinates outside WGS84 range (order is lng, lat)")
    if not geom.is_valid:
        raise Invalid("area_geometry_invalid", reason=explain_validity(geom))
    return geom


def _plain(value: Any) -> Any:
    """Coordinates as nested lists of floats (tuples and ints do not survive a JSON round trip equal)."""
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return float(value)


def _set_geometry(area: Area, geometry: dict[str, Any] | None, geom: BaseGeometry | None) -> None:
    if geometry is None or geom is None:
        area.geometry = None
        area.centroid_lat = area.centroid_lng = None
        return
    area.geometry = {"type": geometry["type"], "coordinates": _plain(geometry["coordinates"])}
    centroid = geom.centroid
    area.centroid_lat, area.centroid_lng = float(centroid.y), float(centroid.x)


def _check_point(lat: float, lng: float) -> None:
    if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
        raise Invalid("area_point_invalid")


# ---------------------------------------------------------------- reads


def get_area(session: Session, code: str) -> Area:
    area = session.scalar(select(Area).where(Area.code == code))
    if area is None:
        raise NotFound("area_not_found", area=code)
    return area


def get_area_by_id(session: Session, area_id: int) -> Area:
    area = session.get(Area, area_id)
    if area is None:
        raise NotFound("area_not_found", area=f"#{area_id}")
    return area


def _path_ids(area: Area) -> list[int]:
    return [int(part) for part in area.path.strip("/").split("/") if part]


def ancestors(session: Session, area: Area) -> list[Area]:
    """Self first, then the parent, … up to the root; one query over the ids in `path`."""
    ids = _path_ids(area)
    if not ids:
        return [area]
    by_id = {a.id: a for a in session.scalars(select(Area).where(Area.id.in_(ids)))}
    return [by_id[i] for i in reversed(ids) if i in by_id]


def children(session: Session, area: Area) -> list[Area]:
    return list(session.scalars(select(Area).where(Area.parent_id == area.id).order_by(Area.code)))


def subtree(session: Session, area: Area, *, include_self: bool = True) -> list[Area]:
    """The area and everything below it, parents before children (prefix match on `path`)."""
    stmt = select(Area).where(Area.path.startswith(area.path, autoescape=True))
    if not include_self:
        stmt = stmt.where(Area.id != area.id)
    return list(session.scalars(stmt.order_by(Area.path)))


def grids_under(session: Session, area: Area) -> list[Area]:
    """Every grid in the area's subtree (the area itself if it is a grid)."""
    stmt = select(Area).where(Area.path.startswith(area.path, autoescape=True), Area.level == "grid")
    return list(session.scalars(stmt.order_by(Area.code)))


def list_areas(
    session: Session,
    *,
    level: str | None = None,
    parent: str | None = None,
    under: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Area]:
    """Areas by code; `parent` = direct children of that code, `under` = its whole subtree below it."""
    stmt = select(Area)
    if level is not None:
        stmt = stmt.where(Area.level == _check_level(level))
    if parent is not None:
        stmt = stmt.where(Area.parent_id == get_area(session, parent).id)
    if under is not None:
        top = get_area(session, under)
        stmt = stmt.where(Area.path.startswith(top.path, autoescape=True), Area.id != top.id)
    stmt = stmt.order_by(Area.code).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def codes_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """id → code for the given ids (e.g. parents of a page of areas), one query per chunk."""
    wanted = sorted({i for i in ids if i is not None})
    out: dict[int, str] = {}
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
        for area_id, code in session.execute(select(Area.id, Area.code).where(Area.id.in_(chunk))):
            out[area_id] = code
    return out


# ---------------------------------------------------------------- writes


def create_area(
    session: Session,
    *,
    code: str,
    name: str,
    level: str,
    now: datetime,
    parent_code: str | None = None,
    geometry: dict[str, Any] | None = None,
    name_en: str = "",
    households: int = 0,
) -> Area:
    code = _check_code(code)
    name = _check_name(name)
    name_en = _check_name_en(name_en)
    households = _check_households(households)
    level = _check_level(level)
    geom = parse_geometry(geometry) if geometry is not None else None
    parent: Area | None = None
    if parent_code is not None:
        parent = session.scalar(select(Area).where(Area.code == parent_code))
        if parent is None:
            raise Invalid("area_parent_not_found", parent=parent_code)
    _check_parent(level, parent_code, parent.level if parent else None)
    if session.scalar(select(Area.id).where(Area.code == code)) is not None:
        raise Conflict("area_code_taken", area=code)

    area = Area(
        code=code, name=name, name_en=name_en, level=level, parent_id=parent.id if parent else None,
        path="", households=households, created_at=now, updated_at=now,
    )
    _set_geometry(area, geometry, geom)
    try:
        # In a savepoint: a concurrent insert of the same code fails here without
        # poisoning the caller's transaction.
        with session.begin_nested():
            session.add(area)
            session.flush()
            area.path = f"{parent.path if parent else '/'}{area.id}/"
            session.flush()
    except IntegrityError:
        raise Conflict("area_code_taken", area=code) from None
    return area


def update_area(
    session: Session,
    code: str,
    *,
    now: datetime,
    name: str | None = None,
    name_en: str | None = None,
    households: int | None = None,
    geometry: dict[str, Any] | _Unset | None = UNSET,
) -> Area:
    """Change what is given; `geometry=None` removes the boundary, leaving it out keeps it."""
    area = get_area(session, code)
    changed = False
    if name is not None and (name := _check_name(name)) != area.name:
        area.name, changed = name, True
    if name_en is not None and (name_en := _check_name_en(name_en)) != area.name_en:
        area.name_en, changed = name_en, True
    if households is not None and (households := _check_households(households)) != area.households:
        area.households, changed = households, True
    if not isinstance(geometry, _Unset):
        geom = parse_geometry(geometry) if geometry is not None else None
        before = area.geometry
        _set_geometry(area, geometry, geom)
        changed = changed or area.geometry != before
    if changed:
        area.updated_at = now
        session.flush()
    return area


# ---------------------------------------------------------------- GeoJSON import


@dataclass
class _Row:
    index: int
    code: str
    name: str
    level: str
    parent: str | None
    name_en: str | None  # None: not in the file, keep what is stored
    households: int | None
    geometry: dict[str, Any] | None  # None: no boundary in the file, keep what is stored
    geom: BaseGeometry | None = None
    area: Area | None = field(default=None, repr=False)


def _read_feature(index: int, feature: object) -> _Row:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise Invalid("area_import_feature_malformed")
    props = feature.get("properties")
    if not isinstance(props, dict):
        raise Invalid("area_import_feature_malformed")
    code = _check_code(props.get("code"))
    name = _check_name(props.get("name"))
    level = _check_level(props.get("level"))
    parent = props.get("parent")
    if parent is not None and (not isinstance(parent, str) or not parent):
        raise Invalid("area_import_property", field="parent")
    name_en = _check_name_en(props["name_en"]) if props.get("name_en") is not None else None
    households = _check_households(props["households"]) if props.get("households") is not None else None
    geometry = feature.get("geometry")
    geom = parse_geometry(geometry) if geometry is not None else None
    return _Row(index, code, name, level, parent, name_en, households,
                geometry if isinstance(geometry, dict) else None, geom)


def _existing_by_code(session: Session, codes: Iterable[str]) -> dict[str, Area]:
    wanted = sorted(set(codes))
    out: dict[str, Area] = {}
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
        out.update((a.code, a) for a in session.scalars(select(Area).where(Area.code.in_(chunk))))
    return out


def _feature_code(feature: object) -> str:
    if isinstance(feature, dict) and isinstance(feature.get("properties"), dict):
        code = feature["properties"].get("code")
        if isinstance(code, str):
            return code[:CODE_MAX]
    return ""


def import_geojson(session: Session, data: dict[str, Any], now: datetime) -> ImportSummary:
    """Upsert areas from a FeatureCollection (properties: code, name, level, parent, name_en, households).

    All or nothing: every feature is checked first (fields, boundary, duplicate codes,
    parent found in the file or the database, parent one level up, level unchanged) and
    any problem raises ImportInvalid listing them all before anything is added. Parents
    may come after their children in the file. On update, a property or boundary left
    out (or null) keeps the stored value; a changed parent moves the whole subtree.
    """
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list) or data.get("type") != "FeatureCollection":
        raise Invalid("area_import_not_collection")

    problems: list[ImportProblem] = []
    rows: list[_Row] = []
    first_index: dict[str, int] = {}
    bad_codes: set[str] = set()
    for index, feature in enumerate(features):
        try:
            row = _read_feature(index, feature)
        except AppError as exc:
            code = _feature_code(feature)
            problems.append(ImportProblem(index, code, exc))
            if code:
                bad_codes.add(code)
            continue
        if row.code in first_index:
            duplicate = Invalid("area_import_duplicate_code", area=row.code, first=first_index[row.code])
            problems.append(ImportProblem(index, row.code, duplicate))
            continue
        first_index[row.code] = index
        rows.append(row)

    in_file = {row.code: row for row in rows}
    existing = _existing_by_code(session, [*in_file, *(r.parent for r in rows if r.parent)])
    for row in rows:
        stored = existing.get(row.code)
        if stored is not None and stored.level != row.level:
            error = Invalid("area_level_immutable", area=row.code, old=stored.level, new=row.level)
            problems.append(ImportProblem(row.index, row.code, error))
            bad_codes.add(row.code)
    for row in rows:
        # A child of a feature already reported is not reported again for it.
        if row.code in bad_codes or (row.parent is not None and row.parent in bad_codes):
            continue
        try:
            parent_level: str | None = None
            if row.parent is not None:
                if row.parent in in_file:
                    parent_level = in_file[row.parent].level
                elif row.parent in existing:
                    parent_level = existing[row.parent].level
                else:
                    raise Invalid("area_parent_not_found", parent=row.parent)
            _check_parent(row.level, row.parent, parent_level)
        except AppError as exc:
            problems.append(ImportProblem(row.index, row.code, exc))
    if problems:
        raise ImportInvalid(sorted(problems, key=lambda p: p.index))

    # Everything checked; write parents before children, inside a savepoint so even an
    # unexpected database error leaves nothing half-written.
    created = updated = 0
    by_code = dict(existing)
    with session.begin_nested():
        for depth in sorted({LEVEL_DEPTH[r.level] for r in rows}):
            level_rows = [r for r in rows if LEVEL_DEPTH[r.level] == depth]
            new_rows: list[_Row] = []
            for row in level_rows:
                parent = by_code[row.parent] if row.parent is not None else None
                area = existing.get(row.code)
                if area is None:
                    area = Area(
                        code=row.code, name=row.name, name_en=row.name_en or "", level=row.level,
                        parent_id=parent.id if parent else None, path="", households=row.households or 0,
                        created_at=now, updated_at=now,
                    )
                    _set_geometry(area, row.geometry, row.geom)
                    session.add(area)
                    new_rows.append(row)
                    created += 1
                elif _apply_update(session, area, row, parent, now):
                    updated += 1
                row.area = area
                by_code[row.code] = area
            session.flush()  # ids for the new rows' paths
            for row in new_rows:
                assert row.area is not None
                parent = by_code[row.parent] if row.parent is not None else None
                row.area.path = f"{parent.path if parent else '/'}{row.area.id}/"
            session.flush()
    return ImportSummary(created=created, updated=updated, unchanged=len(rows) - created - updated)


def _apply_update(session: Session, area: Area, row: _Row, parent: Area | None, now: datetime) -> bool:
    changed = False
    if area.name != row.name:
        area.name, changed = row.name, True
    if row.name_en is not None and area.name_en != row.name_en:
        area.name_en, changed = row.name_en, True
    if row.households is not None and area.households != row.households:
        area.households, changed = row.households, True
    if row.geometry is not None:
        before = area.geometry
        _set_geometry(area, row.geometry, row.geom)
        changed = changed or area.geometry != before
    new_parent_id = parent.id if parent else None
    if area.parent_id != new_parent_id:
        old_path = area.path
        area.parent_id = new_parent_id
        area.path = f"{parent.path if parent else '/'}{area.id}/"
        # The whole subtree moves with it.
        below = select(Area).where(Area.path.startswith(old_path, autoescape=True), Area.id != area.id)
        for descendant in session.scalars(below):
            descendant.path = area.path + descendant.path[len(old_path):]
        changed = True
    if changed:
        area.updated_at = now
    return changed


# ---------------------------------------------------------------- point → grid


def locate_grid(session: Session, lat: float, lng: float) -> Area | None:
    """The grid whose polygon contains the WGS84 point (its border included), or None."""
    _check_point(lat, lng)
    area_id = locator_for(session).locate(lat, lng)
    if area_id is None:
        return None
    # Every report asks this: the grid's row comes from a per-process snapshot checked against the
    # areas' cache token, not a SELECT. Not its polygon: a case needs the grid's name and place in
    # the tree, and real polygons are large (they load if read).
    values = _AREA_ROWS.get(session, area_id, lambda: row_values(session, Area, Area.id == area_id, skip=_GEOMETRY))
    return attach_row(session, Area, values) if values is not None else None


_GEOMETRY = frozenset({"geometry"})
_AREA_ROWS: SnapshotCache[int, Mapping[str, Any] | None] = SnapshotCache(AREAS_TOKEN)


def locate_grids(session: Session, points: Sequence[tuple[float, float]]) -> list[Area | None]:
    """locate_grid for many (lat, lng) points: one freshness check, one tree query, one load."""
    for lat, lng in points:
        _check_point(lat, lng)
    ids = locator_for(session).locate_many(points)
    wanted = sorted({i for i in ids if i is not None})
    by_id: dict[int, Area] = {}
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
        by_id.update((a.id, a) for a in session.scalars(select(Area).where(Area.id.in_(chunk))))
    return [by_id[i] if i is not None else None for i in ids]
