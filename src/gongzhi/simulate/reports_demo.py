"""Resident reporting in the demo street: fresh reports with photos, one anonymous, a nearby
duplicate candidate, a moderated one, followers of a report and of a community, and follow-up
ratings (one happy, one that reopened the case).

Everything goes through the real services (intake, media, transitions, moderation), so the
timeline, audit chain and outbox look exactly as they would in use. Photos are drawn here with
Pillow (nothing downloaded) and pass through the same re-encoding as an upload.
"""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.auth.models import User
from gongzhi.cases import media, reports, service
from gongzhi.cases.models import Case
from gongzhi.cases.schemas import CaseIn
from gongzhi.errors import AppError
from gongzhi.simulate.district import GridInfo, load_district

MARKER = "reports-demo"

# category, description, hours ago, photos, anonymous, abusive (to be moderated)
_REPORTS: list[tuple[str, str, int, int, bool, bool]] = [
    ("streetlight", "幸福路 12 号门口的路灯整晚不亮，晚上接孩子看不清路", 5, 2, False, False),
    ("manhole", "菜场东侧人行道井盖缺了一半，已经有人踩空", 3, 1, False, False),
    ("garbage", "3 号楼后面的装修垃圾堆了好几天，没人清运", 30, 1, True, False),
    ("illegal_parking", "消防通道又被同一辆车堵住了，物业这帮废物根本不管", 8, 1, False, True),
    ("road_damage", "公交站前路面塌了一个坑，雨天积水", 50, 1, False, False),
    ("green_space", "小区中心绿地被人挖了种菜", 60, 0, False, False),
]


def _photo(seed: int, category: str) -> bytes:
    """A simple drawn scene (night sky and lamp, a hole, a heap...) standing in for a phone photo."""
    rng = random.Random(f"{seed}:{category}")
    img = Image.new("RGB", (960, 720), (30 + rng.randrange(40), 40 + rng.randrange(40), 70 + rng.randrange(60)))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 480, 960, 720), fill=(90, 90, 95))  # the road
    if category == "streetlight":
        draw.rectangle((460, 120, 480, 480), fill=(60, 60, 60))
        draw.rectangle((480, 120, 600, 140), fill=(60, 60, 60))
        draw.ellipse((570, 130, 630, 170), fill=(80, 80, 70))  # the dead lamp
    elif category in ("manhole", "road_damage"):
        draw.ellipse((380, 540, 620, 640), fill=(15, 15, 15))
    elif category == "garbage":
        for _ in range(30):
            x, y = rng.randrange(300, 660), rng.randrange(380, 560)
            draw.rectangle((x, y, x + 60, y + 40), fill=(rng.randrange(120, 220), rng.randrange(90, 160), 60))
    else:
        draw.rectangle((300, 360, 700, 520), fill=(150, 30, 30))
    return _with_gps_exif(img)


def _with_gps_exif(img: Image.Image) -> bytes:
    # Like a phone photo: with GPS in its EXIF, which media.attach_photo strips.
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (30.0, 16.0, 5.0), 3: "E", 4: (120.0, 9.0, 30.0)}
    out = io.BytesIO()
    img.save(out, "JPEG", quality=88, exif=exif)
    return out.getvalue()


def _point(rng: random.Random, grid: GridInfo) -> tuple[float, float]:
    """A point inside the grid: (lat, lng)."""
    from shapely.geometry import Point

    geom = grid.geometry
    min_x, min_y, max_x, max_y = geom.bounds
    for _ in range(200):
        x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
        if geom.contains(Point(x, y)):
            return y, x
    c = geom.representative_point()
    return c.y, c.x


def seed_reports(session: Session, now: datetime, seed: int = 20261123) -> int:
    """Seed the demo street's resident reports (idempotent); returns how many reports it filed."""
    if session.scalar(select(Case.id).where(Case.external_ref.like(f"{MARKER}-%")).limit(1)) is not None:
        return 0
    district = load_district(session)
    rng = random.Random(f"{seed}:reports")
    grids = [g for g in district.grids if g.resident_ids and g.worker_id]
    if not grids:
        return 0
    home = grids[0]
    filed: list[Case] = []
    for i, (category, text, hours, photos, anonymous, abusive) in enumerate(_REPORTS):
        grid = home if i < 2 else rng.choice(grids)
        resident = session.get_one(User, grid.resident_ids[i % len(grid.resident_ids)])
        lat, lng = _point(rng, grid)
        at = now - timedelta(hours=hours)
        try:
            case = service.create_case(
                session,
                actor=resident,
                now=at,
                data=CaseIn(category=category, description=text, lat=lat, lng=lng, anonymous=anonymous,
                            external_ref=f"{MARKER}-{i + 1}"),
            )
        except AppError:
            continue  # a category the demo's configuration no longer offers
        for n in range(photos):
            media.attach_photo(session, case, _photo(seed + n, category), content_type="image/jpeg",
                               actor=resident, now=at)
        worker = session.get_one(User, grid.worker_id)
        if abusive:
            reports.set_text_hidden(session, user=worker, case_id=case.id, hidden=True,
                                    reason="含有辱骂他人的言语", now=at + timedelta(minutes=20))
        filed.append(case)

    # Followers: a neighbour follows the streetlight report (instead of filing it again), and a
    # resident follows the whole community of the first grid.
    if filed and len(home.resident_ids) > 2:
        neighbour = session.get_one(User, home.resident_ids[2])
        reports.follow_case(session, user=neighbour, case_id=filed[0].id, now=now - timedelta(hours=4))
        community_fan = session.get_one(User, home.resident_ids[-1])
        reports.follow_area(session, user=community_fan, area_code=home.community_code,
                            now=now - timedelta(days=1))

    # Follow-up: two older reports resolved by the grid worker and rated: one happy, one not fixed.
    ratings: list[tuple[Case, int, bool, str]] = []
    if len(filed) > 5:
        ratings = [(filed[4], 5, True, "修得很快，谢谢"), (filed[5], 2, False, "只恢复了一半，还有很多")]
    for case, rating, fixed, note in ratings:
        if case.grid_id is None:
            continue
        grid_info = next((g for g in grids if g.id == case.grid_id), None)
        if grid_info is None:
            continue
        worker = session.get_one(User, grid_info.worker_id)
        reporter = session.get_one(User, case.reporter_id) if case.reporter_id else None
        t = case.created_at
        try:
            if case.status == "dispatched":
                service.transition(session, user=worker, case_id=case.id, action="accept", now=t + timedelta(hours=1))
            service.transition(session, user=worker, case_id=case.id, action="resolve", now=t + timedelta(hours=20),
                               note="已到现场处理完毕")
            if reporter is not None:
                service.transition(session, user=reporter, case_id=case.id, action="rate",
                                   now=t + timedelta(hours=26), rating=rating, fixed=fixed, note=note)
        except AppError:
            continue  # routed elsewhere than the grid worker in a changed configuration: leave it open
    session.flush()
    return len(filed)
