"""Seed the household register and two rounds of resident surveys into the demo street.

    seed_surveys(session, district, start, end, seed=20261124)

Households: every grid gets its Area.households figure (capped at `max_per_grid`), each with a head
of household; the demo resident accounts head the first households of their grid (so complaint
rates can match complainants to households). Surveys: a "before" and an "after" round ~45 days
apart, each a 满意度 and a 安全感 survey of the whole street, 30 households per community, answered
by ~70% of them with scores that differ per community and rise between the rounds (the seed
case's 55 → 92 satisfaction, 68 → 89 safety, roughly). Answers go through `surveys.answer` like a
resident's. Flush only; the caller commits. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from gongzhi.analytics import surveys as sv
from gongzhi.analytics.models import Household, Resident
from gongzhi.auth.models import User
from gongzhi.clock import SHANGHAI, local
from gongzhi.geo.models import Area
from gongzhi.simulate.district import District, People

ROUND_GAP = timedelta(days=45)
ROUND_DAYS = 10
SAMPLE_PER_COMMUNITY = 30
RESPONSE_RATE = 0.7
SCORE_SD = 11.0
# (before, after) mean per kind; each community shifts both by its own offset.
MEANS = {"satisfaction": (58.0, 90.0), "safety": (68.0, 88.0)}
TITLES = {"satisfaction": "居民满意度调查", "safety": "居民安全感调查"}


@dataclass
class SurveyDemo:
    households: int = 0
    linked: int = 0
    surveys: list[int] = field(default_factory=list)
    responses: int = 0


def _register(session: Session, district: District, when: datetime, people: People, rng: random.Random,
              max_per_grid: int) -> tuple[int, int]:
    grids = {a.id: a for a in session.scalars(select(Area).where(Area.id.in_([g.id for g in district.grids])))}
    users = {u.id: u for u in session.scalars(select(User).where(
        User.id.in_([r for g in district.grids for r in g.resident_ids])))}
    total = linked = 0
    for g in district.grids:
        count = min(max(grids[g.id].households, len(g.resident_ids)), max_per_grid)
        rows: list[dict[str, object]] = []
        owners: list[User | None] = []
        for i in range(count):
            user = users.get(g.resident_ids[i]) if i < len(g.resident_ids) else None
            building, unit, room = i // 24 + 1, i % 24 // 8 + 1, i % 8 // 2 * 100 + 101 + i % 2
            rows.append({
                "code": f"{building}幢{unit}单元{room}", "grid_id": g.id,
                "address": f"{g.compound}{building}幢{unit}单元{room}室",
                "head_name": (user.display_name or user.username) if user else people.name(),
                "head_phone": user.phone if user else people.phone(),
                "members": rng.choice((1, 2, 2, 3, 3, 3, 4, 5)), "is_active": True, "created_at": when,
                "updated_at": when})
            owners.append(user)
        # Thousands of rows: one multi-row INSERT … RETURNING instead of an ORM flush per object.
        ids = list(session.scalars(insert(Household).returning(Household.id, sort_by_parameter_order=True), rows))
        session.execute(insert(Resident), [
            {"household_id": hid, "name": r["head_name"], "phone": r["head_phone"], "id_number": "",
             "user_id": u.id if u else None, "is_head": True, "created_at": when}
            for hid, r, u in zip(ids, rows, owners, strict=True)])
        total += count
        linked += sum(1 for u in owners if u)
    return total, linked


def _score(rng: random.Random, mean: float) -> int:
    return max(0, min(100, round(rng.gauss(mean, SCORE_SD))))


def _item(rng: random.Random, score: int) -> int:
    """A 1–5 answer that goes with the overall score, give or take one."""
    return max(1, min(5, round(score / 25) + 1 + rng.choice((-1, 0, 0, 0, 1))))


def _round(session: Session, official: User, district: District, opens: datetime, phase: int, rng: random.Random,
           end: datetime, demo: SurveyDemo, offsets: dict[int, float]) -> None:
    street_code = session.get_one(Area, district.street_id).code
    closes_on = local(opens).date() + timedelta(days=ROUND_DAYS - 1)
    for kind in ("satisfaction", "safety"):
        label = "试点前" if phase == 0 else "试点后"
        survey = sv.create_survey(session, actor=official, now=opens, data=sv.SurveyData(
            kind=kind, title=f"{local(opens):%Y年%m月}{TITLES[kind]}（{label}）", area_code=street_code,
            opens_on=local(opens).date(), closes_on=closes_on, sample_mode="fixed",
            sample_size=SAMPLE_PER_COMMUNITY, seed=rng.randrange(2**31)))
        tokens = sv.open_survey(session, actor=official, survey_id=survey.id, now=opens)
        demo.surveys.append(survey.id)
        window = min(survey.closes_at, end) - opens
        for token in tokens.values():
            if rng.random() > RESPONSE_RATE:
                continue
            at = opens + window * rng.random() ** 2  # most answer in the first days
            inv, _ = sv.invitation_for(session, token)
            score = _score(rng, MEANS[kind][phase] + offsets[inv.community_id] * (1.5 if phase == 0 else 0.6))
            answers = {q: _item(rng, score) for q in sv.QUESTIONS[kind]}
            sv.answer(session, token=token, data=sv.AnswerData(score, answers), now=at)
            demo.responses += 1
        if survey.closes_at <= end:
            sv.close_survey(session, actor=official, survey_id=survey.id, now=survey.closes_at)


def seed_surveys(session: Session, district: District, start: datetime, end: datetime, seed: int = 20261124, *,
                 max_per_grid: int = 1000) -> SurveyDemo:
    """Households for every grid, then the before/after survey rounds between `start` and `end`."""
    rng = random.Random(f"{seed}:surveys")
    demo = SurveyDemo()
    demo.households, demo.linked = _register(session, district, start, People(seed, "households"), rng,
                                             max_per_grid)
    official = session.get_one(User, district.street_official_id)
    # The "after" round opens a week before the end (still open then); the "before" round 45 days earlier.
    def morning(at: datetime) -> datetime:
        return datetime.combine(local(at).date(), time(9), tzinfo=SHANGHAI)

    after = morning(end - timedelta(days=ROUND_DAYS - 3))
    before = max(morning(after - ROUND_GAP), morning(start + timedelta(days=1)))
    communities = sorted({g.community_id for g in district.grids})
    offsets = {cid: rng.uniform(-6.0, 6.0) for cid in communities}
    for phase, opens in enumerate((before, after)):
        _round(session, official, district, opens, phase, rng, end, demo, offsets)
    session.flush()
    return demo
