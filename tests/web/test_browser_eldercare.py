"""The duty board in Debian's Chromium: a doctor acknowledges an SOS alarm, the countdown stops.

Same set-up as tests/web/test_browser.py: uvicorn on 127.0.0.1 over a fresh SQLite file built by
the migrations, every request to anything else aborted.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from tests import factories
from tests.eldercare.conftest import make_world
from tests.web.test_browser import ARTIFACTS, Live, _context, _login, browser, serve_in_thread  # noqa: F401

from gongzhi.app import create_app
from gongzhi.cases.seed import seed_reference_data
from gongzhi.clock import FrozenClock
from gongzhi.config import Settings
from gongzhi.db import Database, make_engine, upgrade_schema
from gongzhi.devices.handlers import Reading
from gongzhi.eldercare.events import handle_readings
from gongzhi.eldercare.models import Alarm, AlarmCall

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def elder_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    url = f"sqlite:///{tmp_path_factory.mktemp('browser-eldercare') / 'gongzhi.db'}"
    upgrade_schema(url)
    db = Database(make_engine(url))
    clock = FrozenClock(factories.T0)
    with db.session() as s:
        seed_reference_data(s)
        w = make_world(s, clock)
        # A few minutes of vitals for the chart, then the SOS button.
        for i in range(10):
            at = clock.now() - timedelta(minutes=10 - i)
            handle_readings(s, w.band, [Reading("heart_rate", at, 70.0 + i), Reading("spo2", at, 97.0),
                                        Reading("temperature", at, 36.6)], clock.now())
        handle_readings(s, w.band, [Reading("sos", clock.now(), 1.0)], clock.now())
    settings = Settings(database_url=url, log_json=False, embedded_worker=False)
    app = create_app(settings=settings, database=db, clock=clock, start_worker=False)
    try:
        with serve_in_thread(app, "uvicorn-eldercare") as base:
            yield Live(url=base, db=db, clock=clock)
    finally:
        db.engine.dispose()


def test_doctor_acknowledges_on_the_duty_board(browser: object, elder_live: Live) -> None:  # noqa: F811
    live = elder_live
    ctx, guard = _context(browser, live, viewport={"width": 390, "height": 844})
    page = ctx.new_page()  # type: ignore[attr-defined]
    _login(page, live, "yisheng")
    page.goto(f"{live.url}/eldercare")
    card = page.locator("[data-alarm-id]").first
    text = card.inner_text()
    assert "SOS 呼救" in text and "待响应" in text and "距下一级升级" in text
    assert card.locator("[data-next-escalation]").inner_text().strip() != ""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "eldercare-board-390x844.png"), full_page=True)
    card.locator("button[data-action=ack]").click()
    page.wait_for_load_state()
    assert "呼叫链已停止" in page.inner_text(".flash")
    card = page.locator("[data-alarm-id]").first
    assert card.locator("[data-alarm-status]").inner_text() == "已响应"
    assert card.locator("[data-next-escalation]").count() == 0
    assert "李医生" in card.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # The elder's page draws the vitals chart with the bundled Plotly.
    card.locator("a[href^='/eldercare/elders/']").click()
    page.wait_for_selector("#vitals-chart .main-svg")
    page.screenshot(path=str(ARTIFACTS / "eldercare-elder-390x844.png"), full_page=True)

    with live.db.session(readonly=True) as s:
        alarm = s.scalars(select(Alarm).where(Alarm.kind == "sos")).one()
        assert (alarm.status, alarm.ack_via, alarm.next_escalation_at) == ("acknowledged", "app", None)
        doctor_call = s.scalars(select(AlarmCall).where(AlarmCall.alarm_id == alarm.id, AlarmCall.role == "doctor")).one()
        assert doctor_call.answered_at is not None
        assert alarm.case_id is not None  # the doctor's acknowledgement filed the visit case
    assert guard.blocked == []
    ctx.close()  # type: ignore[attr-defined]

