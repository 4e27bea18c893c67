"""Excel imports (elders, owners with floor areas, households): every row is checked, one bad row among
good ones means nothing is written, each bad row's number and reason come back in Chinese, and a file
that is not .xlsx is a 4xx."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests import factories

from gongzhi.council import ballots
from gongzhi.council.ballot_models import Owner, PropertyUnit
from gongzhi.eldercare import register_io
from gongzhi.eldercare.models import Elder
from gongzhi.errors import Invalid

NOT_XLSX = b"name,phone\n=1+1,13812345678\n"


def _xlsx(header: list[str] | None, rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    if header:
        ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _count(session: Session, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


# ---------------------------------------------------------------- elders (eldercare/register_io.py)


def _elder(name: str, birth: str, seq: str, **kw: Any) -> list[Any]:
    row = {"姓名": name, "身份证号": factories.id_number(birth, seq=seq), "网格编码": "G1", "电话": "13700009999",
           "签约医生账号": "yisheng", **kw}
    return [row.get(h, "") for h in register_io.HEADERS]


def test_elder_import_one_bad_row_writes_nothing_and_lists_every_bad_row(client: TestClient, session: Session,
                                                                        clock: Any) -> None:
    from tests.eldercare.conftest import make_world

    w = make_world(session, clock)
    csrf = factories.login_cookie(client, session, w.worker)
    before = _count(session, Elder)
    data = _xlsx(register_io.HEADERS, [
        _elder("王桂兰", "19400101", "111"),                    # row 2: good
        _elder("刘福", "19410202", "222", 网格编码="G9"),        # row 3: unknown grid
        _elder("陈华", "19420303", "333"),                      # row 4: good
        _elder("赵丽", "19430404", "444", 电话="12345"),         # row 5: bad phone
        _elder("孙强", "19440505", "555", 签约医生账号="zhiyuan"),  # row 6: a volunteer, not a doctor
    ])
    r = client.post("/eldercare/register/import", data={"csrf_token": csrf},
                    files={"file": ("老人.xlsx", data, "application/octet-stream")})
    assert r.status_code == 422
    assert "导入文件有 3 行错误，未导入任何数据" in r.text
    for line in ("第 3 行", "G9", "第 5 行", "12345", "第 6 行", "zhiyuan"):
        assert line in r.text
    assert "第 2 行" not in r.text and "第 4 行" not in r.text
    assert _count(session, Elder) == before  # the good rows were not written either

    # The service says the same, row by row, in Chinese.
    with pytest.raises(register_io.ImportRejected) as info:
        register_io.import_xlsx(session, actor=w.worker, data=data, now=clock.now())
    assert [e.row for e in info.value.rows] == [3, 5, 6]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in e.message) for e in info.value.rows)

    # The same rows without the bad ones: all written.
    good = _xlsx(register_io.HEADERS, [_elder("王桂兰", "19400101", "111"), _elder("陈华", "19420303", "333")])
    r = client.post("/eldercare/register/import", data={"csrf_token": csrf},
                    files={"file": ("老人.xlsx", good, "application/octet-stream")}, follow_redirects=False)
    assert r.status_code == 303 and _count(session, Elder) == before + 2


def test_elder_import_refuses_a_file_that_is_not_xlsx(client: TestClient, session: Session, clock: Any) -> None:
    from tests.eldercare.conftest import make_world

    w = make_world(session, clock)
    csrf = factories.login_cookie(client, session, w.worker)
    before = _count(session, Elder)
    r = client.post("/eldercare/register/import", data={"csrf_token": csrf},
                    files={"file": ("老人.csv", NOT_XLSX, "text/csv")})
    assert r.status_code == 422 and "无法读取 Excel 文件" in r.text
    r = client.post("/eldercare/register/import", data={"csrf_token": csrf},
                    files={"file": ("老人.xlsx", _xlsx(["名字"], [["王"]]), "application/octet-stream")})
    assert 400 <= r.status_code < 500 and "姓名" in r.text  # required columns named
    assert _count(session, Elder) == before


# ---------------------------------------------------------------- owners with floor areas (council/ballots.py)


def _estate(session: Session) -> tuple[Any, int]:
    factories.build_area_tree(session)
    staff = factories.make_user(session, "gw1", "grid_worker", "G1")
    factories.make_user(session, "res1", "resident", "G1")
    estate = ballots.create_estate(session, actor=staff, code="E1", name="宝石花园", community_code="C1",
                                   now=factories.T0)
    session.flush()
    return staff, estate.id


OWNER_ROWS: list[list[Any]] = [
    ["楼栋", "房号", "面积", "业主", "电话", "账号"],
    ["1幢", 101, 89.5, "张三", "13812345678", "res1"],  # row 2: good
    ["1幢", 102, "abc", "李四", "", ""],                 # row 3: bad area
    ["1幢", 103, "90.00", "王五", "", ""],               # row 4: good
    ["1幢", 104, "80", "", "", ""],                      # row 5: no owner
    ["1幢", 101, "70", "赵六", "", ""],                  # row 6: duplicate unit
]


def test_owner_import_one_bad_row_writes_nothing(client: TestClient, session: Session) -> None:
    staff, estate_id = _estate(session)
    csrf = factories.login_cookie(client, session, staff)
    units, owners = _count(session, PropertyUnit), _count(session, Owner)
    r = client.post(f"/ballots/estates/{estate_id}/import", data={"csrf_token": csrf},
                    files={"file": ("名册.xlsx", _xlsx(None, OWNER_ROWS), "application/octet-stream")})
    assert r.status_code == 422 and "整个表格未导入" in r.text
    assert (_count(session, PropertyUnit), _count(session, Owner)) == (units, owners)


def test_owner_import_refuses_a_file_that_is_not_xlsx(client: TestClient, session: Session) -> None:
    staff, estate_id = _estate(session)
    csrf = factories.login_cookie(client, session, staff)
    r = client.post(f"/ballots/estates/{estate_id}/import", data={"csrf_token": csrf},
                    files={"file": ("名册.csv", NOT_XLSX, "text/csv")})
    assert r.status_code == 422 and "无法读取该文件，请上传 .xlsx 表格" in r.text
    assert _count(session, PropertyUnit) == 0
    with pytest.raises(Invalid):
        ballots.read_register_xlsx(NOT_XLSX)


def test_owner_import_reports_every_bad_row_with_its_sheet_row_number(session: Session) -> None:
    staff, estate_id = _estate(session)
    rows, numbers = ballots.read_register_sheet(_xlsx(None, OWNER_ROWS))
    with pytest.raises(Invalid) as info:
        ballots.import_register(session, actor=staff, estate_id=estate_id, rows=rows, now=factories.T0,
                                row_numbers=numbers)
    from gongzhi.i18n import translate

    message = translate(info.value.code, "zh", **info.value.params)
    # Every bad row, numbered as the spreadsheet numbers it (the header is row 1).
    for row in ("第 3 行", "第 5 行", "第 6 行"):
        assert row in message


# ---------------------------------------------------------------- households (analytics/households.py)


def test_household_import_one_bad_row_writes_nothing_and_lists_every_bad_row(session: Session) -> None:
    from gongzhi.analytics import households
    from gongzhi.analytics.models import Household

    factories.build_area_tree(session)
    worker = factories.make_user(session, "gw1", "grid_worker", "G1")
    session.flush()
    h = households.HEADERS

    def row(code: str, **kw: Any) -> list[Any]:
        values = {"门牌号": code, "网格编码": "G1", "户主姓名": "张三", "户主电话": "13812345678", **kw}
        return [values.get(c, "") for c in h]

    data = _xlsx(h, [row("1-101"), row("1-102", 网格编码="G9"), row("1-103"), row("1-101"),
                     row("1-105", 户主电话="12345")])
    before = _count(session, Household)
    with pytest.raises(households.ImportRejected) as info:
        households.import_xlsx(session, actor=worker, data=data, now=factories.T0)
    assert [e.row for e in info.value.rows] == [3, 5, 6]
    assert _count(session, Household) == before
    with pytest.raises(Invalid):
        households.import_xlsx(session, actor=worker, data=NOT_XLSX, now=factories.T0)
