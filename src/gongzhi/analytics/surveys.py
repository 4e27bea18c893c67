"""Resident surveys (满意度 / 安全感): a stratified random sample of households per community, a
one-time link to each through the outbox, anonymous answers, results by community.

Life of a survey: draft → open (sample drawn, invitations sent) → closed. Answers are accepted while
it is open and before `closes_at`; otherwise 409. One answer per link.

Sampling is reproducible: the households of each community, ordered by id, are shuffled by a
`random.Random` seeded with (survey seed, community code). "fixed": n households per community
(all of them when fewer); "proportional": `sample_size` in all, split over communities in
proportion to their registered households (largest remainder).

Results: mean score, n, response rate (answers / invitations) and a 95% confidence interval
mean ± t(0.975, n−1)·s/√n (none when n < 2).
"""

from __future__ import annotations

import hashlib
import math
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from scipy import stats as sps
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

import gongzhi.analytics.survey_messages  # noqa: F401  (registers the i18n keys)
from gongzhi.analytics.models import (
    SAMPLE_MODES,
    SURVEY_KINDS,
    Household,
    Resident,
    Survey,
    SurveyInvitation,
    SurveyResponse,
)
from gongzhi.analytics.periods import local_midnight
from gongzhi.auth.models import User
from gongzhi.auth.scope import area_path, in_scope, subtree_condition
from gongzhi.clock import local, utc
from gongzhi.db import lock_for_update
from gongzhi.errors import Conflict, Forbidden, Invalid, NotFound
from gongzhi.geo import service as geo
from gongzhi.geo.models import Area
from gongzhi.i18n import translate
from gongzhi.notify import service as notify

MANAGER_ROLES = frozenset({"admin", "official"})
MAX_SAMPLE = 5000
# The few questions after the 0–100 score; each answered 1 (poor) … 5 (good). Texts: i18n keys.
QUESTIONS: dict[str, tuple[str, ...]] = {
    "satisfaction": ("response", "attitude", "result"),
    "safety": ("night", "order", "fire"),
}
Group = Literal["total", "grid", "community", "month"]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ---------------------------------------------------------------- scope


def _manager_path(session: Session, user: User) -> str:
    if user.role not in MANAGER_ROLES:
        raise Forbidden("survey_forbidden")
    path = area_path(session, user)
    if not path:
        raise Forbidden("survey_forbidden")
    return path


def scoped_surveys(session: Session, user: User) -> Select[Survey]:
    """Surveys of areas in the manager's subtree."""
    path = _manager_path(session, user)
    return select(Survey).where(Survey.area_id.in_(select(Area.id).where(subtree_condition(path))))


def get_survey(session: Session, user: User, survey_id: int, *, lock: bool = False) -> Survey:
    stmt = scoped_surveys(session, user).where(Survey.id == survey_id)
    if lock:
        stmt = lock_for_update(stmt, session).execution_options(populate_existing=True)
    found = session.scalar(stmt)
    if found is None:
        raise NotFound("survey_not_found")
    return found


def list_surveys(session: Session, user: User, *, kind: str = "", status: str = "") -> list[Survey]:
    stmt = scoped_surveys(session, user)
    if kind:
        stmt = stmt.where(Survey.kind == kind)
    if status:
        stmt = stmt.where(Survey.status == status)
    return list(session.scalars(stmt.order_by(Survey.opens_at.desc(), Survey.id.desc()).limit(500)))


# ---------------------------------------------------------------- create, open, close


@dataclass(frozen=True)
class SurveyData:
    kind: str
    title: str
    area_code: str
    opens_on: date  # local days, closes_on included
    closes_on: date
    sample_mode: str = "fixed"
    sample_size: int = 30
    seed: int | None = None


def create_survey(session: Session, *, actor: User, data: SurveyData, now: datetime) -> Survey:
    path = _manager_path(session, actor)
    if data.kind not in SURVEY_KINDS:
        raise Invalid("survey_kind_invalid", kind=data.kind[:20], choices="、".join(SURVEY_KINDS))
    title = data.title.strip()
    if not title or len(title) > 200:
        raise Invalid("survey_title_invalid")
    area = session.scalar(select(Area).where(Area.code == data.area_code))
    if area is None:
        raise NotFound("survey_area_unknown", code=data.area_code[:40])
    if area.level not in ("street", "community", "village"):
        raise Invalid("survey_area_level")
    if not in_scope(path, area.path):
        raise Forbidden("survey_area_forbidden")
    if data.closes_on < data.opens_on:
        raise Invalid("survey_period_invalid")
    if data.sample_mode not in SAMPLE_MODES:
        raise Invalid("survey_sample_invalid", max=MAX_SAMPLE)
    if not 1 <= data.sample_size <= MAX_SAMPLE:
        raise Invalid("survey_sample_invalid", max=MAX_SAMPLE)
    if data.seed is not None and not 0 <= data.seed < 2**31:
        raise Invalid("survey_seed_invalid", max=2**31 - 1)
    survey = Survey(
        kind=data.kind, title=title, area_id=area.id, opens_at=local_midnight(data.opens_on),
        closes_at=local_midnight(data.closes_on + timedelta(days=1)), sample_mode=data.sample_mode,
        sample_size=data.sample_size, seed=data.seed if data.seed is not None else secrets.randbelow(2**31),
        status="draft", created_by_id=actor.id, created_at=now,
    )
    session.add(survey)
    session.flush()
    return survey


def communities_of(session: Session, area: Area) -> list[Area]:
    """The communities/villages a survey covers: the area itself, or those under a street."""
    if area.level in ("community", "village"):
        return [area]
    return [a for a in geo.children(session, area) if a.level in ("community", "village")]


def _allocate(sizes: dict[int, int], total: int) -> dict[int, int]:
    """Split `total` over strata in proportion to `sizes` (largest remainder; never above a stratum's size)."""
    whole = sum(sizes.values())
    if whole == 0:
        return {k: 0 for k in sizes}
    total = min(total, whole)
    quotas = {k: total * v / whole for k, v in sizes.items()}
    out = {k: math.floor(q) for k, q in quotas.items()}
    left = total - sum(out.values())
    for k in sorted(sizes, key=lambda k: (-(quotas[k] - out[k]), k))[:left]:
        out[k] += 1
    return out


def draw_sample(session: Session, survey: Survey) -> dict[int, list[int]]:
    """community id → sampled household ids (reproducible from the survey's seed)."""
    area = session.get_one(Area, survey.area_id)
    frames: dict[int, list[int]] = {}
    codes: dict[int, str] = {}
    for community in communities_of(session, area):
        codes[community.id] = community.code
        frames[community.id] = list(session.scalars(
            select(Household.id).join(Area, Area.id == Household.grid_id)
            .where(Household.is_active, Area.path.startswith(community.path, autoescape=True))
            .order_by(Household.id)))
    if survey.sample_mode == "proportional":
        wanted = _allocate({k: len(v) for k, v in frames.items()}, survey.sample_size)
    else:
        wanted = {k: min(survey.sample_size, len(v)) for k, v in frames.items()}
    out: dict[int, list[int]] = {}
    for cid, frame in frames.items():
        rng = random.Random(f"{survey.seed}:{codes[cid]}")
        out[cid] = sorted(rng.sample(frame, wanted[cid]))
    return out


def _recipients(session: Session, households: Sequence[Household]) -> dict[int, str]:
    """household id → where its link goes: a linked resident account in-app (the head first), else the
    head's phone (the SMS gateway's address form on the console channel)."""
    accounts: dict[int, int] = {}
    rows = session.execute(select(Resident.household_id, Resident.user_id).where(
        Resident.household_id.in_([h.id for h in households]), Resident.user_id.is_not(None))
        .order_by(Resident.household_id, Resident.is_head.desc(), Resident.id))
    for hid, uid in rows:
        if uid is not None:
            accounts.setdefault(hid, uid)
    out = {}
    for h in households:
        if h.id in accounts:
            out[h.id] = f"user:{accounts[h.id]}"
        else:
            out[h.id] = f"sms:{h.head_phone}" if h.head_phone else f"household:{h.id}"
    return out


def open_survey(session: Session, *, actor: User, survey_id: int, now: datetime, lang: str = "zh",
                ) -> dict[int, str]:
    """Draw the sample, write one invitation per household and enqueue its message with the one-time
    link `/s/{token}`. Returns household id → token (the only place the token exists besides the message)."""
    survey = get_survey(session, actor, survey_id, lock=True)
    if survey.status != "draft":
        raise Conflict("survey_not_draft", status=survey.status)
    if utc(now) >= utc(survey.closes_at):
        raise Conflict("survey_closed")
    sample = draw_sample(session, survey)
    ids = [h for hs in sample.values() for h in hs]
    if not ids:
        raise Conflict("survey_no_households")
    households = {h.id: h for h in session.scalars(select(Household).where(Household.id.in_(ids)))}
    kind_name = translate(f"survey.kind.{survey.kind}", lang)
    recipients = _recipients(session, list(households.values()))
    tokens: dict[int, str] = {}
    for cid, hids in sample.items():
        for hid in hids:
            h = households[hid]
            token = secrets.token_urlsafe(24)
            tokens[hid] = token
            session.add(SurveyInvitation(survey_id=survey.id, household_id=hid, community_id=cid, grid_id=h.grid_id,
                                         token_hash=token_hash(token), sent_at=now, answered_at=None))
            notify.enqueue(
                session, channel="console", recipient=recipients[hid],
                subject=translate("survey.invite.subject", lang, kind=kind_name, title=survey.title),
                body=translate("survey.invite.body", lang, kind=kind_name, title=survey.title, url=f"/s/{token}",
                               closes=local(survey.closes_at - timedelta(seconds=1)).date().isoformat()),
                topic="survey.invitation", ref=f"survey:{survey.id}", now=now, payload={"url": f"/s/{token}"},
            )
    survey.status = "open"
    survey.opened_at = now
    session.flush()
    return tokens


def close_survey(session: Session, *, actor: User, survey_id: int, now: datetime) -> Survey:
    survey = get_survey(session, actor, survey_id, lock=True)
    if survey.status == "closed":
        raise Conflict("survey_closed")
    survey.status = "closed"
    survey.closed_at = now
    session.flush()
    return survey


def is_accepting(survey: Survey, now: datetime) -> bool:
    return survey.status == "open" and utc(survey.opens_at) <= utc(now) < utc(survey.closes_at)


# ---------------------------------------------------------------- answering (no login: the token is the key)


def invitation_for(session: Session, token: str, *, lock: bool = False) -> tuple[SurveyInvitation, Survey]:
    if not token or len(token) > 100:
        raise NotFound("survey_link_unknown")
    stmt = select(SurveyInvitation).where(SurveyInvitation.token_hash == token_hash(token))
    if lock:
        stmt = lock_for_update(stmt, session).execution_options(populate_existing=True)
    inv = session.scalar(stmt)
    if inv is None:
        raise NotFound("survey_link_unknown")
    return inv, session.get_one(Survey, inv.survey_id)


@dataclass(frozen=True)
class AnswerData:
    score: int
    answers: dict[str, int]
    comment: str = ""


def check_answer(kind: str, data: AnswerData) -> dict[str, int]:
    if isinstance(data.score, bool) or not isinstance(data.score, int) or not 0 <= data.score <= 100:
        raise Invalid("survey_score_invalid")
    if len(data.comment) > 1000:
        raise Invalid("survey_comment_too_long")
    clean: dict[str, int] = {}
    for code, value in data.answers.items():
        if code not in QUESTIONS[kind]:
            raise Invalid("survey_question_unknown", code=str(code)[:20])
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise Invalid("survey_answer_invalid", code=code)
        clean[code] = value
    return clean


def answer(session: Session, *, token: str, data: AnswerData, now: datetime) -> SurveyResponse:
    """Record one anonymous answer for the link. 404 unknown link; 409 closed or already answered."""
    inv, survey = invitation_for(session, token, lock=True)
    if inv.answered_at is not None:
        raise Conflict("survey_already_answered")
    if not is_accepting(survey, now):
        raise Conflict("survey_closed")
    answers = check_answer(survey.kind, data)
    resp = SurveyResponse(survey_id=survey.id, kind=survey.kind, community_id=inv.community_id, grid_id=inv.grid_id,
                          score=data.score, answers=answers, comment=data.comment.strip(), submitted_at=now)
    session.add(resp)
    inv.answered_at = utc(now).replace(minute=0, second=0, microsecond=0)
    session.flush()
    return resp


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class Summary:
    area_id: int | None  # community id; None for the whole survey
    name: str
    invited: int
    n: int
    mean: float | None
    sd: float | None
    ci_low: float | None
    ci_high: float | None

    @property
    def response_rate(self) -> float | None:
        return None if self.invited == 0 else 100.0 * self.n / self.invited

    def as_dict(self) -> dict[str, Any]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 2)

        return {"area_id": self.area_id, "name": self.name, "invited": self.invited, "n": self.n,
                "mean": r(self.mean), "sd": r(self.sd), "ci_low": r(self.ci_low), "ci_high": r(self.ci_high),
                "response_rate": r(self.response_rate)}


def summarise(scores: Sequence[float], invited: int, area_id: int | None, name: str) -> Summary:
    n = len(scores)
    if n == 0:
        return Summary(area_id, name, invited, 0, None, None, None, None)
    mean = sum(scores) / n
    if n < 2:
        return Summary(area_id, name, invited, n, mean, None, None, None)
    sd = math.sqrt(sum((x - mean) ** 2 for x in scores) / (n - 1))
    half = float(sps.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    return Summary(area_id, name, invited, n, mean, sd, max(0.0, mean - half), min(100.0, mean + half))


def area_name(area: Area, lang: str) -> str:
    return (area.name_en or area.name) if lang == "en" else area.name


def results(session: Session, survey: Survey, *, lang: str = "zh") -> tuple[Summary, list[Summary]]:
    """(whole survey, one per community in the survey's area)."""
    area = session.get_one(Area, survey.area_id)
    communities = communities_of(session, area)
    invited = dict(session.execute(
        select(SurveyInvitation.community_id, func.count()).where(SurveyInvitation.survey_id == survey.id)
        .group_by(SurveyInvitation.community_id)).all())
    scores: dict[int, list[float]] = {}
    for cid, score in session.execute(select(SurveyResponse.community_id, SurveyResponse.score)
                                      .where(SurveyResponse.survey_id == survey.id)):
        scores.setdefault(cid, []).append(float(score))
    rows = [summarise(scores.get(c.id, []), invited.get(c.id, 0), c.id, area_name(c, lang)) for c in communities]
    everything = [s for ss in scores.values() for s in ss]
    total = summarise(everything, sum(invited.values()), None, area_name(area, lang))
    return total, rows


def question_means(session: Session, survey: Survey) -> dict[str, float | None]:
    sums: dict[str, list[int]] = {q: [] for q in QUESTIONS[survey.kind]}
    for answers in session.scalars(select(SurveyResponse.answers).where(SurveyResponse.survey_id == survey.id)):
        for code, value in (answers or {}).items():
            if code in sums and isinstance(value, int):
                sums[code].append(value)
    return {q: (sum(v) / len(v) if v else None) for q, v in sums.items()}


# ---------------------------------------------------------------- figures for the measures


def survey_scores(session: Session, kind: Literal["satisfaction", "safety"], grid_ids: Sequence[int],
                  start: datetime, end: datetime, *, group: Group = "total",
                  ) -> dict[object, tuple[float | None, int]]:
    """(mean 0–100, responses) of the responses submitted in [start, end) from the grids.

    Keys: "total" → None; "grid" → grid id; "community" → community id; "month" → date of the local month's 1st.
    Missing keys: no responses.
    """
    ids = list(grid_ids)
    out: dict[object, tuple[float | None, int]] = {}
    if group == "total":
        out[None] = (None, 0)
    if not ids:
        return out
    where = (SurveyResponse.kind == kind, SurveyResponse.grid_id.in_(ids),
             SurveyResponse.submitted_at >= start, SurveyResponse.submitted_at < end)
    if group == "month":
        acc: dict[object, list[int]] = {}
        for at, score in session.execute(select(SurveyResponse.submitted_at, SurveyResponse.score).where(*where)):
            day = local(at).date().replace(day=1)
            acc.setdefault(day, []).append(score)
        return {k: (sum(v) / len(v), len(v)) for k, v in acc.items()}
    total_sum = func.coalesce(func.sum(SurveyResponse.score), 0)
    if group == "total":
        total, n = session.execute(select(total_sum, func.count()).where(*where)).one()
        out[None] = (None if not n else float(total) / n, int(n))
        return out
    key = SurveyResponse.grid_id if group == "grid" else SurveyResponse.community_id
    for k, total, n in session.execute(select(key, total_sum, func.count()).where(*where).group_by(key)):
        out[k] = (float(total) / n, int(n))
    return out
