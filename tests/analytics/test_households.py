"""Household register: scope, the measures' figures, Excel import (all or nothing) and masked export."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests import factories
from tests.factories import T0

from gongzhi.analytics import households as hh
from gongzhi.analytics.models import Household, Resident
from gongzhi.audit import service as audit
from gongzhi.errors import Forbidden, Invalid


@pytest.fixture
def tree(session: Session) -> dict[str, int]:
    areas = factories.build_area_tree(session)
    return {code: a.id for code, a in areas.items()}


def _sheet(rows: list[list[object]], header: list[str] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(header or hh.HEADERS)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _add(session: Session, actor: object, code: str, grid: str, phone: str = "", **kw: object) -> Household:
    data = hh.HouseholdData(code=code, grid_code=grid, head_name=str(kw.pop("name", "张三")), head_phone=phone,
                            **kw)  # type: ignore[arg-type]
    return hh.create_household(session, actor=actor, data=data, now=T0)  # type: ignore[arg-type]


def test_phone_digits_is_one_key_for_every_spelling() -> None:
    assert hh.phone_digits("+86 138 1234 5678") == "13812345678"
    assert hh.phone_digits("0571-87654321") == "057187654321"
    assert hh.phone_digits("12345") == ""
    assert hh.phone_digits(None) == ""


def test_household_count_falls_back_to_area_figures(session: Session, tree: dict[str, int]) -> None:
    admin = factories.make_user(session, "admin1", "admin", "D1")
    grids = [tree["G1"], tree["G2"], tree["G3"]]
    # Nothing registered: 320 + 280 + 300 from the areas.
    assert hh.household_count(session, grids) == 900
    _add(session, admin, "1-101", "G1")
    _add(session, admin, "1-102", "G1")
    gone = _add(session, admin, "1-103", "G1")
    gone.is_active = False
    session.flush()
    # G1 now counts its 2 active registered households; G2 and G3 still their area figures.
    assert hh.household_count(session, grids) == 2 + 280 + 300
    assert hh.household_count(session, [tree["G1"]]) == 2
    assert hh.household_count(session, []) == 0


def test_household_keys_by_account_and_phone(session: Session, tree: dict[str, int]) -> None:
    admin = factories.make_user(session, "admin1", "admin", "D1")
    resident = factories.make_user(session, "jumin1", "resident", "G1")
    a = _add(session, admin, "1-101", "G1", "138 0000 1111", head_username="jumin1",
             others=(hh.MemberData("李四", "13800002222"),))
    b = _add(session, admin, "3-1", "G3", "0571-87654321")
    keys = hh.household_keys(session, [tree["G1"], tree["G3"]])
    assert keys == {f"u:{resident.id}": a.id, "p:13800001111": a.id, "p:13800002222": a.id,
                    "p:057187654321": b.id}
    assert hh.household_keys(session, [tree["G3"]]) == {"p:057187654321": b.id}


def test_grid_worker_sees_only_their_grid(session: Session, tree: dict[str, int]) -> None:
    admin = factories.make_user(session, "admin1", "admin", "D1")
    worker = factories.make_user(session, "wangge1", "grid_worker", "G1")
    resident = factories.make_user(session, "jumin9", "resident", "G1")
    _add(session, admin, "1-101", "G1")
    _add(session, admin, "3-1", "G3")
    total, rows = hh.list_households(session, worker, hh.HouseholdFilter())
    assert total == 1 and [r.code for r in rows] == ["1-101"]
    with pytest.raises(Forbidden):
        _add(session, worker, "3-2", "G3")
    with pytest.raises(Forbidden):
        hh.list_households(session, resident, hh.HouseholdFilter())


def test_import_rejects_everything_and_names_each_bad_row(session: Session, tree: dict[str, int]) -> None:
    admin = factories.make_user(session, "admin1", "admin", "D1")
    _add(session, admin, "9-9", "G2")
    data = _sheet([
        ["1-101", "G1", "宝石路1号", "张三", "13800001111", "", "", 3, "李四/13800002222、王五"],  # good
        ["1-102", "G9", "", "李四", "", "", "", "", ""],                      # row 3: unknown grid
        ["1-103", "G1", "", "王五", "12345", "", "", "", ""],                 # row 4: bad phone
        ["1-101", "G1", "", "赵六", "", "", "", "", ""],                      # row 5: repeats row 2
        ["9-9", "G2", "", "钱七", "", "", "", "", ""],                        # row 6: already registered
        ["1-104", "G1", "", "孙八", "", "110101199003071234", "", "", ""],    # row 7: bad ID check digit
        ["1-105", "G1", "", "", "", "", "", "", ""],                          # row 8: no head
    ])
    before = session.scalar(select(func.count()).select_from(Household))
    with pytest.raises(hh.ImportRejected) as err:
        hh.import_xlsx(session, actor=admin, data=data, now=T0, lang="zh")
    rows = {e.row: e.message for e in err.value.rows}
    assert sorted(rows) == [3, 4, 5, 6, 7, 8]
    assert rows[3] == "网格编码“G9”不存在"
    assert "12345" in rows[4] and "不是有效" in rows[4]
    assert rows[5] == "门牌号“1-101”与第 2 行重复"
    assert rows[6] == "该网格已登记门牌号“9-9”"
    assert "身份证号" in rows[7]
    assert "户主姓名必填" in rows[8]
    assert err.value.params == {"count": 6}
    # Nothing written, not even the good row.
    assert session.scalar(select(func.count()).select_from(Household)) == before


def test_import_outside_scope_is_a_row_error(session: Session, tree: dict[str, int]) -> None:
    worker = factories.make_user(session, "wangge1", "grid_worker", "G1")
    with pytest.raises(hh.ImportRejected) as err:
        hh.import_xlsx(session, actor=worker, data=_sheet([["3-1", "G3", "", "张三", "", "", "", "", ""]]), now=T0)
    assert err.value.rows[0].row == 2 and "不在您的辖区" in err.value.rows[0].message


def test_import_bad_file_and_header(session: Session, tree: dict[str, int]) -> None:
    admin = factories.make_user(session, "admin1", "admin", "D1")
    with pytest.raises(Invalid) as err:
        hh.import_xlsx(session, actor=admin, data=b"not a workbook", now=T0)
    assert err.value.code == "household_import_not_xlsx"
    with pytest.raises(Invalid) as err:
        hh.import_xlsx(session, actor=admin, data=_sheet([["1"]], header=["门牌号"]), now=T0)
    assert err.value.code == "household_import_header" and err.value.params["columns"] == "网格编码、户主姓名"


def test_import_good_sheet_creates_households_and_members(session: Session, tree: dict[str, int]) -> None:
    admin = factories.make_user(session, "admin1", "admin", "D1")
    jm = factories.make_user(session, "jumin1", "resident", "G1")
    idn = factories.id_number()
    data = _sheet([
        ["1-101", "G1", "宝石路1号", "张三", "13800001111", idn, "jumin1", 4, "李四/13800002222、王五"],
        ["3-1", "G3", "", "赵六", 13900001111.0, "", "", "", ""],
    ])
    report = hh.import_xlsx(session, actor=admin, data=data, now=T0)
    assert report.created == 2
    a = session.scalars(select(Household).where(Household.code == "1-101")).one()
    assert (a.grid_id, a.members, a.head_phone) == (tree["G1"], 4, "13800001111")
    people = session.scalars(select(Resident).where(Resident.household_id == a.id).order_by(Resident.id)).all()
    assert [(p.name, p.phone, p.is_head, p.user_id) for p in people] == [
        ("张三", "13800001111", True, jm.id), ("李四", "13800002222", False, None), ("王五", "", False, None)]
    assert people[0].id_number == idn
    b = session.scalars(select(Household).where(Household.code == "3-1")).one()
    assert b.members == 1 and b.head_phone == "13900001111"  # a number cell read as digits


def _export_rows(data: bytes) -> list[tuple[object, ...]]:
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def test_export_masked_for_grid_worker_full_for_admin_and_logged(session: Session, tree: dict[str, int]) -> None:
    admin = factories.make_user(session, "admin1", "admin", "D1")
    worker = factories.make_user(session, "wangge1", "grid_worker", "G1")
    idn = factories.id_number()
    _add(session, admin, "1-101", "G1", "13812345678", name="王小明", address="宝石路1号", head_id_number=idn,
         others=(hh.MemberData("李四", "13800002222"),))
    _add(session, admin, "3-1", "G3", "13900001111")
    worker_rows = _export_rows(hh.export_xlsx(session, viewer=worker, flt=hh.HouseholdFilter(), now=T0))
    assert worker_rows[0][:5] == ("门牌号", "网格编码", "地址", "户主姓名", "户主电话")
    assert len(worker_rows) == 2  # header + their grid only
    code, grid, address, head, phone, id_no, _, members, others, _ = worker_rows[1]
    assert (code, grid, address, head, phone, members) == ("1-101", "G1", None, "王*明", "138****5678", 2)
    assert id_no == idn[:6] + "********" + idn[-4:]
    assert others == "李*/138****2222"
    assert audit.entries_for(session, "household_register", "export") == []

    admin_rows = _export_rows(hh.export_xlsx(session, viewer=admin, flt=hh.HouseholdFilter(grid_code="G1"), now=T0))
    assert len(admin_rows) == 2  # the filter holds
    assert admin_rows[1][2:6] == ("宝石路1号", "王小明", "13812345678", idn)
    logged = audit.entries_for(session, "household_register", "export")
    assert len(logged) == 1 and logged[0].actor_id == admin.id and "phone" in logged[0].data["fields"]
