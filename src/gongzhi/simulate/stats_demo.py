"""Petitions (信访件) in the demo street, so the 信访量 measure has something to count.

Staff of the street register letters and visits as cases of the internal `petition` category
(source "staff") through the cases service, about one every five days; the street governance
centre's staff accept and most are resolved within their clock, a few late, the latest still open.
Flush only; the caller commits.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from gongzhi.auth.models import User
from gongzhi.cases import service as cases
from gongzhi.cases.schemas import CaseIn
from gongzhi.errors import AppError
from gongzhi.simulate.district import District, GridInfo

PER_DAY = 0.2  # about one petition every five days in a street of 20 grids
_TEXTS = (
    "来信反映小区地下车库长期积水，多次向物业反映未解决。",
    "来访反映楼上住户装修噪声持续到深夜，影响老人休息。",
    "来信反映拆迁安置房交付延期，要求说明进度。",
    "来访反映小区门口早餐摊占道经营，油烟扰民。",
    "来信反映老旧小区加装电梯意见不一，请求街道协调。",
    "来访反映物业费上涨未经业主大会表决。",
    "来信反映河道沿线垃圾堆积，夏季异味明显。",
    "来访反映社区养老服务站开放时间太短。",
)


@dataclass
class StatsDemoStats:
    petitions: int = 0
    accepted: int = 0
    resolved: int = 0
    errors: list[str] = field(default_factory=list)


def seed_stats(session: Session, district: District, start: datetime, end: datetime, seed: int = 7
               ) -> StatsDemoStats:
    """Register petitions between start and end and play them out, each step at its own time."""
    rng = random.Random(seed)
    out = StatsDemoStats()
    clerk = session.get_one(User, district.street_official_id)
    n = max(1, round((end - start).total_seconds() / 86400 * PER_DAY))
    span = (end - start).total_seconds()
    for at in sorted(start + timedelta(seconds=rng.random() * span) for _ in range(n)):
        grid = rng.choice(district.grids)
        petitioner = session.get_one(User, rng.choice(grid.resident_ids))
        data = CaseIn(
            category="petition", description=rng.choice(_TEXTS), grid_code=grid.code, source="staff",
            address=f"{grid.compound}{rng.randint(1, 30)}幢", reporter_name=petitioner.display_name,
            reporter_phone=petitioner.phone,
        )
        try:
            with session.begin_nested():
                case = cases.intake(session, actor=clerk, data=data, now=at, internal=True).case
                _play(session, district, grid, case.id, at, end, rng, out)
        except AppError as exc:
            out.errors.append(exc.code)
            continue
        out.petitions += 1
    session.flush()
    return out


def _play(session: Session, district: District, grid: GridInfo, case_id: int, at: datetime, end: datetime,
          rng: random.Random, out: StatsDemoStats) -> None:
    """Accept (usually within the working day) and resolve (usually within five) if before `end`."""
    unit = district.unit_for("street_office", grid)
    handler = session.get_one(User, unit.staff_ids[0] if unit.staff_ids else grid.worker_id)
    accept_at = at + timedelta(hours=rng.uniform(0.5, 6) if rng.random() < 0.85 else rng.uniform(30, 60))
    if accept_at > end:
        return
    cases.transition(session, user=handler, case_id=case_id, action="accept", now=accept_at)
    out.accepted += 1
    resolve_at = accept_at + timedelta(days=rng.uniform(0.5, 4) if rng.random() < 0.85 else rng.uniform(6, 12))
    if resolve_at > end:
        return
    cases.transition(session, user=handler, case_id=case_id, action="resolve", now=resolve_at,
                     note="已答复信访人，并协调相关部门处理。")
    out.resolved += 1
