"""A small elder-care world: the factories' area tree, a street office, people in every chain role,
and one elder living alone in G1 with two family contacts and a bound band."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests import factories

from gongzhi.auth.models import User
from gongzhi.clock import FrozenClock
from gongzhi.devices.handlers import DeviceInfo, Reading
from gongzhi.eldercare import service
from gongzhi.eldercare.events import handle_readings
from gongzhi.eldercare.models import Alarm, AlarmCall, Elder
from gongzhi.notify.models import OutboxMessage


@dataclass
class ElderWorld:
    session: Session
    clock: FrozenClock
    admin: User
    official: User
    doctor: User
    buddy: User
    worker: User
    son: User
    stranger_worker: User
    resident: User
    elder: Elder
    band: DeviceInfo

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def send(self, *pairs: tuple[str, float], at: datetime | None = None) -> None:
        """Readings from the elder's band, all at one instant (default: now)."""
        ts = at or self.now
        handle_readings(self.session, self.band, [Reading(k, ts, float(v)) for k, v in pairs], self.now)
        self.session.flush()

    def send_series(self, readings: Sequence[tuple[str, datetime, float]]) -> None:
        handle_readings(self.session, self.band, [Reading(k, t, v) for k, t, v in readings], self.now)
        self.session.flush()

    def alarms(self, kind: str | None = None) -> list[Alarm]:
        stmt = select(Alarm).where(Alarm.elder_id == self.elder.id).order_by(Alarm.id)
        if kind:
            stmt = stmt.where(Alarm.kind == kind)
        return list(self.session.scalars(stmt.execution_options(populate_existing=True)))

    def calls(self, alarm: Alarm) -> list[AlarmCall]:
        return list(self.session.scalars(select(AlarmCall).where(AlarmCall.alarm_id == alarm.id)
                                         .order_by(AlarmCall.id).execution_options(populate_existing=True)))

    def outbox(self, alarm: Alarm) -> list[OutboxMessage]:
        return list(self.session.scalars(select(OutboxMessage).where(OutboxMessage.ref == f"elder_alarm:{alarm.id}")
                                         .order_by(OutboxMessage.id)))

    def advance(self, seconds: float) -> datetime:
        return self.clock.advance(timedelta(seconds=seconds))


def make_world(session: Session, clock: FrozenClock) -> ElderWorld:
    factories.build_area_tree(session)
    factories.make_unit(session, "ZL", kind="street_office", area_code="S1")
    admin = factories.make_user(session, "admin", "admin", "D1")
    official = factories.make_user(session, "jiedao", "official", "S1")
    doctor = factories.make_user(session, "yisheng", "doctor", "C1", display_name="李医生")
    buddy = factories.make_user(session, "zhiyuan", "volunteer", "C1", display_name="王志愿")
    worker = factories.make_user(session, "wgy1", "grid_worker", "G1", display_name="赵网格")
    stranger = factories.make_user(session, "wgy3", "grid_worker", "G3")
    son = factories.make_user(session, "erzi", "resident", "G2", display_name="张小明")
    resident = factories.make_user(session, "jumin", "resident", "G1")
    data = service.ElderData(
        name="张秀英", id_number=factories.id_number("19420315"), grid_code="G1", gender="女",
        phone="13812345678", address="宝石一网格 3 幢 201", living_alone=True, conditions=("高血压",),
        medications=("氨氯地平",), doctor_username="yisheng", buddy_username="zhiyuan",
        contacts=(service.ContactData(name="张小明", relation="儿子", phone="13900001111", username="erzi",
                                      is_guardian=True),
                  service.ContactData(name="张小红", relation="女儿", phone="13900002222")),
    )
    elder = service.create_elder(session, actor=worker, data=data, now=clock.now())
    service.bind_wearable(session, actor=worker, elder=elder, device_code="BAND-001", now=clock.now())
    band = DeviceInfo(id=1, code="BAND-001", kind="wearable", grid_id=elder.grid_id, lat=None, lng=None,
                      owner_ref=f"elder:{elder.id}")
    session.flush()
    return ElderWorld(session, clock, admin, official, doctor, buddy, worker, son, stranger, resident, elder, band)


@pytest.fixture
def world(session: Session, clock: FrozenClock) -> ElderWorld:
    return make_world(session, clock)
