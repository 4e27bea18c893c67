"""The dashboards in Debian's Chromium: every figure a page shows is the number the API returns.

Same set-up as tests/web/test_browser.py: uvicorn on 127.0.0.1 over a fresh SQLite file built by the
migrations, every request to anything else aborted. An official opens /dashboard and each board,
the test reads the tiles' values from the DOM, fetches the API's JSON in the same browser session and
compares; the Plotly map and charts must have drawn (an <svg> inside each).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from tests import factories
from tests.web.test_browser import ARTIFACTS, Live, _context, _login, browser, serve_in_thread  # noqa: F401

from gongzhi.app import create_app
from gongzhi.cases import service as cases
from gongzhi.cases.schemas import CaseIn
from gongzhi.cases.seed import seed_reference_data
from gongzhi.clock import FrozenClock
from gongzhi.config import Settings
from gongzhi.db import Database, make_engine, upgrade_schema

pytestmark = pytest.mark.browser

MODULES = ("cases", "mediation", "eldercare", "citybrain", "council")
READ_TILES = """() => Array.from(document.querySelectorAll('#tiles .dash-tile')).map(e => [
    e.dataset.code, e.dataset.value === '' ? null : Number(e.dataset.value), Number(e.dataset.n),
    e.querySelector('.dash-value').textContent.trim()])"""
FETCH = "async (url) => { const r = await fetch(url); return [r.status, await r.json()]; }"


@pytest.fixture(scope="module")
def dash_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    url = f"sqlite:///{tmp_path_factory.mktemp('browser-dashboard') / 'gongzhi.db'}"
    upgrade_schema(url)
    db = Database(make_engine(url))
    clock = FrozenClock(factories.T0)
    now = clock.now()
    with db.session() as s:
        seed_reference_data(s)
        factories.make_area_tree(s, now)
        factories.make_unit(s, code="U-MUNI", kind="municipal", area_code="S1", name="街道市政所", now=now)
        mk = factories.make_user
        resident = mk(s, "resident1", "resident", area_code="G1", now=now, phone="13812345678")
        worker = mk(s, "worker_g1", "grid_worker", area_code="G1", now=now, display_name="李网格")
        mk(s, "official_s1", "official", area_code="S1", now=now, display_name="赵主任")
        made = []
        for grid, category, hours_ago in [("G1", "streetlight", 72), ("G1", "garbage", 5), ("G1", "streetlight", 3),
                                          ("G2", "noise", 30), ("G3", "road_damage", 1), ("G3", "streetlight", 600)]:
            lng, lat = factories.point_in(grid)
            made.append(cases.create_case(s, actor=resident, now=now - timedelta(hours=hours_ago), data=CaseIn(
                category=category, description="测试用的问题描述", lat=lat, lng=lng)))
        s.flush()
        for case, minutes in [(made[1], 20), (made[2], 40)]:
            cases.transition(s, user=worker, case_id=case.id, action="accept",
                             now=case.created_at + timedelta(minutes=minutes))
    settings = Settings(database_url=url, log_json=False, embedded_worker=False)
    app = create_app(settings=settings, database=db, clock=clock, start_worker=False)
    try:
        with serve_in_thread(app, "uvicorn-dashboard") as base:
            yield Live(url=base, db=db, clock=clock)
    finally:
        db.engine.dispose()


def _api_tiles(doc: dict[str, Any]) -> list[list[Any]]:
    return [[t["code"], t["value"], t["n"], t["formatted"]] for t in doc["tiles"]["items"]]


def test_official_dashboards_match_the_api(browser: object, dash_live: Live) -> None:  # noqa: F811
    live = dash_live
    ctx, guard = _context(browser, live, viewport={"width": 1366, "height": 768})
    page: Any = ctx.new_page()  # type: ignore[attr-defined]
    _login(page, live, "official_s1")
    assert page.url.endswith("/home")
    page.click("nav a[href='/dashboard']")
    page.wait_for_selector("#dash-map .main-svg")
    api_url = page.get_attribute("#dash-lead", "data-api")
    status, doc = page.evaluate(FETCH, api_url)
    assert status == 200 and doc["area"]["code"] == "S1" and doc["period"]["month"] == "2026-11"
    shown = page.evaluate(READ_TILES)
    assert shown == _api_tiles(doc) and len(shown) == 8
    resp = next(t for t in shown if t[0] == "response_median")
    assert resp[1:3] == [1800.0, 2]  # 20 and 40 minutes -> median 30 minutes
    # The map's table, the top categories and the overdue count as the API has them.
    rows = page.evaluate("() => Array.from(document.querySelectorAll('#map-table tr[data-grid]')).map(r => "
                         "[r.dataset.grid, r.dataset.value === '' ? null : Number(r.dataset.value), Number(r.dataset.n)])")
    assert rows == [[g["code"], g["value"], g["n"]] for g in doc["map"]["grids"]]
    cats = page.evaluate("() => Array.from(document.querySelectorAll('#top-categories tr[data-category]')).map(r => "
                         "[r.dataset.category, Number(r.dataset.created)])")
    assert cats == [[c["code"], c["created"]] for c in doc["top_categories"]["items"]]
    assert int(page.get_attribute("#overdue", "data-count")) == doc["overdue"]["count"] >= 1
    for series in doc["trends"]["series"]:
        page.wait_for_selector(f"#trend-{series['code']} .main-svg")
    page.wait_for_selector("#dash-categories .main-svg")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-1366x768.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366

    # Another measure on the map: the form's select, as a person would.
    assert doc["map"]["measure"]["code"] == "complaint_rate"  # the default
    page.select_option("#f-measure", "response_median")
    page.click("#filters button[type=submit]")
    page.wait_for_selector("#dash-map .main-svg")
    assert "measure=response_median" in page.url
    status, doc2 = page.evaluate(FETCH, page.get_attribute("#dash-lead", "data-api"))
    assert doc2["map"]["measure"]["code"] == "response_median"
    rows = page.evaluate("() => Array.from(document.querySelectorAll('#map-table tr[data-grid]')).map(r => "
                         "[r.dataset.grid, r.dataset.value === '' ? null : Number(r.dataset.value)])")
    assert rows == [[g["code"], g["value"]] for g in doc2["map"]["grids"]]
    assert rows[0] == ["G1", 1800.0]  # G1 holds both accepted cases
    page.screenshot(path=str(ARTIFACTS / "dashboard-map-response-1366x768.png"))

    for module in MODULES:
        page.click(f".dash-boards a[data-module='{module}']")
        page.wait_for_url(f"**/dashboard/{module}?*")
        status, board = page.evaluate(FETCH, page.get_attribute("#dash-lead", "data-api"))
        assert status == 200 and board["module"] == module
        if board["tiles"]["items"]:
            assert page.evaluate(READ_TILES) == _api_tiles(board)
        if module == "cases":
            page.wait_for_selector("#chart-top_categories .main-svg")
            funnel = page.evaluate("() => Array.from(document.querySelectorAll('#funnel tr[data-key]')).map(r => "
                                   "[r.dataset.key, Number(r.dataset.count)])")
            assert funnel == [[i["stage"], i["count"]] for i in board["sections"]["funnel"]["items"]]
            assert dict(funnel)["created"] == 5  # November: all but the G3 streetlight of 600 hours ago (October 29)
        if module == "citybrain":
            page.wait_for_selector("#chart-readings .main-svg")
            assert int(page.get_attribute("#readings", "data-count")) == board["sections"]["readings"]["total"]
        page.screenshot(path=str(ARTIFACTS / f"dashboard-{module}-1366x768.png"), full_page=True)
    assert guard.blocked == []
    ctx.close()  # type: ignore[attr-defined]


def test_dashboard_and_home_on_a_phone(browser: object, dash_live: Live) -> None:  # noqa: F811
    live = dash_live
    ctx, guard = _context(browser, live, viewport={"width": 390, "height": 844})
    page: Any = ctx.new_page()  # type: ignore[attr-defined]
    _login(page, live, "worker_g1")
    assert page.url.endswith("/home")
    cards = page.evaluate("() => Object.fromEntries(Array.from(document.querySelectorAll('#home-cards [data-key]'))"
                          ".map(e => [e.dataset.key, e.dataset.count]))")
    assert cards["home.my_open"] == "3" and cards["home.overdue_grid"] == "1"
    page.screenshot(path=str(ARTIFACTS / "home-grid-worker-390x844.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(f"{live.url}/dashboard")
    page.wait_for_selector("#dash-map .main-svg")
    status, doc = page.evaluate(FETCH, page.get_attribute("#dash-lead", "data-api"))
    assert status == 200 and doc["area"]["code"] == "G1"
    assert page.evaluate(READ_TILES) == _api_tiles(doc)
    page.screenshot(path=str(ARTIFACTS / "dashboard-390x844.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert guard.blocked == []
    ctx.close()  # type: ignore[attr-defined]
