"""The synthetic street: 示范区 / 共治街道, four communities (3 社区 + 1 村), 20 grids, units and people.

Grid boundaries come from one jittered lattice over the street (lng 120.15–120.21, lat
30.25–30.29): neighbouring cells share exactly the same vertices, so the grids tile each
community without gaps or overlaps, and a community's boundary is the union of its grids.
Everything is written through the real services (geo.import_geojson, auth.create_unit,
auth.create_user) and is deterministic for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

import shapely
from shapely.geometry import Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient
from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.auth import passwords
from gongzhi.auth import service as accounts
from gongzhi.auth.models import Unit, User
from gongzhi.auth.pii import id_number_check_digit
from gongzhi.geo import service as geo
from gongzhi.geo.models import Area
from gongzhi.simulate import texts

# One password for every demo account: it is a demo, and the login table says so.
DEMO_PASSWORD: Final = "gongzhi2026"

DISTRICT_CODE: Final = "SFQ"
STREET_CODE: Final = "SFQ-GZ"
DISTRICT_NAME: Final = ("示范区", "Demo District")
STREET_NAME: Final = ("共治街道", "Gongzhi Street")

# The street's box, and the lattice over it: 5 columns x 4 rows of cells.
LNG0, LNG1 = 120.15, 120.21
LAT0, LAT1 = 30.25, 30.29
COLS, ROWS = 5, 4
DX, DY = (LNG1 - LNG0) / COLS, (LAT1 - LAT0) / ROWS
# Which community each cell belongs to, rows listed north to south.
LAYOUT: Final = ("AABBD", "AABBD", "CCCBD", "CCCDD")
_CN_NUMBERS: Final = "一二三四五六七八九十"


@dataclass(frozen=True)
class CommunitySpec:
    letter: str
    code: str
    name: str
    name_en: str
    level: str  # community | village
    login: str  # the community official's username
    roads: tuple[str, ...]
    compounds: tuple[str, ...]  # one residential compound (小区 / 村民小组) per grid
    households: tuple[int, int]  # per grid, low and high


COMMUNITIES: Final = (
    CommunitySpec("A", "SFQ-GZ-01", "和睦社区", "Hemu Community", "community", "hemu",
                  ("和睦路", "文一西路", "古翠路"), ("和睦新村", "和睦院", "古翠苑", "文鼎苑"), (380, 620)),
    CommunitySpec("B", "SFQ-GZ-02", "翠苑社区", "Cuiyuan Community", "community", "cuiyuan",
                  ("翠苑街", "文二路", "学院路"), ("翠苑一区", "翠苑二区", "翠苑三区", "学院公寓", "嘉绿苑"),
                  (350, 600)),
    CommunitySpec("C", "SFQ-GZ-03", "清河社区", "Qinghe Community", "community", "qinghe",
                  ("清河路", "丰潭路", "花园南路"),
                  ("清河小区", "丰潭苑", "花园新村", "清水公寓", "南园小区", "桂花城"), (320, 580)),
    CommunitySpec("D", "SFQ-GZ-04", "桃源村", "Taoyuan Village", "village", "taoyuan",
                  ("桃源路", "村北路", "沿河路"),
                  ("桃源村一组", "桃源村二组", "桃源村三组", "桃源村四组", "桃源村五组"), (150, 300)),
)
_BY_LETTER: Final = {c.letter: c for c in COMMUNITIES}
_BY_CODE: Final = {c.code: c for c in COMMUNITIES}

_HOOK = "https://robot.demo.invalid/wecom/{code}"  # placeholder robots (.invalid never resolves)


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    name_en: str
    kind: str
    area: str  # area code: the unit's jurisdiction
    webhook: bool
    staff: tuple[str, ...]  # usernames


# Street-level 城管/市政/环卫/绿化, district-level 派出所/交警/消防/供水, one 物业 per community.
UNITS: Final = (
    UnitSpec("GZ-SZ", "共治街道市政设施养护所", "Municipal Maintenance Station", "municipal", STREET_CODE,
             True, ("shizheng1", "shizheng2")),
    UnitSpec("GZ-CG", "共治街道综合行政执法中队", "Urban Management Squad", "urban_mgmt", STREET_CODE, True,
             ("chengguan1", "chengguan2")),
    UnitSpec("GZ-HW", "共治街道环卫所", "Sanitation Station", "sanitation", STREET_CODE, True,
             ("huanwei1", "huanwei2")),
    UnitSpec("GZ-LH", "共治街道绿化养护队", "Greening Team", "greening", STREET_CODE, False, ("lvhua1",)),
    UnitSpec("GZ-ZL", "共治街道社会治理中心", "Street Governance Centre", "street_office", STREET_CODE, True,
             ("zhili1", "zhili2")),
    UnitSpec("SFQ-PCS", "示范区公安分局共治派出所", "Gongzhi Police Station", "police", DISTRICT_CODE, True,
             ("minjing1", "minjing2")),
    UnitSpec("SFQ-JJ", "示范区交警大队", "Traffic Police Brigade", "traffic_police", DISTRICT_CODE, True,
             ("jiaojing1",)),
    UnitSpec("SFQ-XF", "示范区消防救援大队", "Fire and Rescue Brigade", "fire", DISTRICT_CODE, False,
             ("xiaofang1",)),
    UnitSpec("SFQ-GS", "示范区供水有限公司", "Water Supply Company", "water", DISTRICT_CODE, True,
             ("gongshui1",)),
    UnitSpec("GZ-WY-01", "和睦物业服务有限公司", "Hemu Property Services", "property", "SFQ-GZ-01", True,
             ("wuye1",)),
    UnitSpec("GZ-WY-02", "翠苑物业管理有限公司", "Cuiyuan Property Management", "property", "SFQ-GZ-02",
             False, ("wuye2",)),
    UnitSpec("GZ-WY-03", "清河物业服务有限公司", "Qinghe Property Services", "property", "SFQ-GZ-03", True,
             ("wuye3",)),
    UnitSpec("GZ-WY-04", "桃源村物业服务站", "Taoyuan Village Property Office", "property", "SFQ-GZ-04",
             False, ("wuye4",)),
)

RESIDENTS_PER_GRID: Final = 3


# ---------------------------------------------------------------- geometry


def _vertex(seed: int, i: int, j: int) -> tuple[float, float]:
    """Lattice point i (west→east) j (north→south); interior points wobble, the outline stays a box."""
    rng = random.Random(f"{seed}:vertex:{i}:{j}")
    x, y = LNG0 + i * DX, LAT1 - j * DY
    if 0 < i < COLS:
        x += rng.uniform(-0.2, 0.2) * DX
    if 0 < j < ROWS:
        y += rng.uniform(-0.2, 0.2) * DY
    return round(x, 6), round(y, 6)


def _midpoint(seed: int, a: tuple[int, int], b: tuple[int, int]) -> tuple[float, float]:
    """A wobbling point halfway along a lattice edge, the same for both cells that share it."""
    a, b = min(a, b), max(a, b)
    rng = random.Random(f"{seed}:edge:{a}:{b}")
    (x0, y0), (x1, y1) = _vertex(seed, *a), _vertex(seed, *b)
    offset = rng.uniform(-0.12, 0.12)
    # Perpendicular to the edge, a fraction of its length.
    return round((x0 + x1) / 2 - (y1 - y0) * offset, 6), round((y0 + y1) / 2 + (x1 - x0) * offset, 6)


def _cell(seed: int, col: int, row: int) -> Polygon:
    corners = [(col, row + 1), (col + 1, row + 1), (col + 1, row), (col, row)]  # SW, SE, NE, NW
    ring: list[tuple[float, float]] = []
    for k, corner in enumerate(corners):
        ring.append(_vertex(seed, *corner))
        ring.append(_midpoint(seed, corner, corners[(k + 1) % 4]))
    return orient(Polygon(ring), 1.0)


def _geojson(geom: BaseGeometry) -> dict[str, Any]:
    if geom.geom_type == "Polygon":
        geom = orient(geom, 1.0)
    elif geom.geom_type == "MultiPolygon":
        geom = shapely.MultiPolygon([orient(p, 1.0) for p in geom.geoms])
    out: dict[str, Any] = dict(mapping(geom))
    return out


def _grid_cells(seed: int) -> dict[str, list[Polygon]]:
    """Community letter -> its cells, numbered north to south, west to east."""
    cells: dict[str, list[Polygon]] = {c.letter: [] for c in COMMUNITIES}
    for row, line in enumerate(LAYOUT):
        for col, letter in enumerate(line):
            cells[letter].append(_cell(seed, col, row))
    return cells


def grid_code(community: CommunitySpec, number: int) -> str:
    return f"{community.code}-{number:02d}"


def _grid_name(community: CommunitySpec, number: int) -> tuple[str, str]:
    return f"{community.name}第{_CN_NUMBERS[number - 1]}网格", f"{community.name_en} Grid {number}"


def feature_collection(seed: int) -> dict[str, Any]:
    """The area tree as a GeoJSON FeatureCollection that geo.import_geojson accepts."""
    rng = random.Random(f"{seed}:households")
    cells = _grid_cells(seed)
    features: list[dict[str, Any]] = []
    community_geoms: list[BaseGeometry] = []
    total = 0
    community_features: list[dict[str, Any]] = []
    grid_features: list[dict[str, Any]] = []
    for community in COMMUNITIES:
        own = cells[community.letter]
        households = [rng.randint(*community.households) for _ in own]
        total += sum(households)
        union = shapely.union_all(own)
        community_geoms.append(union)
        community_features.append(_feature(community.code, community.name, community.name_en, community.level,
                                           STREET_CODE, sum(households), union))
        for number, (cell, count) in enumerate(zip(own, households, strict=True), start=1):
            name, name_en = _grid_name(community, number)
            grid_features.append(_feature(grid_code(community, number), name, name_en, "grid", community.code,
                                          count, cell))
    features.append(_feature(DISTRICT_CODE, *DISTRICT_NAME, "district", None, total, None))
    features.append(_feature(STREET_CODE, *STREET_NAME, "street", DISTRICT_CODE, total,
                             shapely.union_all(community_geoms)))
    features += community_features + grid_features
    return {"type": "FeatureCollection", "features": features}


def _feature(code: str, name: str, name_en: str, level: str, parent: str | None, households: int,
             geom: BaseGeometry | None) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, "name_en": name_en, "level": level, "parent": parent,
                       "households": households},
        "geometry": _geojson(geom) if geom is not None else None,
    }


# ---------------------------------------------------------------- people


class People:
    """Seeded fake names, phones and ID numbers, never repeating a name or a phone."""

    def __init__(self, seed: int, stream: str = "people") -> None:
        self.rng = random.Random(f"{seed}:{stream}")
        self._names: set[str] = set()
        self._phones: set[str] = set()

    def name(self) -> str:
        while True:
            given = "".join(self.rng.choice(texts.GIVEN_CHARS) for _ in range(self.rng.choice((1, 2, 2))))
            full = self.rng.choice(texts.SURNAMES) + given
            if full not in self._names:
                self._names.add(full)
                return full

    def phone(self) -> str:
        while True:
            number = self.rng.choice(texts.PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self._phones:
                self._phones.add(number)
                return number

    def id_number(self) -> str:
        born = date(1940, 1, 1) + timedelta(days=self.rng.randrange(60 * 365))
        first17 = f"{self.rng.choice(texts.ID_REGIONS)}{born:%Y%m%d}{self.rng.randrange(1000):03d}"
        return first17 + id_number_check_digit(first17)


# ---------------------------------------------------------------- build and load


def demo_exists(session: Session) -> bool:
    return session.scalar(select(Area.id).where(Area.code == STREET_CODE)) is not None


def build_district(session: Session, now: datetime, seed: int) -> District:
    """Create the demo street (areas from GeoJSON), its units and people in every role. Flush only."""
    geo.import_geojson(session, feature_collection(seed), now)
    for spec in UNITS:
        accounts.create_unit(session, code=spec.code, name=spec.name, name_en=spec.name_en, kind=spec.kind,
                             area_code=spec.area, now=now,
                             webhook_url=_HOOK.format(code=spec.code.lower()) if spec.webhook else "")
    people = People(seed)
    # One Argon2 hash for the shared, public demo password (hashing 131 accounts one by one takes minutes).
    shared_hash = passwords.hash_password(DEMO_PASSWORD)

    def add(username: str, role: str, area: str, *, unit: str | None = None, resident: bool = False) -> None:
        accounts.create_user(
            session, username=username, role=role, password_hash=shared_hash, now=now, area_code=area,
            unit_code=unit, display_name=people.name(), phone=people.phone(),
            id_number=people.id_number() if resident else "",
        )

    add("admin", "admin", DISTRICT_CODE)
    add("jiedao", "official", STREET_CODE)
    for community in COMMUNITIES:
        add(community.login, "official", community.code)
    for spec in UNITS:
        for username in spec.staff:
            add(username, "dept_staff", spec.area, unit=spec.code)
    grids = [grid_code(c, n) for c in COMMUNITIES for n in range(1, _cell_count(c) + 1)]
    for k, code in enumerate(grids, start=1):
        add(f"wgy{k:02d}", "grid_worker", code)
    for k, code in enumerate(grids):
        for r in range(RESIDENTS_PER_GRID):
            add(f"jumin{k * RESIDENTS_PER_GRID + r + 1:02d}", "resident", code, resident=True)
    # Mediators at the three tiers: community/village, street (司法所), district (矛调中心).
    add("tiaojie1", "mediator", COMMUNITIES[0].code)
    add("tiaojie2", "mediator", COMMUNITIES[3].code)
    add("tiaojie3", "mediator", STREET_CODE)
    add("tiaojie4", "mediator", DISTRICT_CODE)
    for k, community in enumerate(COMMUNITIES, start=1):
        add(f"yisheng{k}", "doctor", community.code)
    for k, community in enumerate(COMMUNITIES):
        for r in range(2):
            add(f"zhiyuan{k * 2 + r + 1:02d}", "volunteer", community.code)
            add(f"yishi{k * 2 + r + 1:02d}", "council_member", community.code)
    session.flush()
    return load_district(session)


def _cell_count(community: CommunitySpec) -> int:
    return sum(line.count(community.letter) for line in LAYOUT)


@dataclass(frozen=True)
class GridInfo:
    id: int
    code: str
    name: str
    community_id: int
    community_code: str
    community_name: str
    village: bool
    geometry: BaseGeometry
    compound: str
    roads: tuple[str, ...]
    worker_id: int
    resident_ids: tuple[int, ...]


@dataclass(frozen=True)
class UnitInfo:
    id: int
    code: str
    name: str
    kind: str
    area_id: int
    staff_ids: tuple[int, ...]


@dataclass(frozen=True)
class District:
    """Ids and codes of what build_district made, read back from the database."""

    district_id: int
    street_id: int
    grids: tuple[GridInfo, ...]
    units: dict[str, UnitInfo]  # by code
    officials: dict[int, int]  # community id -> its official's user id
    street_official_id: int
    volunteer_ids: dict[int, tuple[int, ...]]  # community id -> volunteers

    def unit_for(self, kind: str, grid: GridInfo) -> UnitInfo:
        """The unit of `kind` nearest above the grid (what cases.route_unit picks)."""
        order = {grid.community_id: 0, self.street_id: 1, self.district_id: 2}
        found = [u for u in self.units.values() if u.kind == kind and u.area_id in order]
        if not found:
            raise LookupError(f"no demo unit of kind {kind}")
        return min(found, key=lambda u: (order[u.area_id], u.id))

    def unit_by_id(self, unit_id: int) -> UnitInfo:
        for unit in self.units.values():
            if unit.id == unit_id:
                return unit
        raise LookupError(f"unit #{unit_id} is not a demo unit")


def load_district(session: Session) -> District:
    """Read the demo street back (for a second run, tests and benchmarks)."""
    district = geo.get_area(session, DISTRICT_CODE)
    street = geo.get_area(session, STREET_CODE)
    communities = {a.id: a for a in geo.children(session, street)}
    users = list(session.scalars(select(User).where(User.area_id.in_(
        select(Area.id).where(Area.path.startswith(district.path, autoescape=True))
    )).order_by(User.id)))

    def people(role: str, area_id: int) -> tuple[int, ...]:
        return tuple(u.id for u in users if u.role == role and u.area_id == area_id)

    grids: list[GridInfo] = []
    for community in communities.values():
        spec = _BY_CODE[community.code]
        for number, grid in enumerate(geo.children(session, community), start=1):
            if grid.geometry is None:
                raise LookupError(f"demo grid {grid.code} has no boundary")
            workers = people("grid_worker", grid.id)
            grids.append(GridInfo(
                id=grid.id, code=grid.code, name=grid.name, community_id=community.id,
                community_code=community.code, community_name=community.name,
                village=community.level == "village", geometry=shape(grid.geometry),
                compound=spec.compounds[(number - 1) % len(spec.compounds)], roads=spec.roads,
                worker_id=workers[0], resident_ids=people("resident", grid.id),
            ))
    grids.sort(key=lambda g: g.code)
    units: dict[str, UnitInfo] = {}
    for unit_spec in UNITS:
        unit = session.scalars(select(Unit).where(Unit.code == unit_spec.code)).one()
        staff = tuple(u.id for u in users if u.unit_id == unit.id and u.role == "dept_staff")
        units[unit.code] = UnitInfo(unit.id, unit.code, unit.name, unit.kind, unit.area_id, staff)
    return District(
        district_id=district.id,
        street_id=street.id,
        grids=tuple(grids),
        units=units,
        officials={cid: people("official", cid)[0] for cid in communities},
        street_official_id=people("official", street.id)[0],
        volunteer_ids={cid: people("volunteer", cid) for cid in communities},
    )
