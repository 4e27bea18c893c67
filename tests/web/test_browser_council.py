"""A council meeting in Debian's Chromium, from notice to published minutes, through the pages only.

The chair notices the meeting, records attendance, opens it, puts a motion, votes; the secretary votes,
the chair closes the vote and the meeting; the secretary edits and publishes the minutes; a resident
who follows the council reads them. Same setup as tests/web/test_browser.py (real uvicorn, fresh
SQLite file, every request outside the test server aborted).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from tests import factories
from tests.web.test_browser import ARTIFACTS, PASSWORD, Offline, browser, serve_in_thread  # noqa: F401

from gongzhi.app import create_app
from gongzhi.auth.models import User
from gongzhi.cases.seed import seed_reference_data
from gongzhi.clock import FrozenClock
from gongzhi.config import Settings
from gongzhi.council import service
from gongzhi.council.models import Meeting
from gongzhi.db import Database, make_engine, upgrade_schema
from gongzhi.notify.models import OutboxMessage

pytestmark = pytest.mark.browser


@dataclass
class Live:
    url: str
    db: Database
    clock: FrozenClock
    council_id: int
    meeting_id: int


def _seed(db: Database, clock: FrozenClock) -> tuple[int, int]:
    now = clock.now()
    with db.session() as s:
        seed_reference_data(s)
        factories.make_area_tree(s, now)
        factories.make_unit(s, code="U-PROP", kind="property", area_code="C1", name="宝石物业", now=now)
        official = factories.make_user(s, "official_c1", "official", area_code="C1", now=now, display_name="周书记")
        council = service.create_council(s, actor=official, area_code="C1", name="宝石社区议事会", now=now,
                                         location="社区二楼会议室")
        people = [("chair", "residents", "chair", "王主任"), ("secretary", "residents", "secretary", "李秘书"),
                  ("res3", "residents", "member", "赵居民"), ("res4", "residents", "member", "钱居民"),
                  ("prop1", "property", "vice_chair", "孙经理"), ("org1", "social_org", "member", "吴社工")]
        for username, group, position, name in people:
            u = factories.make_user(s, username, "council_member", area_code="C1", now=now, display_name=name)
            service.add_member(s, actor=official, council_id=council.id, group_code=group, user_id=u.id,
                               position=position, term_start=date(2026, 1, 1), now=now)
        resident = factories.make_user(s, "resident1", "resident", area_code="G1", now=now, display_name="张三")
        service.subscribe(s, user=resident, council_id=council.id, now=now)
        chair = s.scalars(select(User).where(User.username == "chair")).one()
        meeting = service.schedule_meeting(s, actor=chair, council_id=council.id, now=now,
                                           starts_at=now + timedelta(hours=1), title="十一月议事会")
        return council.id, meeting.id


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    url = f"sqlite:///{tmp_path_factory.mktemp('browser_council') / 'gongzhi.db'}"
    upgrade_schema(url)
    db = Database(make_engine(url))
    clock = FrozenClock(factories.T0)
    council_id, meeting_id = _seed(db, clock)
    settings = Settings(database_url=url, log_json=False, embedded_worker=False)
    app = create_app(settings=settings, database=db, clock=clock, start_worker=False)
    try:
        with serve_in_thread(app, "uvicorn-council") as base:
            yield Live(base, db, clock, council_id, meeting_id)
    finally:
        db.engine.dispose()




def _login(page: object, live: Live, username: str) -> None:
    page.goto(f"{live.url}/login")  # type: ignore[attr-defined]
    page.fill("#username", username)  # type: ignore[attr-defined]
    page.fill("#password", PASSWORD)  # type: ignore[attr-defined]
    page.click("form[action='/login'] button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]


def _logout(page: object) -> None:
    page.click("form[action='/logout'] button")  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r"/login$"))  # type: ignore[attr-defined]


def _submit(page: object, selector: str) -> None:
    page.click(selector)  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]


def test_meeting_from_notice_to_published_minutes(browser: object, live: Live) -> None:  # noqa: F811
    ctx = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",  # type: ignore[attr-defined]
                               viewport={"width": 390, "height": 844})
    guard = Offline(live.url)
    ctx.route("**/*", guard)
    ctx.set_default_timeout(15000)
    page = ctx.new_page()
    meeting_url = f"{live.url}/councils/meetings/{live.meeting_id}"

    # The chair opens the council page (the only council in the area) and goes to the meeting.
    _login(page, live, "chair")
    page.goto(f"{live.url}/councils")
    page.wait_for_url(f"{live.url}/councils/{live.council_id}")
    assert "50.0%" in page.inner_text("#seats") and "王主任" in page.inner_text("#members")
    page.click(f"[data-meeting-id='{live.meeting_id}'] a")
    page.wait_for_url(meeting_url)

    # Agenda item, then the notice.
    page.click("#agenda details > summary")
    page.fill("#item-title", "物业费调整")
    page.fill("#item-desc", "物业公司提出每平方米上调0.2元")
    _submit(page, "#item-form button[type=submit]")
    assert "物业费调整" in page.inner_text("#agenda")
    _submit(page, "#do-notice")
    assert page.inner_text("#meeting-status") == "已通知"

    # Attendance: the chair records who came; quorum appears once more than half the seat weight is present.
    for name in ("王主任", "李秘书", "赵居民", "钱居民", "吴社工"):
        row = page.locator("#attendance tr", has_text=name)
        row.locator("button", has_text="签到").click()
        page.wait_for_load_state()
    assert page.get_attribute("#quorum", "data-met") == "1"
    assert "70.00%" in page.inner_text("#quorum")  # residents 4/4 of 50%, social 1/1 of 20%
    _submit(page, "#do-open")
    assert page.inner_text("#meeting-status") == "会议中"

    # A motion on the agenda item, the chair votes.
    page.click("#motions > details > summary")
    page.fill("#mo-title", "同意物业费每平方米上调0.2元")
    page.select_option("#mo-item", label="物业费调整")
    _submit(page, "#motion-form button[type=submit]")
    motion = page.locator("article[data-motion-id]").first
    _submit(page, "article[data-motion-id] .vote-form button[data-choice=yes]")
    assert "投票已记录" in page.inner_text(".flash")
    assert "已投票 1 / 5 人" in motion.inner_text()
    assert "25.00%" not in motion.inner_text()  # one resident's yes: 1/8 = 12.50%
    assert "12.50%" in motion.locator(".t-yes").inner_text()

    # The secretary votes from her own phone; the chair's open page shows it without a reload.
    ctx2 = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")  # type: ignore[attr-defined]
    ctx2.route("**/*", guard)
    ctx2.set_default_timeout(15000)
    other = ctx2.new_page()
    _login(other, live, "secretary")
    other.goto(meeting_url)
    _submit(other, "article[data-motion-id] .vote-form button[data-choice=yes]")
    assert "25.00%" in other.locator("article[data-motion-id] .t-yes").inner_text()
    ctx2.close()
    from playwright.sync_api import expect

    # The live tally polls the motion API; expect() waits for the state (no sleeping, no page reload).
    expect(motion.locator(".t-yes")).to_contain_text("25.00%")
    expect(motion).to_have_attribute("data-live", "2")  # written by council.js, not by a fresh render
    assert "已投票 2 / 5 人" in motion.locator(".votes-cast").inner_text()

    # The chair closes the vote and the meeting.
    _submit(page, "article[data-motion-id] .close-motion")
    assert page.get_attribute("article[data-motion-id]", "data-result") == "passed"
    assert "赞成 25.00% (1/4) > 反对 0.00% (0)" in page.inner_text("article[data-motion-id] .conditions")
    _submit(page, "#do-close")
    assert page.inner_text("#meeting-status") == "已散会"
    assert page.locator("#minutes-form").count() == 0  # the chair runs meetings; the secretary writes minutes
    _logout(page)

    # The secretary edits the draft minutes and publishes them.
    _login(page, live, "secretary")
    page.goto(meeting_url)
    draft = page.input_value("#minutes-text")
    assert "出席委员（5 人）" in draft and "同意物业费每平方米上调0.2元" in draft and "通过" in draft
    page.fill("#minutes-text", draft + "\n会后由物业公司在各楼栋公示新标准。")
    _submit(page, "#minutes-form button[type=submit]")
    assert "会后由物业公司在各楼栋公示新标准。" in page.input_value("#minutes-text")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "council-meeting-390x844.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _submit(page, "#do-publish")
    page.wait_for_url(f"{live.url}/councils/minutes/{live.meeting_id}")
    _logout(page)

    # A resident of the community reads the published minutes.
    _login(page, live, "resident1")
    page.goto(f"{live.url}/councils/minutes/{live.meeting_id}")
    text = page.inner_text("#published-minutes")
    assert "会议纪要：十一月议事会" in text and "会后由物业公司在各楼栋公示新标准。" in text
    assert guard.blocked == []
    ctx.close()

    with live.db.session(readonly=True) as s:
        meeting = s.get_one(Meeting, live.meeting_id)
        assert meeting.status == "minutes_published"
        topics = set(s.scalars(select(OutboxMessage.topic)))
        assert {"council.meeting.notice", "council.minutes.published"} <= topics
