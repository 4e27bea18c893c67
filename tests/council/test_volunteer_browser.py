"""In Debian's Chromium on a phone-sized screen: a volunteer checks in with the phone's location,
reports a broken elevator (a case), checks out (hours credited); an owner votes on a ballot and
sees the art. 278 conditions as bars. The browser may only talk to the test server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select
from tests import factories
from tests.web.test_browser import ARTIFACTS, PASSWORD, _context, browser, serve_in_thread  # noqa: F401

from gongzhi.app import create_app
from gongzhi.cases.models import Case
from gongzhi.cases.seed import seed_reference_data
from gongzhi.clock import FrozenClock
from gongzhi.config import Settings
from gongzhi.council import ballots
from gongzhi.council import volunteers as vol
from gongzhi.council.volunteer_models import VolunteerHours
from gongzhi.db import Database, make_engine, upgrade_schema

pytestmark = pytest.mark.browser
START = factories.T0 + timedelta(hours=2)  # 12:00 Shanghai


@dataclass
class Live:
    url: str
    db: Database
    clock: FrozenClock
    shift_id: int
    ballot_id: int


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    url = f"sqlite:///{tmp_path_factory.mktemp('vol-browser') / 'gongzhi.db'}"
    upgrade_schema(url)
    db = Database(make_engine(url))
    clock = FrozenClock(factories.T0)
    now = clock.now()
    with db.session() as s:
        seed_reference_data(s)
        factories.make_area_tree(s, now)
        mk = factories.make_user
        staff = mk(s, "worker_g1", "grid_worker", area_code="G1", now=now, display_name="李网格")
        mk(s, "zhiyuan1", "volunteer", area_code="G1", now=now, display_name="王志愿")
        team = vol.create_team(s, actor=staff, community_code="C1", name="宝石巡逻队", leader_username="zhiyuan1",
                               now=now)
        shift = vol.schedule_shift(s, actor=staff, team_id=team.id, volunteer_id=team.leader_id or 0,
                                   area_code="G1", starts_at=START, ends_at=START + timedelta(hours=2),
                                   route="宝石一路—宝石二路", now=now)
        estate = ballots.create_estate(s, actor=staff, code="E1", name="宝石花园", community_code="C1", now=now)
        building = ballots.add_building(s, actor=staff, estate_id=estate.id, name="1幢", now=now)
        for i in range(3):
            resident = mk(s, f"owner{i}", "resident", area_code="G1", now=now, display_name=f"业主{i}")
            owner = ballots.add_owner(s, actor=staff, estate_id=estate.id, name=resident.display_name,
                                      username=resident.username, now=now)
            ballots.add_unit(s, actor=staff, building_id=building.id, number=f"10{i}", area="90", owner_id=owner.id,
                             now=now)
        ballot = ballots.create_ballot(s, actor=staff, estate_id=estate.id, matter="use_maintenance_fund",
                                       title="使用维修资金更换屋面防水", closes_at=now + timedelta(days=3), now=now)
        ballots.open_ballot(s, actor=staff, ballot_id=ballot.id, now=now)
        ballots.cast_online(s, user=s.scalars(select(factories.User).where(factories.User.username == "owner1"))
                            .one(), ballot_id=ballot.id, choice="yes", now=now)
        ids = (shift.id, ballot.id)
    settings = Settings(database_url=url, log_json=False, embedded_worker=False)
    app = create_app(settings=settings, database=db, clock=clock, start_worker=False)
    try:
        with serve_in_thread(app, "uvicorn-vol-test") as base:
            yield Live(base, db, clock, *ids)
    finally:
        db.engine.dispose()


def _login(page: object, live: Live, username: str) -> None:
    page.goto(f"{live.url}/login")  # type: ignore[attr-defined]
    page.fill("#username", username)  # type: ignore[attr-defined]
    page.fill("#password", PASSWORD)  # type: ignore[attr-defined]
    page.click("form[action='/login'] button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]


def test_volunteer_checks_in_from_a_phone(browser: object, live: Live) -> None:  # noqa: F811
    lng, lat = factories.point_in("G1")
    ctx, guard = _context(browser, live, viewport={"width": 390, "height": 844},  # type: ignore[arg-type]
                          geolocation={"latitude": lat, "longitude": lng, "accuracy": 10},
                          permissions=["geolocation"])
    page = ctx.new_page()  # type: ignore[attr-defined]
    live.clock.set(START - timedelta(minutes=10))
    _login(page, live, "zhiyuan1")
    page.goto(f"{live.url}/volunteers")
    page.click(f"a[href='/volunteers/shifts/{live.shift_id}']")
    page.wait_for_url(re.compile(r"/volunteers/shifts/\d+$"))
    # Without a location the check-in is refused in place, with the reason.
    page.click("#check-in-button")
    page.wait_for_load_state()
    assert "使用我的位置" in page.inner_text(".flash.error")
    page.click("#locate")
    page.wait_for_function("document.getElementById('lat').value !== ''")
    page.click("#check-in-button")
    page.wait_for_url(f"{live.url}/volunteers/shifts/{live.shift_id}")
    assert page.inner_text("#shift-status") == "巡查中"
    assert "签到成功" in page.inner_text(".flash")

    # A broken elevator seen on patrol becomes a case.
    page.check("input[name=kind][value=warning]")
    page.select_option("#category", "elevator")
    page.select_option("#attr__elevator__trapped", "no")
    page.fill("#description", "2幢电梯门反复开关，无法运行")
    page.click("#report button[type=submit]")
    page.wait_for_load_state()
    assert "预警已转为工单 #" in page.inner_text(".flash")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "volunteer-shift-390x844.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    live.clock.set(START + timedelta(minutes=95))
    page.click("#check-out button")
    page.wait_for_load_state()
    assert "95 分钟" in page.inner_text(".flash")  # from the start, not the early arrival
    # The team page shows the credited time; it fits a phone.
    page.click("a[href^='/volunteers/teams/']")
    page.wait_for_url(re.compile(r"/volunteers/teams/\d+$"))
    assert "1小时35分" in page.inner_text("#hours")
    page.screenshot(path=str(ARTIFACTS / "volunteer-team-390x844.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    with live.db.session(readonly=True) as s:
        case = s.scalars(select(Case).where(Case.source == "volunteer")).one()
        assert case.category_id is not None and "电梯" in case.description
        hours = s.scalars(select(VolunteerHours).where(VolunteerHours.shift_id == live.shift_id)).one()
        assert hours.minutes == 95
    assert guard.blocked == []
    ctx.close()  # type: ignore[attr-defined]


def test_owner_votes_and_sees_the_conditions(browser: object, live: Live) -> None:  # noqa: F811
    ctx, guard = _context(browser, live, viewport={"width": 390, "height": 844})  # type: ignore[arg-type]
    page = ctx.new_page()  # type: ignore[attr-defined]
    live.clock.set(factories.T0 + timedelta(hours=5))
    _login(page, live, "owner0")
    page.goto(f"{live.url}/ballots")
    page.click(f"a[href='/ballots/{live.ballot_id}']")
    page.wait_for_url(re.compile(r"/ballots/\d+$"))
    met = page.locator("[data-condition]").evaluate_all("els => els.map(e => e.dataset.met)")
    assert met == ["false", "false", "true", "true"]  # 1 of 3 owners so far
    page.check("input[name=choice][value=yes]")
    page.click("#my-vote button[type=submit]")
    page.wait_for_load_state()
    assert "投票已提交" in page.inner_text(".flash")
    met = page.locator("[data-condition]").evaluate_all("els => els.map(e => e.dataset.met)")
    assert met == ["true", "true", "true", "true"]  # 2 of 3 = two-thirds exactly: enough
    assert "您已投票：同意" in page.inner_text("#my-vote")
    page.screenshot(path=str(ARTIFACTS / "ballot-390x844.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert guard.blocked == []
    ctx.close()  # type: ignore[attr-defined]
