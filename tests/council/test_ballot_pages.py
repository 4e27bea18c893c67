"""Ballot pages: progress bars for each art. 278 condition, voting, paper votes, errors in place."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.council.test_ballots import make_estate, open_ballot
from tests.factories import T0, login_cookie

from gongzhi.council import ballots


def conditions(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-condition="(\w+)" data-met="(true|false)"', html))


def test_owner_votes_from_the_page_and_sees_bars(client: TestClient, session: Session) -> None:
    e = make_estate(session)
    b = open_ballot(session, e)
    for i in range(4):  # owners 1–4: 4 of 6 owners (= 2/3), 400 of 650 m² (< 2/3)
        ballots.cast_online(session, user=e.residents[i + 1], ballot_id=b.id, choice="yes", now=T0)
    csrf = login_cookie(client, session, e.residents[0])
    session.flush()
    page = client.get(f"/ballots/{b.id}")
    assert page.status_code == 200
    assert conditions(page.text) == {"participation_area": "false", "participation_owners": "true",
                                     "approval_area": "true", "approval_owners": "true"}
    assert "提交投票" in page.text and "role=\"progressbar\"" in page.text
    r = client.post(f"/ballots/{b.id}/vote", data={"csrf_token": csrf, "choice": "yes"}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/ballots/{b.id}")
    assert conditions(page.text)["participation_area"] == "true"
    assert "您已投票：同意（网上投票）" in page.text
    again = client.post(f"/ballots/{b.id}/vote", data={"csrf_token": csrf, "choice": "no"})
    assert again.status_code == 409 and "已投票" in again.text
    bad = client.post(f"/ballots/{b.id}/vote", data={"csrf_token": csrf, "choice": "maybe"})
    assert bad.status_code == 422
    # No CSRF token: refused.
    assert client.post(f"/ballots/{b.id}/vote", data={"choice": "yes"}).status_code == 403


def test_staff_create_open_paper_close(client: TestClient, session: Session) -> None:
    e = make_estate(session)
    csrf = login_cookie(client, session, e.staff)
    session.flush()
    listing = client.get("/ballots")
    assert listing.status_code == 200 and "发起表决" in listing.text
    r = client.post("/ballots/new", data={"csrf_token": csrf, "estate_id": str(e.id), "matter": "rebuild",
                                          "title": "拆除违建车棚重建", "closes_on": "2026-12-01"},
                    follow_redirects=False)
    assert r.status_code == 303
    path = r.headers["location"]
    bid = int(path.rsplit("/", 1)[1])
    assert client.post(f"{path}/open", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    ballot = ballots.get_ballot(session, e.staff, bid)
    assert ballot.closes_at is not None and ballot.closes_at - T0 > timedelta(days=7)
    for i in range(5):
        r = client.post(f"{path}/paper", data={"csrf_token": csrf, "owner_id": str(e.owners[i].id),
                                               "choice": "yes" if i < 4 else "no", "paper_ref": f"P-{i}"},
                        follow_redirects=False)
        assert r.status_code == 303
    dup = client.post(f"{path}/paper", data={"csrf_token": csrf, "owner_id": str(e.owners[0].id),
                                             "choice": "no", "paper_ref": "P-X"})
    assert dup.status_code == 409
    r = client.post(f"{path}/close", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(path)
    assert 'id="ballot-result"' in page.text and "通过" in page.text
    assert conditions(page.text) == dict.fromkeys(
        ("participation_area", "participation_owners", "approval_area", "approval_owners"), "true")


def test_bad_create_form_rerenders_with_reason(client: TestClient, session: Session) -> None:
    e = make_estate(session)
    csrf = login_cookie(client, session, e.staff)
    session.flush()
    r = client.post("/ballots/new", data={"csrf_token": csrf, "estate_id": str(e.id), "matter": "yacht",
                                          "title": "x"})
    assert r.status_code == 422 and "未知的表决事项" in r.text
    r = client.get("/ballots/abc")
    assert r.status_code == 404


def test_every_template_key_is_in_both_catalogues() -> None:
    from pathlib import Path

    import gongzhi.web.ballot_pages
    import gongzhi.web.volunteer_pages
    from gongzhi.council.ballot_models import BALLOT_STATUSES, CHANNELS
    from gongzhi.council.rules import CHOICES, MATTERS
    from gongzhi.council.volunteer_models import REPORT_STATUSES, SHIFT_STATUSES, SWAP_STATUSES
    from gongzhi.i18n import keys

    root = Path(gongzhi.web.ballot_pages.__file__).parent / "templates"
    used = set()
    for folder in ("ballots", "volunteers"):
        for path in (root / folder).glob("*.html"):
            used |= set(re.findall(r"\bt\('([\w.]+)'", path.read_text()))
    used |= {f"ballot.status.{s}" for s in BALLOT_STATUSES} | {f"ballot.channel.{c}" for c in CHANNELS}
    used |= {f"ballot.choice.{c}" for c in CHOICES} | {f"ballot.matter.{m}" for m in MATTERS}
    used |= {f"vol.shift.{s}" for s in SHIFT_STATUSES} | {f"vol.swap.{s}" for s in SWAP_STATUSES}
    used |= {f"vol.report.{s}" for s in REPORT_STATUSES}
    used = {k for k in used if not k.endswith(".")}
    assert used - keys("zh") == set()
    assert used - keys("en") == set()


def test_staff_build_the_register_from_pages(client: TestClient, session: Session) -> None:
    from sqlalchemy import select
    from tests.factories import build_area_tree, make_user

    from gongzhi.auth.models import User
    from gongzhi.council.ballot_models import Building

    build_area_tree(session)
    staff = make_user(session, "gw1", "grid_worker", "G1")
    make_user(session, "res1", "resident", "G1")
    csrf = login_cookie(client, session, staff)
    session.flush()
    assert "登记小区" in client.get("/ballots").text
    r = client.post("/ballots/estates/new", data={"csrf_token": csrf, "community_code": "C1", "code": "E7",
                                                  "name": "宝石花园"}, follow_redirects=False)
    assert r.status_code == 303
    path = r.headers["location"]
    assert client.post(f"{path}/buildings", data={"csrf_token": csrf, "name": "1幢"},
                       follow_redirects=False).status_code == 303
    assert client.post(f"{path}/owners", data={"csrf_token": csrf, "name": "张三", "phone": "13812345678",
                                               "username": "res1"}, follow_redirects=False).status_code == 303
    estate = ballots.get_estate(session, staff, int(path.rsplit("/", 1)[1]))
    owner = ballots.owner_of_user(session, estate.id, session.scalars(
        select(User).where(User.username == "res1")).one())
    assert owner is not None
    building_id = session.scalar(select(Building.id).where(Building.estate_id == estate.id))
    bad = client.post(f"{path}/units", data={"csrf_token": csrf, "building_id": str(building_id), "number": "101",
                                             "area": "12.345", "owner_id": str(owner.id)})
    assert bad.status_code == 422 and "两位小数" in bad.text
    r = client.post(f"{path}/units", data={"csrf_token": csrf, "building_id": str(building_id), "number": "101",
                                           "area": "89.50", "owner_id": str(owner.id)}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(path)
    assert "业主 1 人，面积合计 89.50 ㎡" in page.text and "138****5678" in page.text
    assert client.post(f"{path}/nonsense", data={"csrf_token": csrf}).status_code == 404
