"""Shared test helpers: an area tree with grid polygons, users, units, tokens, browser sessions.

Importing this module switches password hashing to the cheapest Argon2 parameters
(`passwords.use_fast_hashing_for_tests()`), so creating users in tests costs microseconds.

Area tree (codes):   D1 (district) ─ S1 (street) ─┬─ C1 (community) ─┬─ G1 (grid)
                                                   │                  └─ G2 (grid)
                                                   └─ C2 (community) ─── G3 (grid)
Grids are small squares around lng 120.2, lat 30.25 with gaps between them; GRID_BOXES
gives (min_lng, min_lat, max_lng, max_lat) and `point_in(code)` a (lng, lat) inside.
`make_area_tree()` returns grid code -> (lat, lng); `build_area_tree()` returns code -> Area.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from gongzhi.auth import passwords, service
from gongzhi.auth.deps import SESSION_COOKIE
from gongzhi.auth.models import Unit, User
from gongzhi.config import Settings
from gongzhi.geo.models import Area

passwords.use_fast_hashing_for_tests()

# Same instant as tests/conftest.py T0: Monday 2026-11-23 10:00 in Shanghai.
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
DEFAULT_PASSWORD = "password123"

Box = tuple[float, float, float, float]

# (min_lng, min_lat, max_lng, max_lat); 0.001° gaps so no point lies in two grids.
GRID_BOXES: dict[str, Box] = {
    "G1": (120.200, 30.250, 120.204, 30.254),
    "G2": (120.205, 30.250, 120.209, 30.254),
    "G3": (120.200, 30.255, 120.204, 30.259),
}
COMMUNITY_BOXES: dict[str, Box] = {
    "C1": (120.200, 30.250, 120.209, 30.254),
    "C2": (120.200, 30.255, 120.204, 30.259),
}
STREET_BOX: Box = (120.200, 30.250, 120.209, 30.259)
# A point inside no grid (east of G3, north of G2).
OUTSIDE_POINT = (120.2075, 30.2575)

# code, name, English name, level, parent code, households
AREA_TREE: list[tuple[str, str, str, str, str | None, int]] = [
    ("D1", "西湖区", "Xihu District", "district", None, 0),
    ("S1", "北山街道", "Beishan Street", "street", "D1", 0),
    ("C1", "宝石社区", "Baoshi Community", "community", "S1", 0),
    ("C2", "保俶社区", "Baochu Community", "community", "S1", 0),
    ("G1", "宝石一网格", "Baoshi Grid 1", "grid", "C1", 320),
    ("G2", "宝石二网格", "Baoshi Grid 2", "grid", "C1", 280),
    ("G3", "保俶一网格", "Baochu Grid 1", "grid", "C2", 300),
]


def square(box: Box) -> dict[str, Any]:
    """GeoJSON Polygon (WGS84, counter-clockwise, closed) for a box."""
    x0, y0, x1, y1 = box
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def point_in(code: str) -> tuple[float, float]:
    """(lng, lat) of the centre of a grid or community."""
    x0, y0, x1, y1 = GRID_BOXES.get(code) or COMMUNITY_BOXES[code]
    return ((x0 + x1) / 2, (y0 + y1) / 2)


def _box_of(code: str) -> Box | None:
    if code in GRID_BOXES:
        return GRID_BOXES[code]
    if code in COMMUNITY_BOXES:
        return COMMUNITY_BOXES[code]
    return STREET_BOX if code in ("S1", "D1") else None


def build_area_tree(session: Session, now: datetime = T0) -> dict[str, Area]:
    """Create D1/S1/C1/C2/G1/G2/G3 (rows built directly, path and centroid set here). Returns code -> Area."""
    areas: dict[str, Area] = {}
    for code, name, name_en, level, parent_code, households in AREA_TREE:
        parent = areas[parent_code] if parent_code else None
        box = _box_of(code)
        area = Area(
            code=code,
            name=name,
            name_en=name_en,
            level=level,
            parent_id=parent.id if parent else None,
            path="",
            geometry=square(box) if box else None,
            centroid_lng=(box[0] + box[2]) / 2 if box else None,
            centroid_lat=(box[1] + box[3]) / 2 if box else None,
            households=households,
            created_at=now,
            updated_at=now,
        )
        session.add(area)
        session.flush()
        area.path = f"{parent.path if parent else '/'}{area.id}/"
        areas[code] = area
    # Parents count their grids' households.
    for code in ("C1", "C2", "S1", "D1"):
        area = areas[code]
        area.households = sum(
            a.households for a in areas.values() if a.level == "grid" and a.path.startswith(area.path)
        )
    session.flush()
    return areas


def make_area_tree(session: Session, now: datetime = T0) -> dict[str, tuple[float, float]]:
    """Create the tree (see build_area_tree). Returns grid code -> (lat, lng) of a point inside the grid.

    Note the order: (lat, lng) here, while point_in() and the boxes use GeoJSON's (lng, lat).
    Use build_area_tree() when you need the Area rows.
    """
    build_area_tree(session, now)
    return {code: (lat, lng) for code in GRID_BOXES for lng, lat in [point_in(code)]}


def area_by_code(session: Session, code: str) -> Area:
    return session.scalars(select(Area).where(Area.code == code)).one()


def make_unit(
    session: Session,
    code: str,
    kind: str = "municipal",
    area_code: str = "S1",
    *,
    name: str | None = None,
    now: datetime = T0,
    webhook_url: str = "",
) -> Unit:
    return service.create_unit(
        session,
        code=code,
        name=name or f"单位{code}",
        kind=kind,
        area_code=area_code,
        now=now,
        webhook_url=webhook_url,
    )


def make_user(
    session: Session,
    username: str,
    role: str,
    area_code: str | None = None,
    unit_code: str | None = None,
    password: str = DEFAULT_PASSWORD,
    now: datetime = T0,
    *,
    display_name: str = "",
    phone: str = "",
    id_number: str = "",
    email: str = "",
    language: str = "zh",
) -> User:
    return service.create_user(
        session,
        username=username,
        role=role,
        password=password,
        now=now,
        area_code=area_code,
        unit_code=unit_code,
        display_name=display_name or username,
        phone=phone,
        id_number=id_number,
        email=email,
        language=language,
    )


def api_token(session: Session, user: User, now: datetime = T0, *, settings: Settings | None = None) -> str:
    """A bearer token for the user (flushed; visible to the test client's requests)."""
    return service.issue_token(session, user, now, name="test", settings=settings)


def auth_header(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login_cookie(client: TestClient, session: Session, user: User, now: datetime = T0) -> str:
    """Start a browser session, put its cookie on the client, return the CSRF token."""
    cookie_token, csrf_token = service.start_web_session(session, user, now)
    client.cookies.set(SESSION_COOKIE, cookie_token)
    return csrf_token


def id_number(birth: str = "19800101", region: str = "330106", seq: str = "123") -> str:
    """A valid 18-character ID number (correct GB 11643 check digit) for tests."""
    from gongzhi.auth.pii import id_number_check_digit

    first17 = region + birth + seq
    return first17 + id_number_check_digit(first17)


@contextmanager
def sql_statements(session: Session) -> Iterator[list[str]]:
    """The SQL the session's engine runs inside the block (any connection)."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    engine = session.get_bind().engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
