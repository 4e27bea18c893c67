"""The area tree service: rules, walks, GeoJSON import, point → grid (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.factories import sql_statements

from gongzhi.clock import FrozenClock
from gongzhi.db import Database
from gongzhi.errors import AppError, Conflict, Invalid, NotFound
from gongzhi.geo import locator, service
from gongzhi.geo.models import Area
from gongzhi.i18n import translate

from .helpers import collection, feature, square, street_file


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Area)) or 0


def _raises(exc_type: type[AppError], code: str) -> Any:
    return pytest.raises(exc_type, match=f"^{code}$")


# ---------------------------------------------------------------- create and validate


def test_create_sets_path_and_centroid(session: Session, tree: dict[str, Area]) -> None:
    d, s, c1, g2 = tree["D"], tree["S"], tree["C1"], tree["G2"]
    assert d.path == f"/{d.id}/"
    assert g2.path == f"/{d.id}/{s.id}/{c1.id}/{g2.id}/"
    assert g2.parent_id == c1.id
    assert g2.centroid_lng == pytest.approx(120.115)
    assert g2.centroid_lat == pytest.approx(30.255)
    assert d.geometry is None and d.centroid_lat is None
    assert c1.households == 1200


def test_a_street_may_be_a_root_but_a_community_may_not(session: Session, clock: FrozenClock) -> None:
    street = service.create_area(session, code="S9", name="独立街道", level="street", now=clock.now())
    assert street.path == f"/{street.id}/"
    with _raises(Invalid, "area_parent_required"):
        service.create_area(session, code="C9", name="无主社区", level="community", now=clock.now())


@pytest.mark.parametrize(
    ("level", "parent", "error"),
    [
        ("grid", "S", "area_parent_level_grid"),  # grids sit under a community or village
        ("street", "C1", "area_parent_level_street"),
        ("community", "D", "area_parent_level_community"),
        ("district", "D", "area_parent_level_district"),
        ("grid", "NOPE", "area_parent_not_found"),
        ("block", "S", "area_level_unknown"),
    ],
)
def test_parent_must_be_exactly_one_level_up(
    session: Session, clock: FrozenClock, tree: dict[str, Area], level: str, parent: str, error: str
) -> None:
    before = _count(session)
    with _raises(Invalid, error):
        service.create_area(
            session, code="X1", name="新区域", level=level, now=clock.now(), parent_code=parent
        )
    assert _count(session) == before


def test_a_village_takes_grids_like_a_community(
    session: Session, clock: FrozenClock, tree: dict[str, Area]
) -> None:
    grid = service.create_area(
        session, code="G9", name="村网格", level="grid", now=clock.now(), parent_code="C2"
    )
    assert grid.parent_id == tree["C2"].id


def test_duplicate_code_is_a_conflict_and_the_session_stays_usable(
    session: Session, clock: FrozenClock, tree: dict[str, Area]
) -> None:
    with _raises(Conflict, "area_code_taken") as info:
        service.create_area(session, code="G1", name="重复", level="grid", now=clock.now(), parent_code="C1")
    assert info.value.params == {"area": "G1"}
    assert service.get_area(session, "G1").name == "第1网格"
    service.create_area(session, code="G5", name="第5网格", level="grid", now=clock.now(), parent_code="C1")
    session.flush()


@pytest.mark.parametrize(
    "geometry",
    [
        # A bow-tie: its edges cross.
        {
            "type": "Polygon",
            "coordinates": [[[120.1, 30.2], [120.2, 30.3], [120.2, 30.2], [120.1, 30.3], [120.1, 30.2]]],
        },
        {"type": "LineString", "coordinates": [[120.1, 30.2], [120.2, 30.3]]},
        {"type": "Polygon", "coordinates": [[[120.1, 30.2], [120.2, 30.3]]]},  # too few points
        {"type": "Polygon", "coordinates": "nonsense"},
        {
            "type": "Polygon",
            "coordinates": [[[30.2, 120.1], [30.3, 120.1], [30.3, 120.2], [30.2, 120.1]]],
        },  # lat, lng
        {"type": "Polygon", "coordinates": []},
        {"coordinates": [[[120.1, 30.2], [120.2, 30.2], [120.2, 30.3], [120.1, 30.2]]]},
    ],
)
def test_bad_boundaries_are_refused(
    session: Session, clock: FrozenClock, tree: dict[str, Area], geometry: dict[str, Any]
) -> None:
    with _raises(Invalid, "area_geometry_invalid") as info:
        service.create_area(
            session,
            code="G9",
            name="坏网格",
            level="grid",
            now=clock.now(),
            parent_code="C1",
            geometry=geometry,
        )
    assert info.value.params["reason"]
    assert session.scalar(select(Area).where(Area.code == "G9")) is None


def test_multipolygon_boundary_is_accepted(
    session: Session, clock: FrozenClock, tree: dict[str, Area]
) -> None:
    two = {
        "type": "MultiPolygon",
        "coordinates": [square(120.2, 30.2)["coordinates"], square(120.3, 30.2)["coordinates"]],
    }
    grid = service.create_area(
        session, code="G9", name="飞地网格", level="grid", now=clock.now(), parent_code="C1", geometry=two
    )
    assert grid.centroid_lng == pytest.approx(120.255)
    assert service.locate_grid(session, 30.205, 120.305) is grid
    assert service.locate_grid(session, 30.205, 120.255) is None


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("code", "", "area_code_invalid"),
        ("code", "a/b", "area_code_invalid"),
        ("code", "x" * 33, "area_code_invalid"),
        ("name", "  ", "area_name_invalid"),
        ("name", "名" * 101, "area_name_invalid"),
        ("households", -1, "area_households_invalid"),
    ],
)
def test_field_limits(session: Session, clock: FrozenClock, field: str, value: Any, error: str) -> None:
    args: dict[str, Any] = {
        "code": "D",
        "name": "西湖区",
        "level": "district",
        "now": clock.now(),
        field: value,
    }
    with _raises(Invalid, error):
        service.create_area(session, **args)
    assert _count(session) == 0


def test_update_area(session: Session, clock: FrozenClock, tree: dict[str, Area]) -> None:
    later = clock.advance(timedelta(hours=1))
    grid = service.update_area(session, "G1", now=later, name="第一网格", geometry=square(120.30, 30.30))
    assert grid.name == "第一网格"
    assert grid.centroid_lng == pytest.approx(120.305)
    assert grid.updated_at == later
    assert service.locate_grid(session, 30.305, 120.305) is grid
    assert service.locate_grid(session, 30.255, 120.105) is None

    # Nothing changed: updated_at stays.
    service.update_area(session, "G1", now=later + timedelta(hours=1), name="第一网格")
    assert grid.updated_at == later

    cleared = service.update_area(session, "G1", now=later, geometry=None)
    assert cleared.geometry is None and cleared.centroid_lat is None
    assert service.locate_grid(session, 30.305, 120.305) is None

    with _raises(Invalid, "area_geometry_invalid"):
        service.update_area(session, "G2", now=later, geometry={"type": "Point", "coordinates": [120, 30]})
    assert tree["G2"].centroid_lng == pytest.approx(120.115)
    with _raises(NotFound, "area_not_found"):
        service.update_area(session, "NOPE", now=later, name="x")


def test_get_area(session: Session, tree: dict[str, Area]) -> None:
    assert service.get_area(session, "C1") is tree["C1"]
    assert service.get_area_by_id(session, tree["C1"].id) is tree["C1"]
    with _raises(NotFound, "area_not_found") as info:
        service.get_area(session, "NOPE")
    assert translate(info.value.code, "zh", **info.value.params) == "区域不存在：NOPE"
    assert translate(info.value.code, "en", **info.value.params) == "No such area: NOPE"
    with _raises(NotFound, "area_not_found"):
        service.get_area_by_id(session, 10**9)


# ---------------------------------------------------------------- walking the tree


def test_ancestors_self_first_up_to_the_root_in_one_query(session: Session, tree: dict[str, Area]) -> None:
    session.flush()
    with sql_statements(session) as seen:
        chain = service.ancestors(session, tree["G3"])
    assert [a.code for a in chain] == ["G3", "C2", "S", "D"]
    assert len(seen) == 1
    assert service.ancestors(session, tree["D"]) == [tree["D"]]


def test_children_subtree_and_grids(session: Session, tree: dict[str, Area]) -> None:
    assert [a.code for a in service.children(session, tree["S"])] == ["C1", "C2"]
    assert service.children(session, tree["G1"]) == []
    sub = service.subtree(session, tree["C1"])
    assert sub[0] is tree["C1"]  # parents before children
    assert {a.code for a in sub} == {"C1", "G1", "G2"}
    assert {a.code for a in service.subtree(session, tree["S"], include_self=False)} == {
        "C1",
        "C2",
        "G1",
        "G2",
        "G3",
        "G4",
    }
    assert [a.code for a in service.grids_under(session, tree["D"])] == ["G1", "G2", "G3", "G4"]
    assert [a.code for a in service.grids_under(session, tree["C2"])] == ["G3", "G4"]
    assert [a.code for a in service.grids_under(session, tree["G4"])] == ["G4"]


def test_subtree_does_not_leak_into_ids_sharing_a_prefix(session: Session, clock: FrozenClock) -> None:
    # "/1/" must not match "/12/": the path ends in a slash for exactly this reason.
    roots = [
        service.create_area(session, code=f"D{i}", name=f"区{i}", level="district", now=clock.now())
        for i in range(12)
    ]
    for root in roots:
        assert service.subtree(session, root) == [root]


def test_list_areas(session: Session, tree: dict[str, Area]) -> None:
    assert [a.code for a in service.list_areas(session, level="grid")] == ["G1", "G2", "G3", "G4"]
    assert [a.code for a in service.list_areas(session, parent="S")] == ["C1", "C2"]
    assert [a.code for a in service.list_areas(session, under="S", level="grid", limit=2, offset=1)] == [
        "G2",
        "G3",
    ]
    with _raises(NotFound, "area_not_found"):
        service.list_areas(session, parent="NOPE")
    with _raises(Invalid, "area_level_unknown"):
        service.list_areas(session, level="town")


# ---------------------------------------------------------------- GeoJSON import


def test_import_creates_parents_listed_after_children(session: Session, clock: FrozenClock) -> None:
    summary = service.import_geojson(session, street_file(), now=clock.now())
    assert summary == service.ImportSummary(created=8, updated=0, unchanged=0)
    d, s, c1 = (service.get_area(session, c) for c in ("D", "S", "C1"))
    g2 = service.get_area(session, "G2")
    assert g2.path == f"/{d.id}/{s.id}/{c1.id}/{g2.id}/"
    assert s.name_en == "Beishan Street"
    assert c1.households == 1200
    assert g2.centroid_lat == pytest.approx(30.255)
    assert service.locate_grid(session, 30.255, 120.115) is g2


def test_reimport_is_idempotent_and_counts_real_updates(session: Session, clock: FrozenClock) -> None:
    service.import_geojson(session, street_file(), now=clock.now())
    stamp = service.get_area(session, "S").updated_at
    later = clock.advance(timedelta(days=1))
    assert service.import_geojson(session, street_file(), now=later) == service.ImportSummary(0, 0, 8)
    assert service.get_area(session, "S").updated_at == stamp

    data = street_file()
    data["features"][5]["properties"]["name"] = "保俶塔村"  # C2
    data["features"][4]["properties"].pop("households")  # C1: absent keeps the stored value
    assert service.import_geojson(session, data, now=later) == service.ImportSummary(0, 1, 7)
    assert service.get_area(session, "C2").name == "保俶塔村"
    assert service.get_area(session, "C2").updated_at == later
    assert service.get_area(session, "C1").households == 1200


def test_import_is_all_or_nothing(session: Session, clock: FrozenClock, tree: dict[str, Area]) -> None:
    before = _count(session)
    bow_tie = {
        "type": "Polygon",
        "coordinates": [[[120.1, 30.2], [120.2, 30.3], [120.2, 30.2], [120.1, 30.3], [120.1, 30.2]]],
    }
    data = collection(
        feature("C1", "community", "S", name="改名社区"),  # a valid update ...
        feature("G7", "grid", "C1", square(120.2, 30.2)),  # ... and a valid create
        feature("G8", "grid", "C1", bow_tie),  # ... but this one is broken
    )
    with pytest.raises(service.ImportInvalid) as info:
        service.import_geojson(session, data, now=clock.now())
    err = info.value
    assert isinstance(err, Invalid) and err.status_code == 422
    assert [(p.index, p.code, p.error.code) for p in err.problems] == [(2, "G8", "area_geometry_invalid")]
    assert err.params["index"] == 2 and err.params["area"] == "G8"
    assert translate(err.code, "zh", **err.params).startswith("要素 features[2]（编码 G8）有误：区域边界无效")
    # Nothing written: neither the create nor the update.
    assert _count(session) == before
    assert service.get_area(session, "C1").name == "宝石社区"


def test_import_reports_every_problem_with_its_index(
    session: Session, clock: FrozenClock, tree: dict[str, Area]
) -> None:
    data = collection(
        feature("G7", "grid", "C1", square(120.2, 30.2)),  # fine
        feature("G7", "grid", "C1", square(120.3, 30.2)),  # duplicate code
        feature("G8", "grid", "NOPE", square(120.4, 30.2)),  # unknown parent
        feature("C1", "street", "D"),  # level change
        {"type": "Feature", "geometry": None},  # no properties
        feature("G9", "grid", "S"),  # grid under a street
        feature("BAD", "block", "S"),  # unknown level: reported once ...
        feature("G10", "grid", "BAD"),  # ... not again for its child
        feature("C9", "community", None),  # needs a parent
        feature("G11", "grid", "C1", households="many"),
    )
    with pytest.raises(service.ImportInvalid) as info:
        service.import_geojson(session, data, now=clock.now())
    assert [(p.index, p.error.code) for p in info.value.problems] == [
        (1, "area_import_duplicate_code"),
        (2, "area_parent_not_found"),
        (3, "area_level_immutable"),
        (4, "area_import_feature_malformed"),
        (5, "area_parent_level_grid"),
        (6, "area_level_unknown"),
        (8, "area_parent_required"),
        (9, "area_households_invalid"),
    ]
    assert info.value.params["count"] == 8
    assert service.list_areas(session, level="grid") == [tree[c] for c in ("G1", "G2", "G3", "G4")]


@pytest.mark.parametrize(
    "data",
    [{"type": "Feature"}, {"type": "FeatureCollection"}, {"type": "FeatureCollection", "features": {}}, {}],
)
def test_import_needs_a_feature_collection(
    session: Session, clock: FrozenClock, data: dict[str, Any]
) -> None:
    with _raises(Invalid, "area_import_not_collection"):
        service.import_geojson(session, data, now=clock.now())


def test_import_moves_a_subtree_to_its_new_parent(
    session: Session, clock: FrozenClock, tree: dict[str, Area]
) -> None:
    data = collection(
        feature("S2", "street", "D"),
        feature("C1", "community", "S2", name="宝石社区"),
    )
    assert service.import_geojson(session, data, now=clock.now()) == service.ImportSummary(1, 1, 0)
    s2 = service.get_area(session, "S2")
    assert [a.code for a in service.ancestors(session, tree["G2"])] == ["G2", "C1", "S2", "D"]
    assert {a.code for a in service.grids_under(session, s2)} == {"G1", "G2"}
    assert {a.code for a in service.grids_under(session, tree["S"])} == {"G3", "G4"}


def test_import_of_many_grids(session: Session, clock: FrozenClock) -> None:
    grids = [
        feature(f"G{i:03d}", "grid", "C", square(120 + (i % 30) * 0.01, 30 + (i // 30) * 0.01))
        for i in range(600)
    ]
    data = collection(*grids, feature("S", "street", None), feature("C", "community", "S"))
    assert service.import_geojson(session, data, now=clock.now()).created == 602
    assert service.locate_grid(session, 30.005 + 0.01 * 7, 120.005 + 0.01 * 5).code == "G215"  # type: ignore[union-attr]


# ---------------------------------------------------------------- point → grid


def test_locate_grid(session: Session, tree: dict[str, Area]) -> None:
    assert service.locate_grid(session, 30.255, 120.105) is tree["G1"]
    assert service.locate_grid(session, 30.265, 120.115) is tree["G4"]
    # On the G1/G2 border: the lower id, every time.
    first = min(tree["G1"], tree["G2"], key=lambda a: a.id)
    assert service.locate_grid(session, 30.255, 120.11) is first
    # On no grid: outside the street, and inside China but far away.
    assert service.locate_grid(session, 30.245, 120.105) is None
    assert service.locate_grid(session, 39.9, 116.4) is None
    with _raises(Invalid, "area_point_invalid"):
        service.locate_grid(session, 91, 120)
    with _raises(Invalid, "area_point_invalid"):
        service.locate_grid(session, float("nan"), 120)


def test_locate_ignores_grids_without_a_boundary(
    session: Session, clock: FrozenClock, tree: dict[str, Area]
) -> None:
    service.create_area(
        session, code="G9", name="无边界网格", level="grid", now=clock.now(), parent_code="C1"
    )
    assert service.locate_grid(session, 30.255, 120.105) is tree["G1"]


def test_locator_is_cached_until_the_grids_change(
    session: Session, clock: FrozenClock, tree: dict[str, Area]
) -> None:
    first = locator.locator_for(session)
    assert locator.locator_for(session) is first  # nothing changed: no rebuild
    service.update_area(session, "G1", now=clock.advance(timedelta(minutes=1)), name="改名网格")
    second = locator.locator_for(session)
    assert second is not first
    assert locator.locator_for(session) is second


def test_the_located_grid_row_is_kept_per_process_and_follows_edits(
    session: Session, clock: FrozenClock, tree: dict[str, Area]
) -> None:
    assert service.locate_grid(session, 30.255, 120.105) is tree["G1"]  # the session's own row wins
    session.expunge_all()  # a later request: nothing in its identity map
    service.locate_grid(session, 30.255, 120.105)  # the first one reads the row and keeps it
    session.expunge_all()
    with sql_statements(session) as seen:
        kept = service.locate_grid(session, 30.255, 120.105)
    assert seen == []  # the tree and the row both come from the process
    assert kept is not None and kept.code == "G1" and kept.name == tree["G1"].name
    assert kept.path == tree["G1"].path and kept.parent_id == tree["C1"].id
    # A persistent, clean row; its polygon (left out of the kept row) loads when read.
    assert not session.dirty and kept.geometry == square(120.10, 30.25)

    service.update_area(session, "G1", now=clock.advance(timedelta(minutes=1)), name="宝石一网格")
    session.flush()
    session.expunge_all()
    renamed = service.locate_grid(session, 30.255, 120.105)
    assert renamed is not None and renamed.name == "宝石一网格"
    with session.begin_nested() as savepoint:
        service.update_area(session, "G1", now=clock.advance(timedelta(minutes=1)), households=77)
        session.flush()
        session.expunge_all()
        inside = service.locate_grid(session, 30.255, 120.105)
        assert inside is not None and inside.households == 77
        savepoint.rollback()
    session.expunge_all()
    after = service.locate_grid(session, 30.255, 120.105)
    assert after is not None and after.households == tree["G1"].households and after.name == "宝石一网格"


def test_import_rebuilds_the_locator_even_within_one_clock_tick(session: Session, clock: FrozenClock) -> None:
    # The frozen clock never moves here, so updated_at alone could not tell the versions apart.
    service.import_geojson(session, street_file(), now=clock.now())
    assert service.locate_grid(session, 30.255, 120.105).code == "G1"  # type: ignore[union-attr]
    assert service.locate_grid(session, 30.305, 120.305) is None

    moved = collection(feature("G1", "grid", "C1", square(120.30, 30.30)))
    assert service.import_geojson(session, moved, now=clock.now()) == service.ImportSummary(0, 1, 0)
    assert service.locate_grid(session, 30.305, 120.305).code == "G1"  # type: ignore[union-attr]
    assert service.locate_grid(session, 30.255, 120.105) is None

    added = collection(feature("G5", "grid", "C1", square(120.10, 30.25)))
    assert service.import_geojson(session, added, now=clock.now()).created == 1
    assert service.locate_grid(session, 30.255, 120.105).code == "G5"  # type: ignore[union-attr]


def test_failed_import_leaves_the_locator_answering_as_before(
    session: Session, clock: FrozenClock, tree: dict[str, Area]
) -> None:
    data = collection(feature("G1", "grid", "C1", square(120.30, 30.30)), feature("G2", "grid", "NOPE"))
    with pytest.raises(service.ImportInvalid):
        service.import_geojson(session, data, now=clock.now())
    assert service.locate_grid(session, 30.255, 120.105) is tree["G1"]
    assert service.locate_grid(session, 30.305, 120.305) is None


def test_locate_many_points_at_once(session: Session, tree: dict[str, Area]) -> None:
    points = [(30.255, 120.105), (39.9, 116.4), (30.265, 120.115), (30.255, 120.105)]
    found = service.locate_grids(session, points)
    assert found == [tree["G1"], None, tree["G4"], tree["G1"]]
    assert found == [service.locate_grid(session, lat, lng) for lat, lng in points]
    assert service.locate_grids(session, []) == []
    with _raises(Invalid, "area_point_invalid"):
        service.locate_grids(session, [(30.255, 120.105), (-91, 0)])


def test_concurrent_first_lookups_build_the_locator_once(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    locator.clear_cache()
    builds: list[int] = []
    real_load = locator._load

    def counting_load(session: Session) -> locator.GridLocator:
        builds.append(1)
        return real_load(session)

    monkeypatch.setattr(locator, "_load", counting_load)
    barrier = threading.Barrier(6)

    def lookup() -> locator.GridLocator:
        with database.session(readonly=True) as s:
            barrier.wait()
            return locator.locator_for(s)

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: lookup(), range(6)))
    assert len(builds) == 1
    assert all(r is results[0] for r in results)
