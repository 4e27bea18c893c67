"""Pages and API of the household register and the resident surveys."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from tests import factories
from tests.web.helpers import Street, login
from tests.web.test_browser import ARTIFACTS, Live, _context, _login, browser, serve_in_thread  # noqa: F401

from gongzhi.analytics import households as hh
from gongzhi.analytics import surveys as sv
from gongzhi.analytics.models import Household, Survey
from gongzhi.notify.models import OutboxMessage


def _book(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(hh.HEADERS)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _seed(street: Street) -> None:
    for grid, n in (("G1", 3), ("G2", 1), ("G3", 4)):
        for i in range(1, n + 1):
            hh.create_household(street.session, actor=street.official, now=street.clock.now(), data=hh.HouseholdData(
                code=f"{grid}-{i}", grid_code=grid, head_name="王小明", head_phone=f"1390000{i:04d}",
                address=f"{grid}路{i}号"))
    street.session.flush()


def _tokens_from_outbox(street: Street, survey_id: int) -> list[str]:
    msgs = street.session.scalars(select(OutboxMessage).where(OutboxMessage.ref == f"survey:{survey_id}")).all()
    return [m.payload["url"][3:] for m in msgs]


# ---------------------------------------------------------------- households


def test_household_page_masks_for_grid_worker_and_filters(client: TestClient, street: Street) -> None:
    _seed(street)
    login(client, street.session, street.worker_g1)
    page = client.get("/households")
    assert page.status_code == 200
    assert "共 3 户" in page.text and "G3-1" not in page.text  # their grid only
    assert "王*明" in page.text and "139****0001" in page.text and "13900000001" not in page.text
    x = client.get("/households.xlsx")
    assert x.status_code == 200 and x.content[:2] == b"PK"
    rows = list(load_workbook(io.BytesIO(x.content)).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 4 and rows[1][3] == "王*明" and rows[1][4] == "139****0001"


def test_household_export_keeps_filters_full_for_official(client: TestClient, street: Street) -> None:
    _seed(street)
    login(client, street.session, street.official)
    page = client.get("/households?grid=G3")
    assert "共 4 户" in page.text and 'href="/households.xlsx?grid=G3"' in page.text
    x = client.get("/households.xlsx?grid=G3")
    rows = list(load_workbook(io.BytesIO(x.content)).worksheets[0].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["G3-1", "G3-2", "G3-3", "G3-4"]
    assert rows[1][3:5] == ("王小明", "13900000001") and rows[1][2] == "G3路1号"


def test_household_import_page_rejects_whole_sheet(client: TestClient, street: Street) -> None:
    csrf = login(client, street.session, street.official)
    bad = _book([["1-1", "G1", "", "张三", "", "", "", "", ""], ["1-2", "G9", "", "李四", "", "", "", "", ""],
                 ["1-3", "G1", "", "王五", "999", "", "", "", ""]])
    r = client.post("/households/import", data={"csrf_token": csrf},
                    files={"file": ("h.xlsx", bad, "application/octet-stream")})
    assert r.status_code == 422
    assert "有 2 行数据有误，未导入任何住户" in r.text
    assert "第 3 行：网格编码“G9”不存在" in r.text and "第 4 行：电话“999”不是有效的手机或座机号码" in r.text
    assert street.session.scalar(select(Household.id)) is None
    good = _book([["1-1", "G1", "", "张三", "", "", "", "", ""]])
    r = client.post("/households/import", data={"csrf_token": csrf},
                    files={"file": ("h.xlsx", good, "application/octet-stream")}, follow_redirects=False)
    assert r.status_code == 303
    assert "共 1 户" in client.get("/households").text


def test_household_api_import_rows_and_roles(client: TestClient, street: Street) -> None:
    h = factories.auth_header(factories.api_token(street.session, street.official))
    bad = _book([["1-1", "G9", "", "张三", "", "", "", "", ""]])
    r = client.post("/api/v1/households/import", content=bad, headers=h)
    assert r.status_code == 422 and r.json()["rows"] == [{"row": 2, "message": "网格编码“G9”不存在"}]
    r = client.post("/api/v1/households", json={"code": "1-1", "grid_code": "G1", "head_name": "张三",
                                                "head_phone": "13900001111"}, headers=h)
    assert r.status_code == 201 and r.json()["head_phone"] == "13900001111"
    listed = client.get("/api/v1/households", headers=h).json()
    assert listed["total"] == 1 and listed["items"][0]["head_phone"] == "139****1111"
    resident = factories.auth_header(factories.api_token(street.session, street.resident))
    assert client.get("/api/v1/households", headers=resident).status_code == 403


# ---------------------------------------------------------------- surveys


def test_survey_lifecycle_through_pages(client: TestClient, street: Street) -> None:
    _seed(street)
    csrf = login(client, street.session, street.official)
    assert client.get("/surveys").status_code == 200
    r = client.post("/surveys", data={"csrf_token": csrf, "kind": "safety", "title": "安全感调查", "area_code": "S1",
                                      "opens_on": "2026-11-23", "closes_on": "2026-11-30", "sample_mode": "fixed",
                                      "sample_size": "3", "seed": "5"}, follow_redirects=False)
    assert r.status_code == 303, r.text[-2000:]
    survey = street.session.scalars(select(Survey)).one()
    assert r.headers["location"] == f"/surveys/{survey.id}"
    r = client.post(f"/surveys/{survey.id}/open", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    tokens = _tokens_from_outbox(street, survey.id)
    assert len(tokens) == 6  # 3 from C1 (4 households), 3 from C2 (4)

    # A resident answers on a phone, without logging in.
    client.cookies.clear()
    form = client.get(f"/s/{tokens[0]}")
    assert form.status_code == 200 and 'type="range"' in form.text and "夜间在小区内行走是否安心" in form.text
    done = client.post(f"/s/{tokens[0]}", data={"score": "75", "night": "4", "comment": "路灯多了"})
    assert done.status_code == 200 and "感谢您的参与" in done.text
    again = client.post(f"/s/{tokens[0]}", data={"score": "10"})
    assert again.status_code == 409 and "此链接已提交过答卷" in again.text
    bad = client.post(f"/s/{tokens[1]}", data={"score": "150"})
    assert bad.status_code == 422 and "评分须为 0–100 的整数" in bad.text
    assert client.get("/s/not-a-real-token").status_code == 404

    csrf = login(client, street.session, street.official)
    page = client.get(f"/surveys/{survey.id}")
    assert page.status_code == 200 and 'data-plot="survey-chart"' in page.text
    assert re.search(r'<tr id="results-total">.*?<th class="num mean">75\.0</th><th class="num n">1</th>',
                     page.text, re.S)
    r = client.post(f"/surveys/{survey.id}/close", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    client.cookies.clear()
    closed = client.post(f"/s/{tokens[1]}", data={"score": "60"})
    assert closed.status_code == 409 and "本次调查已结束" in closed.text


def test_survey_pages_refuse_other_roles(client: TestClient, street: Street) -> None:
    login(client, street.session, street.worker_g1)
    assert client.get("/surveys").status_code == 403
    assert client.get("/households").status_code == 200  # a grid worker keeps the register of their grid
    login(client, street.session, street.resident)
    assert client.get("/households").status_code == 403


def test_survey_api_results_match_hand_computed(client: TestClient, street: Street) -> None:
    _seed(street)
    h = factories.auth_header(factories.api_token(street.session, street.official))
    r = client.post("/api/v1/surveys", json={"kind": "satisfaction", "title": "满意度", "area_code": "S1",
                                             "opens_on": "2026-11-23", "closes_on": "2026-11-30",
                                             "sample_mode": "proportional", "sample_size": 4, "seed": 3}, headers=h)
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    opened = client.post(f"/api/v1/surveys/{sid}/open", headers=h)
    assert opened.status_code == 200 and opened.json()["invited"] == 4 and opened.json()["status"] == "open"
    tokens = _tokens_from_outbox(street, sid)
    by_community: dict[int, list[str]] = {}
    for t in tokens:
        inv, _ = sv.invitation_for(street.session, t)
        by_community.setdefault(inv.community_id, []).append(t)
    c1 = factories.area_by_code(street.session, "C1").id
    c2 = factories.area_by_code(street.session, "C2").id
    assert (len(by_community[c1]), len(by_community[c2])) == (2, 2)  # 4 and 4 households → 2 + 2
    info = client.get(f"/api/v1/surveys/links/{by_community[c1][0]}")
    assert info.status_code == 200 and [q["code"] for q in info.json()["questions"]] == ["response", "attitude",
                                                                                        "result"]
    for t, score in ((by_community[c1][0], 90), (by_community[c1][1], 70), (by_community[c2][0], 40)):
        assert client.post(f"/api/v1/surveys/links/{t}", json={"score": score, "answers": {"result": 5}}).status_code \
            == 201
    r = client.post(f"/api/v1/surveys/links/{by_community[c1][0]}", json={"score": 1})
    assert r.status_code == 409 and r.json()["error"]["code"] == "survey_already_answered"
    res = client.get(f"/api/v1/surveys/{sid}", headers=h).json()["results"]
    rows = {row["area_id"]: row for row in res["communities"]}
    assert (rows[c1]["mean"], rows[c1]["n"], rows[c1]["response_rate"]) == (80.0, 2, 100.0)
    assert (rows[c2]["mean"], rows[c2]["n"], rows[c2]["response_rate"]) == (40.0, 1, 50.0)
    assert (res["total"]["mean"], res["total"]["n"]) == (66.67, 3)
    # C1: 90, 70 → s = 14.142, t(0.975, 1) = 12.706 → 80 ± 127.06 → clipped to 0–100.
    assert (rows[c1]["ci_low"], rows[c1]["ci_high"]) == (0.0, 100.0)
    assert res["questions"]["result"] == 5.0
    assert client.post(f"/api/v1/surveys/{sid}/close", headers=h).json()["status"] == "closed"
    r = client.post(f"/api/v1/surveys/links/{by_community[c2][1]}", json={"score": 50})
    assert r.status_code == 409 and r.json()["error"]["code"] == "survey_closed"
    assert json.dumps(res, ensure_ascii=False)  # JSON-able


def test_pages_in_english(client: TestClient, street: Street) -> None:
    _seed(street)
    login(client, street.session, street.official)
    for url in ("/surveys?lang=en", "/households?lang=en"):
        page = client.get(url)
        assert page.status_code == 200
        assert "web.survey." not in page.text and "web.household." not in page.text and "survey." not in page.text


def test_survey_create_form_errors_are_shown(client: TestClient, street: Street) -> None:
    csrf = login(client, street.session, street.official)
    r = client.post("/surveys", data={"csrf_token": csrf, "kind": "safety", "title": "安全感", "area_code": "S1",
                                      "opens_on": "2026-11-30", "closes_on": "2026-11-23", "sample_size": "3"})
    assert r.status_code == 422 and "截止日期不能早于开始日期" in r.text and 'value="安全感"' in r.text
    r = client.post("/surveys", data={"csrf_token": csrf, "kind": "safety", "title": "安全感", "area_code": "S1",
                                      "opens_on": "2026-11-23", "closes_on": "2026-11-30", "sample_size": "3",
                                      "seed": "99999999999"})
    assert r.status_code == 422 and "随机种子须为" in r.text
    assert street.session.scalar(select(Survey.id)) is None


# ---------------------------------------------------------------- in Chromium


@pytest.fixture(scope="module")
def survey_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Live, int, list[str]]]:
    from gongzhi.app import create_app
    from gongzhi.cases.seed import seed_reference_data
    from gongzhi.clock import FrozenClock
    from gongzhi.config import Settings
    from gongzhi.db import Database, make_engine, upgrade_schema

    url = f"sqlite:///{tmp_path_factory.mktemp('browser-surveys') / 'gongzhi.db'}"
    upgrade_schema(url)
    db = Database(make_engine(url))
    clock = FrozenClock(factories.T0)
    with db.session() as s:
        seed_reference_data(s)
        factories.make_area_tree(s)
        official = factories.make_user(s, "official_s1", "official", "S1")
        for grid, n in (("G1", 4), ("G3", 4)):
            for i in range(1, n + 1):
                hh.create_household(s, actor=official, now=clock.now(), data=hh.HouseholdData(
                    code=f"{grid}-{i}", grid_code=grid, head_name="王小明", head_phone=f"1390000{i:04d}"))
        survey = sv.create_survey(s, actor=official, now=clock.now(), data=sv.SurveyData(
            kind="satisfaction", title="满意度调查", area_code="S1", opens_on=factories.T0.date(),
            closes_on=factories.T0.date() + timedelta(days=7), sample_size=4, seed=1))
        tokens = list(sv.open_survey(s, actor=official, survey_id=survey.id, now=clock.now()).values())
        sid = survey.id
    settings = Settings(database_url=url, log_json=False, embedded_worker=False)
    app = create_app(settings=settings, database=db, clock=clock, start_worker=False)
    try:
        with serve_in_thread(app, "uvicorn-surveys") as base:
            yield Live(url=base, db=db, clock=clock), sid, tokens
    finally:
        db.engine.dispose()


@pytest.mark.browser
def test_phone_answers_and_the_chart_matches_the_api(browser: object,  # noqa: F811
                                                     survey_live: tuple[Live, int, list[str]]) -> None:
    live, sid, tokens = survey_live
    ctx, guard = _context(browser, live, viewport={"width": 390, "height": 844})
    page = ctx.new_page()  # type: ignore[attr-defined]
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    for token, score in zip(tokens[:3], (65, 85, 90), strict=True):
        page.goto(f"{live.url}/s/{token}")
        if score == 65:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "survey-answer-390.png"), full_page=True)
        page.locator("#f-score").evaluate(f"e => {{ e.value = '{score}'; }}")
        page.check("input[name=result][value='4']")
        page.click("#answer-form button[type=submit]")
        page.wait_for_selector("#answer-done")
        # Phone-first: nothing wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(f"{live.url}/s/{tokens[0]}")
    assert page.locator("#answer-used").count() == 1

    desk = ctx.new_page()  # type: ignore[attr-defined]
    desk.set_viewport_size({"width": 1366, "height": 768})
    desk.on("pageerror", lambda e: problems.append(str(e)))
    _login(desk, live, "official_s1")
    desk.goto(f"{live.url}/surveys/{sid}")
    desk.wait_for_selector("#survey-chart .main-svg")
    shown = desk.evaluate("(() => { const d = document.getElementById('survey-chart').data[0];"
                          " return {x: d.x, y: d.y}; })()")
    api = desk.evaluate(f"fetch('/api/v1/surveys/{sid}').then(r => r.json())")
    expected = {r["name"]: r["mean"] for r in api["results"]["communities"] if r["mean"] is not None}
    assert dict(zip(shown["x"], shown["y"], strict=True)) == {k: round(v, 1) for k, v in expected.items()}
    assert sum(r["n"] for r in api["results"]["communities"]) == 3
    desk.screenshot(path=str(ARTIFACTS / "survey-results-1366.png"), full_page=True)
    assert problems == [] and guard.blocked == []
    ctx.close()  # type: ignore[attr-defined]
