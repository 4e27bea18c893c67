"""A small world for mediation tests: D1 > S1 > C1 (G1, G2), C2 (G3); mediators at every tier."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from tests import factories

from gongzhi.auth.models import Unit, User
from gongzhi.clock import FrozenClock
from gongzhi.mediation import service
from gongzhi.mediation.models import Dispute, Mediator
from gongzhi.mediation.schemas import DisputeIn, PartyIn
from gongzhi.notify.models import OutboxMessage


@dataclass
class World:
    session: Session
    clock: FrozenClock
    points: dict[str, tuple[float, float]]
    police: Unit
    police_staff: User
    official_s1: User
    official_c1: User
    worker_g1: User
    worker_g3: User
    resident: User
    resident2: User
    med_c1: User  # village, community C1
    med_c2: User  # village, community C2
    med_s1: User  # town (street judicial office)
    med_d1: User  # city (district centre)

    def file(self, text: str, *, grid: str = "G1", actor: User | None = None, amount: float | None = None,
             people: int = 2, applicant: str = "张三", respondent: str = "李四", address: str = "宝石路1号",
             phone: str = "13812345678", id_number: str = "", **extra: Any) -> Dispute:
        lat, lng = self.points[grid]
        data = DisputeIn(
            description=text, lat=lat, lng=lng, amount=amount, people=people,
            parties=[PartyIn(role="applicant", name=applicant, phone=phone, id_number=id_number, address=address),
                     PartyIn(role="respondent", name=respondent, phone="13900001111", address=address + "隔壁")],
            **extra,
        )
        return service.file_dispute(self.session, actor=actor or self.resident, data=data, now=self.clock.now())

    def mediator_user_of(self, d: Dispute) -> User | None:
        return service.mediator_user(self.session, d)

    def outbox(self, topic: str) -> list[OutboxMessage]:
        return list(self.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == topic)
                                         .order_by(OutboxMessage.id)))


def make_world(session: Session, clock: FrozenClock) -> World:
    points = factories.make_area_tree(session)
    factories.make_unit(session, "ZL", "street_office", "S1")
    police = factories.make_unit(session, "PCS", "police", "D1", webhook_url="https://robot.example/police")
    mk = factories.make_user
    w = World(
        session=session, clock=clock, points=points, police=police,
        police_staff=mk(session, "police1", "dept_staff", "D1", unit_code="PCS"),
        official_s1=mk(session, "jiedao", "official", "S1"),
        official_c1=mk(session, "shequ1", "official", "C1"),
        worker_g1=mk(session, "wgy1", "grid_worker", "G1"),
        worker_g3=mk(session, "wgy3", "grid_worker", "G3"),
        resident=mk(session, "jumin1", "resident", "G1", phone="13812345678"),
        resident2=mk(session, "jumin2", "resident", "G3"),
        med_c1=mk(session, "tj_c1", "mediator", "C1", display_name="村调解员甲"),
        med_c2=mk(session, "tj_c2", "mediator", "C2", display_name="村调解员乙"),
        med_s1=mk(session, "tj_s1", "mediator", "S1", display_name="司法所调解员"),
        med_d1=mk(session, "tj_d1", "mediator", "D1", display_name="矛调中心调解员"),
    )
    for u in (w.med_c1, w.med_c2, w.med_s1, w.med_d1):
        service.upsert_mediator(session, actor=None, user=u, now=clock.now(), specialties=["neighbor", "family"],
                                capacity=5)
    session.flush()
    return w


def profile(session: Session, user: User) -> Mediator:
    return session.scalars(select(Mediator).where(Mediator.user_id == user.id)).one()
