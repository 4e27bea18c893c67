"""Open311 in the demo street: a client application with a known API key and a few requests filed through it.

The key is fixed so an independent Open311 client can be pointed at `make demo`'s server with it
(it is printed with the demo logins). The requests go through the same service as POST requests.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.auth import service as accounts
from gongzhi.errors import AppError
from gongzhi.geo.models import Area
from gongzhi.i18n import register, translate
from gongzhi.open311 import service
from gongzhi.open311.models import Open311Client

DEMO_KEY = "o311_demo_gongzhi_street_2026"
DEMO_CLIENT = "演示客户端（Open311）"

register(
    {
        "demo.open311_key": (
            "Open311 演示客户端 API key：{api_key}（服务发现：{url}/open311/v2/discovery.json）",
            "Open311 demo client API key: {api_key} (discovery: {url}/open311/v2/discovery.json)",
        ),
    }
)

# service code, description, attributes, hours before now
_REQUESTS: list[tuple[str, str, dict[str, list[str]], int]] = [
    ("streetlight", "小区东门外两盏路灯晚上不亮，行人看不清台阶", {"pole_number": ["DM-0112"]}, 30),
    ("elevator", "3 号楼 2 单元电梯停在 5 楼不动，门打不开", {"trapped": ["no"]}, 20),
    ("garbage", "菜场后巷的建筑垃圾堆了一周没人清运", {}, 12),
    ("noise", "楼下烧烤店每天凌晨还在营业，噪声很大", {"night": ["yes"]}, 6),
    ("waterlogging", "下雨后公交站前积水没过脚踝", {}, 2),
]


def seed_open311(session: Session, now: datetime) -> str:
    """Create the demo client (idempotent) and file a few requests through it; returns the demo key."""
    if session.scalar(
        select(Open311Client.id).where(Open311Client.key_hash == accounts.hash_token(DEMO_KEY))
    ):
        return DEMO_KEY
    service.add_client(
        session,
        name=DEMO_CLIENT,
        contact="demo@example.com",
        now=now - timedelta(days=2),
        key=DEMO_KEY,
        actor_name="demo",
    )
    grids = list(
        session.scalars(
            select(Area).where(Area.level == "grid", Area.centroid_lat.is_not(None)).order_by(Area.code)
        )
    )
    for i, (code, text, attributes, hours) in enumerate(_REQUESTS):
        if not grids:
            break
        grid = grids[(i * 3) % len(grids)]
        try:
            with session.begin_nested():  # a refused request (say, a centroid off its grid) is skipped
                _file(session, grid, i, code, text, attributes, now - timedelta(hours=hours))
        except AppError:
            continue
    return DEMO_KEY


def _file(
    session: Session,
    grid: Area,
    i: int,
    code: str,
    text: str,
    attributes: dict[str, list[str]],
    now: datetime,
) -> None:
    service.submit(
        session,
        params={
            "api_key": DEMO_KEY,
            "service_code": code,
            "lat": str(grid.centroid_lat),
            "long": str(grid.centroid_lng),
            "address_string": grid.name,
            "description": text,
            "device_id": f"demo-device-{i}",
        },
        attributes=attributes,
        uploads=[],
        now=now,
        lang="zh",
    )


def demo_key_line(base_url: str, lang: str = "zh") -> str:
    """The line printed with the demo logins."""
    return translate("demo.open311_key", lang, api_key=DEMO_KEY, url=base_url.rstrip("/"))
