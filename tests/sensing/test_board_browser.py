"""The 城市大脑 board in a real browser: the map and the forecast chart draw offline."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests import factories
from tests.sensing.test_traffic import make_street
from tests.web.test_browser import Live, Offline, browser, serve_in_thread  # noqa: F401

from gongzhi.app import create_app
from gongzhi.cases.seed import seed_reference_data
from gongzhi.clock import FrozenClock
from gongzhi.config import Settings
from gongzhi.db import Database, make_engine, upgrade_schema
from gongzhi.sensing import traffic

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    url = f"sqlite:///{tmp_path_factory.mktemp('citybrain') / 'gongzhi.db'}"
    upgrade_schema(url)
    db = Database(make_engine(url))
    clock = FrozenClock(factories.T0)
    with db.session() as s:
        seed_reference_data(s)
        street = make_street(s, clock)
        street.feed(5)
        traffic.refresh(s, clock.now())
        street.feed(30, scale=3.5)
        traffic.refresh(s, clock.now())
        factories.make_user(s, "official_s1", "official", area_code="S1", now=clock.now())
    settings = Settings(database_url=url, log_json=False, embedded_worker=False)
    app = create_app(settings=settings, database=db, clock=clock, start_worker=False)
    try:
        with serve_in_thread(app, "uvicorn-citybrain") as base:
            yield Live(url=base, db=db, clock=clock)
    finally:
        db.engine.dispose()




def test_official_sees_the_map_and_chart_draw_offline(browser: object, live: Live) -> None:  # noqa: F811
    ctx = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")  # type: ignore[attr-defined]
    guard = Offline(live.url)
    ctx.route("**/*", guard)
    ctx.set_default_timeout(15000)
    page = ctx.new_page()
    page.goto(f"{live.url}/login")
    page.fill("#username", "official_s1")
    page.fill("#password", factories.DEFAULT_PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live.url}/citybrain")
    # Plotly drew both figures: the map's two panels with the detectors, and the chart's two lines.
    page.wait_for_selector("#cb-map .main-svg")
    page.wait_for_selector("#cb-chart .main-svg")
    assert page.locator("#cb-map .scatterlayer .point").count() == 4  # 2 detectors x (now, +30)
    # Counted, forecast made 30 min before, and the live forecast 30 min ahead.
    assert page.locator("#cb-chart .scatterlayer .trace").count() == 3
    assert "严重拥堵" in (page.locator("#cb-map .legend").text_content() or "")
    assert "保俶路" in page.inner_text("#advisories")
    # Another detector's chart, through the plain form.
    page.select_option("select[name=detector]", "TD-2")
    page.click("form[action='/citybrain'] button[type=submit]")
    page.wait_for_url(f"{live.url}/citybrain?detector=TD-2")
    page.wait_for_selector("#cb-chart .main-svg")
    assert "TD-2 · 平均绝对误差" in page.inner_text("#mae")
    assert guard.blocked == []
    ctx.close()  # type: ignore[attr-defined]
