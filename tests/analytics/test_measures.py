"""Every measure against hand-computed values on small data; area roll-up; local-midnight boundaries.

Tree (tests/factories.py): D1 ─ S1 ─┬─ C1 ─┬─ G1 (320 households on the Area row)
                                     │      └─ G2 (280)
                                     └─ C2 ─── G3 (300)
Data rows are written directly (disputes, survey responses, households) or through the cases
service, then the measures are computed through the producers' real stats functions.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session
from tests import factories

from gongzhi.analytics import measures as m
from gongzhi.analytics.models import Household, Resident, Survey, SurveyResponse
from gongzhi.analytics.periods import Period, local_midnight, month
from gongzhi.auth.models import User
from gongzhi.cases import service as cases
from gongzhi.cases import stats as case_stats
from gongzhi.cases.models import Case
from gongzhi.cases.schemas import CaseIn
from gongzhi.clock import SHANGHAI
from gongzhi.eldercare.models import Alarm, Elder, Wearable
from gongzhi.errors import NotFound
from gongzhi.geo.models import Area
from gongzhi.i18n import has, translate
from gongzhi.mediation.models import Dispute

T0 = factories.T0  # 2026-11-23 10:00 Shanghai
OCT = month(2026, 10)
NOV = month(2026, 11)



def local(y: int, mo: int, d: int, h: int = 10, mi: int = 0) -> datetime:
    """A Shanghai wall-clock time as an aware UTC instant."""
    return datetime(y, mo, d, h, mi, tzinfo=SHANGHAI).astimezone(UTC)


# ---------------------------------------------------------------- data makers (shared with the other tests)


def make_case(session: Session, grid: str, at: datetime, *, source: str = "citizen", actor: User | None = None,
              phone: str = "", category: str = "streetlight") -> Case:
    data = CaseIn(category=category, description="测试工单", grid_code=grid, source=source,
                  reporter_phone=phone)
    return cases.intake(session, actor=actor, data=data, now=at, internal=True).case


def make_dispute(session: Session, grid: Area, at: datetime, status: str) -> Dispute:
    case = make_case(session, grid.code, at, source="dispute")
    dispute = Dispute(case_id=case.id, created_at=at, updated_at=at, grid_id=grid.id, description="邻里纠纷",
                      type="neighbor", risk="low", status=status, tier="village")
    session.add(dispute)
    session.flush()
    return dispute


def make_survey(session: Session, kind: str, area: Area) -> Survey:
    survey = Survey(kind=kind, title=f"{kind} 问卷", area_id=area.id, opens_at=local(2026, 9, 1),
                    closes_at=local(2026, 12, 31), status="open", created_at=local(2026, 9, 1))
    session.add(survey)
    session.flush()
    return survey


def answer(session: Session, survey: Survey, grid: Area, score: int, at: datetime) -> None:
    assert grid.parent_id is not None
    session.add(SurveyResponse(survey_id=survey.id, kind=survey.kind, community_id=grid.parent_id, grid_id=grid.id,
                               score=score, answers={}, submitted_at=at))
    session.flush()


def household(session: Session, grid: Area, code: str, *, phone: str = "", user_id: int | None = None) -> Household:
    h = Household(code=code, grid_id=grid.id, head_name="户主", head_phone="", created_at=T0, updated_at=T0)
    session.add(h)
    session.flush()
    session.add(Resident(household_id=h.id, name="居民", phone=phone, user_id=user_id, is_head=True, created_at=T0))
    session.flush()
    return h


@pytest.fixture
def tree(session: Session) -> dict[str, Area]:
    return factories.build_area_tree(session)


# ---------------------------------------------------------------- definitions and pure parts


def test_every_measure_is_defined_once_with_zh_and_en_text() -> None:
    assert tuple(m.MEASURES) == m.MEASURE_CODES
    for code, measure in m.MEASURES.items():
        assert measure.code == code
        for part in ("name", "formula"):
            key = f"measure.{code}.{part}"
            assert has(key)
            assert translate(key, "zh") != translate(key, "en")
        # A percent is a rate and a count a count: the comparison test is chosen from the kind.
        assert (measure.unit == "percent") == (measure.kind == "rate")
        assert (measure.unit == "count") == (measure.kind == "count")
    assert not m.MEASURES["complaint_rate"].higher_is_better
    assert m.MEASURES["satisfaction"].higher_is_better


def test_unknown_measure_is_404() -> None:
    with pytest.raises(NotFound) as err:
        m.measure("happiness")
    assert err.value.code == "analytics_measure_unknown"


def test_rate_count_duration_score_constructors() -> None:
    assert m.rate("satisfaction", 3, 4) == m.Result("satisfaction", 75.0, 3.0, 4.0, 4)
    assert m.rate("satisfaction", 0, 0).value is None  # nothing to measure, not 0%
    assert m.count("petitions", 0) == m.Result("petitions", 0.0, 0.0, None, 0)
    assert m.duration("response_median", None, 0).value is None
    assert m.score("safety_score", 88.5, 2) == m.Result("safety_score", 88.5, None, None, 2)


def test_format_value_in_both_languages() -> None:
    assert m.format_value(m.rate("satisfaction", 23, 25), "zh") == "92.0%"
    assert m.format_value(m.duration("response_median", 750, 3), "zh") == "12分30秒"
    assert m.format_value(m.duration("response_median", 750, 3), "en") == "12 min 30 s"
    assert m.format_value(m.duration("response_median", 3 * 3600 + 300, 3), "zh") == "3小时5分"
    assert m.format_value(m.duration("response_median", 45, 3), "zh") == "45秒"
    assert m.format_value(m.duration("response_median", 2 * 86400 + 3600, 3), "zh") == "2天1小时"
    assert m.format_value(m.count("petitions", 1234), "zh") == "1,234"
    assert m.format_value(m.score("safety_score", 89.0, 5), "zh") == "89.0分"
    assert m.format_value(m.score("safety_score", 89.0, 5), "en") == "89.0"
    assert m.format_value(m.rate("satisfaction", 0, 0), "zh") == "—"


def test_complaint_households_counts_each_household_once() -> None:
    C = case_stats.Complainant
    keys = {"u:1": 10, "p:13800000002": 11, "u:2": 11}
    people = [
        C(grid_id=1, user_id=1, phone="13800000001"),  # household 10
        C(grid_id=1, user_id=2, phone=""),  # household 11 (by account)
        C(grid_id=1, user_id=None, phone="13800000002"),  # household 11 again (by phone)
        C(grid_id=1, user_id=9, phone=""),  # no household: one of its own
        C(grid_id=1, user_id=None, phone="13900000000"),  # no household: one of its own
    ]
    assert m.complaint_households(people, keys) == 4


# ---------------------------------------------------------------- disputes (mediation.stats)


def _disputes(session: Session, tree: dict[str, Area]) -> None:
    """October: G1 agreement×2, failed, withdrawn, waiting; G2 agreement, failed×3; G3 agreement.
    November (outside October): G1 agreement."""
    for status in ("agreement", "agreement", "failed", "withdrawn", "waiting"):
        make_dispute(session, tree["G1"], local(2026, 10, 12), status)
    for status in ("agreement", "failed", "failed", "failed"):
        make_dispute(session, tree["G2"], local(2026, 10, 15), status)
    make_dispute(session, tree["G3"], local(2026, 10, 20), "agreement")
    make_dispute(session, tree["G1"], local(2026, 11, 2), "agreement")


def test_dispute_measures_hand_computed(session: Session, tree: dict[str, Area]) -> None:
    _disputes(session, tree)
    g1 = tree["G1"]
    got = m.compute_many(session, ["dispute_count", "mediation_success", "resolution_rate"], g1, OCT, now=T0)
    assert got["dispute_count"] == m.Result("dispute_count", 5.0, 5.0, None, 5)
    # agreements 2 / concluded (agreement + failed) 3
    success = got["mediation_success"]
    assert (success.numerator, success.denominator, success.n) == (2.0, 3.0, 3)
    assert success.value == pytest.approx(200 / 3)
    # resolved (agreement + withdrawn) 3 / filed 5
    assert got["resolution_rate"] == m.Result("resolution_rate", 60.0, 3.0, 5.0, 5)
    street = m.compute_many(session, ["dispute_count", "mediation_success", "resolution_rate"], tree["S1"], OCT, now=T0)
    assert street["dispute_count"].value == 10
    assert street["mediation_success"].value == pytest.approx(100 * 4 / 8)  # 4 agreements / 8 concluded
    assert street["resolution_rate"].value == pytest.approx(100 * 5 / 10)


def test_rollup_is_computed_over_the_union_of_grids_not_averaged(session: Session, tree: dict[str, Area]) -> None:
    _disputes(session, tree)
    code = "mediation_success"
    grids = m.by_grid(session, code, tree["S1"], OCT, now=T0)
    assert {tree[g].id: grids[tree[g].id].value for g in ("G1", "G2", "G3")} == {
        tree["G1"].id: pytest.approx(200 / 3), tree["G2"].id: 25.0, tree["G3"].id: 100.0}
    # C1 = (2 + 1) / (3 + 4) = 42.86%, not the mean of 66.7% and 25%.
    c1 = m.compute(session, code, tree["C1"], OCT, now=T0)
    assert c1.value == pytest.approx(300 / 7)
    assert c1.value != pytest.approx((200 / 3 + 25) / 2)
    kids = m.by_child(session, code, tree["S1"], OCT, now=T0)
    assert set(kids) == {tree["C1"].id, tree["C2"].id}
    assert kids[tree["C1"].id] == c1
    assert kids[tree["C2"].id].value == 100.0
    # The district equals the figure over the union of all its grids: 4 / 8 = 50%, while the mean
    # of its communities would be 71.4%.
    district = m.compute(session, code, tree["D1"], OCT, now=T0)
    union = m.compute_grids(session, code, [tree[g].id for g in ("G1", "G2", "G3")], OCT, now=T0)
    assert district == union
    assert district.value == 50.0
    assert district.value != pytest.approx(sum(r.value or 0 for r in kids.values()) / len(kids))
    # D1 has one child (S1): its roll-up row equals the district.
    assert m.by_child(session, code, tree["D1"], OCT, now=T0) == {tree["S1"].id: district}
    # A grid's "children" are itself.
    assert m.by_child(session, code, tree["G3"], OCT, now=T0) == {tree["G3"].id: kids[tree["C2"].id]}
    # Counts add up.
    counts = m.by_child(session, "dispute_count", tree["S1"], OCT, now=T0)
    assert sum(r.value or 0 for r in counts.values()) == m.compute(session, "dispute_count", tree["D1"], OCT,
                                                                     now=T0).value == 10


def test_period_boundaries_are_local_midnights(session: Session, tree: dict[str, Area]) -> None:
    g1 = tree["G1"]
    # 23:59 Shanghai on 31 October is 15:59 UTC: October. 00:00 on 1 November is 16:00 UTC on the 31st: November.
    last_minute = local(2026, 10, 31, 23, 59)
    assert last_minute == datetime(2026, 10, 31, 15, 59, tzinfo=UTC)
    make_dispute(session, g1, last_minute, "waiting")
    make_dispute(session, g1, local(2026, 11, 1, 0, 0), "waiting")
    make_dispute(session, g1, local(2026, 10, 1, 0, 0), "waiting")  # first minute of October
    make_dispute(session, g1, local(2026, 9, 30, 23, 59), "waiting")  # September
    counts = [m.compute(session, "dispute_count", g1, p, now=T0).value for p in (month(2026, 9), OCT, NOV)]
    assert counts == [1, 2, 1]
    # A custom period [Oct 31, Nov 1) holds only the last-minute dispute.
    assert m.compute(session, "dispute_count", g1, Period(date(2026, 10, 31), date(2026, 11, 1)), now=T0).value == 1
    assert OCT.utc_bounds() == (local_midnight(date(2026, 10, 1)), local_midnight(date(2026, 11, 1)))


def test_trend_gives_one_result_per_period(session: Session, tree: dict[str, Area]) -> None:
    _disputes(session, tree)
    got = m.trend(session, "dispute_count", tree["S1"], [month(2026, 9), OCT, NOV], now=T0)
    assert [r.value for r in got] == [0, 10, 1]


# ---------------------------------------------------------------- surveys (analytics.surveys)


def test_survey_scores_are_means_of_responses(session: Session, tree: dict[str, Area]) -> None:
    sat = make_survey(session, "satisfaction", tree["S1"])
    safe = make_survey(session, "safety", tree["S1"])
    for grid, score in (("G1", 80), ("G1", 90), ("G2", 70), ("G3", 100)):
        answer(session, sat, tree[grid], score, local(2026, 10, 10))
    for grid, score in (("G1", 60), ("G3", 95)):
        answer(session, safe, tree[grid], score, local(2026, 10, 11))
    answer(session, sat, tree["G1"], 0, local(2026, 11, 1, 0, 0))  # November
    answer(session, safe, tree["G1"], 0, local(2026, 9, 30, 23, 59))  # September
    s1 = m.compute_many(session, ["satisfaction_survey", "safety_score"], tree["S1"], OCT, now=T0)
    assert s1["satisfaction_survey"] == m.Result("satisfaction_survey", 85.0, None, None, 4)
    assert s1["safety_score"] == m.Result("safety_score", 77.5, None, None, 2)
    c1 = m.compute(session, "satisfaction_survey", tree["C1"], OCT, now=T0)
    assert c1.value == pytest.approx(80.0) and c1.n == 3  # (80 + 90 + 70) / 3: responses weigh, not grids
    assert m.compute(session, "safety_score", tree["G2"], OCT, now=T0) == m.Result("safety_score", None, None, None, 0)
    grids = m.by_grid(session, "satisfaction_survey", tree["S1"], OCT, now=T0)
    assert grids[tree["G1"].id].value == 85.0 and grids[tree["G1"].id].n == 2
    assert m.compute(session, "satisfaction_survey", tree["G1"], NOV, now=T0).value == 0.0


# ---------------------------------------------------------------- cases (cases.stats)


def _case_data(session: Session, tree: dict[str, Area]) -> list[Case]:
    """G1 in October: 6 cases. Accepted after 600, 900, 1200, 1800, 1800 s (one never accepted).
    Resolved: 4, of which 3 within the clock. Rated 5, 4, 3, 5 (3 good of 4)."""
    made: list[Case] = []
    accept_after = (600, 900, 1200, 1800, 1800, None)
    resolved_late = (False, True, False, False, None, None)  # None: not resolved
    ratings = (5, 4, 3, 5, None, None)
    for i, (acc, late, rating) in enumerate(zip(accept_after, resolved_late, ratings, strict=True)):
        at = local(2026, 10, 3 + i, 9)
        case = make_case(session, "G1", at, source="staff")
        case.accept_due_at = at + timedelta(hours=1)
        case.resolve_due_at = at + timedelta(days=2)
        if acc is not None:
            case.accepted_at = at + timedelta(seconds=acc)
            case.status = "accepted"
        if late is not None:
            case.resolved_at = at + timedelta(days=3 if late else 1)
            case.status = "resolved"
        case.rating = rating
        case.updated_at = at + timedelta(days=3)
        made.append(case)
    session.flush()
    return made


def test_case_measures_hand_computed(session: Session, tree: dict[str, Area]) -> None:
    _case_data(session, tree)
    make_case(session, "G1", local(2026, 11, 1, 0, 0), source="staff").rating = 1  # November: outside
    session.flush()
    got = m.compute_many(session, ["satisfaction", "on_time_rate", "response_median", "response_p90"],
                         tree["C1"], OCT, now=T0)
    assert got["satisfaction"] == m.Result("satisfaction", 75.0, 3.0, 4.0, 4)
    assert got["on_time_rate"] == m.Result("on_time_rate", 75.0, 3.0, 4.0, 4)
    # durations 600, 900, 1200, 1800, 1800: the median is 1200 s, the 90th percentile 1800 s
    # (the same under nearest-rank and linear interpolation).
    assert got["response_median"] == m.Result("response_median", 1200.0, None, None, 5)
    assert got["response_p90"] == m.Result("response_p90", 1800.0, None, None, 5)
    assert m.compute(session, "satisfaction", tree["G2"], OCT, now=T0).value is None


def test_complaint_rate_households(session: Session, tree: dict[str, Area]) -> None:
    g1 = tree["G1"]
    u1 = factories.make_user(session, "resi1", "resident", "G1", phone="13800000001")
    u9 = factories.make_user(session, "resi9", "resident", "G1", phone="13900000009")
    household(session, g1, "H1", user_id=u1.id)
    household(session, g1, "H2", phone="13800000002")
    household(session, g1, "H3")
    household(session, g1, "H4")
    at = local(2026, 10, 8)
    make_case(session, "G1", at, actor=u1)  # H1
    make_case(session, "G1", at + timedelta(days=1), actor=u1)  # H1 again
    make_case(session, "G1", at, phone="13800000002")  # H2, matched by phone
    make_case(session, "G1", at, actor=u9)  # no household: counts as one
    make_case(session, "G1", at + timedelta(days=2), actor=u9)  # … once
    make_case(session, "G1", at, source="staff")  # not a complaint
    make_case(session, "G1", local(2026, 11, 2), actor=u1)  # November
    got = m.compute(session, "complaint_rate", g1, OCT, now=T0)
    assert got == m.Result("complaint_rate", 75.0, 3.0, 4.0, 4)  # 3 households of the 4 registered
    # C1: G2 has no register, so its Area.households (280) is the denominator's share: 3 / 284.
    c1 = m.compute(session, "complaint_rate", tree["C1"], OCT, now=T0)
    assert (c1.numerator, c1.denominator) == (3.0, 284.0)
    assert c1.value == pytest.approx(300 / 284)
    grids = m.by_grid(session, "complaint_rate", tree["C1"], OCT, now=T0)
    assert grids[g1.id] == got
    assert grids[tree["G2"].id] == m.Result("complaint_rate", 0.0, 0.0, 280.0, 280)


def test_petitions_count_petition_cases_only(session: Session, tree: dict[str, Area]) -> None:
    for day in (5, 6, 7):
        make_case(session, "G1", local(2026, 10, day), source="staff", category="petition")
    make_case(session, "G3", local(2026, 10, 31, 23, 59), source="staff", category="petition")
    make_case(session, "G3", local(2026, 11, 1, 0, 0), source="staff", category="petition")  # November
    make_case(session, "G1", local(2026, 10, 5), source="staff")  # not a petition
    assert m.compute(session, "petitions", tree["S1"], OCT, now=T0) == m.Result("petitions", 4.0, 4.0, None, 4)
    assert m.compute(session, "petitions", tree["C2"], OCT, now=T0).value == 1
    assert m.compute(session, "petitions", tree["C2"], NOV, now=T0).value == 1
    assert m.compute(session, "petitions", tree["C1"], NOV, now=T0) == m.Result("petitions", 0.0, 0.0, None, 0)


# ---------------------------------------------------------------- elder care (eldercare.stats)


def make_elder(session: Session, grid: Area, n: int, *, doctor_id: int | None, seen: datetime | None,
               active: bool = True, created: datetime = T0) -> Elder:
    elder = Elder(name=f"老人{n}", id_number=factories.id_number(seq=f"{n:03d}"), birth_date=date(1940, 1, 1),
                  grid_id=grid.id, doctor_id=doctor_id, is_active=active, created_at=created, updated_at=created)
    session.add(elder)
    session.flush()
    if seen is not None:
        session.add(Wearable(device_code=f"band-{n}", elder_id=elder.id, bound_at=created, last_seen_at=seen))
        session.flush()
    return elder


def make_alarm(session: Session, elder: Elder, raised: datetime, *, ack: int | None = None, scene: int | None = None,
               kind: str = "sos") -> None:
    session.add(Alarm(elder_id=elder.id, kind=kind, status="resolved", raised_at=raised, last_event_at=raised,
                      acknowledged_at=raised + timedelta(seconds=ack) if ack is not None else None,
                      on_scene_at=raised + timedelta(seconds=scene) if scene is not None else None))
    session.flush()


def test_alarm_response_medians(session: Session, tree: dict[str, Area]) -> None:
    elder = make_elder(session, tree["G1"], 1, doctor_id=None, seen=None, created=local(2026, 9, 1))
    at = local(2026, 10, 9)
    make_alarm(session, elder, at, ack=60, scene=600)
    make_alarm(session, elder, at, ack=120, scene=900)
    make_alarm(session, elder, at, ack=300)
    make_alarm(session, elder, at)  # never answered
    make_alarm(session, elder, at, ack=5000, kind="low_battery")  # nobody is called for it: left out
    make_alarm(session, elder, local(2026, 11, 1, 0, 0), ack=9000, scene=9000)  # November
    got = m.compute_many(session, ["alarm_ack_median", "alarm_scene_median"], tree["S1"], OCT, now=T0)
    assert got["alarm_ack_median"] == m.Result("alarm_ack_median", 120.0, None, None, 3)  # of 60, 120, 300
    assert got["alarm_scene_median"] == m.Result("alarm_scene_median", 750.0, None, None, 2)  # of 600, 900
    assert m.compute(session, "alarm_ack_median", tree["C2"], OCT, now=T0).value is None


def test_elder_coverage_now_and_at_period_end(session: Session, tree: dict[str, Area]) -> None:
    doctor = factories.make_user(session, "doc1", "doctor", "S1")
    fresh, stale = T0 - timedelta(hours=1), T0 - timedelta(hours=30)
    make_elder(session, tree["G1"], 1, doctor_id=doctor.id, seen=fresh)  # covered
    make_elder(session, tree["G1"], 2, doctor_id=doctor.id, seen=stale)  # band silent for 30 h
    make_elder(session, tree["G1"], 3, doctor_id=None, seen=fresh)  # no doctor
    make_elder(session, tree["G1"], 4, doctor_id=doctor.id, seen=fresh, active=False)  # off the register
    make_elder(session, tree["G2"], 5, doctor_id=doctor.id, seen=fresh)  # covered
    # November is still running: the snapshot is now.
    assert m.compute(session, "elder_coverage", tree["C1"], NOV, now=T0) == m.Result(
        "elder_coverage", 50.0, 2.0, 4.0, 4)
    grids = m.by_grid(session, "elder_coverage", tree["C1"], NOV, now=T0)
    assert grids[tree["G1"].id].value == pytest.approx(100 / 3) and grids[tree["G2"].id].value == 100.0
    # October ended before these elders were registered: nobody to cover then.
    assert m.compute(session, "elder_coverage", tree["C1"], OCT, now=T0) == m.Result(
        "elder_coverage", None, 0.0, 0.0, 0)


def test_trend_by_month_equals_month_by_month(session: Session, tree: dict[str, Area]) -> None:
    """Month-aligned trends are asked grouped by month; every measure must equal its monthly compute."""
    _disputes(session, tree)
    _case_data(session, tree)
    for day, acc in ((2, 300), (3, 700)):  # November cases, accepted
        case = make_case(session, "G2", local(2026, 11, day), source="staff")
        case.accepted_at, case.rating = case.created_at + timedelta(seconds=acc), 4
    make_case(session, "G3", local(2026, 10, 31, 23, 59), source="staff", category="petition")
    survey = make_survey(session, "safety", tree["S1"])
    answer(session, survey, tree["G1"], 70, local(2026, 10, 31, 23, 59))
    answer(session, survey, tree["G3"], 90, local(2026, 11, 1, 0, 0))
    elder = make_elder(session, tree["G1"], 1, doctor_id=None, seen=None, created=local(2026, 9, 1))
    make_alarm(session, elder, local(2026, 10, 31, 23, 59), ack=100, scene=400)
    make_alarm(session, elder, local(2026, 11, 1, 0, 0), ack=200)
    session.flush()
    months = [month(2026, 9), OCT, NOV]
    for code in m.MEASURE_CODES:
        assert m.trend(session, code, tree["S1"], months, now=T0) == [
            m.compute(session, code, tree["S1"], p, now=T0) for p in months], code
    # Not whole months: asked period by period.
    parts = [Period(date(2026, 10, 25), date(2026, 11, 1)), Period(date(2026, 11, 1), date(2026, 11, 8))]
    assert [r.value for r in m.trend(session, "dispute_count", tree["S1"], parts, now=T0)] == [0, 1]
    assert [r.value for r in m.trend(session, "safety_score", tree["S1"], parts, now=T0)] == [70.0, 90.0]
