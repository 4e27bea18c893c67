"""analytics.dashboards against hand-counted figures on a small street.

The street (tests/factories): S1 > C1 (G1, G2), C2 (G3). Now is Monday 2026-11-23 10:00 Shanghai.
Cases, all reported by a resident of G1 (local times):
  a  G1 streetlight  11-20 10:00  never accepted (accept clock long passed: overdue)
  b  G1 garbage      11-23 08:00  accepted 08:30  (response 1800 s)
  c  G1 streetlight  11-23 09:00  accepted 09:10  (response  600 s)
  d  G3 streetlight  11-23 10:00  new, clock running
  e  G2 garbage      10-15 10:00  October, never accepted (overdue)
  f  G2 noise        10-31 23:30  October by Shanghai time although 11-01 would be wrong only in UTC+0 terms
                                  (15:30 UTC on the 31st): the cohort is the local day.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session
from tests import factories

from gongzhi.analytics import dashboards, measures
from gongzhi.analytics.periods import Period, month
from gongzhi.auth.models import User
from gongzhi.cases import service as cases
from gongzhi.cases.models import Case
from gongzhi.cases.schemas import CaseIn
from gongzhi.clock import FrozenClock
from gongzhi.errors import Forbidden, Invalid, NotFound
from gongzhi.geo.models import Area

NOV = month(2026, 11)
OCT = month(2026, 10)


@dataclass
class Town:
    session: Session
    now: datetime
    areas: dict[str, Area]
    resident: User
    worker_g1: User
    worker_g3: User
    official: User
    cases: dict[str, Case]


def _report(session: Session, who: User, grid: str, category: str, at: datetime) -> Case:
    lng, lat = factories.point_in(grid)
    case = cases.create_case(session, actor=who, now=at,
                             data=CaseIn(category=category, description="测试问题描述一二三", lat=lat, lng=lng))
    session.flush()
    return case


@pytest.fixture
def town(session: Session, clock: FrozenClock) -> Town:
    now = clock.now()
    areas = factories.build_area_tree(session, now)
    factories.make_unit(session, code="U-MUNI", kind="municipal", area_code="S1", name="街道市政所", now=now)
    mk = factories.make_user
    resident = mk(session, "resident1", "resident", area_code="G1", now=now, phone="13812345678")
    worker_g1 = mk(session, "worker_g1", "grid_worker", area_code="G1", now=now)
    worker_g3 = mk(session, "worker_g3", "grid_worker", area_code="G3", now=now)
    official = mk(session, "official_s1", "official", area_code="S1", now=now)
    h = timedelta(hours=1)
    made = {
        "a": _report(session, resident, "G1", "streetlight", now - timedelta(days=3)),
        "b": _report(session, resident, "G1", "garbage", now - 2 * h),
        "c": _report(session, resident, "G1", "streetlight", now - h),
        "d": _report(session, resident, "G3", "streetlight", now),
        "e": _report(session, resident, "G2", "garbage", datetime(2026, 10, 15, 2, 0, tzinfo=UTC)),
        "f": _report(session, resident, "G2", "noise", datetime(2026, 10, 31, 15, 30, tzinfo=UTC)),
    }
    cases.transition(session, user=worker_g1, case_id=made["b"].id, action="accept", now=now - 90 * timedelta(minutes=1))
    cases.transition(session, user=worker_g1, case_id=made["c"].id, action="accept", now=now - 50 * timedelta(minutes=1))
    session.flush()
    return Town(session, now, areas, resident, worker_g1, worker_g3, official, made)


def _overview(t: Town, user: User, area: str = "S1", period: Period = NOV, measure: str = "") -> dict:
    return dashboards.overview(t.session, user, t.areas[area], period, measure=measure, now=t.now, lang="zh")


def _tile(doc: dict, code: str) -> dict:
    return next(tile for tile in doc["tiles"]["items"] if tile["code"] == code)


def test_overview_figures_match_hand_counts(town: Town) -> None:
    doc = _overview(town, town.official, measure="response_median")
    assert [t["code"] for t in doc["tiles"]["items"]] == list(dashboards.HEADLINE)
    # Response: b 1800 s and c 600 s -> median 1200 s = 20 minutes, n = 2; October accepted nothing.
    resp = _tile(doc, "response_median")
    assert (resp["value"], resp["n"], resp["previous"], resp["difference"]) == (1200.0, 2, None, None)
    assert resp["formatted"] == "20分0秒"
    assert _tile(doc, "dispute_count")["value"] == 0
    assert _tile(doc, "petitions")["value"] == 0
    # Top categories by cases created in November: streetlight a, c, d; garbage b.
    assert [(c["code"], c["created"]) for c in doc["top_categories"]["items"]] == [("streetlight", 3), ("garbage", 1)]
    # Open with a passed accept clock, whatever the period, most overdue first: e, f, a.
    overdue = doc["overdue"]
    assert overdue["count"] == 3
    assert [i["id"] for i in overdue["items"]] == [town.cases[k].id for k in "efa"]
    assert overdue["items"][2]["url"] == f"/cases/{town.cases['a'].id}" and overdue["items"][2]["grid"] == "宝石一网格"
    # The map: G1 has the two responses, the other grids nothing to measure.
    by_code = {g["code"]: g for g in doc["map"]["grids"]}
    assert (by_code["G1"]["value"], by_code["G1"]["n"]) == (1200.0, 2)
    assert by_code["G2"]["value"] is None and by_code["G3"]["value"] is None
    assert doc["measure"]["code"] == "response_median" and doc["measure"]["higher_is_better"] is False
    # Nothing open in eldercare or city brain.
    assert doc["alarms"]["count"] == doc["advisories"]["count"] == doc["alerts"]["count"] == 0
    assert doc["links"]["report"]["url"] == "/monthly-report?area=S1&month=2026-11"
    assert next(b["url"] for b in doc["links"]["boards"]) == "/dashboard/cases?area=S1&month=2026-11"


def test_tiles_are_exactly_the_measures(town: Town) -> None:
    """Each tile is measures.compute for the period and the month before: the one definition."""
    doc = _overview(town, town.official)
    for tile in doc["tiles"]["items"]:
        now_r = measures.compute(town.session, tile["code"], town.areas["S1"], NOV, now=town.now)
        before = measures.compute(town.session, tile["code"], town.areas["S1"], OCT, now=town.now)
        assert (tile["value"], tile["n"], tile["previous"]) == (now_r.value, now_r.n, before.value)
        assert tile["formatted"] == measures.format_value(now_r, "zh")


def test_month_boundary_is_the_shanghai_day(town: Town) -> None:
    """f was created 15:30 UTC on Oct 31 = 23:30 in Shanghai: October's, not November's."""
    october = _overview(town, town.official, period=OCT)
    assert sorted((c["code"], c["created"]) for c in october["top_categories"]["items"]) == [("garbage", 1),
                                                                                            ("noise", 1)]
    assert "noise" not in {c["code"] for c in _overview(town, town.official)["top_categories"]["items"]}
    assert october["period"] == {"start": "2026-10-01", "end": "2026-10-31", "label": "2026-10", "month": "2026-10"}


def test_change_against_the_previous_period(town: Town) -> None:
    """Count of disputes is 0 in both months: 'same'; complaint rate rises from Oct to Nov? Both have the
    same single complainant household, so the change is 0 as well."""
    doc = _overview(town, town.official)
    tile = _tile(doc, "dispute_count")
    assert (tile["value"], tile["previous"], tile["difference"], tile["improved"]) == (0, 0, 0.0, None)
    assert tile["change_text"] == "与上期持平"


def test_previous_period() -> None:
    assert dashboards.previous_period(NOV) == OCT
    assert dashboards.previous_period(month(2026, 1)) == month(2025, 12)
    ten_days = Period(date(2026, 11, 10), date(2026, 11, 20))
    assert dashboards.previous_period(ten_days) == Period(date(2026, 10, 31), date(2026, 11, 10))


def test_grid_worker_sees_only_their_grid(town: Town) -> None:
    area = dashboards.resolve_area(town.session, town.worker_g1)
    assert area.code == "G1"
    doc = _overview(town, town.worker_g1, area="G1")
    assert [(c["code"], c["created"]) for c in doc["top_categories"]["items"]] == [("streetlight", 2),
                                                                                   ("garbage", 1)]
    assert [g["code"] for g in doc["map"]["grids"]] == ["G1"]
    assert doc["overdue"]["count"] == 1  # a only; e and f lie in G2
    with pytest.raises(Forbidden):
        dashboards.resolve_area(town.session, town.worker_g1, "S1")
    with pytest.raises(Forbidden):
        dashboards.resolve_area(town.session, town.worker_g3, "G1")
    assert dashboards.resolve_area(town.session, town.official, "C1").code == "C1"
    with pytest.raises(NotFound):
        dashboards.resolve_area(town.session, town.official, "NOPE")
    with pytest.raises(Forbidden):
        dashboards.resolve_area(town.session, town.resident)
    with pytest.raises(Forbidden):
        _overview(town, town.resident)


def test_area_choices_are_the_subtree(town: Town) -> None:
    choices = dashboards.area_choices(town.session, town.official, "zh")
    assert [(c["code"], c["indent"]) for c in choices] == [("S1", "0"), ("C1", "1"), ("G1", "2"), ("G2", "2"),
                                                           ("C2", "1"), ("G3", "2")]
    assert [c["code"] for c in dashboards.area_choices(town.session, town.worker_g1, "zh")] == ["G1"]


def test_unknown_measure_and_module(town: Town) -> None:
    with pytest.raises(Invalid):
        _overview(town, town.official, measure="happiness")
    with pytest.raises(NotFound):
        dashboards.board(town.session, town.official, "weather", town.areas["S1"], NOV, now=town.now, lang="zh")


def test_cases_board(town: Town) -> None:
    doc = dashboards.board(town.session, town.official, "cases", town.areas["S1"], NOV, now=town.now, lang="zh")
    s = doc["sections"]
    funnel = {i["stage"]: i["count"] for i in s["funnel"]["items"]}
    assert (funnel["created"], funnel["accepted"], funnel["resolved"], funnel["escalated"]) == (4, 2, 0, 0)
    assert [(i["source"], i["count"]) for i in s["by_source"]["items"]] == [("citizen", 4)]
    grids = {g["code"]: g for g in s["by_grid"]["items"]}
    assert (grids["G1"]["created"], grids["G1"]["open"], grids["G1"]["response_median_seconds"]) == (3, 3, 1200.0)
    # G2's open cases (e, f) were created in October: 0 created this month, 2 still open.
    assert (grids["G2"]["created"], grids["G2"]["open"], grids["G3"]["created"]) == (0, 2, 1)
    assert grids["G1"]["on_time_rate"] is None  # nothing resolved yet
    assert [t["code"] for t in doc["tiles"]["items"]] == list(dashboards.BOARD_TILES["cases"])


@pytest.mark.parametrize("module", dashboards.MODULES)
def test_every_board_is_json(town: Town, module: str) -> None:
    doc = dashboards.board(town.session, town.official, module, town.areas["S1"], NOV, now=town.now, lang="en")
    assert json.loads(json.dumps(doc)) == doc
    assert doc["module"] == module and doc["area"]["name"] == "Beishan Street"


def test_empty_boards_show_zero_not_missing(town: Town) -> None:
    med = dashboards.board(town.session, town.official, "mediation", town.areas["S1"], NOV, now=town.now, lang="zh")
    assert med["sections"]["high_risk"]["count"] == 0 and med["sections"]["by_type"]["items"] == []
    eld = dashboards.board(town.session, town.official, "eldercare", town.areas["S1"], NOV, now=town.now, lang="zh")
    assert [g["registered"] for g in eld["sections"]["coverage"]["items"]] == [0, 0, 0]
    cb = dashboards.board(town.session, town.official, "citybrain", town.areas["S1"], NOV, now=town.now, lang="zh")
    assert cb["sections"]["readings"]["total"] == 0 and len(cb["sections"]["readings"]["items"]) == 30
    assert cb["sections"]["health"]["total"] == 0


def test_home_resident_and_worker(town: Town) -> None:
    res = dashboards.home(town.session, town.resident, now=town.now, lang="zh")
    cards = {c["key"]: c for c in res["cards"]}
    assert cards["home.my_reports"]["count"] == 6 and cards["home.report_new"]["url"] == "/report"
    worker = dashboards.home(town.session, town.worker_g1, now=town.now, lang="zh")
    cards = {c["key"]: c for c in worker["cards"]}
    # Assigned to worker_g1 and open: a (dispatched to them), b, c (accepted by them).
    assert cards["home.my_open"]["count"] == 3 and cards["home.my_open"]["warn"] is True
    assert cards["home.overdue_grid"]["count"] == 1
    # Today (11-23 local): b, c created in G1; nothing resolved.
    assert worker["today"] == {"day": "2026-11-23", "created": 2, "resolved": 0}
    official = dashboards.home(town.session, town.official, now=town.now, lang="zh")
    assert official["overview"]["period"]["month"] == "2026-11"
    assert {t["code"] for t in official["overview"]["tiles"]["items"]} == set(dashboards.HEADLINE)
    assert {c["key"]: c["count"] for c in official["cards"]}["dash.overdue"] == 3


def test_home_mediator(session: Session, clock: FrozenClock) -> None:
    from tests.mediation.mediation_world import make_world as mediation_world

    w = mediation_world(session, clock)
    from gongzhi.mediation import service as mediation

    dispute = w.file("隔壁邻居装修把我家的墙弄裂了，维修要两万块钱，他不肯赔，已经找过物业调了两次都没用。")
    mediation.assign_waiting(session, clock.now())  # what the worker's sweep does
    mediator = w.mediator_user_of(dispute)
    assert mediator is not None
    doc = dashboards.home(session, mediator, now=clock.now(), lang="zh")
    cards = {c["key"]: c["count"] for c in doc["cards"]}
    assert cards["home.caseload"] == 1 and cards["home.first_contacts"] == 1
    assert cards["home.first_contacts_overdue"] == 0
    first = next(x for x in doc["lists"] if x["key"] == "home.first_contacts")
    assert [i["id"] for i in first["items"]] == [dispute.id]
    # A day later the first-contact clock has passed.
    later = dashboards.home(session, mediator, now=clock.now() + timedelta(days=3), lang="zh")
    assert {c["key"]: c["count"] for c in later["cards"]}["home.first_contacts_overdue"] == 1


def test_home_doctor_and_alarm_panels(session: Session, clock: FrozenClock) -> None:
    from tests.eldercare.conftest import make_world as elder_world

    from gongzhi.devices.handlers import Reading
    from gongzhi.eldercare.events import handle_readings

    w = elder_world(session, clock)
    handle_readings(session, w.band, [Reading("sos", clock.now(), 1.0)], clock.now())
    session.flush()
    doc = dashboards.home(session, w.doctor, now=clock.now(), lang="zh")
    assert {c["key"]: c["count"] for c in doc["cards"]}["home.alarms"] == 1
    alarms = next(x for x in doc["lists"] if x["key"] == "home.alarms")
    assert [i["url"] for i in alarms["items"]] == [f"/eldercare/elders/{w.elder.id}"]
    assert alarms["items"][0]["overdue"] is True  # still waiting for someone to acknowledge
    # The grid worker of G1 and the street's overview see the same alarm; the worker of G3 does not.
    worker = dashboards.home(session, w.worker, now=clock.now(), lang="zh")
    assert {c["key"]: c["count"] for c in worker["cards"]}["home.alarms"] == 1
    stranger = dashboards.home(session, w.stranger_worker, now=clock.now(), lang="zh")
    assert {c["key"]: c["count"] for c in stranger["cards"]}["home.alarms"] == 0
    s1 = session.get_one(Area, w.elder.grid_id)
    street = dashboards.resolve_area(session, w.official, "S1")
    over = dashboards.overview(session, w.official, street, month(2026, 11), measure="", now=clock.now(), lang="zh")
    assert over["alarms"]["count"] == 1 and over["alarms"]["items"][0]["grid_code"] == s1.code == "G1"
    board = dashboards.board(session, w.official, "eldercare", street, month(2026, 11), now=clock.now(), lang="zh")
    kinds = {i["kind"]: i["raised"] for i in board["sections"]["by_kind"]["items"]}
    assert kinds == {"sos": 1}
    cover = {g["code"]: (g["registered"], g["covered"]) for g in board["sections"]["coverage"]["items"]}
    assert cover["G1"][0] == 1 and cover["G2"] == (0, 0)
