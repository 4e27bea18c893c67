"""Seed 智慧养老 into the demo street: elders in every grid with their doctor, buddy and family,
a band each registered through `devices`, a day of vitals sent through device ingestion (so
NEWS2, baselines and alarms run as in production), and a few alarms in every state.

    seed_eldercare(session, district, now, seed=20261123, elders_per_grid=3, history_hours=24)

Flush only; the caller commits. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

import gongzhi.eldercare.handlers  # noqa: F401  (the wearable handlers must be registered)
from gongzhi.auth import service as accounts
from gongzhi.auth.models import User
from gongzhi.auth.pii import id_number_check_digit
from gongzhi.devices import service as devices
from gongzhi.devices.handlers import Reading
from gongzhi.devices.models import Device
from gongzhi.eldercare import service as eldercare
from gongzhi.eldercare.models import Alarm, Elder
from gongzhi.simulate import texts
from gongzhi.simulate.district import District, People

CONDITIONS = ("高血压", "糖尿病", "冠心病", "慢阻肺", "骨质疏松", "脑卒中后遗症", "阿尔茨海默病早期")
MEDICATIONS = ("氨氯地平", "二甲双胍", "阿司匹林", "阿托伐他汀", "沙丁胺醇吸入剂", "钙片")
RELATIONS = ("儿子", "女儿", "儿媳", "女婿", "侄子")
BAND_INTERVAL_S = 600  # the band reports every 10 minutes; devices calls it silent after 2.5 intervals


@dataclass
class EldercareDemo:
    elders: list[int] = field(default_factory=list)
    devices: dict[int, str] = field(default_factory=dict)  # elder id -> device code
    tokens: dict[str, str] = field(default_factory=dict)  # device code -> access token
    readings: int = 0
    alarms: int = 0


def _id_number(rng: random.Random) -> str:
    born = date(1934, 1, 1) + timedelta(days=rng.randrange(24 * 365))
    first17 = f"{rng.choice(texts.ID_REGIONS)}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + id_number_check_digit(first17)


def seed_eldercare(
    session: Session, district: District, now: datetime, *, seed: int = 20261123, elders_per_grid: int = 3,
    history_hours: int = 24,
) -> EldercareDemo:
    rng = random.Random(f"{seed}:eldercare")
    people = People(seed, "eldercare")
    out = EldercareDemo()
    start = now - timedelta(hours=history_hours)
    taken: set[str] = set()
    for grid in district.grids:
        worker = session.get_one(User, grid.worker_id)
        doctors = accounts.users_with_role_in_area(session, role="doctor", area_id=grid.community_id)
        buddies = district.volunteer_ids.get(grid.community_id, ())
        for k in range(elders_per_grid):
            idn = _id_number(rng)
            while idn in taken:
                idn = _id_number(rng)
            taken.add(idn)
            family_user = session.get(User, grid.resident_ids[k % len(grid.resident_ids)]) if grid.resident_ids else None
            contacts = [eldercare.ContactData(name=people.name(), relation=rng.choice(RELATIONS), phone=people.phone(),
                                              username=family_user.username if family_user and k == 0 else None,
                                              is_guardian=True)]
            if rng.random() < 0.6:
                contacts.append(eldercare.ContactData(name=people.name(), relation=rng.choice(RELATIONS),
                                                      phone=people.phone()))
            data = eldercare.ElderData(
                name=people.name(), id_number=idn, grid_code=grid.code, gender=rng.choice(("男", "女")),
                phone=people.phone(), address=f"{grid.compound}{rng.randint(1, 30)}幢{rng.randint(1, 6)}0{rng.randint(1, 4)}室",
                living_alone=rng.random() < 0.55,
                conditions=tuple(rng.sample(CONDITIONS, rng.randint(0, 3))),
                medications=tuple(rng.sample(MEDICATIONS, rng.randint(0, 2))),
                spo2_scale=2 if rng.random() < 0.05 else 1,
                # A few elders still wait for a doctor to sign them (coverage is not 100 %).
                doctor_username=doctors[0].username if doctors and rng.random() < 0.95 else None,
                buddy_username=session.get_one(User, rng.choice(buddies)).username if buddies else None,
                contacts=tuple(contacts),
            )
            elder = eldercare.create_elder(session, actor=worker, data=data, now=start)
            eldercare.record_consent(session, actor=worker, elder=elder, given_by=elder.name, relation="本人",
                                     scope=["monitoring", "share_vitals", "notify_family", "emergency_services"],
                                     now=start)
            code = f"BAND-{grid.code}-{k + 1}"
            _device, token = devices.register_device(
                session, code=code, kind="wearable", grid_id=grid.id, owner_ref=f"elder:{elder.id}",
                expected_interval_s=BAND_INTERVAL_S, name=f"{elder.name}的手环", now=start,
            )
            eldercare.bind_wearable(session, actor=worker, elder=elder, device_code=code, now=start)
            out.elders.append(elder.id)
            out.devices[elder.id] = code
            out.tokens[code] = token
    session.flush()
    if history_hours > 0:
        _history(session, out, rng, start, now)
    return out


def _history(session: Session, out: EldercareDemo, rng: random.Random, start: datetime, now: datetime) -> None:
    """Hourly vitals and steps for every band (one in twenty fell silent hours ago), then a few events."""
    codes = list(out.devices.values())
    silent = set(codes[::20])
    by_code = {d.code: d for d in session.scalars(select(Device).where(Device.code.in_(codes)))}
    base = {c: (rng.uniform(62, 84), rng.uniform(95, 99), rng.uniform(36.2, 36.9)) for c in codes}
    t = start
    while t <= now:
        batch = []
        for code in codes:
            if code in silent and t > now - timedelta(hours=3):
                continue
            pulse, spo2, temp = base[code]
            ts = t + timedelta(seconds=rng.randrange(60))
            day = 8 <= (ts.hour + 8) % 24 < 20
            batch.append((by_code[code], [
                Reading("heart_rate", ts, round(rng.gauss(pulse, 3), 0)),
                Reading("spo2", ts, min(100.0, round(rng.gauss(spo2, 0.7), 0))),
                Reading("temperature", ts, round(rng.gauss(temp, 0.15), 1)),
                Reading("steps", ts, float(rng.randint(40, 400) if day else 0)),
                Reading("battery", ts, float(max(20, 100 - int((ts - start).total_seconds() // 3600) * 2))),
            ]))
        devices.store(session, batch, t)
        out.readings += sum(len(r) for _, r in batch)
        t += timedelta(hours=1)
    # Events of the last hour: a fever with fast pulse, an SOS, a fall the doctor is already on.
    fever, sos, fall = codes[3], codes[7], codes[11]
    ts = now - timedelta(minutes=40)
    devices.store(session, [(by_code[fever], [Reading("heart_rate", ts, 121.0), Reading("spo2", ts, 93.0),
                                              Reading("temperature", ts, 38.7)])], ts)
    devices.store(session, [(by_code[fall], [Reading("fall", now - timedelta(minutes=15), 1.0)])],
                  now - timedelta(minutes=15))
    devices.store(session, [(by_code[sos], [Reading("sos", now - timedelta(minutes=1), 1.0)])], now - timedelta(minutes=1))
    fall_alarm = session.scalars(select(Alarm).join(Elder).where(Alarm.kind == "fall")).first()
    if fall_alarm is not None:
        elder = session.get_one(Elder, fall_alarm.elder_id)
        if elder.doctor_id is not None:
            doctor = session.get_one(User, elder.doctor_id)
            eldercare.acknowledge(session, actor=doctor, alarm_id=fall_alarm.id, now=now - timedelta(minutes=14))
            eldercare.on_scene(session, actor=doctor, alarm_id=fall_alarm.id, now=now - timedelta(minutes=6))
    out.alarms = len(session.scalars(select(Alarm.id)).all())
    session.flush()
