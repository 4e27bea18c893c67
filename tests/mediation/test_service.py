"""Filing, routing per tier, first-contact clocks and escalation, evidence, outcome, masking, bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.factories import id_number
from tests.mediation.mediation_world import World, make_world, profile

from gongzhi.audit import service as audit
from gongzhi.audit.models import AuditEntry
from gongzhi.cases.models import Case, Category
from gongzhi.clock import FrozenClock
from gongzhi.errors import AppError, Conflict, Forbidden, Invalid, NotFound
from gongzhi.mediation import service, tasks
from gongzhi.mediation.schemas import DisputeIn, PartyIn

LOW = "邻居家小孩天天在楼上跑跳，吵得我们睡不好，上门说过一次，对方态度不好，吵了几句嘴。"
MEDIUM = "隔壁邻居装修把我家的墙弄裂了，维修要两万块钱，他不肯赔，已经找过物业调了两次都没用。"
HIGH = "邻居因为占道的事和我吵架，他扬言要拿菜刀砍死我全家，还说不会放过我们。"


@pytest.fixture
def w(session: Session, clock: FrozenClock) -> World:
    return make_world(session, clock)


def test_dispute_category_is_seeded_and_not_public(session: Session) -> None:
    cat = session.scalars(select(Category).where(Category.code == "dispute")).one()
    assert cat.public is False


def test_low_risk_goes_to_the_village_mediator_of_the_community(w: World) -> None:
    d = w.file(LOW, amount=0)
    assert d.risk == "low" and d.tier == "village" and d.status == "waiting"
    case = w.session.get_one(Case, d.case_id)
    assert case.source == "dispute" and case.reporter_id == w.resident.id
    assert d.first_contact_due_at == w.clock.now() + timedelta(hours=24)
    assert tasks.sweep(w.session, w.clock.now()) >= 1
    assert d.status == "assigned"
    assert w.mediator_user_of(d) == w.med_c1  # C1's village mediator, not C2's
    assert case.assignee_id == w.med_c1.id and case.status == "dispatched"
    assert case.unit_id is not None  # the street governance centre stays the responsible unit
    assert d.match_reasons["mode"] == "batch" and "caseload" in d.match_reasons
    assert [m.recipient for m in w.outbox("mediation_assigned")] == [f"user:{w.med_c1.id}"]
    assert w.outbox("mediation_police") == []


def test_medium_risk_goes_to_the_street_judicial_office(w: World) -> None:
    d = w.file(MEDIUM, amount=20000)
    assert d.risk == "medium" and d.tier == "town"
    tasks.sweep(w.session, w.clock.now())
    assert w.mediator_user_of(d) == w.med_s1


def test_high_risk_is_assigned_at_once_and_police_told(w: World) -> None:
    d = w.file(HIGH, grid="G3", actor=w.resident2)
    assert d.risk == "high" and d.tier == "city"
    assert d.status == "assigned" and w.mediator_user_of(d) == w.med_d1
    assert d.match_reasons["mode"] == "immediate"
    assert d.first_contact_due_at == w.clock.now() + timedelta(hours=1)
    police = w.outbox("mediation_police")
    assert {m.recipient for m in police} == {f"user:{w.police_staff.id}", "https://robot.example/police"}
    assert any("扬言" in r for r in d.reasons)
    assert w.session.get_one(Case, d.case_id).priority == "P1"


def test_village_pool_full_overflows_to_a_higher_tier(w: World) -> None:
    p = profile(w.session, w.med_c1)
    p.capacity = 1
    first = w.file(LOW)
    second = w.file(LOW.replace("小孩", "狗"), applicant="王五", phone="13700001111")
    tasks.sweep(w.session, w.clock.now())
    got = {w.mediator_user_of(first), w.mediator_user_of(second)}
    assert w.med_c1 in got and got & {w.med_s1, w.med_d1}


def test_missed_first_contact_escalates_and_contact_stops_the_clock(w: World) -> None:
    d = w.file(HIGH)
    start = w.clock.now()
    w.clock.advance(timedelta(minutes=59))
    tasks.sweep(w.session, w.clock.now())
    assert d.escalations == 0
    w.clock.advance(timedelta(minutes=2))
    assert tasks.sweep(w.session, w.clock.now()) == 1
    assert d.escalations == 1
    overdue = w.outbox("mediation_overdue")
    # One level up from the grid: the community's official; and the mediator.
    assert {m.recipient for m in overdue} == {f"user:{w.official_c1.id}", f"user:{w.med_d1.id}"}
    assert service.is_overdue(d, w.clock.now())
    # Same sweep again: nothing new until the next hour passes.
    assert tasks.sweep(w.session, w.clock.now()) == 0
    w.clock.set(start + timedelta(hours=2, minutes=1))
    tasks.sweep(w.session, w.clock.now())
    assert d.escalations == 2
    assert f"user:{w.official_s1.id}" in {m.recipient for m in w.outbox("mediation_overdue")}
    service.record_contact(w.session, user=w.med_d1, dispute_id=d.id, now=w.clock.now(), note="电话联系双方")
    assert d.status == "in_mediation" and d.next_check_at is None
    assert w.session.get_one(Case, d.case_id).status == "accepted"
    w.clock.advance(timedelta(hours=5))
    tasks.sweep(w.session, w.clock.now())
    assert d.escalations == 2


def test_only_the_assigned_mediator_records_contact(w: World) -> None:
    d = w.file(HIGH)
    with pytest.raises(Forbidden):
        service.record_contact(w.session, user=w.med_c1, dispute_id=d.id, now=w.clock.now())
    service.record_contact(w.session, user=w.med_d1, dispute_id=d.id, now=w.clock.now())
    with pytest.raises(Conflict):
        service.record_contact(w.session, user=w.med_d1, dispute_id=d.id, now=w.clock.now())


def test_correction_is_kept_and_reroutes(w: World) -> None:
    d = w.file(LOW)
    tasks.sweep(w.session, w.clock.now())
    assert w.mediator_user_of(d) == w.med_c1
    service.correct_triage(w.session, user=w.med_c1, dispute_id=d.id, type="neighbor", risk="high",
                           now=w.clock.now(), note="当事人情绪激动，有报复言语")
    assert d.corrected and d.risk == "high" and d.tier == "city"
    assert w.mediator_user_of(d) == w.med_d1
    assert d.first_contact_due_at == w.clock.now() + timedelta(hours=1)
    assert w.outbox("mediation_police")
    kinds = [e.kind for e in audit.entries_for(w.session, "dispute", d.id)]
    assert "dispute.corrected" in kinds
    # A resident may not correct.
    with pytest.raises(Forbidden):
        service.correct_triage(w.session, user=w.resident, dispute_id=d.id, type="family", risk="low",
                               now=w.clock.now())


def test_evidence_hash_is_in_the_audit_chain(w: World) -> None:
    import hashlib

    d = w.file(HIGH)
    blob = "录音文字稿：双方同意赔偿".encode() * 50
    e = service.add_evidence(w.session, user=w.med_d1, dispute_id=d.id, filename="录音.txt", content_type="text/plain",
                             data=blob, now=w.clock.now())
    assert e.sha256 == hashlib.sha256(blob).hexdigest()
    w.session.flush()
    seq = service.evidence_audit_seqs(w.session, d)[e.id]
    entry = w.session.scalars(select(AuditEntry).where(AuditEntry.seq == seq)).one()
    assert entry.data["sha256"] == e.sha256 and entry.kind == "dispute.evidence"
    assert audit.verify(w.session).ok
    with pytest.raises(Forbidden):  # not the handler
        service.add_evidence(w.session, user=w.med_c1, dispute_id=d.id, filename="x", content_type="", data=b"x",
                             now=w.clock.now())
    with pytest.raises(Invalid):
        service.add_evidence(w.session, user=w.med_d1, dispute_id=d.id, filename="x", content_type="", data=b"",
                             now=w.clock.now())


def test_session_outcome_agreement_and_followup(w: World) -> None:
    d = w.file(MEDIUM, amount=20000)
    tasks.sweep(w.session, w.clock.now())
    med = w.med_s1
    w.clock.advance(timedelta(hours=3))
    service.add_session(w.session, user=med, dispute_id=d.id, held_at=w.clock.now(), place="社区调解室",
                        attendees="张三、李四、调解员", notes="双方陈述，初步同意按评估价赔偿", now=w.clock.now())
    assert d.status == "in_mediation" and d.first_contact_at == w.clock.now()
    with pytest.raises(Invalid):
        service.conclude(w.session, user=med, dispute_id=d.id, outcome="agreement", now=w.clock.now())
    service.conclude(w.session, user=med, dispute_id=d.id, outcome="agreement", now=w.clock.now(),
                     terms="李四于2026年12月1日前一次性赔偿张三维修费人民币一万五千元。", note="双方签字")
    assert d.status == "agreement" and d.followup_due_at == w.clock.now() + timedelta(days=30)
    case = w.session.get_one(Case, d.case_id)
    assert case.status == "resolved"
    with pytest.raises(Conflict):
        service.conclude(w.session, user=med, dispute_id=d.id, outcome="withdrawn", now=w.clock.now())
    w.clock.advance(timedelta(days=30, minutes=1))
    tasks.sweep(w.session, w.clock.now())
    assert [m.recipient for m in w.outbox("mediation_followup")] == [f"user:{med.id}"]
    service.record_followup(w.session, user=med, dispute_id=d.id, note="已履行赔偿，双方关系缓和", now=w.clock.now())
    assert d.followup_done_at == w.clock.now()
    with pytest.raises(Conflict):
        service.record_followup(w.session, user=med, dispute_id=d.id, note="again", now=w.clock.now())


def test_failed_needs_a_referral(w: World) -> None:
    d = w.file(HIGH)
    with pytest.raises(Invalid):
        service.conclude(w.session, user=w.med_d1, dispute_id=d.id, outcome="failed", now=w.clock.now())
    service.conclude(w.session, user=w.med_d1, dispute_id=d.id, outcome="failed", referred_to="court",
                     now=w.clock.now(), note="对方拒绝调解")
    assert d.status == "failed" and d.referred_to == "court"


def test_parties_masked_by_role_and_reveal_logged(w: World) -> None:
    d = w.file(LOW, id_number=id_number())
    masked = service.party_views(w.session, user=w.resident, dispute=d, now=w.clock.now())
    assert masked[0].phone == "138****5678" and masked[0].name == "张*" and masked[0].masked
    assert masked[0].id_number.startswith("330106") and "*" in masked[0].id_number
    with pytest.raises(Forbidden):
        service.party_views(w.session, user=w.resident, dispute=d, now=w.clock.now(), reveal=True)
    full = service.party_views(w.session, user=w.worker_g1, dispute=d, now=w.clock.now(), reveal=True)
    assert full[0].phone == "13812345678" and full[0].name == "张三"
    reads = [e for e in audit.entries_for(w.session, "dispute", d.id) if e.kind == audit.PII_READ]
    assert reads and reads[-1].actor_id == w.worker_g1.id


def test_scope_other_residents_and_grids_see_nothing(w: World) -> None:
    d = w.file(LOW)
    with pytest.raises(NotFound):
        service.get_dispute(w.session, w.resident2, d.id)
    with pytest.raises(NotFound):
        service.get_dispute(w.session, w.worker_g3, d.id)
    assert service.get_dispute(w.session, w.worker_g1, d.id) is d
    assert service.get_dispute(w.session, w.official_s1, d.id) is d
    with pytest.raises(NotFound):
        service.get_dispute(w.session, w.med_c2, d.id)  # another community's mediator


def test_phone_intake_by_staff_for_a_resident(w: World) -> None:
    lat, lng = w.points["G1"]
    data = DisputeIn(description=LOW, lat=lat, lng=lng, resident_username="jumin1",
                     parties=[PartyIn(role="applicant", name="张三"), PartyIn(role="respondent", name="李四")])
    d = service.file_dispute(w.session, actor=w.worker_g1, data=data, now=w.clock.now())
    assert d.channel == "phone" and d.resident_id == w.resident.id and d.filed_by_id == w.worker_g1.id
    assert service.get_dispute(w.session, w.resident, d.id) is d
    # Outside the staff member's area: refused.
    lat3, lng3 = w.points["G3"]
    with pytest.raises(Forbidden):
        service.file_dispute(w.session, actor=w.worker_g1, now=w.clock.now(), data=data.model_copy(
            update={"lat": lat3, "lng": lng3}))


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"parties": [PartyIn(role="applicant", name="张三"), PartyIn(role="other", name="李四")]},
         "mediation_parties_required"),
        ({"parties": [PartyIn(role="applicant", name="张三", phone="12345"), PartyIn(role="respondent", name="李四")]},
         "mediation_phone_invalid"),
        ({"parties": [PartyIn(role="applicant", name="张三", id_number="330106198001011234"),
                      PartyIn(role="respondent", name="李四")]}, "mediation_id_number_invalid"),
        ({"lat": 30.2575, "lng": 120.2075}, "mediation_location_outside"),
        ({"lat": None, "lng": None}, "mediation_location_required"),
        ({"lat": None, "lng": None, "grid_code": "C1"}, "mediation_grid_not_found"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(w: World, change: dict[str, object], code: str) -> None:
    lat, lng = w.points["G1"]
    base = DisputeIn(description=LOW, lat=lat, lng=lng,
                     parties=[PartyIn(role="applicant", name="张三"), PartyIn(role="respondent", name="李四")])
    before = w.session.scalar(select(Case.id).order_by(Case.id.desc()).limit(1))
    with pytest.raises(AppError) as exc, w.session.begin_nested():
        service.file_dispute(w.session, actor=w.resident, data=base.model_copy(update=change), now=w.clock.now())
    assert exc.value.code == code and exc.value.status_code == 422
    assert w.session.scalar(select(Case.id).order_by(Case.id.desc()).limit(1)) == before


def test_repeat_disputes_count_in_triage(w: World) -> None:
    first = w.file(LOW)
    assert first.repeats == 0
    w.clock.advance(timedelta(days=10))
    second = w.file(LOW)
    assert second.repeats == 1
    assert second.risk in ("medium", "high")
