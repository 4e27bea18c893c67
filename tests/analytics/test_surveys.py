"""Surveys: reproducible stratified sampling, invitations through the outbox, one anonymous answer per
link, 409 once closed, results by community and survey_scores against hand-computed figures."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests import factories
from tests.factories import T0

from gongzhi.analytics import households as hh
from gongzhi.analytics import surveys as sv
from gongzhi.analytics.models import Household, Survey, SurveyInvitation, SurveyResponse
from gongzhi.auth.models import User
from gongzhi.errors import Conflict, Forbidden, Invalid, NotFound
from gongzhi.notify.models import OutboxMessage


@pytest.fixture
def tree(session: Session) -> dict[str, int]:
    return {code: a.id for code, a in factories.build_area_tree(session).items()}


@pytest.fixture
def official(session: Session, tree: dict[str, int]) -> User:
    return factories.make_user(session, "jiedao1", "official", "S1")


def _register(session: Session, official: User, grid: str, n: int, start: int = 1) -> list[Household]:
    return [hh.create_household(session, actor=official, now=T0, data=hh.HouseholdData(
        code=f"{grid}-{i}", grid_code=grid, head_name=f"住户{i}", head_phone=f"1380000{i:04d}"))
        for i in range(start, start + n)]


def _survey(session: Session, official: User, *, mode: str = "fixed", size: int = 3, seed: int = 7,
            kind: str = "satisfaction", area: str = "S1") -> Survey:
    return sv.create_survey(session, actor=official, now=T0, data=sv.SurveyData(
        kind=kind, title="2026年四季度满意度调查", area_code=area, opens_on=date(2026, 11, 23),
        closes_on=date(2026, 11, 30), sample_mode=mode, sample_size=size, seed=seed))


def test_allocate_largest_remainder() -> None:
    assert sv._allocate({1: 60, 2: 30, 3: 10}, 10) == {1: 6, 2: 3, 3: 1}
    assert sv._allocate({1: 5, 2: 5, 3: 5}, 4) == {1: 2, 2: 1, 3: 1}  # ties go to the lower key
    assert sv._allocate({1: 2, 2: 1}, 10) == {1: 2, 2: 1}  # never more than there are
    assert sv._allocate({1: 0}, 3) == {1: 0}


def test_sample_is_reproducible_and_per_community(session: Session, tree: dict[str, int], official: User) -> None:
    c1 = _register(session, official, "G1", 6) + _register(session, official, "G2", 4)
    c2 = _register(session, official, "G3", 5)
    s = _survey(session, official, size=3, seed=11)
    first = sv.draw_sample(session, s)
    assert sorted(first) == [tree["C1"], tree["C2"]]
    assert len(first[tree["C1"]]) == 3 and len(first[tree["C2"]]) == 3
    assert set(first[tree["C1"]]) <= {h.id for h in c1} and set(first[tree["C2"]]) <= {h.id for h in c2}
    # Same seed, same sample; a second survey with the same seed draws the same households.
    assert sv.draw_sample(session, s) == first
    assert sv.draw_sample(session, _survey(session, official, size=3, seed=11)) == first
    # Fixed n larger than a community: all of it.
    assert len(sv.draw_sample(session, _survey(session, official, size=8, seed=11))[tree["C2"]]) == 5
    # Proportional: 6 in all over 10 and 5 households → 4 and 2.
    prop = sv.draw_sample(session, _survey(session, official, mode="proportional", size=6, seed=11))
    assert (len(prop[tree["C1"]]), len(prop[tree["C2"]])) == (4, 2)


def test_only_managers_in_scope(session: Session, tree: dict[str, int], official: User) -> None:
    worker = factories.make_user(session, "wangge1", "grid_worker", "G1")
    c2_official = factories.make_user(session, "shequ2", "official", "C2")
    with pytest.raises(Forbidden):
        _survey(session, worker)
    with pytest.raises(Forbidden):
        _survey(session, c2_official, area="C1")
    with pytest.raises(Invalid):
        _survey(session, official, area="G1")
    with pytest.raises(Invalid) as err:
        _survey(session, official, seed=2**31)
    assert err.value.code == "survey_seed_invalid"
    s = _survey(session, official)
    with pytest.raises(NotFound):
        sv.get_survey(session, c2_official, s.id)  # a street survey is outside a community official's area
    assert [x.id for x in sv.list_surveys(session, official)] == [s.id]


def test_open_sends_one_link_per_household_through_the_outbox(session: Session, tree: dict[str, int],
                                                               official: User) -> None:
    resident = factories.make_user(session, "jumin1", "resident", "G1")
    hh.create_household(session, actor=official, now=T0, data=hh.HouseholdData(
        code="G1-1", grid_code="G1", head_name="张三", head_phone="13800000001", head_username="jumin1"))
    _register(session, official, "G3", 1)
    s = _survey(session, official, size=5)
    tokens = sv.open_survey(session, actor=official, survey_id=s.id, now=T0)
    assert s.status == "open" and len(tokens) == 2
    msgs = session.scalars(select(OutboxMessage).where(OutboxMessage.ref == f"survey:{s.id}")
                           .order_by(OutboxMessage.id)).all()
    assert sorted(m.recipient for m in msgs) == sorted([f"user:{resident.id}", "sms:13800000001"])
    for m in msgs:
        assert m.topic == "survey.invitation" and m.payload["url"].startswith("/s/")
        assert m.payload["url"][3:] in tokens.values() and m.payload["url"] in m.body
    # Only the hash is stored.
    stored = set(session.scalars(select(SurveyInvitation.token_hash).where(SurveyInvitation.survey_id == s.id)))
    assert stored == {sv.token_hash(t) for t in tokens.values()}
    with pytest.raises(Conflict):
        sv.open_survey(session, actor=official, survey_id=s.id, now=T0)


def test_open_without_households_is_a_conflict(session: Session, tree: dict[str, int], official: User) -> None:
    s = _survey(session, official)
    with pytest.raises(Conflict) as err:
        sv.open_survey(session, actor=official, survey_id=s.id, now=T0)
    assert err.value.code == "survey_no_households"


def test_one_answer_per_link_anonymous_and_closed_is_409(session: Session, tree: dict[str, int],
                                                        official: User) -> None:
    _register(session, official, "G1", 3)
    s = _survey(session, official, size=3)
    tokens = list(sv.open_survey(session, actor=official, survey_id=s.id, now=T0).values())
    later = T0 + timedelta(hours=2, minutes=17)
    resp = sv.answer(session, token=tokens[0], data=sv.AnswerData(80, {"response": 4}, "很好"), now=later)
    assert (resp.score, resp.grid_id, resp.community_id, resp.answers) == (80, tree["G1"], tree["C1"],
                                                                           {"response": 4})
    # The response holds no household or invitation id; the invitation only the hour it was used.
    assert not {"household_id", "invitation_id"} & set(SurveyResponse.__table__.columns.keys())
    inv = session.scalars(select(SurveyInvitation).where(SurveyInvitation.token_hash == sv.token_hash(tokens[0]))).one()
    assert inv.answered_at is not None and inv.answered_at.replace(tzinfo=UTC) == datetime(2026, 11, 23, 4, 0,
                                                                                           tzinfo=UTC)
    with pytest.raises(Conflict) as err:
        sv.answer(session, token=tokens[0], data=sv.AnswerData(10, {}), now=later)
    assert err.value.code == "survey_already_answered"
    with pytest.raises(NotFound):
        sv.answer(session, token="nope", data=sv.AnswerData(10, {}), now=later)
    for bad in (sv.AnswerData(101, {}), sv.AnswerData(50, {"night": 3}), sv.AnswerData(50, {"response": 6})):
        with pytest.raises(Invalid):
            sv.answer(session, token=tokens[1], data=bad, now=later)
    sv.close_survey(session, actor=official, survey_id=s.id, now=later)
    with pytest.raises(Conflict) as err:
        sv.answer(session, token=tokens[1], data=sv.AnswerData(50, {}), now=later)
    assert err.value.code == "survey_closed"


def test_answer_after_closing_day_is_409(session: Session, tree: dict[str, int], official: User) -> None:
    _register(session, official, "G1", 2)
    s = _survey(session, official)
    first, second = sv.open_survey(session, actor=official, survey_id=s.id, now=T0).values()
    # closes_on 2026-11-30 includes that local day: open until 2026-12-01 00:00 Shanghai = 11-30 16:00 UTC.
    sv.answer(session, token=first, data=sv.AnswerData(70, {}), now=datetime(2026, 11, 30, 15, 59, tzinfo=UTC))
    with pytest.raises(Conflict) as err:
        sv.answer(session, token=second, data=sv.AnswerData(70, {}), now=datetime(2026, 11, 30, 16, 0, tzinfo=UTC))
    assert err.value.code == "survey_closed"


def test_results_by_community_match_hand_computed(session: Session, tree: dict[str, int], official: User) -> None:
    _register(session, official, "G1", 3)
    _register(session, official, "G2", 1)
    _register(session, official, "G3", 4)
    s = _survey(session, official, size=4)
    tokens = sv.open_survey(session, actor=official, survey_id=s.id, now=T0)
    grid_of = {h.id: h.grid_id for h in session.scalars(select(Household))}
    c1 = [t for hid, t in tokens.items() if grid_of[hid] in (tree["G1"], tree["G2"])]
    c2 = [t for hid, t in tokens.items() if grid_of[hid] == tree["G3"]]
    for token, score in zip(c1, (60, 80, 100), strict=False):
        sv.answer(session, token=token, data=sv.AnswerData(score, {"result": 4}), now=T0)
    sv.answer(session, token=c2[0], data=sv.AnswerData(90, {"result": 2}), now=T0)
    total, rows = sv.results(session, s)
    by = {r.area_id: r for r in rows}
    one = by[tree["C1"]]
    # C1: 60, 80, 100 → mean 80, s = 20, t(0.975, 2) = 4.302653 → half width 4.302653·20/√3 = 49.683
    assert (one.invited, one.n, one.mean, one.sd) == (4, 3, 80.0, 20.0)
    assert one.response_rate == 75.0
    assert one.ci_low is not None and math.isclose(one.ci_low, 80 - 49.68318, abs_tol=1e-3)
    assert one.ci_high == 100.0  # clipped to the scale
    two = by[tree["C2"]]
    assert (two.invited, two.n, two.mean, two.ci_low, two.response_rate) == (4, 1, 90.0, None, 25.0)
    assert (total.invited, total.n, total.mean) == (8, 4, 82.5)
    assert sv.question_means(session, s) == {"response": None, "attitude": None, "result": 3.5}


def test_survey_scores_groups(session: Session, tree: dict[str, int], official: User) -> None:
    _register(session, official, "G1", 2)
    _register(session, official, "G3", 2)
    nov = _survey(session, official, size=2, kind="safety")
    t1 = sv.open_survey(session, actor=official, survey_id=nov.id, now=T0)
    grid_of = {h.id: h.grid_id for h in session.scalars(select(Household))}
    scores = {tree["G1"]: [70, 90], tree["G3"]: [60, 61]}
    for hid, token in t1.items():
        sv.answer(session, token=token, data=sv.AnswerData(scores[grid_of[hid]].pop(), {}), now=T0)
    # A satisfaction response must not count towards safety.
    sat = _survey(session, official, size=1, kind="satisfaction")
    sv.answer(session, token=next(iter(sv.open_survey(session, actor=official, survey_id=sat.id, now=T0).values())),
              data=sv.AnswerData(5, {}), now=T0)
    grids = [tree["G1"], tree["G2"], tree["G3"]]
    start, end = datetime(2026, 10, 31, 16, tzinfo=UTC), datetime(2026, 11, 30, 16, tzinfo=UTC)
    assert sv.survey_scores(session, "safety", grids, start, end) == {None: (70.25, 4)}
    assert sv.survey_scores(session, "safety", grids, start, end, group="grid") == {
        tree["G1"]: (80.0, 2), tree["G3"]: (60.5, 2)}
    assert sv.survey_scores(session, "safety", grids, start, end, group="community") == {
        tree["C1"]: (80.0, 2), tree["C2"]: (60.5, 2)}
    assert sv.survey_scores(session, "safety", grids, start, end, group="month") == {date(2026, 11, 1): (70.25, 4)}
    assert sv.survey_scores(session, "safety", [tree["G2"]], start, end) == {None: (None, 0)}
    # The window is half-open: ending exactly at the answers' instant excludes them.
    assert sv.survey_scores(session, "safety", grids, start, T0) == {None: (None, 0)}


def test_demo_seed_two_rounds_before_after(session: Session) -> None:
    from gongzhi.simulate.district import build_district
    from gongzhi.simulate.survey_demo import seed_surveys

    end = T0
    start = end - timedelta(days=70)
    district = build_district(session, start - timedelta(days=1), 4242)
    demo = seed_surveys(session, district, start, end, seed=5, max_per_grid=40)
    grid_ids = [g.id for g in district.grids]
    assert demo.households == hh.household_count(session, grid_ids)
    assert demo.linked == sum(len(g.resident_ids) for g in district.grids)
    keys = hh.household_keys(session, grid_ids)
    assert all(f"u:{r}" in keys for g in district.grids for r in g.resident_ids)
    surveys = session.scalars(select(Survey).where(Survey.id.in_(demo.surveys)).order_by(Survey.opens_at)).all()
    assert [s.kind for s in surveys] == ["satisfaction", "safety", "satisfaction", "safety"]
    assert (surveys[2].opens_at - surveys[0].opens_at) == timedelta(days=45)
    assert [s.status for s in surveys] == ["closed", "closed", "open", "open"]
    for kind in ("satisfaction", "safety"):
        before, after = [s for s in surveys if s.kind == kind]
        (b, _), (a, _) = sv.results(session, before), sv.results(session, after)
        assert b.mean is not None and a.mean is not None and a.mean - b.mean > 10
        by_community = [r.mean for r in sv.results(session, before)[1]]
        assert len(by_community) == 4 and len({round(m or 0) for m in by_community}) > 1
        assert sum(n for _, n in sv.survey_scores(session, kind, grid_ids, start, end, group="month").values()) \
            == b.n + a.n
    # Every answer the seed made is counted in the results.
    assert demo.responses == sum(sv.results(session, s)[0].n for s in surveys)
