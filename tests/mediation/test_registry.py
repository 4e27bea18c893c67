"""Risk registry: scores from repeats, unresolved, escalations, risk and recency; the visit list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session
from tests.mediation.mediation_world import World, make_world

from gongzhi.clock import FrozenClock
from gongzhi.errors import Forbidden, NotFound
from gongzhi.mediation import registry, service, tasks

LOW = "邻居家小孩天天在楼上跑跳，吵得我们睡不好，上门说过一次，对方态度不好，吵了几句嘴。"


@pytest.fixture
def w(session: Session, clock: FrozenClock) -> World:
    return make_world(session, clock)


def _entry(entries: list[registry.Entry], kind: str, label: str) -> registry.Entry:
    return next(e for e in entries if e.kind == kind and e.label == label)


def test_recency_halves_every_half_life(w: World) -> None:
    now = w.clock.now()
    assert registry.recency(now, now) == pytest.approx(1.0)
    assert registry.recency(now - timedelta(days=90), now) == pytest.approx(0.5)
    assert registry.recency(now - timedelta(days=180), now) == pytest.approx(0.25)


def test_scores_explain_repeats_unresolved_and_decay(w: World) -> None:
    w.file(LOW, applicant="王芳", phone="13700000001", address="宝石路8号")
    w.clock.advance(timedelta(days=1))
    w.file(LOW, applicant="王芳", phone="13700000001", address="宝石路8号")
    zd = w.file(LOW, applicant="赵六", phone="13700000002", address="宝石路9号")
    entries = registry.scores(w.session, w.official_s1, w.clock.now(), reveal=True)
    wang = _entry(entries, "person", "王芳")
    zhao = _entry(entries, "person", "赵六")
    assert wang.disputes == 2 and zhao.disputes == 1
    assert wang.score > zhao.score
    # One fresh open dispute: 1 + unresolved 1.5 + its tier (medium here: the respondent is a repeat party).
    assert zhao.score == pytest.approx(2.5 + {"low": 0, "medium": 0.5, "high": 2.0}[zd.risk], abs=0.01)
    assert any("重复纠纷1起" in r for r in wang.reasons) and any("未化解2起" in r for r in wang.reasons)
    # A year later the same history weighs far less.
    later = registry.scores(w.session, w.official_s1, w.clock.now() + timedelta(days=365), reveal=True)
    assert _entry(later, "person", "王芳").score < wang.score / 10


def test_escalations_and_concluded_disputes_change_the_score(w: World) -> None:
    d = w.file(LOW, applicant="钱七", phone="13700000003", address="宝石路10号")
    base = _entry(registry.scores(w.session, w.official_s1, w.clock.now(), reveal=True), "person", "钱七").score
    w.clock.advance(timedelta(hours=25))
    tasks.sweep(w.session, w.clock.now())
    assert d.escalations >= 1
    bumped = _entry(registry.scores(w.session, w.official_s1, w.clock.now(), reveal=True), "person", "钱七")
    assert bumped.score > base and any("超时升级" in r for r in bumped.reasons)
    med = w.mediator_user_of(d)
    assert med is not None
    service.conclude(w.session, user=med, dispute_id=d.id, outcome="agreement", terms="互相谅解", now=w.clock.now())
    settled = _entry(registry.scores(w.session, w.official_s1, w.clock.now(), reveal=True), "person", "钱七")
    assert settled.score < bumped.score


def test_masked_unless_revealed_and_scope(w: World) -> None:
    w.file(LOW, applicant="王芳", phone="13700000001", address="宝石路8号")
    masked = registry.scores(w.session, w.official_s1, w.clock.now())
    assert any(e.label == "王*" for e in masked) and not any(e.label == "王芳" for e in masked)
    assert registry.scores(w.session, w.worker_g3, w.clock.now()) == []


def test_visit_list_threshold_cooldown_and_recording(w: World) -> None:
    for _ in range(2):
        w.file(LOW, applicant="王芳", phone="13700000001", address="宝石路8号")
    visits = registry.visit_list(w.session, w.worker_g1, w.clock.now(), reveal=True)
    assert visits and all(e.score >= registry.VISIT_THRESHOLD and e.kind != "place" for e in visits)
    target = visits[0]
    with pytest.raises(Forbidden):
        registry.record_visit(w.session, user=w.resident, kind=target.kind, key=target.key, note="x",
                              now=w.clock.now())
    with pytest.raises(NotFound):
        registry.record_visit(w.session, user=w.worker_g1, kind=target.kind, key="h:nope", note="x",
                              now=w.clock.now())
    registry.record_visit(w.session, user=w.worker_g1, kind=target.kind, key=target.key, note="上门了解情况",
                          now=w.clock.now())
    keys = {e.key for e in registry.visit_list(w.session, w.worker_g1, w.clock.now())}
    assert target.key not in keys
    w.clock.advance(timedelta(days=8))
    keys = {e.key for e in registry.visit_list(w.session, w.worker_g1, w.clock.now())}
    assert target.key in keys
