"""Seed 数字枫桥 into the demo street: mediator profiles, and disputes filed, matched, mediated and followed up.

Everything goes through the mediation service at its simulated time (filing, the sweep's batch
matching and clocks, first contact, sessions, evidence, outcomes, follow-ups), so the demo data is
what the real rules produce: some mediators are late and their disputes escalate, some mediations fail.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shapely.geometry import Point
from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.auth import passwords
from gongzhi.auth import service as accounts
from gongzhi.auth.models import User
from gongzhi.errors import AppError
from gongzhi.mediation import service, tasks
from gongzhi.mediation.models import Dispute
from gongzhi.mediation.schemas import DisputeIn, PartyIn
from gongzhi.simulate.district import COMMUNITIES, DEMO_PASSWORD, District, GridInfo

# Specialties of the demo mediators (tiaojie1..4 come with the district; 5 and 6 are added here so
# every community has a village-level mediator).
SPECIALTIES = {
    "tiaojie1": ["neighbor", "family", "property_mgmt"],
    "tiaojie2": ["land_housing", "family", "neighbor"],
    "tiaojie3": ["labor", "debt_contract", "consumer", "traffic", "property_mgmt"],
    "tiaojie4": ["demolition", "environment", "medical", "land_housing", "labor"],
    "tiaojie5": ["neighbor", "consumer", "other"],
    "tiaojie6": ["family", "neighbor", "debt_contract"],
}

_TEXTS = [
    "楼上邻居每天晚上十一点以后还在跺脚、拖椅子，说了好几次都不改，吵了几句。",
    "隔壁把电动车停在楼道里充电，我们担心着火，跟他说他还骂人。",
    "村里两户人家为宅基地的边界吵起来了，对方砌墙占了我家半米地。",
    "物业公司突然把物业费涨了三成，很多业主不同意，物业说不交就停水。",
    "在工地干了三个月，包工头一直拖欠工资，一共两万八千元，打电话也不接。",
    "在小区门口超市买的牛奶过期了，老板不肯退还说我讹人。",
    "电动车和小轿车在路口刮擦，对方要我赔三千块修车钱，我觉得不合理。",
    "老母亲在社区诊所打针后起了过敏，诊所不认账。",
    "拆迁评估价比隔壁少了一大截，找了几次都没人给说法，十几户人说要一起去上访。",
    "楼下烧烤店油烟直接熏到我家，窗户都不敢开，找城管也没用。",
    "朋友三年前借了我五万块钱，写了借条，现在一直拖着不还。",
    "儿子儿媳不管老人，老人生活费没着落，老两口天天吵。",
    "邻居扬言要拿刀砍我，说不给钱就不放过我们家，我很害怕。",
    "因为占车位的事，对方叫了人来推搡，我老公头被打破了，进了医院。",
]
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "建华"]


@dataclass
class MediationDemoStats:
    disputes: int = 0
    agreements: int = 0
    failed: int = 0
    withdrawn: int = 0
    escalations: int = 0
    visits: int = 0
    errors: list[str] = field(default_factory=list)


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + rng.choice(_GIVEN)


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"


def _ensure_mediators(session: Session, now: datetime) -> None:
    shared = None
    for k, community in ((5, COMMUNITIES[1]), (6, COMMUNITIES[2])):
        username = f"tiaojie{k}"
        if accounts.get_user_by_username(session, username) is None:
            shared = shared or passwords.hash_password(DEMO_PASSWORD)
            accounts.create_user(session, username=username, role="mediator", password_hash=shared, now=now,
                                 area_code=community.code, display_name=f"调解员{k}号")
    for username, specialties in SPECIALTIES.items():
        user = accounts.get_user_by_username(session, username)
        if user is not None:
            service.upsert_mediator(session, actor=None, user=user, now=now, specialties=specialties, capacity=8)


def seed_mediation(session: Session, district: District, *, start: datetime, end: datetime, seed: int = 7,
                   n: int = 80) -> MediationDemoStats:
    """File `n` disputes between `start` and `end` and play them out (flush only; the caller commits)."""
    rng = random.Random(seed)
    stats = MediationDemoStats()
    _ensure_mediators(session, start)
    span = (end - start).total_seconds()
    times = sorted(start + timedelta(seconds=rng.random() * span) for _ in range(n))
    pending: list[tuple[datetime, int, str, str]] = []  # (when, dispute id, step, planned outcome)
    for at in times:
        _advance(session, pending, at, stats)
        grid = rng.choice(district.grids)
        resident_id = rng.choice(grid.resident_ids)
        resident = session.get_one(User, resident_id)
        lng, lat = _point_in(grid, rng)
        address = f"{grid.compound}{rng.randint(1, 30)}幢{rng.randint(1, 6)}0{rng.randint(1, 4)}"
        data = DisputeIn(
            description=rng.choice(_TEXTS), lat=lat, lng=lng, address=address,
            amount=rng.choice([None, None, 800.0, 5000.0, 28000.0]), people=rng.choice([2, 2, 2, 3, 4]),
            parties=[
                PartyIn(role="applicant", name=resident.display_name or _name(rng), phone=resident.phone,
                        address=address),
                PartyIn(role="respondent", name=_name(rng), phone=_phone(rng),
                        address=address.replace("0", "1", 1)),
            ],
        )
        try:
            with session.begin_nested():
                d = service.file_dispute(session, actor=resident, data=data, now=at)
        except AppError as exc:
            stats.errors.append(exc.code)
            continue
        stats.disputes += 1
        late = rng.random() < 0.12
        limit = service.FIRST_CONTACT[d.risk]
        contact = at + (limit * rng.uniform(1.1, 2.5) if late else limit * rng.uniform(0.1, 0.8))
        conclude = contact + timedelta(days=rng.uniform(1, 12))
        outcome = rng.choices(["agreement", "failed", "withdrawn"], weights=[93, 4, 3])[0]
        followup = conclude + service.FOLLOWUP_AFTER + timedelta(days=rng.uniform(0, 3))
        pending += [(contact, d.id, "contact", outcome), (conclude, d.id, "conclude", outcome),
                    (followup, d.id, "followup", outcome)]
    _advance(session, pending, end, stats)
    tasks.sweep(session, end)
    stats.escalations = sum(d.escalations for d in session.scalars(select(Dispute)))
    session.flush()
    return stats


def _point_in(grid: GridInfo, rng: random.Random) -> tuple[float, float]:
    geom = grid.geometry
    minx, miny, maxx, maxy = geom.bounds
    for _ in range(50):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if geom.contains(Point(x, y)):
            return float(x), float(y)
    c = geom.representative_point()
    return float(c.x), float(c.y)


_COUNTERS = {"agreement": "agreements", "failed": "failed", "withdrawn": "withdrawn"}
_NOTES = {"agreement": "双方签字确认", "failed": "对方拒绝调解，告知诉讼途径", "withdrawn": "申请人自行和解后撤回"}


def _advance(session: Session, pending: list[tuple[datetime, int, str, str]], until: datetime,
             stats: MediationDemoStats) -> None:
    """Play every pending step due by `until` in time order, sweeping (matching, clocks) before each."""
    pending.sort()
    while pending and pending[0][0] <= until:
        at, did, step, outcome = pending.pop(0)
        tasks.sweep(session, at)
        d = session.get_one(Dispute, did)
        mediator = service.mediator_user(session, d)
        if mediator is None:
            continue
        try:
            with session.begin_nested():
                if step == "contact" and d.status == "assigned":
                    service.record_contact(session, user=mediator, dispute_id=did, now=at,
                                           note="电话联系双方，约定调解时间")
                elif step == "conclude" and d.status == "in_mediation":
                    service.add_session(session, user=mediator, dispute_id=did, held_at=at - timedelta(hours=2),
                                        place="社区人民调解室", attendees="双方当事人、调解员、网格员",
                                        notes="双方陈述事实，调解员释法说理。", now=at)
                    terms = ("双方自愿达成和解：被申请人向申请人赔礼道歉并于十日内赔偿损失，今后互谅互让。"
                             if outcome == "agreement" else "")
                    service.conclude(session, user=mediator, dispute_id=did, outcome=outcome, now=at, terms=terms,
                                     referred_to="court" if outcome == "failed" else "none", note=_NOTES[outcome])
                    setattr(stats, _COUNTERS[outcome], getattr(stats, _COUNTERS[outcome]) + 1)
                elif step == "followup" and d.concluded_at is not None and d.followup_done_at is None:
                    service.record_followup(session, user=mediator, dispute_id=did, now=at,
                                            note="回访：协议已履行，双方关系缓和")
        except AppError as exc:
            stats.errors.append(exc.code)
