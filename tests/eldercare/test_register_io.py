"""Excel import (all or nothing, row-level errors) and export (masked by role), through the API and CLI."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from tests import factories
from tests.eldercare.conftest import ElderWorld

from gongzhi.eldercare import register_io
from gongzhi.eldercare.models import Contact, Elder, Wearable


def _book(rows: list[dict[str, object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(register_io.HEADERS)
    for r in rows:
        ws.append([r.get(h, "") for h in register_io.HEADERS])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _row(birth: str, seq: str, **kw: object) -> dict[str, object]:
    return {"姓名": "王桂兰", "身份证号": factories.id_number(birth, seq=seq), "网格编码": "G1", "独居": "是",
            "电话": 13700009999, "慢病": "高血压、糖尿病", "签约医生账号": "yisheng", "联系人1姓名": "王军",
            "联系人1关系": "儿子", "联系人1电话": "13911113333", **kw}


def _count(world: ElderWorld) -> int:
    return world.session.scalar(select(func.count(Elder.id))) or 0


def test_import_creates_elders_contacts_and_bands(world: ElderWorld) -> None:
    data = _book([_row("19400101", "111", 手环编号="B-100"), _row("19410202", "222", 姓名="刘福", 手环编号="B-101、B-102")])
    report = register_io.import_xlsx(world.session, actor=world.worker, data=data, now=world.now)
    assert report.created == 2
    liu = world.session.scalars(select(Elder).where(Elder.name == "刘福")).one()
    assert liu.living_alone and liu.conditions == ["高血压", "糖尿病"] and liu.phone == "13700009999"
    assert liu.doctor_id == world.doctor.id
    assert [c.name for c in world.session.scalars(select(Contact).where(Contact.elder_id == liu.id))] == ["王军"]
    codes = set(world.session.scalars(select(Wearable.device_code).where(Wearable.elder_id == liu.id)))
    assert codes == {"B-101", "B-102"}


def test_import_rejects_bad_rows_and_writes_nothing(world: ElderWorld) -> None:
    before = _count(world)
    good = _row("19400101", "111")
    data = _book([
        good,
        _row("19410202", "222", 身份证号="110101194102022221"),  # wrong check digit
        _row("19420303", "333", 网格编码="G9"),
        _row("19430404", "444", 签约医生账号="zhiyuan"),  # a volunteer, not a doctor
        {**good, "姓名": "重复"},  # the same ID number twice in the file
        _row("19440505", "555", 手环编号="BAND-001"),  # bound to the world's elder already
        _row("19450606", "666", 电话="12345"),
    ])
    with pytest.raises(register_io.ImportRejected) as info:
        register_io.import_xlsx(world.session, actor=world.worker, data=data, now=world.now)
    rows = {e.row: e.message for e in info.value.rows}
    assert sorted(rows) == [3, 4, 5, 6, 7, 8]
    assert "身份证" in rows[3] and "G9" in rows[4] and "zhiyuan" in rows[5] and "已登记" in rows[6]
    assert "BAND-001" in rows[7] and "12345" in rows[8]
    assert _count(world) == before


def test_import_refuses_other_areas_and_non_excel(world: ElderWorld) -> None:
    with pytest.raises(register_io.ImportRejected) as info:
        register_io.import_xlsx(world.session, actor=world.stranger_worker, data=_book([_row("19400101", "101")]),
                                now=world.now)
    assert "管辖范围" in info.value.rows[0].message
    from gongzhi.errors import Invalid

    with pytest.raises(Invalid):
        register_io.import_xlsx(world.session, actor=world.worker, data=b"not a workbook", now=world.now)


def test_export_masks_by_role(world: ElderWorld) -> None:
    def sheet(user: object) -> list[list[object]]:
        data = register_io.export_xlsx(world.session, viewer=user, now=world.now)  # type: ignore[arg-type]
        return [list(r) for r in load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True)]

    doctor = sheet(world.doctor)
    assert doctor[1][0] == "张秀英" and doctor[1][1] == world.elder.id_number and doctor[1][3] == "13812345678"
    buddy = sheet(world.buddy)
    assert buddy[1][0] == "张*英" and "*" in str(buddy[1][1]) and buddy[1][3] == "138****5678"
    assert buddy[1][4] in ("", None)  # no address
    assert "13900001111" not in str(buddy[1])
    assert len(sheet(world.stranger_worker)) == 1  # header only: nothing in their area


def test_import_export_over_http(client: TestClient, world: ElderWorld) -> None:
    h = factories.auth_header(factories.api_token(world.session, world.worker))
    bad = _book([_row("19400101", "111", 网格编码="")])
    r = client.post("/api/v1/eldercare/register/import", content=bad, headers=h)
    assert r.status_code == 422 and r.json()["rows"][0]["row"] == 2
    r = client.post("/api/v1/eldercare/register/import", content=_book([_row("19400101", "111")]), headers=h)
    assert r.status_code == 201 and r.json() == {"created": 1}
    r = client.get("/api/v1/eldercare/register.xlsx", headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(io.BytesIO(r.content)).worksheets[0].max_row == 3
