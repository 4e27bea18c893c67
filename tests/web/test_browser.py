"""End to end in Debian's Chromium (Playwright, never a downloaded browser) against a real server.

uvicorn serves the app on 127.0.0.1 from a fresh SQLite file built by the migrations; the
browser may only talk to that server: any other request is aborted and fails the test.
Screenshots land in test-artifacts/ (gitignored) for a person to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import select
from tests import factories

from gongzhi.app import create_app
from gongzhi.cases import service as cases
from gongzhi.cases.models import Case
from gongzhi.cases.schemas import CaseIn
from gongzhi.cases.seed import seed_reference_data
from gongzhi.clock import FrozenClock
from gongzhi.config import Settings
from gongzhi.db import Database, make_engine, upgrade_schema

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = factories.DEFAULT_PASSWORD


@dataclass
class Live:
    url: str
    db: Database
    clock: FrozenClock


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _seed(db: Database, clock: FrozenClock) -> None:
    """The test street, its people, and a few cases so the queue looks like a working day."""
    now = clock.now()
    with db.session() as s:
        seed_reference_data(s)
        factories.make_area_tree(s, now)
        factories.make_unit(s, code="U-MUNI", kind="municipal", area_code="S1", name="街道市政所", now=now)
        mk = factories.make_user
        resident = mk(s, "resident1", "resident", area_code="G1", now=now, display_name="张三",
                      phone="13812345678")
        mk(s, "worker_g1", "grid_worker", area_code="G1", now=now, display_name="李网格")
        mk(s, "official_s1", "official", area_code="S1", now=now, display_name="赵主任")
        background = [
            ("G1", "manhole", "幸福路与平安街交叉口井盖缺失，夜间很危险", 50),
            ("G1", "garbage", "3号楼后面垃圾堆了三天没人清运，气味很大", 30),
            ("G1", "waterlogging", "地下车库入口积水约20厘米", 20),
            ("G1", "noise", "楼下烧烤店每天营业到凌晨两点，噪声扰民", 5),
            ("G3", "road_damage", "保俶路人行道砖块松动", 10),
        ]
        for grid, category, text, minutes_ago in background:
            lng, lat = factories.point_in(grid)
            cases.create_case(s, actor=resident, now=now - timedelta(minutes=minutes_ago),
                              data=CaseIn(category=category, description=text, lat=lat, lng=lng))


@contextmanager
def serve_in_thread(app: FastAPI, name: str) -> Iterator[str]:
    """Serve `app` with uvicorn on a free local port in a thread; yields its base URL, stops it after."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:  # readiness, not timing: the loop ends as soon as it listens
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        assert not thread.is_alive(), "uvicorn did not shut down"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'gongzhi.db'}"
    upgrade_schema(url)
    db = Database(make_engine(url))
    clock = FrozenClock(factories.T0)
    _seed(db, clock)
    settings = Settings(database_url=url, log_json=False, embedded_worker=False)
    app = create_app(settings=settings, database=db, clock=clock, start_worker=False)
    try:
        with serve_in_thread(app, "uvicorn-test") as base:
            yield Live(url=base, db=db, clock=clock)
    finally:
        db.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        if IN_CI:
            pytest.fail("Debian's Chromium must be installed under CI=true (make browser-deps)")
        pytest.skip("/usr/bin/chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


class Offline:
    """Aborts and remembers every request that is not for the test server."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.blocked: list[str] = []

    def __call__(self, route: object) -> None:
        request_url: str = route.request.url  # type: ignore[attr-defined]
        if request_url.startswith(self.base) or request_url.startswith(("data:", "blob:", "about:")):
            route.continue_()  # type: ignore[attr-defined]
        else:
            self.blocked.append(request_url)
            route.abort()  # type: ignore[attr-defined]


def _context(browser: object, live: Live, **kw: object) -> tuple[object, Offline]:
    ctx = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **kw)  # type: ignore[attr-defined]
    guard = Offline(live.url)
    ctx.route("**/*", guard)
    ctx.set_default_timeout(15000)
    return ctx, guard


def _login(page: object, live: Live, username: str, then: str | None = None) -> None:
    """Log in (every role lands on its /home page), then open `then` if given."""
    page.goto(f"{live.url}/login")  # type: ignore[attr-defined]
    page.fill("#username", username)  # type: ignore[attr-defined]
    page.fill("#password", PASSWORD)  # type: ignore[attr-defined]
    page.click("form[action='/login'] button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    if then is not None:
        page.goto(f"{live.url}{then}")  # type: ignore[attr-defined]


def _logout(page: object) -> None:
    page.click("form[action='/logout'] button")  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r"/login$"))  # type: ignore[attr-defined]


def test_resident_reports_and_the_grid_worker_accepts(browser: object, live: Live) -> None:
    ctx, guard = _context(browser, live, viewport={"width": 390, "height": 844})
    page = ctx.new_page()  # type: ignore[attr-defined]

    # The resident files a report through the form, choosing the grid from the list.
    _login(page, live, "resident1")
    assert page.url.endswith("/home")
    page.click("main a[href='/report']")  # the resident's home leads to the one-tap report
    page.wait_for_url(re.compile(r"/report$"))
    page.select_option("#category", "streetlight")
    page.fill("#description", "小区东门第三盏路灯不亮已经两天了")
    page.select_option("#grid_code", "G1")
    page.fill("#address", "宝石二路8号东门")
    page.click("#report-form button[type=submit]")
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    case_id = int(page.url.rsplit("/", 1)[1])
    flash = page.inner_text(".flash")
    assert "已提交，工单号 GZ20261123" in flash
    number = re.search(r"GZ\d+", flash).group(0)  # type: ignore[union-attr]
    assert page.inner_text("#case-status") == "已派单"
    # ... and sees it in "my cases".
    page.click("nav a[href='/my']")
    assert page.locator(f"[data-case-id='{case_id}']").inner_text().count(number) == 1
    _logout(page)

    # The grid worker of G1 finds it in the queue, opens it and accepts it.
    _login(page, live, "worker_g1", then="/queue")
    card = page.locator(f"[data-case-id='{case_id}']")
    assert "路灯故障" in card.inner_text() and "宝石一网格" in card.inner_text()
    card.locator("a").click()
    page.wait_for_url(f"{live.url}/cases/{case_id}")
    page.fill("#note-accept", "收到，今天下午去现场")
    page.click("form:has(input[name=action][value=accept]) button[type=submit]")
    page.wait_for_load_state()
    assert page.url == f"{live.url}/cases/{case_id}"
    assert page.inner_text("#case-status") == "已签收"
    assert "已完成：签收" in page.inner_text(".flash")
    steps = page.locator("#timeline li").evaluate_all("els => els.map(e => e.dataset.action)")
    assert steps[0] == "create" and "dispatch" in steps and steps[-1] == "accept"
    assert "收到，今天下午去现场" in page.inner_text("#timeline")

    # The worker's queue on a phone: screenshot for a person to look at.
    page.goto(f"{live.url}/queue")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "queue-390x844.png"), full_page=True)
    # Nothing scrolls sideways on a 390px phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(f"{live.url}/cases/{case_id}")
    page.screenshot(path=str(ARTIFACTS / "case-390x844.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    with live.db.session(readonly=True) as s:
        stored = s.scalar(select(Case).where(Case.id == case_id))
        assert stored is not None and stored.status == "accepted" and stored.address == "宝石二路8号东门"
    assert guard.blocked == []
    ctx.close()  # type: ignore[attr-defined]


def test_report_with_my_location_picks_the_grid(browser: object, live: Live) -> None:
    lng, lat = factories.point_in("G2")
    ctx, guard = _context(browser, live, viewport={"width": 390, "height": 844},
                          geolocation={"latitude": lat, "longitude": lng, "accuracy": 12},
                          permissions=["geolocation"])
    page = ctx.new_page()  # type: ignore[attr-defined]
    _login(page, live, "resident1", then="/report")
    page.select_option("#category", "elevator")
    # Only the chosen category's extra questions are shown.
    assert page.is_visible("[data-attr-category='elevator']")
    assert not page.is_visible("[data-attr-category='illegal_parking']")
    page.select_option("#attr__elevator__trapped", "no")
    page.fill("#description", "2号楼电梯按钮失灵")
    page.click("#locate")
    page.wait_for_function("document.getElementById('lat').value !== ''")
    assert "已获取位置" in page.inner_text("#locate-status")
    page.screenshot(path=str(ARTIFACTS / "report-390x844.png"), full_page=True)
    page.click("#report-form button[type=submit]")
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    assert "宝石二网格" in page.inner_text("main")
    assert guard.blocked == []
    ctx.close()  # type: ignore[attr-defined]


def test_countdown_ticks_with_the_server_clock(browser: object, live: Live) -> None:
    ctx, _guard = _context(browser, live)
    page = ctx.new_page()  # type: ignore[attr-defined]
    page.clock.install()  # type: ignore[attr-defined]
    _login(page, live, "worker_g1", then="/queue")
    first = page.locator(".case-card .countdown").first
    before = first.inner_text()
    assert before.startswith(("剩余", "已超时"))
    page.clock.fast_forward("30:00")  # type: ignore[attr-defined]
    after = first.inner_text()
    assert after != before and after.startswith(("剩余", "已超时"))
    ctx.close()  # type: ignore[attr-defined]


def test_map_draws_offline_with_the_bundled_plotly(browser: object, live: Live) -> None:
    ctx, guard = _context(browser, live, viewport={"width": 1280, "height": 900})
    page = ctx.new_page()  # type: ignore[attr-defined]
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    _login(page, live, "official_s1")
    page.goto(f"{live.url}/map")
    page.wait_for_selector("#map .main-svg")
    # Three grid polygons filled, plus case dots.
    assert page.locator("#map .scatterlayer .trace").count() >= 4
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map-1280.png"), full_page=True)
    # Runs under the pages' Content-Security-Policy without a complaint.
    assert problems == []
    assert guard.blocked == []
    ctx.close()  # type: ignore[attr-defined]


def test_english_pages_fit_a_phone(browser: object, live: Live) -> None:
    ctx, guard = _context(browser, live, viewport={"width": 390, "height": 844})
    page = ctx.new_page()  # type: ignore[attr-defined]
    _login(page, live, "official_s1", then="/queue")
    page.click("a[hreflang=en]")
    page.wait_for_load_state()
    assert page.url.endswith("/queue") and page.inner_text("h1") == "Work queue"
    assert page.evaluate("document.documentElement.lang") == "en"
    page.screenshot(path=str(ARTIFACTS / "queue-390x844-en.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(f"{live.url}/map")
    page.wait_for_selector("#map .main-svg")
    page.screenshot(path=str(ARTIFACTS / "map-390x844-en.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert guard.blocked == []
    ctx.close()  # type: ignore[attr-defined]


def test_pages_work_without_javascript(browser: object, live: Live) -> None:
    ctx, guard = _context(browser, live, viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = ctx.new_page()  # type: ignore[attr-defined]
    _login(page, live, "resident1", then="/report")
    # Without JS every category's extra questions show, and the location button stays hidden.
    assert page.is_visible("[data-attr-category='elevator']") and not page.is_visible("#locate")
    page.select_option("#category", "garbage")
    page.fill("#description", "楼道里堆放的纸箱很多")
    page.select_option("#grid_code", "G2")
    page.click("#report-form button[type=submit]")
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    assert "已提交" in page.inner_text(".flash") and "宝石二网格" in page.inner_text("main")
    _logout(page)
    _login(page, live, "official_s1")
    page.goto(f"{live.url}/map")
    assert not page.is_visible("#map")
    assert "宝石二网格" in page.inner_text("table.data")
    assert guard.blocked == []
    ctx.close()  # type: ignore[attr-defined]
