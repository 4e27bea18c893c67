"""The monthly report and a pilot report in Debian's Chromium: the charts draw from the local Plotly,
and every figure on the page equals the JSON API's. Same set-up as tests/web/test_browser.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from tests import factories
from tests.web.test_browser import (  # noqa: F401
    ARTIFACTS,
    Live,
    _context,
    _login,
    _seed,
    browser,
    serve_in_thread,
)

from gongzhi.analytics import pilots
from gongzhi.app import create_app
from gongzhi.auth.models import User
from gongzhi.cases.models import Case
from gongzhi.clock import FrozenClock
from gongzhi.config import Settings
from gongzhi.db import Database, make_engine, upgrade_schema

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def reports_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    url = f"sqlite:///{tmp_path_factory.mktemp('browser-reports') / 'gongzhi.db'}"
    upgrade_schema(url)
    db = Database(make_engine(url))
    clock = FrozenClock(factories.T0)
    _seed(db, clock)  # the street, its people, five open cases of today
    with db.session() as s:
        official = s.query(User).filter_by(username="official_s1").one()
        # Ratings on two of the cases, so satisfaction has a figure.
        for case, rating in zip(s.query(Case).order_by(Case.id).limit(2), (5, 2), strict=True):
            case.rating = rating
        pilots.create_pilot(s, actor=official, now=clock.now(), data=pilots.PilotData(
            name="宝石社区物业纠纷调处", area_code="S1", start_date=date(2026, 11, 16), problem="物业投诉集中",
            actions=["设立调解室", "每月议事会"], measure_codes=["satisfaction", "dispute_count", "response_median"]))
    settings = Settings(database_url=url, log_json=False, embedded_worker=False)
    app = create_app(settings=settings, database=db, clock=clock, start_worker=False)
    try:
        with serve_in_thread(app, "uvicorn-reports") as base:
            yield Live(url=base, db=db, clock=clock)
    finally:
        db.engine.dispose()


def _row_texts(page: object, table: str) -> dict[str, list[str]]:
    return page.eval_on_selector_all(  # type: ignore[attr-defined, no-any-return]
        f"{table} tr[data-measure]",
        "rows => Object.fromEntries(rows.map(r => [r.dataset.measure, "
        "Array.from(r.querySelectorAll('td')).map(td => td.innerText.trim())]))")


def test_monthly_report_in_the_browser_matches_the_api(browser: object, reports_live: Live) -> None:  # noqa: F811
    live = reports_live
    ctx, guard = _context(browser, live, viewport={"width": 1366, "height": 768})
    page = ctx.new_page()  # type: ignore[attr-defined]
    _login(page, live, "official_s1")
    page.goto(f"{live.url}/monthly-report?area=S1&month=2026-11")
    page.wait_for_selector("#m-cases-0 .main-svg")  # Plotly drew the category chart
    page.wait_for_selector("#m-trend-0 .main-svg")
    api = page.request.get(f"{live.url}/api/v1/analytics/reports/monthly?area=S1&month=2026-11").json()
    assert page.inner_text("#report-title") == api["title"] == "北山街道 2026-11 月度报告"
    shown = _row_texts(page, "#headline")
    assert set(shown) == {h["code"] for h in api["headline"]}
    for h in api["headline"]:
        assert shown[h["code"]] == [h["name"], h["formatted"], h["previous_formatted"], h["change_text"]]
    assert shown["satisfaction"][1] == "50.0%"  # ratings 5 and 2: one of two satisfied
    for s in api["sections"]:
        assert page.inner_text(f"#section-{s['key']} .rpt-summary") == s["summary"]
    # The category chart holds the API's counts.
    bars = page.evaluate("document.getElementById('m-cases-0').data[0].x")
    chart = next(s for s in api["sections"] if s["key"] == "cases")["charts"][0]
    assert bars == chart["series"][0]["values"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "monthly-report-1366x768.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    pdf = page.request.get(f"{live.url}{page.get_attribute('#pdf-link', 'href')}")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    # On a phone nothing scrolls sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_selector("#m-cases-0 .main-svg")
    page.screenshot(path=str(ARTIFACTS / "monthly-report-390x844.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert guard.blocked == []
    ctx.close()  # type: ignore[attr-defined]


def test_pilot_report_in_the_browser_matches_the_api(browser: object, reports_live: Live) -> None:  # noqa: F811
    live = reports_live
    ctx, guard = _context(browser, live, viewport={"width": 1366, "height": 768})
    page = ctx.new_page()  # type: ignore[attr-defined]
    _login(page, live, "official_s1")
    page.goto(f"{live.url}/pilots")
    page.click("#pilots a")
    page.wait_for_selector("#results-table")
    pilot_id = int(page.url.rsplit("/", 1)[1])
    api = page.request.get(f"{live.url}/api/v1/analytics/pilots/{pilot_id}/report").json()
    assert page.inner_text("#summary") == api["summary"]
    shown = _row_texts(page, "#results-table")
    assert list(shown) == ["satisfaction", "dispute_count", "response_median"]
    for r in api["results"]:
        cells = shown[r["code"]]
        assert cells[0] == r["name"]
        assert cells[1].split()[0] == r["before_formatted"] and cells[2].split()[0] == r["after_formatted"]
        assert cells[3] == r["change_text"] and cells[4] == r["relative_text"]
    assert page.inner_text("#actions ol") == "设立调解室\n每月议事会"
    if api["charts"]:
        page.wait_for_selector("#p-0 .main-svg")
    page.screenshot(path=str(ARTIFACTS / "pilot-report-1366x768.png"), full_page=True)
    assert guard.blocked == []
    ctx.close()  # type: ignore[attr-defined]


def test_pilot_report_window_is_equal_days(reports_live: Live) -> None:
    # The seeded pilot: start 11-16, today 11-23 → after 11-16..11-23 (8 days), before 11-08..11-15.
    from gongzhi.analytics.reports import pilot_windows

    windows = pilot_windows(date(2026, 11, 16), reports_live.clock.now())
    assert windows is not None
    before, after = windows
    assert (before.start, before.end, after.end) == (date(2026, 11, 8), date(2026, 11, 16), date(2026, 11, 24))
    assert before.days == after.days == 8
    assert after.start - before.end == timedelta(0)
