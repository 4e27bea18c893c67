"""The case rules: intake and routing, every transition legal and illegal, clocks, escalation, scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import select

from gongzhi.audit import service as audit
from gongzhi.cases import service
from gongzhi.cases.models import OPEN_STATUSES, STATUSES, Case
from gongzhi.cases.schemas import CaseIn
from gongzhi.clock import SHANGHAI
from gongzhi.errors import Conflict, Forbidden, Invalid, NotFound
from gongzhi.geo.coords import wgs84_to_gcj02
from gongzhi.notify.models import OutboxMessage

from .conftest import World


def outbox(w: World, topic: str) -> list[OutboxMessage]:
    return list(w.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == topic)))


# ------------------------------------------------------------------ intake and routing


def test_intake_places_routes_and_starts_clocks(world: World) -> None:
    case = world.report("G1", "road_damage")
    assert case.status == "dispatched"
    assert case.grid_id is not None and case.unit_id == world.municipal.id  # street-level unit for G1
    assert case.assignee_id == world.worker_g1.id
    assert case.priority == "P3" and case.reporter_id == world.resident.id
    # P3: accept within 1 working day: created Mon 10:00 -> end of Tue
    assert case.accept_due_at == datetime(2026, 11, 25, tzinfo=SHANGHAI).astimezone(UTC)
    assert case.resolve_due_at == datetime(2026, 12, 1, tzinfo=SHANGHAI).astimezone(UTC)
    steps = [i.action for i in service.timeline_of(world.session, case)]
    assert steps == ["create", "dispatch"]
    notices = outbox(world, "case.dispatched")
    assert {m.recipient for m in notices} >= {f"user:{world.worker_g1.id}", f"user:{world.muni_staff.id}"}


def test_routing_prefers_the_nearest_unit(world: World) -> None:
    # property units: one for C1 only; G3 (under C2) has none -> not routed to C1's
    in_c1 = world.report("G2", "elevator", attributes={"trapped": "no"})
    assert in_c1.unit_id == world.property_c1.id and in_c1.priority == "P2"
    in_c2 = world.report("G3", "elevator", attributes={"trapped": "no"})
    assert in_c2.unit_id is None and in_c2.assignee_id == world.worker_g3.id and in_c2.status == "dispatched"


def test_extra_question_raises_priority_and_sets_minute_clock(world: World) -> None:
    case = world.report("G2", "elevator", attributes={"trapped": "yes"})
    assert case.priority == "P1"
    assert case.accept_due_at == world.now + timedelta(minutes=15)
    assert case.resolve_due_at == world.now + timedelta(hours=2)


def test_gcj02_location_lands_in_the_same_grid(world: World) -> None:
    lat, lng = world.points["G3"]
    glng, glat = wgs84_to_gcj02(lng, lat)
    data = CaseIn(category="garbage", description="垃圾堆了三天", lat=glat, lng=glng, coord="gcj02")
    case = service.create_case(world.session, actor=world.resident2, data=data, now=world.now)
    assert case.assignee_id == world.worker_g3.id
    assert case.lat == pytest.approx(lat, abs=1e-6) and case.lng == pytest.approx(lng, abs=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"category": "no_such"}, "category_not_found"),
        ({"lat": None, "lng": None}, "case_location_required"),
        ({"lat": 10.0, "lng": 10.0}, "case_location_outside"),
        ({"lat": None, "lng": None, "grid_code": "C1"}, "case_grid_not_found"),
        ({"category": "elevator"}, "case_attribute_required"),
        ({"category": "elevator", "attributes": {"trapped": "maybe"}}, "case_attribute_invalid"),
        ({"attributes": {"colour": "red"}}, "case_attribute_unknown"),
    ],
)
def test_bad_intake_is_refused_and_writes_nothing(world: World, kwargs: dict[str, object], code: str) -> None:
    lat, lng = world.points["G1"]
    fields: dict[str, object] = {
        "category": "road_damage",
        "description": "坑",
        "lat": lat,
        "lng": lng,
    } | kwargs
    before = world.session.scalar(select(Case.id).order_by(Case.id.desc()).limit(1))
    with pytest.raises(Invalid) as err:
        service.create_case(world.session, actor=world.resident, data=CaseIn(**fields), now=world.now)  # type: ignore[arg-type]
    assert err.value.code == code
    assert world.session.scalar(select(Case.id).order_by(Case.id.desc()).limit(1)) == before


def test_resident_cannot_file_internal_sources(world: World) -> None:
    lat, lng = world.points["G1"]
    data = CaseIn(category="other", description="x", lat=lat, lng=lng, source="sensing")
    with pytest.raises(Forbidden):
        service.create_case(world.session, actor=world.resident, data=data, now=world.now)


# ------------------------------------------------------------------ transitions


def _drive_to(w: World, status: str) -> Case:
    """Put a fresh case into `status` through real transitions."""
    case = w.report("G1")
    if status == "new":
        w.act(w.muni_staff, case, "return", note="不属于市政")
        return case
    path = {
        "dispatched": [],
        "accepted": [(w.worker_g1, "accept")],
        "in_progress": [(w.worker_g1, "accept"), (w.worker_g1, "start")],
        "resolved": [(w.worker_g1, "accept"), (w.worker_g1, "resolve")],
        "closed": [(w.worker_g1, "accept"), (w.worker_g1, "resolve"), (w.resident, "rate")],
        "rejected": [(w.official_c1, "reject")],
        "duplicate": [(w.official_c1, "duplicate")],
        "reopened": [(w.worker_g1, "accept"), (w.worker_g1, "resolve"), (w.resident, "reopen")],
    }[status]
    original = w.report("G1") if status == "duplicate" else None
    for user, action in path:
        w.act(
            user,
            case,
            action,
            rating=5 if action == "rate" else None,
            duplicate_of=original.id if original else None,
        )
    assert case.status == status
    return case


@pytest.mark.parametrize("status", STATUSES)
def test_every_action_from_every_status(world: World, status: str) -> None:
    """Legal actions move the case as the lifecycle says; illegal ones are a 409 and change nothing."""
    for action in service.ACTIONS:
        case = _drive_to(world, status)
        actor = world.resident if action in ("rate", "reopen") else world.admin
        extra: dict[str, object] = {}
        if action == "dispatch":
            extra["unit_code"] = "U-MUNI"
        if action == "rate":
            extra["rating"] = 4
        if action == "duplicate":
            extra["duplicate_of"] = world.report("G1").id
        seq_before = len(service.timeline_of(world.session, case))
        if status in service._FROM[action]:
            world.act(actor, case, action, **extra)
            expected = service._TARGET[action] or status
            assert case.status == expected, (status, action)
            assert len(service.timeline_of(world.session, case)) == seq_before + 1
        else:
            with pytest.raises(Conflict) as err:
                world.act(actor, case, action, **extra)
            assert err.value.code == "case_transition_illegal"
            assert case.status == status
            assert len(service.timeline_of(world.session, case)) == seq_before


def test_full_happy_path_with_timeline_and_rating(world: World) -> None:
    case = world.report("G1")
    world.clock.advance(timedelta(minutes=20))
    world.act(world.worker_g1, case, "accept")
    world.act(world.worker_g1, case, "start")
    world.act(world.muni_staff, case, "resolve", note="已更换破损地砖")
    assert [m.recipient for m in outbox(world, "case.resolved")] == [f"user:{world.resident.id}"]
    world.act(world.resident, case, "rate", rating=5, note="很及时")
    assert (case.status, case.rating, case.closed_at) == ("closed", 5, world.now)
    tl = service.timeline_of(world.session, case)
    assert [(i.action, i.from_status, i.to_status) for i in tl] == [
        ("create", None, "new"),
        ("dispatch", "new", "dispatched"),
        ("accept", "dispatched", "accepted"),
        ("start", "accepted", "in_progress"),
        ("resolve", "in_progress", "resolved"),
        ("rate", "resolved", "closed"),
    ]
    assert tl[2].actor_name == world.worker_g1.display_name or tl[2].actor_name == "worker_g1"


def test_note_is_required_for_resolve_reject_return(world: World) -> None:
    case = world.report("G1")
    for user, action in [(world.muni_staff, "return"), (world.official_c1, "reject")]:
        with pytest.raises(Invalid) as err:
            world.act(user, case, action, note="  ")
        assert err.value.code == "case_note_required"
    world.act(world.worker_g1, case, "accept")
    with pytest.raises(Invalid):
        world.act(world.worker_g1, case, "resolve", note="")


def test_return_and_reroute(world: World) -> None:
    """退单 by the unit with a reason, then 改派 by the dispatcher; the accept clock restarts."""
    case = world.report("G2", "streetlight")
    world.act(world.muni_staff, case, "return", note="该路灯属于小区物业")
    assert (case.status, case.unit_id, case.return_count) == ("new", None, 1)
    # The dispatcher now works against the accept clock; left alone, the sweep escalates it.
    assert case.accept_due_at == case.next_check_at == world.now + timedelta(hours=1)
    assert [m.recipient for m in outbox(world, "case.returned")] == [f"user:{world.official_c1.id}"]
    world.clock.advance(timedelta(hours=1))
    world.act(world.official_c1, case, "dispatch", unit_code="U-PROP-C1", note="改派物业")
    assert (case.status, case.unit_id, case.assignee_id) == (
        "dispatched",
        world.property_c1.id,
        world.worker_g2.id,
    )
    assert case.accept_due_at == world.now + timedelta(hours=1)  # P2: one hour from the new dispatch
    assert service.timeline_of(world.session, case)[-1].data["unit"] == "U-PROP-C1"


def test_co_handling_unit_sees_and_comments_but_cannot_resolve(world: World) -> None:
    case = world.report("G1")
    with pytest.raises(NotFound):
        service.get_case(world.session, world.police_staff, case.id)
    service.add_co_unit(
        world.session,
        user=world.muni_staff,
        case_id=case.id,
        unit_code="U-POLICE",
        now=world.now,
        note="需派出所配合",
    )
    assert service.get_case(world.session, world.police_staff, case.id).id == case.id
    world.act(world.police_staff, case, "comment", note="已安排民警到场")
    world.act(world.worker_g1, case, "accept")
    with pytest.raises(Forbidden):
        world.act(world.police_staff, case, "resolve", note="x")
    with pytest.raises(Conflict):
        service.add_co_unit(
            world.session, user=world.muni_staff, case_id=case.id, unit_code="U-MUNI", now=world.now
        )


def test_who_may_do_what(world: World) -> None:
    case = world.report("G1")
    for user, action in [
        (world.worker_g2, "accept"),
        (world.resident, "accept"),
        (world.property_staff, "accept"),
    ]:
        with pytest.raises((Forbidden, NotFound)):
            world.act(user, case, action)
    assert service.allowed_actions(world.session, world.resident, case, world.now) == ["comment"]
    assert set(service.allowed_actions(world.session, world.worker_g1, case, world.now)) == {
        "accept",
        "comment",
        "reject",
        "duplicate",
    }
    assert "escalate" in service.allowed_actions(world.session, world.official_s1, case, world.now)
    world.act(world.worker_g1, case, "accept")
    world.act(world.worker_g1, case, "resolve", note="已修复")
    with pytest.raises(Forbidden):  # only the reporter rates
        world.act(world.worker_g1, case, "rate", rating=5)


def test_duplicate_subscribes_reporter_to_the_original(world: World) -> None:
    original = world.report("G3", by=world.resident2)
    dup = world.report("G3", by=world.resident)
    world.act(world.worker_g3, dup, "duplicate", duplicate_of=original.id)
    assert (dup.status, dup.duplicate_of_id) == ("duplicate", original.id)
    # The first reporter now follows the original and hears when it is resolved.
    assert service.get_case(world.session, world.resident, original.id).id == original.id
    world.act(world.worker_g3, original, "accept")
    world.act(world.worker_g3, original, "resolve", note="已清运")
    assert {m.recipient for m in outbox(world, "case.resolved")} == {
        f"user:{world.resident2.id}",
        f"user:{world.resident.id}",
    }
    with pytest.raises(Invalid):
        world.act(world.worker_g3, world.report("G3"), "duplicate", duplicate_of=dup.id)


def test_reopen_counts_and_restarts_the_resolve_clock(world: World) -> None:
    case = world.report("G1")
    world.act(world.worker_g1, case, "accept")
    world.act(world.worker_g1, case, "resolve", note="已修复")
    world.act(world.resident, case, "reopen", note="并没有修好")
    assert (case.status, case.reopen_count, case.resolve_due_at) == ("reopened", 1, None)
    # The old accept deadline is not carried over: the re-dispatch runs a fresh accept clock.
    assert case.accept_due_at == case.next_check_at == datetime(2026, 11, 25, tzinfo=SHANGHAI).astimezone(UTC)
    world.clock.advance(timedelta(days=2))
    service.sweep(world.session, world.now)
    assert case.escalation_level == 1  # nobody re-dispatched it in time
    world.act(world.official_c1, case, "dispatch", unit_code="U-MUNI")
    assert case.resolve_due_at is not None and case.status == "dispatched"


def test_reopen_window(world: World) -> None:
    case = _drive_to(world, "closed")
    world.clock.advance(timedelta(days=8))
    assert "reopen" not in service.allowed_actions(world.session, world.resident, case, world.now)
    with pytest.raises(Conflict) as err:
        world.act(world.resident, case, "reopen", note="又坏了")
    assert err.value.code == "case_reopen_window_passed"


# ------------------------------------------------------------------ clocks and escalation


def test_escalation_climbs_the_area_tree_on_each_miss(world: World) -> None:
    case = world.report("G1", "manhole")  # P1: accept in 15 min
    assert service.sweep(world.session, world.now).escalated == 0
    world.clock.advance(timedelta(minutes=16))
    assert service.sweep(world.session, world.now).escalated == 1
    assert case.escalation_level == 1  # grid -> community C1
    escalated = outbox(world, "case.escalated")
    assert {m.recipient for m in escalated} == {f"user:{world.official_c1.id}"}
    assert "超时未签收" in escalated[0].subject
    # not again until the fresh clock runs out
    world.clock.advance(timedelta(minutes=10))
    assert service.sweep(world.session, world.now).escalated == 0
    world.clock.advance(timedelta(minutes=6))
    service.sweep(world.session, world.now)
    assert case.escalation_level == 2  # -> street S1
    assert f"user:{world.official_s1.id}" in {m.recipient for m in outbox(world, "case.escalated")}
    world.clock.advance(timedelta(minutes=16))
    service.sweep(world.session, world.now)
    world.clock.advance(timedelta(minutes=16))
    service.sweep(world.session, world.now)
    assert case.escalation_level == 3  # district D1 is the top; it stays there
    levels = [i.data.get("level") for i in service.timeline_of(world.session, case) if i.action == "escalate"]
    assert levels == [1, 2, 3, 3]


def test_resolve_clock_escalates_after_accept(world: World) -> None:
    case = world.report("G2", "elevator", attributes={"trapped": "yes"})  # P1: resolve in 2 h
    world.act(world.worker_g2, case, "accept")
    world.clock.advance(timedelta(hours=2, minutes=1))
    service.sweep(world.session, world.now)
    assert case.escalation_level == 1
    assert service.timeline_of(world.session, case)[-1].data["reason"] == "resolve"


def test_p3_case_filed_friday_is_due_after_the_weekend(world: World) -> None:
    world.clock.set(datetime(2026, 11, 20, 16, 0, tzinfo=SHANGHAI))  # Friday
    case = world.report("G1", "garbage")
    assert case.accept_due_at == datetime(2026, 11, 24, tzinfo=SHANGHAI).astimezone(UTC)  # end of Monday
    world.clock.set(datetime(2026, 11, 23, 23, 0, tzinfo=SHANGHAI))
    assert service.sweep(world.session, world.now).escalated == 0
    world.clock.set(datetime(2026, 11, 24, 0, 1, tzinfo=SHANGHAI))
    assert service.sweep(world.session, world.now).escalated == 1


def test_unrated_resolution_closes_after_72_hours(world: World) -> None:
    case = _drive_to(world, "resolved")
    world.clock.advance(timedelta(hours=71))
    assert service.sweep(world.session, world.now).auto_closed == 0
    world.clock.advance(timedelta(hours=2))
    assert service.sweep(world.session, world.now).auto_closed == 1
    assert (case.status, case.rating) == ("closed", None)
    assert service.timeline_of(world.session, case)[-1].action == "auto_close"


def test_manual_escalation_by_a_supervisor(world: World) -> None:
    case = world.report("G1")
    world.act(world.official_s1, case, "escalate", note="群众反映强烈")
    assert case.escalation_level == 1 and case.status == "dispatched"
    with pytest.raises(Forbidden):
        world.act(world.worker_g1, case, "escalate")


# ------------------------------------------------------------------ scope, personal data, audit


def test_scope(world: World) -> None:
    g1 = world.report("G1")
    g3 = world.report("G3", by=world.resident2)
    s = world.session
    seen = lambda u: {c.id for c in s.scalars(service.scoped_cases(s, u))}  # noqa: E731
    assert g1.id in seen(world.worker_g1) and g3.id not in seen(world.worker_g1)
    assert g3.id in seen(world.worker_g3) and g1.id not in seen(world.worker_g3)
    assert {g1.id, g3.id} <= seen(world.official_s1)
    assert g1.id in seen(world.official_c1) and g3.id not in seen(world.official_c1)
    assert g1.id in seen(world.resident) and g3.id not in seen(world.resident)
    assert g1.id in seen(world.muni_staff) and g3.id in seen(world.muni_staff)  # street-level unit
    with pytest.raises(NotFound):
        service.get_case(s, world.worker_g1, g3.id)
    with pytest.raises(NotFound):  # outside scope is indistinguishable from missing
        world.act(world.worker_g1, g3, "accept")


def test_queue_puts_overdue_first(world: World) -> None:
    slow = world.report("G1", "garbage")  # P3
    world.clock.advance(timedelta(minutes=1))
    urgent = world.report("G1", "manhole")  # P1, due in 15 min
    done = _drive_to(world, "closed")
    items, total = service.list_cases(world.session, world.worker_g1, order="due")
    ids = [c.id for c in items]
    assert ids.index(urgent.id) < ids.index(slow.id) < ids.index(done.id)
    assert total == len(items)
    open_items, _ = service.list_cases(world.session, world.worker_g1, open_only=True)
    assert all(c.status in OPEN_STATUSES for c in open_items)


def test_contact_reveal_is_logged_and_role_limited(world: World) -> None:
    case = world.report("G1")
    assert service.reveal_contact(world.session, user=world.worker_g1, case_id=case.id, now=world.now) == (
        "张三",
        "13812345678",
    )
    reads = [e for e in audit.entries_for(world.session, "case", case.id) if e.kind == "pii.read"]
    assert len(reads) == 1 and reads[0].actor_id == world.worker_g1.id
    with pytest.raises(Forbidden):
        service.reveal_contact(world.session, user=world.resident, case_id=case.id, now=world.now)


def test_transitions_are_in_the_verified_audit_chain(world: World) -> None:
    case = _drive_to(world, "closed")
    assert audit.verify(world.session).ok
    entries = audit.entries_for(world.session, "case", case.id)
    assert [e.data["action"] for e in entries] == ["create", "dispatch", "accept", "resolve", "rate"]
    assert all(b.seq > a.seq for a, b in pairwise(entries))


def test_dispatch_to_a_person_only_where_they_work(world: World) -> None:
    case = world.report("G3", by=world.resident2)  # under C2
    # C1's property staff (their unit covers C1 only) and G1's worker do not work in G3
    for outsider in (world.property_staff, world.worker_g1):
        with pytest.raises(Invalid) as err:
            world.act(world.official_s1, case, "dispatch", assignee_id=outsider.id)
        assert err.value.code == "case_assignee_invalid"
    world.act(world.official_s1, case, "dispatch", assignee_id=world.police_staff.id)  # a district unit
    assert case.assignee_id == world.police_staff.id
