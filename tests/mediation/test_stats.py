"""mediation.stats: dispute cohorts by filing time, outcomes, first-contact clocks, high-risk list."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session
from tests.factories import area_by_code
from tests.mediation.mediation_world import World, make_world

from gongzhi.clock import FrozenClock
from gongzhi.mediation import service, stats, tasks
from gongzhi.mediation.models import Dispute
from gongzhi.mediation.stats import DisputeTotals

LOW = "邻居家小孩天天在楼上跑跳，吵得我们睡不好，上门说过一次，对方态度不好，吵了几句嘴。"
MEDIUM = "隔壁邻居装修把我家的墙弄裂了，维修要两万块钱，他不肯赔，已经找过物业调了两次都没用。"
HIGH = "邻居因为占道的事和我吵架，他扬言要拿菜刀砍死我全家，还说不会放过我们。"
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 Shanghai
# November 2026 in Shanghai, as UTC instants: [Nov 1 00:00 local, Dec 1 00:00 local).
NOV = (datetime(2026, 10, 31, 16, 0, tzinfo=UTC), datetime(2026, 11, 30, 16, 0, tzinfo=UTC))
NOV_DEC = (NOV[0], datetime(2026, 12, 31, 16, 0, tzinfo=UTC))


class Disputes:
    def __init__(self, w: World) -> None:
        self.w = w
        self.n = 0

    def file(self, text: str, at: datetime, *, grid: str = "G1", amount: float = 0, **kw: object) -> Dispute:
        """Each dispute with its own parties, so repeats do not raise the risk."""
        self.n += 1
        self.w.clock.set(at)
        return self.w.file(text, grid=grid, amount=amount, applicant=f"申请人{self.n}", respondent=f"对方{self.n}",
                           address=f"宝石路{self.n}号", phone=f"1381234{self.n:04d}",
                           actor=self.w.resident2 if grid == "G3" else self.w.resident, **kw)  # type: ignore[arg-type]


@pytest.fixture
def world(session: Session, clock: FrozenClock) -> tuple[World, dict[str, Dispute], dict[str, int]]:
    """d1 agreement (contact on time), d2 failed (contact late), d3 high risk open, d4 withdrawn at
    the last second of November (local), d5 the first second of December, d6 high risk in December."""
    w = make_world(session, clock)
    mk = Disputes(w)
    d1 = mk.file(LOW, T0)
    d2 = mk.file(MEDIUM, T0 + timedelta(hours=1), amount=20000)
    d3 = mk.file(HIGH, T0 + timedelta(hours=2), grid="G3")
    assert (d1.risk, d2.risk, d3.risk) == ("low", "medium", "high")
    tasks.sweep(session, T0 + timedelta(hours=2))
    assert d1.mediator_id is not None and d2.mediator_id is not None and d3.mediator_id is not None
    assert w.mediator_user_of(d1) == w.med_c1 and w.mediator_user_of(d2) == w.med_s1
    service.record_contact(session, user=w.med_c1, dispute_id=d1.id, now=T0 + timedelta(hours=3))
    service.conclude(session, user=w.med_c1, dispute_id=d1.id, outcome="agreement", now=T0 + timedelta(hours=4),
                     terms="对方每晚九点后不再跑跳。")
    # d2 due at T0+1h+24h; contacted at T0+31h: late.
    service.record_contact(session, user=w.med_s1, dispute_id=d2.id, now=T0 + timedelta(hours=31))
    service.conclude(session, user=w.med_s1, dispute_id=d2.id, outcome="failed", referred_to="court",
                     now=T0 + timedelta(hours=32))
    d4 = mk.file(LOW, datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC), grid="G2")
    d5 = mk.file(LOW, datetime(2026, 11, 30, 16, 0, tzinfo=UTC))
    tasks.sweep(session, datetime(2026, 11, 30, 16, 30, tzinfo=UTC))
    med4 = w.mediator_user_of(d4)
    assert med4 is not None
    service.record_contact(session, user=med4, dispute_id=d4.id, now=datetime(2026, 11, 30, 17, tzinfo=UTC))
    service.conclude(session, user=med4, dispute_id=d4.id, outcome="withdrawn",
                     now=datetime(2026, 11, 30, 18, tzinfo=UTC))
    d6 = mk.file(HIGH, datetime(2026, 12, 2, 1, 0, tzinfo=UTC))
    # The respondent's phone repeats (mediation_world), so triage raises the later low ones to medium.
    assert (d4.risk, d5.risk, d6.risk) == ("medium", "medium", "high")
    session.flush()
    grids = {c: area_by_code(session, c).id for c in ("G1", "G2", "G3")}
    return w, {"d1": d1, "d2": d2, "d3": d3, "d4": d4, "d5": d5, "d6": d6}, grids


World3 = tuple[World, dict[str, Dispute], dict[str, int]]


def test_november_totals(session: Session, world: World3) -> None:
    _, _, g = world
    got = stats.dispute_totals(session, list(g.values()), *NOV)
    # d1..d4 filed in November; concluded = agreement + failed (d1, d2); resolved = agreement +
    # withdrawn (d1, d4); contacted d1, d2, d4; on time d1, d4.
    assert got == {None: DisputeTotals(filed=4, concluded=2, agreements=1, resolved=2, high_risk=1,
                                       first_contact_on_time=2, first_contacted=3, withdrawn=1)}


def test_by_grid_and_subset(session: Session, world: World3) -> None:
    _, _, g = world
    by_grid = stats.dispute_totals(session, list(g.values()), *NOV, group="grid")
    assert by_grid == {
        g["G1"]: DisputeTotals(filed=2, concluded=2, agreements=1, resolved=1, first_contact_on_time=1,
                               first_contacted=2),
        g["G2"]: DisputeTotals(filed=1, resolved=1, first_contact_on_time=1, first_contacted=1, withdrawn=1),
        g["G3"]: DisputeTotals(filed=1, high_risk=1),
    }
    # Grids roll up by `+` to the total.
    total = sum(by_grid.values(), DisputeTotals())
    assert total == stats.dispute_totals(session, list(g.values()), *NOV)[None]
    assert stats.dispute_totals(session, [g["G3"]], *NOV)[None].filed == 1
    assert stats.dispute_totals(session, [], *NOV) == {None: DisputeTotals()}
    assert stats.dispute_totals(session, [], *NOV, group="grid") == {}


def test_month_boundary_in_shanghai(session: Session, world: World3) -> None:
    _, _, g = world
    by_month = stats.dispute_totals(session, list(g.values()), *NOV_DEC, group="month")
    # d4 at 23:59:59 Nov 30 local is November; d5 at 00:00 Dec 1 local is December.
    assert {k: v.filed for k, v in by_month.items()} == {date(2026, 11, 1): 4, date(2026, 12, 1): 2}
    assert by_month[date(2026, 12, 1)].high_risk == 1
    dec = (NOV[1], NOV_DEC[1])
    assert stats.dispute_totals(session, list(g.values()), *dec)[None].filed == 2
    assert stats.dispute_totals(session, list(g.values()), *dec, group="month") == {
        date(2026, 12, 1): by_month[date(2026, 12, 1)]}


def test_by_tier_and_type(session: Session, world: World3) -> None:
    _, d, g = world
    by_tier = stats.dispute_totals(session, list(g.values()), *NOV, group="tier")
    assert {k: v.filed for k, v in by_tier.items()} == {"village": 1, "town": 2, "city": 1}
    assert by_tier["town"] == DisputeTotals(filed=2, concluded=1, resolved=1, first_contact_on_time=1,
                                            first_contacted=2, withdrawn=1)
    by_type = stats.dispute_totals(session, list(g.values()), *NOV, group="type")
    expected: dict[str, int] = {}
    for key in ("d1", "d2", "d3", "d4"):
        expected[d[key].type] = expected.get(d[key].type, 0) + 1
    assert {k: v.filed for k, v in by_type.items()} == expected


def test_open_high_risk_oldest_first(session: Session, world: World3) -> None:
    w, d, g = world
    now = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    count, items = stats.open_high_risk(session, list(g.values()), now=now)
    assert count == 2
    assert [i["id"] for i in items] == [d["d3"].id, d["d6"].id]
    first = items[0]
    assert first["url"] == f"/mediation/disputes/{d['d3'].id}" and first["grid_code"] == "G3"
    assert first["number"] == service.dispute_number(d["d3"]) and first["number"] in first["label"]
    assert first["created_at"] == "2026-11-23T04:00:00+00:00"
    assert first["overdue"] is True  # 1 h clock, never contacted
    assert "申请人" not in str(items)  # no party names
    count, items = stats.open_high_risk(session, list(g.values()), limit=1)
    assert count == 2 and len(items) == 1 and items[0]["overdue"] is None
    assert stats.open_high_risk(session, [g["G2"]]) == (0, [])
    # Concluding takes it off the list.
    service.record_contact(session, user=w.med_d1, dispute_id=d["d3"].id, now=now)
    service.conclude(session, user=w.med_d1, dispute_id=d["d3"].id, outcome="agreement", now=now, terms="互相道歉。")
    assert stats.open_high_risk(session, list(g.values()))[0] == 1
