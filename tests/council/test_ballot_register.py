"""Owner register import (rows and .xlsx): all or nothing, several units of one owner count once."""

from __future__ import annotations

from io import BytesIO

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.factories import T0, api_token, auth_header, build_area_tree, make_user

from gongzhi.council import ballots
from gongzhi.council.ballot_models import Owner, PropertyUnit
from gongzhi.errors import Invalid

ROWS = [
    ["1幢", "101", "89.50", "张三", "13812345678", "res1"],
    ["1幢", "102", "90", "李四", "13912345678", ""],
    ["2幢", "101", "120.25", "张三", "13812345678", "res1"],  # same owner, second unit
    ["车库", "B1", "25.5", "李四", "13912345678"],  # same owner by name and phone
]


def setup(session: Session) -> tuple[ballots.User, int]:
    build_area_tree(session)
    staff = make_user(session, "gw1", "grid_worker", "G1")
    make_user(session, "res1", "resident", "G1")
    estate = ballots.create_estate(session, actor=staff, code="E1", name="宝石花园", community_code="C1", now=T0)
    return staff, estate.id


def test_import_rows_groups_owners(session: Session) -> None:
    staff, estate_id = setup(session)
    done = ballots.import_register(session, actor=staff, estate_id=estate_id, rows=ROWS, now=T0)
    assert (done.units, done.owners_created, done.buildings_created) == (4, 2, 3)
    rows = {r.name: r for r in ballots.owner_rows(session, session.get_one(ballots.Estate, estate_id))}
    assert rows["张三"].area_centi == 8950 + 12025 and rows["张三"].linked
    assert rows["李四"].area_centi == 9000 + 2550 and not rows["李四"].linked
    b = ballots.create_ballot(session, actor=staff, estate_id=estate_id, matter="other_major", title="t", now=T0)
    assert ballots.open_ballot(session, actor=staff, ballot_id=b.id, now=T0).total_owners == 2


@pytest.mark.parametrize("bad", [
    ["1幢", "103", "12.345", "王五", ""],  # three decimals
    ["1幢", "101", "80", "王五", ""],  # duplicate of row 1
    ["1幢", "104", "80", "王五", "", "nobody"],  # unknown account
    ["", "105", "80", "王五", ""],
])
def test_bad_row_writes_nothing(session: Session, bad: list[str]) -> None:
    staff, estate_id = setup(session)
    with pytest.raises(Invalid) as info:
        ballots.import_register(session, actor=staff, estate_id=estate_id, rows=[*ROWS, bad], now=T0)
    assert info.value.code == "ballot_register_row_invalid" and info.value.params["row"] == 5
    assert info.value.params["count"] == 1 and info.value.params["rows"].startswith("第 5 行：")
    assert session.scalar(select(func.count()).select_from(Owner)) == 0
    assert session.scalar(select(func.count()).select_from(PropertyUnit)) == 0


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(ballots.REGISTER_HEADER))
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def test_api_xlsx_upload(client: TestClient, session: Session) -> None:
    staff, estate_id = setup(session)
    h = auth_header(api_token(session, staff))
    session.flush()
    data = _xlsx([["1幢", 101, 89.5, "张三", "13812345678", "res1"], ["1幢", 102, 90, "李四", None, None]])
    r = client.post(f"/api/v1/estates/{estate_id}/register.xlsx", headers=h,
                    files={"file": ("名册.xlsx", data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")})
    assert r.status_code == 201, r.text
    assert r.json() == {"units": 2, "owners_created": 2, "buildings_created": 1}
    r = client.post(f"/api/v1/estates/{estate_id}/register.xlsx", headers=h,
                    files={"file": ("x.xlsx", b"not a workbook", "application/octet-stream")})
    assert r.status_code == 422 and "xlsx" in r.json()["error"]["message"]
    r = client.post(f"/api/v1/estates/{estate_id}/register", headers=h, json={"rows": [["1幢", "101", "80", "赵六"]]})
    assert r.status_code == 422 and "第 1 行" in r.json()["error"]["message"]
    resident_h = auth_header(api_token(session, make_user(session, "res2", "resident", "G1")))
    session.flush()
    r = client.post(f"/api/v1/estates/{estate_id}/register", headers=resident_h,
                    json={"rows": [["1幢", "109", "80", "赵六"]]})
    assert r.status_code == 404


def test_page_upload(client: TestClient, session: Session) -> None:
    from tests.factories import login_cookie

    staff, estate_id = setup(session)
    csrf = login_cookie(client, session, staff)
    session.flush()
    page = client.get(f"/ballots/estates/{estate_id}")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    bad = _xlsx([["1幢", 101, "abc", "张三"]])
    r = client.post(f"/ballots/estates/{estate_id}/import", data={"csrf_token": csrf},
                    files={"file": ("名册.xlsx", bad, "application/octet-stream")})
    assert r.status_code == 422 and "第 2 行" in r.text  # the header is sheet row 1
    good = _xlsx([["1幢", 101, 89.5, "张三", "13812345678", "res1"], ["1幢", 102, "90.00", "李四"]])
    r = client.post(f"/ballots/estates/{estate_id}/import", data={"csrf_token": csrf},
                    files={"file": ("名册.xlsx", good, "application/octet-stream")}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/ballots/estates/{estate_id}")
    assert "业主 2 人，面积合计 179.50 ㎡" in page.text
    r = client.post(f"/ballots/estates/{estate_id}/import", files={"file": ("x.xlsx", good, "x/y")})
    assert r.status_code == 403  # no CSRF token
