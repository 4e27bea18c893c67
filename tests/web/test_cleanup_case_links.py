"""The case page links to the record a feature module opened the case from (dispute, elder), for
those who may see that record."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.eldercare.conftest import make_world as make_elder_world
from tests.factories import login_cookie
from tests.mediation.mediation_world import make_world as make_mediation_world

from gongzhi.cases.models import Case
from gongzhi.clock import FrozenClock
from gongzhi.eldercare import service as eldercare

TEXT = "隔壁邻居装修把我家的墙弄裂了，维修要两万块钱，他不肯赔，已经找过物业调了两次都没用。"


def test_dispute_case_page_links_to_the_dispute(client: TestClient, session: Session, clock: FrozenClock) -> None:
    w = make_mediation_world(session, clock)
    dispute = w.file(TEXT)
    assert dispute.case_id is not None
    for user in (w.resident, w.official_s1):
        client.cookies.clear()
        login_cookie(client, session, user)
        page = client.get(f"/cases/{dispute.case_id}")
        assert page.status_code == 200
        assert f'href="/mediation/disputes/{dispute.id}"' in page.text and "查看纠纷调解记录" in page.text
    # The link follows the dispute's own scope: the other village's grid worker sees neither.
    client.cookies.clear()
    login_cookie(client, session, w.worker_g3)
    assert client.get(f"/cases/{dispute.case_id}").status_code == 404


def test_elder_alarm_case_page_links_to_the_elder(client: TestClient, session: Session, clock: FrozenClock) -> None:
    world = make_elder_world(session, clock)
    world.send(("fall", 1))
    [alarm] = world.alarms("fall")
    eldercare.acknowledge(session, actor=world.doctor, alarm_id=alarm.id, now=world.now)
    session.flush()
    assert alarm.case_id is not None and session.get_one(Case, alarm.case_id).source == "eldercare"
    login_cookie(client, session, world.worker)
    page = client.get(f"/cases/{alarm.case_id}")
    assert page.status_code == 200
    assert f'href="/eldercare/elders/{world.elder.id}"' in page.text and "查看老人档案" in page.text
    # Someone who may not see the elder's record gets no link to it.
    assert eldercare.elder_for_case(session, world.stranger_worker, alarm.case_id) is None
    assert eldercare.elder_for_case(session, world.worker, alarm.case_id) == world.elder


def test_ordinary_case_page_has_no_origin_link(client: TestClient, session: Session, clock: FrozenClock) -> None:
    w = make_mediation_world(session, clock)
    dispute = w.file(TEXT)
    login_cookie(client, session, w.official_s1)
    assert dispute.case_id is not None
    other = session.get_one(Case, dispute.case_id)
    other.source = "app"  # the same case as any citizen report: nothing to link to
    session.flush()
    page = client.get(f"/cases/{other.id}")
    assert page.status_code == 200 and "/mediation/disputes/" not in page.text and "o-origin" not in page.text
