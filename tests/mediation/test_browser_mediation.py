"""End to end in Debian's Chromium on a phone screen: a resident files a dispute, the mediator works it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from tests import factories
from tests.web.test_browser import ARTIFACTS, Live, _context, _login, _logout, browser, serve_in_thread

from gongzhi.app import create_app
from gongzhi.cases.seed import seed_reference_data
from gongzhi.clock import FrozenClock
from gongzhi.config import Settings
from gongzhi.db import Database, make_engine, upgrade_schema
from gongzhi.mediation import service
from gongzhi.mediation.models import Dispute

pytestmark = pytest.mark.browser
__all__ = ["browser"]  # the fixture, shared with tests/web/test_browser.py


def _seed(db: Database, clock: FrozenClock) -> None:
    now = clock.now()
    with db.session() as s:
        seed_reference_data(s)
        factories.make_area_tree(s, now)
        factories.make_unit(s, code="PCS", kind="police", area_code="D1", now=now)
        mk = factories.make_user
        mk(s, "resident1", "resident", area_code="G1", now=now, display_name="张三", phone="13812345678")
        for username, area in (("tj_c1", "C1"), ("tj_s1", "S1"), ("tj_d1", "D1")):
            user = mk(s, username, "mediator", area_code=area, now=now, display_name=f"调解员{area}")
            service.upsert_mediator(s, actor=None, user=user, now=now, specialties=["neighbor"])


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    url = f"sqlite:///{tmp_path_factory.mktemp('browser-mediation') / 'gongzhi.db'}"
    upgrade_schema(url)
    db = Database(make_engine(url))
    clock = FrozenClock(factories.T0)
    _seed(db, clock)
    settings = Settings(database_url=url, log_json=False, embedded_worker=False)
    app = create_app(settings=settings, database=db, clock=clock, start_worker=False)
    try:
        with serve_in_thread(app, "uvicorn-mediation") as base:
            yield Live(url=base, db=db, clock=clock)
    finally:
        db.engine.dispose()


def test_resident_files_and_mediator_makes_first_contact(browser: object, live: Live) -> None:
    ctx, guard = _context(browser, live, viewport={"width": 390, "height": 844})
    page = ctx.new_page()  # type: ignore[attr-defined]
    _login(page, live, "resident1")
    page.goto(f"{live.url}/mediation/new")
    page.fill("#description", "邻居因为占道的事和我吵架，他扬言要拿菜刀砍死我全家。")
    page.fill("#a_name", "张三")
    page.fill("#a_phone", "13812345678")
    page.fill("#r_name", "李四")
    page.select_option("#grid_code", "G1")
    page.click("#dispute-form button[type=submit]")
    page.wait_for_url(re.compile(r"/mediation/disputes/\d+$"))
    dispute_id = int(page.url.rsplit("/", 1)[1])
    assert "纠纷已登记" in page.inner_text(".flash")
    assert page.inner_text("#dispute-status") == "已分派，待联系"
    assert "138****5678" in page.inner_text("#parties")
    assert "扬言" in page.inner_text("#triage")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _logout(page)

    _login(page, live, "tj_d1")
    page.goto(f"{live.url}/mediation/caseload")
    card = page.locator(f"[data-dispute-id='{dispute_id}']")
    assert "首次联系" in card.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "mediation-caseload-390x844.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    card.locator("a").click()
    page.wait_for_url(f"{live.url}/mediation/disputes/{dispute_id}")
    assert "高风险立即分派" in page.inner_text("#match")
    page.fill("#contact-note", "已电话联系双方")
    page.click("#act-contact button[type=submit]")
    page.wait_for_load_state()
    assert page.inner_text("#dispute-status") == "调解中"
    page.screenshot(path=str(ARTIFACTS / "mediation-dispute-390x844.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    with live.db.session(readonly=True) as s:
        d = s.scalar(select(Dispute).where(Dispute.id == dispute_id))
        assert d is not None and d.status == "in_mediation" and d.first_contact_at is not None
    assert guard.blocked == []
