"""Monthly report and pilot before/after report: figures against hand-computed values, scope, errors.

Tree (tests/factories.py): D1 ─ S1 ─┬─ C1 ─┬─ G1
                                     │      └─ G2
                                     └─ C2 ─── G3
Data is made with the helpers of tests/analytics/test_measures.py (cases through the cases
service, disputes, elders and alarms as rows), so the reports read the producers' real stats.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests import factories
from tests.analytics.test_measures import _case_data, local, make_alarm, make_case, make_dispute, make_elder

from gongzhi.analytics import pilots, reports
from gongzhi.analytics.periods import month
from gongzhi.auth.models import User
from gongzhi.errors import Forbidden, Invalid, NotFound
from gongzhi.geo.models import Area

T0 = factories.T0  # Monday 2026-11-23 10:00 Shanghai
OCT = month(2026, 10)


@pytest.fixture
def tree(session: Session) -> dict[str, Area]:
    return factories.build_area_tree(session)


@pytest.fixture
def people(session: Session, tree: dict[str, Area]) -> dict[str, User]:
    mk = factories.make_user
    return {
        "official": mk(session, "official_s1", "official", "S1"),
        "worker_g1": mk(session, "worker_g1", "grid_worker", "G1"),
        "worker_g3": mk(session, "worker_g3", "grid_worker", "G3"),
        "resident": mk(session, "resident1", "resident", "G1"),
        "admin": mk(session, "admin1", "admin", "D1"),
    }


def section(report: dict[str, object], key: str) -> dict[str, object]:
    found = [s for s in report["sections"] if s["key"] == key]  # type: ignore[attr-defined]
    assert len(found) == 1
    return found[0]  # type: ignore[no-any-return]


# ---------------------------------------------------------------- words for changes


def test_change_text_in_both_languages() -> None:
    assert reports.change_text("percent", 88.9, 92.0, "zh") == "上升 3.1 个百分点"
    assert reports.change_text("percent", 92.0, 88.9, "en") == "down 3.1 percentage points"
    assert reports.change_text("count", 20, 16, "zh") == "减少 4（-20.0%）"
    assert reports.change_text("count", 0, 3, "zh") == "增加 3（—）"
    assert reports.change_text("seconds", 900, 780, "zh") == "缩短 2分0秒"
    assert reports.change_text("score", 68, 89, "zh") == "上升 21.0 分"
    assert reports.change_text("percent", 50, 50, "zh") == "持平"
    assert reports.change_text("percent", None, 50, "zh") == "无可比数据"


# ---------------------------------------------------------------- monthly report


def _month_data(session: Session, tree: dict[str, Area]) -> None:
    """October in G1: the six staff cases of test_measures (rated 5, 4, 3, 5; accepted after 600,
    900, 1200, 1800, 1800 s), two garbage reports, two disputes (one agreement, one failed), three
    alarms acknowledged after 60, 120, 300 s. September in G1: two cases rated 5 and 2."""
    _case_data(session, tree)
    for day in (10, 11):
        make_case(session, "G1", local(2026, 10, day), category="garbage")
    for day, rating in ((5, 5), (6, 2)):
        make_case(session, "G1", local(2026, 9, day), source="staff").rating = rating
    make_dispute(session, tree["G1"], local(2026, 10, 12), "agreement")
    make_dispute(session, tree["G1"], local(2026, 10, 13), "failed")
    elder = make_elder(session, tree["G1"], 1, doctor_id=None, seen=None, created=local(2026, 9, 1))
    for ack in (60, 120, 300):
        make_alarm(session, elder, local(2026, 10, 9), ack=ack)
    session.flush()


def test_monthly_report_hand_computed(session: Session, tree: dict[str, Area], people: dict[str, User]) -> None:
    _month_data(session, tree)
    report = reports.monthly_report(session, people["official"], tree["S1"], OCT, now=T0, lang="zh")
    assert report["title"] == "北山街道 2026-10 月度报告"
    assert report["period"] == {"label": "2026-10", "start": "2026-10-01", "end": "2026-10-31"}
    assert report["previous"]["label"] == "2026-09"
    head = {h["code"]: h for h in report["headline"]}
    sat = head["satisfaction"]
    # October: 3 of 4 rated 4–5 = 75.0 %; September: 1 of 2 = 50.0 %.
    assert (sat["value"], sat["previous"], sat["formatted"]) == (75.0, 50.0, "75.0%")
    assert sat["sentence"] == "满意率（工单评价） 75.0%，较上月上升 25.0 个百分点"
    assert sat["improved"] is True
    assert head["response_median"]["formatted"] == "20分0秒"  # median of 600, 900, 1200, 1800, 1800 s
    assert head["response_median"]["sentence"].endswith("上月无可比数据")  # no September acceptances
    assert head["mediation_success"]["formatted"] == "50.0%"  # 1 agreement of 2 concluded
    assert head["dispute_count"]["value"] == 2.0
    assert head["alarm_ack_median"]["formatted"] == "2分0秒"
    assert section(report, "headline")["summary"].startswith("满意率（工单评价） 75.0%，较上月上升 25.0 个百分点；")

    cases = section(report, "cases")
    # 6 staff + 2 garbage + the 2 dispute cases (source dispute, category streetlight) = 10; streetlight 8.
    assert cases["categories"] == [{"code": "streetlight", "name": "路灯故障", "count": 8},
                                   {"code": "garbage", "name": "垃圾堆放", "count": 2}]
    assert cases["summary"] == "本月受理工单 10 件，最多的是路灯故障（8 件，占 80.0%）。"
    chart = cases["charts"][0]
    assert chart["labels"] == ["路灯故障", "垃圾堆放"] and chart["series"][0]["values"] == [8.0, 2.0]

    trend = section(report, "trend")
    assert trend["months"][0] == "2025-11" and trend["months"][-1] == "2026-10" and len(trend["months"]) == 12
    assert trend["satisfaction"] == [None] * 10 + [50.0, 75.0]
    assert trend["response_median_minutes"] == [None] * 11 + [20.0]
    assert "满意率（工单评价）由 2026-09 的 50.0% 变为 2026-10 的 75.0%（上升 25.0 个百分点）" in trend["summary"]

    disputes = section(report, "disputes")
    assert disputes["summary"] == "本月受理纠纷 2 件，达成调解协议 1 件，调解成功率 50.0%。"
    assert [r["raw"] for r in disputes["rows"][:4]] == [2, 2, 1, 1]  # filed, concluded, agreements, resolved

    elder = section(report, "eldercare")
    assert elder["summary"].startswith("本月养老告警 3 次，10 分钟内响应 3 次（100.0%）")


def test_monthly_report_of_an_empty_month_says_so(session: Session, tree: dict[str, Area],
                                                  people: dict[str, User]) -> None:
    report = reports.monthly_report(session, people["worker_g1"], tree["G1"], month(2026, 8), now=T0, lang="en")
    assert section(report, "cases")["summary"] == "No cases this month."
    assert section(report, "disputes")["summary"] == "No disputes filed this month."
    assert section(report, "cases")["charts"] == []
    assert all(h["formatted"] == "—" or h["value"] == 0 for h in report["headline"])


def test_overdue_section_lists_open_cases_past_their_clock(session: Session, tree: dict[str, Area],
                                                           people: dict[str, User]) -> None:
    late = make_case(session, "G3", T0 - timedelta(days=10), category="garbage")
    session.flush()
    report = reports.monthly_report(session, people["official"], tree["S1"], month(2026, 11), now=T0, lang="zh")
    overdue = section(report, "overdue")
    assert overdue["overdue_count"] == 1
    assert overdue["overdue"][0]["id"] == late.id and overdue["overdue"][0]["category"] == "垃圾堆放"
    assert overdue["summary"] == "截至 2026-11-23 10:00，超时未办结工单 1 件。"


def test_monthly_report_scope(session: Session, tree: dict[str, Area], people: dict[str, User]) -> None:
    with pytest.raises(Forbidden) as err:
        reports.monthly_report(session, people["worker_g3"], tree["G1"], OCT, now=T0, lang="zh")
    assert err.value.code == "reports_area_forbidden"
    with pytest.raises(Forbidden) as err:
        reports.monthly_report(session, people["resident"], tree["G1"], OCT, now=T0, lang="zh")
    assert err.value.code == "reports_forbidden"
    # The admin of the district reads any area under it.
    assert reports.monthly_report(session, people["admin"], tree["G3"], OCT, now=T0, lang="zh")["area"]["code"] == "G3"


# ---------------------------------------------------------------- pilots


def _pilot(session: Session, user: User, start: date, codes: tuple[str, ...] = ("satisfaction", "dispute_count"),
           area: str = "S1") -> int:
    data = pilots.PilotData(name="宝石社区物业纠纷调处", area_code=area, start_date=start,
                            problem="物业费上涨引发投诉", actions=["设立物业纠纷调解室", "  ", "每月议事会"],
                            measure_codes=codes, targets={"satisfaction": 90})
    return pilots.create_pilot(session, actor=user, data=data, now=T0).id


def test_create_pilot_validates_every_field(session: Session, tree: dict[str, Area], people: dict[str, User]) -> None:
    official = people["official"]
    pid = _pilot(session, official, date(2026, 11, 13))
    pilot, area = pilots.get_pilot(session, official, pid)
    assert pilot.actions == ["设立物业纠纷调解室", "每月议事会"]  # blank lines dropped
    assert area.code == "S1" and pilot.targets == {"satisfaction": 90.0}
    cases = [
        (pilots.PilotData("", "S1", date(2026, 11, 1), measure_codes=["satisfaction"]), "reports_pilot_name"),
        (pilots.PilotData("x", "S1", date(2026, 11, 1), measure_codes=["happiness"]), "reports_pilot_measure"),
        (pilots.PilotData("x", "S1", date(2026, 11, 1)), "reports_pilot_no_measure"),
        (pilots.PilotData("x", "S1", date(1999, 1, 1), measure_codes=["satisfaction"]), "reports_pilot_start"),
    ]
    for data, code in cases:
        with pytest.raises(Invalid) as err:
            pilots.create_pilot(session, actor=official, data=data, now=T0)
        assert err.value.code == code
    with pytest.raises(NotFound):
        _pilot(session, official, date(2026, 11, 1), area="NOPE")
    with pytest.raises(Forbidden) as forbidden:
        _pilot(session, people["worker_g1"], date(2026, 11, 1), area="G1")  # grid workers only read
    assert forbidden.value.code == "reports_forbidden"
    with pytest.raises(Forbidden):
        _pilot(session, official, date(2026, 11, 1), area="D1")  # above the official's street
    assert [p.id for p, _ in pilots.list_pilots(session, official)] == [pid]
    assert pilots.list_pilots(session, people["worker_g1"]) == []  # the street's pilot is above a grid


def test_pilot_report_before_and_after(session: Session, tree: dict[str, Area], people: dict[str, User]) -> None:
    """Start 2026-11-13, today 11-23: after = 11-13..11-23 (11 days), before = 11-02..11-12.
    Before: 4 rated cases, 1 good (25 %), 3 disputes. After: 4 rated, all good (100 %), 1 dispute."""
    for day, rating in ((3, 5), (4, 1), (5, 2), (6, 3)):
        make_case(session, "G1", local(2026, 11, day), source="staff").rating = rating
    for day in (14, 15, 16, 17):
        make_case(session, "G2", local(2026, 11, day), source="staff").rating = 5
    for day in (3, 7, 12):
        make_dispute(session, tree["G1"], local(2026, 11, day), "agreement")
    make_dispute(session, tree["G3"], local(2026, 11, 20), "agreement")
    make_case(session, "G1", local(2026, 11, 1, 23, 59), source="staff").rating = 1  # a day before the window
    session.flush()
    pid = _pilot(session, people["official"], date(2026, 11, 13))
    report = reports.pilot_report(session, people["official"], pid, now=T0, lang="zh")
    assert report["before"] == {"label": "2026-11-02–2026-11-12", "start": "2026-11-02", "end": "2026-11-12"}
    assert report["after"] == {"label": "2026-11-13–2026-11-23", "start": "2026-11-13", "end": "2026-11-23"}
    assert report["pilot"]["actions"] == ["设立物业纠纷调解室", "每月议事会"]
    sat, disputes = report["results"]
    assert (sat["before"], sat["after"], sat["n_before"], sat["n_after"]) == (25.0, 100.0, 4, 4)
    assert sat["change_text"] == "上升 75.0 个百分点" and sat["relative_text"] == "+300.0%"
    assert sat["improved"] is True and sat["target_formatted"] == "90.0%"
    assert (disputes["before"], disputes["after"]) == (3.0, 1.0)
    assert disputes["change_text"] == "减少 2（-66.7%）" and disputes["improved"] is True
    # Small numbers: the note says so rather than claiming significance.
    assert sat["note_key"].startswith("compare.note.") and sat["note"]
    assert report["summary"].startswith("评估 2 项指标，2 项改善")
    assert [c["labels"] for c in report["charts"]] == [["试点前", "试点后"]] * 2
    assert report["charts"][0]["series"][0]["values"] == [25.0, 100.0]


def test_pilot_not_started_has_no_results(session: Session, tree: dict[str, Area], people: dict[str, User]) -> None:
    pid = _pilot(session, people["official"], date(2026, 12, 1))
    report = reports.pilot_report(session, people["official"], pid, now=T0, lang="zh")
    assert report["results"] == [] and report["before"] is None
    assert report["summary"] == "试点将于 2026-12-01 开始，暂无试点后数据。"


def test_pilot_report_scope_and_unknown(session: Session, tree: dict[str, Area], people: dict[str, User]) -> None:
    pid = _pilot(session, people["official"], date(2026, 11, 13))
    with pytest.raises(Forbidden):
        reports.pilot_report(session, people["worker_g1"], pid, now=T0, lang="zh")
    with pytest.raises(NotFound) as err:
        reports.pilot_report(session, people["official"], pid + 1000, now=T0, lang="zh")
    assert err.value.code == "reports_pilot_unknown"


# ---------------------------------------------------------------- API


def test_api_monthly_json_pdf_and_errors(client: TestClient, session: Session, tree: dict[str, Area],
                                         people: dict[str, User]) -> None:
    _month_data(session, tree)
    headers = factories.auth_header(factories.api_token(session, people["official"]))
    got = client.get("/api/v1/analytics/reports/monthly?area=S1&month=2026-10", headers=headers)
    assert got.status_code == 200
    body = got.json()
    assert {h["code"]: h["formatted"] for h in body["headline"]}["satisfaction"] == "75.0%"
    assert body == reports.monthly_report(session, people["official"], tree["S1"], OCT, now=T0, lang="zh")
    own = client.get("/api/v1/analytics/reports/monthly?month=2026-10", headers=headers).json()
    assert own["area"]["code"] == "S1"  # no area: the caller's own
    pdf = client.get("/api/v1/analytics/reports/monthly.pdf?area=S1&month=2026-10", headers=headers)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    bad = client.get("/api/v1/analytics/reports/monthly?area=S1&month=2026-5", headers=headers)
    assert bad.status_code == 422 and "YYYY-MM" in bad.json()["error"]["message"]
    unknown = client.get("/api/v1/analytics/reports/monthly?area=XX&month=2026-10", headers=headers)
    assert unknown.status_code == 404 and unknown.json()["error"]["message"] == "没有编码为 XX 的区域。"
    worker = factories.auth_header(factories.api_token(session, people["worker_g3"]))
    outside = client.get("/api/v1/analytics/reports/monthly?area=G1&month=2026-10", headers=worker)
    assert outside.status_code == 403 and "不在您的管辖范围内" in outside.json()["error"]["message"]
    resident = factories.auth_header(factories.api_token(session, people["resident"]))
    assert client.get("/api/v1/analytics/reports/monthly", headers=resident).status_code == 403


def test_api_pilots_create_list_report(client: TestClient, session: Session, tree: dict[str, Area],
                                       people: dict[str, User]) -> None:
    headers = factories.auth_header(factories.api_token(session, people["official"]))
    body = {"name": "物业纠纷调处试点", "area": "C1", "start_date": "2026-11-13", "problem": "投诉多",
            "actions": ["调解室"], "measure_codes": ["satisfaction", "dispute_count"]}
    made = client.post("/api/v1/analytics/pilots", json=body, headers=headers)
    assert made.status_code == 201, made.text
    pid = made.json()["id"]
    assert made.json()["area"] == {"code": "C1", "name": "宝石社区", "level": "community"}
    assert [p["id"] for p in client.get("/api/v1/analytics/pilots", headers=headers).json()] == [pid]
    report = client.get(f"/api/v1/analytics/pilots/{pid}/report", headers=headers)
    assert report.status_code == 200 and [r["code"] for r in report.json()["results"]] == ["satisfaction",
                                                                                           "dispute_count"]
    pdf = client.get(f"/api/v1/analytics/pilots/{pid}/report.pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    bad = client.post("/api/v1/analytics/pilots", json=body | {"measure_codes": ["happiness"]}, headers=headers)
    assert bad.status_code == 422 and bad.json()["error"]["message"] == "未知的评估指标：happiness。"
    assert client.get(f"/api/v1/analytics/pilots/{pid + 99}/report", headers=headers).status_code == 404
    worker = factories.auth_header(factories.api_token(session, people["worker_g1"]))
    assert client.post("/api/v1/analytics/pilots", json=body, headers=worker).status_code == 403
    assert client.get(f"/api/v1/analytics/pilots/{pid}/report", headers=worker).status_code == 403


# ---------------------------------------------------------------- the demo pilot


def test_demo_pilot_starts_45_days_before_the_end(session: Session) -> None:
    from gongzhi.simulate.district import build_district
    from gongzhi.simulate.pilot_demo import MEASURES, seed_pilots

    district = build_district(session, T0 - timedelta(days=91), 7)
    ids = seed_pilots(session, district, T0 - timedelta(days=90), T0)
    assert seed_pilots(session, district, T0 - timedelta(days=90), T0) == ids  # a second run finds it
    official = session.get_one(User, district.street_official_id)
    report = reports.pilot_report(session, official, ids[0], now=T0, lang="zh")
    assert report["pilot"]["start_date"] == "2026-10-09"  # 2026-11-23 − 45 days
    assert report["before"]["start"] == "2026-08-24"  # 46 days each side (Oct 9 .. Nov 23 inclusive)
    assert report["after"]["end"] == "2026-11-23"
    assert [r["code"] for r in report["results"]] == list(MEASURES)
    assert "物业" in report["pilot"]["problem"] and len(report["pilot"]["actions"]) == 5
