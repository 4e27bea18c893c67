"""Owners' ballots: register, electorate, online and paper votes, corrections, closing, the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from fractions import Fraction

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.factories import T0, api_token, auth_header, build_area_tree, make_user

from gongzhi.audit.models import AuditEntry
from gongzhi.auth.models import User
from gongzhi.clock import FrozenClock
from gongzhi.council import ballots
from gongzhi.council.ballot_models import Ballot, BallotVote, Owner
from gongzhi.errors import Conflict, Forbidden, Invalid, NotFound
from gongzhi.notify.models import OutboxMessage


@dataclass
class Estate:
    id: int
    staff: User
    residents: list[User]
    owners: list[Owner]
    building_ids: list[int]


def make_estate(session: Session, areas_built: bool = False, *, n: int = 6) -> Estate:
    """An estate in C1 with 2 buildings and `n` owners of 100 m² each (owner 0 also owns a 50 m² unit)."""
    if not areas_built:
        build_area_tree(session)
    staff = make_user(session, "gw1", "grid_worker", "G1")
    estate = ballots.create_estate(session, actor=staff, code="E1", name="宝石花园", community_code="C1", now=T0)
    b1 = ballots.add_building(session, actor=staff, estate_id=estate.id, name="1幢", now=T0)
    b2 = ballots.add_building(session, actor=staff, estate_id=estate.id, name="2幢", now=T0)
    residents, owners = [], []
    for i in range(n):
        r = make_user(session, f"owner{i}", "resident", "G1")
        residents.append(r)
        o = ballots.add_owner(session, actor=staff, estate_id=estate.id, name=f"业主{i}", phone="13812345678",
                              username=r.username, now=T0)
        owners.append(o)
        ballots.add_unit(session, actor=staff, building_id=(b1 if i % 2 == 0 else b2).id, number=f"{100 + i}",
                         area="100", owner_id=o.id, now=T0)
    ballots.add_unit(session, actor=staff, building_id=b2.id, number="999", area="50.00", owner_id=owners[0].id,
                     now=T0)
    return Estate(estate.id, staff, residents, owners, [b1.id, b2.id])


def open_ballot(session: Session, e: Estate, matter: str = "use_maintenance_fund", **kw: object) -> Ballot:
    b = ballots.create_ballot(session, actor=e.staff, estate_id=e.id, matter=matter, title="更换电梯",
                              closes_at=T0 + timedelta(days=7), now=T0, **kw)  # type: ignore[arg-type]
    return ballots.open_ballot(session, actor=e.staff, ballot_id=b.id, now=T0)


def test_owner_with_two_units_counts_once_with_summed_area(session: Session) -> None:
    e = make_estate(session)
    b = open_ballot(session, e)
    assert b.total_owners == 6
    assert b.total_area_centi == (600 + 50) * 100
    ballots.cast_online(session, user=e.residents[0], ballot_id=b.id, choice="yes", now=T0)
    vote = session.scalars(select(BallotVote).where(BallotVote.ballot_id == b.id)).one()
    assert vote.area_centi == 15000  # 100 + 50 m²


def test_building_ballot_counts_only_that_buildings_owners(session: Session) -> None:
    e = make_estate(session)
    b = open_ballot(session, e, building_id=e.building_ids[0])
    # Building 1 holds owners 0, 2, 4 with 100 m² each there (owner 0's 50 m² unit is in building 2).
    assert (b.total_owners, b.total_area_centi) == (3, 30000)
    with pytest.raises(Forbidden):
        ballots.cast_online(session, user=e.residents[1], ballot_id=b.id, choice="yes", now=T0)


def test_electorate_frozen_when_opened(session: Session) -> None:
    e = make_estate(session)
    b = open_ballot(session, e)
    late = ballots.add_owner(session, actor=e.staff, estate_id=e.id, name="新业主", now=T0)
    ballots.add_unit(session, actor=e.staff, building_id=e.building_ids[0], number="888", area="90",
                     owner_id=late.id, now=T0)
    session.refresh(b)
    assert b.total_owners == 6
    with pytest.raises(NotFound):
        ballots.record_paper(session, actor=e.staff, ballot_id=b.id, owner_id=late.id, choice="yes",
                             paper_ref="P-1", now=T0)


def test_online_passes_ordinary_matter_and_close_records_figures(session: Session, clock: FrozenClock) -> None:
    e = make_estate(session)
    b = open_ballot(session, e)
    # 5 of 6 owners take part (participation met), 3 yes of 5 by owners, area yes 350 of 450 (owner 0 150 m²).
    for i, choice in enumerate(["yes", "yes", "yes", "no", "abstain"]):
        ballots.cast_online(session, user=e.residents[i], ballot_id=b.id, choice=choice, now=T0)
    closed = ballots.close_ballot(session, actor=e.staff, ballot_id=b.id, now=T0 + timedelta(hours=1))
    assert closed.status == "closed" and closed.passed is True
    conds = {c["name"]: c for c in closed.result["conditions"]}
    assert conds["participation_area"]["numerator"] == "550" and conds["participation_area"]["denominator"] == "650"
    assert conds["approval_owners"] == {"name": "approval_owners", "numerator": "3", "denominator": "5",
                                        "threshold": "1/2", "inclusive": False, "met": True}
    kinds = list(session.scalars(select(AuditEntry.kind).where(AuditEntry.subject_type == "ballot",
                                                               AuditEntry.subject_id == str(b.id))))
    assert kinds.count("ballot.vote") == 5 and "ballot.opened" in kinds and "ballot.closed" in kinds
    topics = list(session.scalars(select(OutboxMessage.topic).where(OutboxMessage.ref == f"ballot:{b.id}")))
    assert topics.count("ballot.opened") == 6 and topics.count("ballot.closed") == 6


def test_same_votes_fail_qualified_matter(session: Session) -> None:
    e = make_estate(session)
    b = open_ballot(session, e, matter="raise_maintenance_fund")
    for i, choice in enumerate(["yes", "yes", "yes", "no", "abstain"]):
        ballots.cast_online(session, user=e.residents[i], ballot_id=b.id, choice=choice, now=T0)
    result = ballots.evaluate(session, b)
    assert result is not None and not result.passed
    assert result.condition("approval_owners").numerator == 3  # 3/5 < 3/4
    closed = ballots.close_ballot(session, actor=e.staff, ballot_id=b.id, now=T0)
    assert closed.passed is False


def test_one_vote_per_owner_across_channels(session: Session) -> None:
    e = make_estate(session)
    b = open_ballot(session, e)
    ballots.cast_online(session, user=e.residents[0], ballot_id=b.id, choice="yes", now=T0)
    with pytest.raises(Conflict) as again:
        ballots.cast_online(session, user=e.residents[0], ballot_id=b.id, choice="no", now=T0)
    assert again.value.code == "ballot_already_voted"
    with pytest.raises(Conflict):
        ballots.record_paper(session, actor=e.staff, ballot_id=b.id, owner_id=e.owners[0].id, choice="no",
                             paper_ref="P-7", now=T0)
    # Paper first, then online: refused too.
    ballots.record_paper(session, actor=e.staff, ballot_id=b.id, owner_id=e.owners[1].id, choice="no",
                         paper_ref="P-8", now=T0)
    with pytest.raises(Conflict):
        ballots.cast_online(session, user=e.residents[1], ballot_id=b.id, choice="yes", now=T0)
    votes = {v.owner_id: (v.choice, v.channel, v.recorded_by_id, v.paper_ref)
             for v in session.scalars(select(BallotVote).where(BallotVote.ballot_id == b.id))}
    assert votes == {e.owners[0].id: ("yes", "online", None, ""),
                     e.owners[1].id: ("no", "paper", e.staff.id, "P-8")}


def test_staff_correction_replaces_online_vote_with_audit(session: Session) -> None:
    e = make_estate(session)
    b = open_ballot(session, e)
    ballots.cast_online(session, user=e.residents[2], ballot_id=b.id, choice="yes", now=T0)
    with pytest.raises(Invalid):
        ballots.correct_vote(session, actor=e.staff, ballot_id=b.id, owner_id=e.owners[2].id, choice="no",
                             reason=" ", now=T0)
    with pytest.raises(Forbidden):  # the owner cannot use the correction path
        ballots.correct_vote(session, actor=e.residents[2], ballot_id=b.id, owner_id=e.owners[2].id,
                             choice="no", reason="changed my mind", now=T0)
    vote = ballots.correct_vote(session, actor=e.staff, ballot_id=b.id, owner_id=e.owners[2].id, choice="no",
                                reason="业主提交签字纸质票，以纸质票为准", paper_ref="P-21", now=T0 + timedelta(hours=2))
    assert (vote.choice, vote.channel, vote.paper_ref, vote.corrections) == ("no", "paper", "P-21", 1)
    entry = session.scalars(select(AuditEntry).where(AuditEntry.kind == "ballot.vote_corrected")).one()
    assert entry.data["before"]["choice"] == "yes" and entry.data["after"]["channel"] == "paper"
    assert entry.actor_id == e.staff.id
    with pytest.raises(Conflict):
        ballots.correct_vote(session, actor=e.staff, ballot_id=b.id, owner_id=e.owners[3].id, choice="no",
                             reason="x", now=T0)


def test_votes_refused_outside_the_window(session: Session) -> None:
    e = make_estate(session)
    draft = ballots.create_ballot(session, actor=e.staff, estate_id=e.id, matter="rebuild", title="重建",
                                  now=T0)
    with pytest.raises(NotFound):  # owners do not see drafts
        ballots.cast_online(session, user=e.residents[0], ballot_id=draft.id, choice="yes", now=T0)
    b = open_ballot(session, e)
    with pytest.raises(Conflict):
        ballots.cast_online(session, user=e.residents[0], ballot_id=b.id, choice="yes", now=T0 + timedelta(days=7))
    ballots.close_ballot(session, actor=e.staff, ballot_id=b.id, now=T0 + timedelta(days=1))
    with pytest.raises(Conflict):
        ballots.cast_online(session, user=e.residents[0], ballot_id=b.id, choice="yes", now=T0 + timedelta(days=1))
    with pytest.raises(Conflict):
        ballots.close_ballot(session, actor=e.staff, ballot_id=b.id, now=T0 + timedelta(days=1))


def test_sweep_closes_due_ballots(session: Session) -> None:
    e = make_estate(session)
    b = open_ballot(session, e)
    ballots.cast_online(session, user=e.residents[0], ballot_id=b.id, choice="yes", now=T0)
    assert ballots.sweep(session, T0 + timedelta(days=6)) == 0
    assert ballots.sweep(session, T0 + timedelta(days=7)) == 1
    session.refresh(b)
    assert b.status == "closed" and b.passed is False  # 1 of 6 owners: participation not met


def test_scope_other_community_staff_and_non_owners(session: Session) -> None:
    e = make_estate(session)
    outsider = make_user(session, "gw3", "grid_worker", "G3")
    street = make_user(session, "off", "official", "S1")
    stranger = make_user(session, "res9", "resident", "G1")
    b = open_ballot(session, e)
    with pytest.raises(NotFound):
        ballots.get_ballot(session, outsider, b.id)
    with pytest.raises(NotFound):
        ballots.get_ballot(session, stranger, b.id)
    assert ballots.get_ballot(session, street, b.id).id == b.id
    assert ballots.get_ballot(session, e.residents[0], b.id).id == b.id
    with pytest.raises(NotFound):
        ballots.record_paper(session, actor=outsider, ballot_id=b.id, owner_id=e.owners[0].id, choice="yes",
                             paper_ref="P", now=T0)


def test_register_validation(session: Session) -> None:
    e = make_estate(session, n=1)
    for bad in ("0", "-3", "12.345", "abc", ""):
        with pytest.raises(Invalid):
            ballots.add_unit(session, actor=e.staff, building_id=e.building_ids[0], number="X1", area=bad,
                             owner_id=e.owners[0].id, now=T0)
    with pytest.raises(Conflict):
        ballots.add_unit(session, actor=e.staff, building_id=e.building_ids[0], number="100", area="1",
                         owner_id=e.owners[0].id, now=T0)
    with pytest.raises(Conflict):
        ballots.add_owner(session, actor=e.staff, estate_id=e.id, name="重复", username="owner0", now=T0)
    with pytest.raises(Forbidden):
        ballots.add_owner(session, actor=e.residents[0], estate_id=e.id, name="x", now=T0)
    assert ballots.parse_area("85.37") == 8537 and ballots.parse_area(85.37) == 8537


def test_empty_estate_cannot_open(session: Session) -> None:
    build_area_tree(session)
    staff = make_user(session, "gw1", "grid_worker", "G1")
    est = ballots.create_estate(session, actor=staff, code="E9", name="空小区", community_code="C1", now=T0)
    b = ballots.create_ballot(session, actor=staff, estate_id=est.id, matter="other_major", title="t", now=T0)
    with pytest.raises(Conflict):
        ballots.open_ballot(session, actor=staff, ballot_id=b.id, now=T0)


# ---------------------------------------------------------------- API


def test_api_flow_and_bad_input(client: TestClient, session: Session) -> None:
    e = make_estate(session)
    staff_h = auth_header(api_token(session, e.staff))
    owner_h = auth_header(api_token(session, e.residents[0]))
    session.flush()
    r = client.post("/api/v1/ballots", headers=staff_h,
                    json={"estate_id": e.id, "matter": "hire_property_manager", "title": "续聘物业"})
    assert r.status_code == 201, r.text
    bid = r.json()["id"]
    assert r.json()["status"] == "draft" and r.json()["evaluation"] is None
    r = client.post(f"/api/v1/ballots/{bid}/open", headers=staff_h,
                    json={"closes_at": (T0 + timedelta(days=3)).isoformat()})
    assert r.status_code == 200 and r.json()["total_area"] == "650.00"
    r = client.post(f"/api/v1/ballots/{bid}/votes", headers=owner_h, json={"choice": "yes"})
    assert r.status_code == 201 and r.json()["area"] == "150.00"
    r = client.post(f"/api/v1/ballots/{bid}/votes", headers=owner_h, json={"choice": "no"})
    assert r.status_code == 409 and "已投票" in r.json()["error"]["message"]
    r = client.post(f"/api/v1/ballots/{bid}/votes", headers=owner_h, json={"choice": "maybe"})
    assert r.status_code == 422
    r = client.post(f"/api/v1/ballots/{bid}/paper-votes", headers=owner_h,
                    json={"owner_id": e.owners[1].id, "choice": "yes", "paper_ref": "P-1"})
    assert r.status_code == 403
    r = client.post(f"/api/v1/ballots/{bid}/paper-votes", headers=staff_h,
                    json={"owner_id": e.owners[1].id, "choice": "yes", "paper_ref": "P-1"})
    assert r.status_code == 201 and r.json()["channel"] == "paper"
    r = client.get(f"/api/v1/ballots/{bid}", headers=owner_h)
    body = r.json()
    assert body["my_vote"]["choice"] == "yes"
    pa = next(c for c in body["evaluation"]["conditions"] if c["name"] == "participation_owners")
    assert (pa["numerator"], pa["denominator"], pa["threshold"], pa["met"]) == ("2", "6", "2/3", False)
    r = client.get(f"/api/v1/ballots/{bid}/voters", headers=owner_h)
    assert r.status_code == 403
    r = client.get(f"/api/v1/ballots/{bid}/voters", headers=staff_h)
    assert sum(1 for v in r.json() if v["choice"]) == 2
    r = client.get("/api/v1/ballots/999999", headers=staff_h)
    assert r.status_code == 404
    r = client.post(f"/api/v1/ballots/{bid}/close", headers=staff_h)
    assert r.status_code == 200 and r.json()["passed"] is False and r.json()["status"] == "closed"
    r = client.post(f"/api/v1/ballots/{bid}/close", headers=staff_h, params={"lang": "en"})
    assert r.status_code == 409 and "closed" in r.json()["error"]["message"]


@pytest.mark.parametrize(
    "payload",
    [
        {"matter": "nope", "total_area": "100", "total_owners": 3, "votes": []},
        {"matter": "rebuild", "total_area": "-1", "total_owners": 3, "votes": []},
        {"matter": "rebuild", "total_area": "100", "total_owners": 0, "votes": []},
        {"matter": "rebuild", "total_area": "100", "total_owners": 3, "votes": [["10", "perhaps"]]},
        {"matter": "rebuild", "total_area": "100", "total_owners": 1, "votes": [["10", "yes"], ["10", "no"]]},
        {"matter": "rebuild", "total_area": "10", "total_owners": 3, "votes": [["10", "yes"], ["10", "no"]]},
        {"matter": "rebuild", "total_area": "0", "total_owners": 3, "votes": []},
    ],
)
def test_api_evaluate_bad_input_is_4xx(client: TestClient, session: Session, payload: dict[str, object]) -> None:
    build_area_tree(session)
    h = auth_header(api_token(session, make_user(session, "official1", "official", "S1")))
    session.flush()
    r = client.post("/api/v1/ballots/evaluate", headers=h, json=payload)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["message"]


def test_api_evaluate_exact(client: TestClient, session: Session) -> None:
    build_area_tree(session)
    h = auth_header(api_token(session, make_user(session, "official1", "official", "S1")))
    session.flush()
    # 0.2 of 0.3 is exactly 2/3: participation met; 3/4 approval exactly met by area and owners.
    votes = [["0.05", "yes"], ["0.05", "yes"], ["0.05", "yes"], ["0.05", "no"]]
    r = client.post("/api/v1/ballots/evaluate", headers=h,
                    json={"matter": "rebuild", "total_area": "0.3", "total_owners": 6, "votes": votes})
    assert r.status_code == 200
    out = r.json()
    assert out["passed"] is True
    assert [c["met"] for c in out["conditions"]] == [True, True, True, True]
    assert Fraction(out["conditions"][2]["numerator"]) == Fraction("0.15")
