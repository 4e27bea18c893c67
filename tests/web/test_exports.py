"""Each list page's "导出 Excel": the same filters and scope as the page, personal data masked as the page/API
masks it for the reader's role, a readable workbook (note row, header row, one row per listed item)."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from openpyxl import load_workbook
from sqlalchemy.orm import Session
from tests import factories
from tests.web.helpers import Street, login

from gongzhi.cases import service as cases
from gongzhi.cases.views import case_out
from gongzhi.web import xlsx

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet(r: Response) -> tuple[str, list[str], list[list[Any]]]:
    """(note, header, data rows) of a downloaded export."""
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"] == XLSX_TYPE
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    return str(rows[0][0]), [str(h) for h in rows[1]], rows[2:]


def export_link(page: Response) -> str:
    m = re.search(r'id="export-xlsx" href="([^"]+)"', page.text)
    assert m, "no 导出 Excel link on the page"
    return m.group(1).replace("&amp;", "&")


# ---------------------------------------------------------------- /queue and /my


def test_queue_export_has_the_page_filter_and_scope_and_masks_reporters(
    client: TestClient, street: Street, session: Session
) -> None:
    a = street.report("G1")
    b = street.report("G1", description="=HYPERLINK(\"http://evil\")")
    street.report("G3")  # outside worker_g1's grid: neither on the page nor in the export
    cases.transition(session, user=street.worker_g1, case_id=a.id, action="accept", now=street.clock.now())
    session.flush()
    login(client, session, street.worker_g1)

    page = client.get("/queue")
    link = export_link(page)
    assert link == "/queue?format=xlsx"
    note, header, rows = sheet(client.get(link))
    assert "李网格（worker_g1）" in note and "2026-11-23 10:00" in note and "共 2 行" in note
    assert header[:3] == ["编号", "类别", "内容摘要"] and header[-2:] == ["上报人", "上报人电话"]
    assert len(rows) == 2 == page.text.count('class="case-card')
    numbers = {r[0] for r in rows}
    assert numbers == {cases.case_number(a), cases.case_number(b)}
    for r in rows:  # the resident's name and phone, masked as the case API masks them for a worker
        assert r[-2:] == ["张*", "138****5678"]
    api = case_out(session, a, street.worker_g1, street.clock.now(), "zh")
    assert [api.reporter_name, api.reporter_phone] == ["张*", "138****5678"]
    assert any(r[2] == "=HYPERLINK(\"http://evil\")" for r in rows)  # formula text kept as text

    # The status filter travels with the link: only accepted cases.
    page = client.get("/queue?status=accepted")
    link = export_link(page)
    assert "status=accepted" in link and "format=xlsx" in link
    note, _header, rows = sheet(client.get(link))
    assert [r[0] for r in rows] == [cases.case_number(a)] and "状态=已签收" in note


def test_my_export_shows_the_reporter_their_own_contact(client: TestClient, street: Street,
                                                        session: Session) -> None:
    mine = street.report("G1")
    login(client, session, street.resident)
    page = client.get("/my")
    _note, _header, rows = sheet(client.get(export_link(page)))
    assert [r[0] for r in rows] == [cases.case_number(mine)]
    assert rows[0][-2:] == ["张三", "13812345678"]


def test_dept_staff_export_masks_the_phone(client: TestClient, street: Street, session: Session) -> None:
    case = street.report("G1")
    staff = factories.make_user(session, "staff1", "dept_staff", area_code="S1", unit_code="U-MUNI", now=street.clock.now())
    cases.transition(session, user=street.official, case_id=case.id, action="dispatch", now=street.clock.now(),
                     unit_code="U-MUNI")
    session.flush()
    login(client, session, staff)
    page = client.get("/queue")
    _note, _header, rows = sheet(client.get(export_link(page)))
    assert len(rows) == page.text.count('class="case-card') == 1
    assert rows[0][-1] == "138****5678"


def test_export_over_the_row_limit_is_a_chinese_422(client: TestClient, street: Street, session: Session,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    street.report("G1")
    street.report("G1")
    monkeypatch.setattr(xlsx, "MAX_ROWS", 1)
    login(client, session, street.worker_g1)
    r = client.get("/queue?format=xlsx")
    assert r.status_code == 422 and "导出行数 2 超过上限 1 行" in r.text


# ---------------------------------------------------------------- mediation


def test_mediation_exports_caseload_board_registry_mediators(client: TestClient, session: Session,
                                                              clock: Any) -> None:
    from tests.mediation.mediation_world import make_world

    from gongzhi.mediation import registry
    from gongzhi.mediation import service as med

    w = make_world(session, clock)
    d1 = w.file("楼上漏水到楼下，双方争执", applicant="张三丰")
    d2 = w.file("邻居占用公共楼道堆放杂物", applicant="王五")
    med.assign_waiting(session, clock.now())
    session.flush()

    # The mediator's caseload: the page's cards and the export's rows are the same disputes.
    holder = w.mediator_user_of(d1)
    assert holder is not None
    login(client, session, holder)
    page = client.get("/mediation/caseload")
    _note, header, rows = sheet(client.get(export_link(page)))
    assert header[0] == "编号" and "调解员" in header
    on_page = page.text.count("data-dispute-id=")
    assert len(rows) == on_page == len(med.caseload(session, holder)) >= 1
    # /mediation?format=xlsx goes to the role's list with the query kept.
    r = client.get("/mediation?format=xlsx", follow_redirects=False)
    assert r.headers["location"] == "/mediation/caseload?format=xlsx"

    # The street official's board: every dispute in scope, not just the 30 recent cards.
    client.cookies.clear()
    login(client, session, w.official_s1)
    page = client.get("/mediation/board")
    _note, _header, rows = sheet(client.get(export_link(page)))
    assert {r[0] for r in rows} == {med.dispute_number(d1), med.dispute_number(d2)}

    # The registry's full table, masked as the page's table masks it (names and addresses).
    client.cookies.clear()
    login(client, session, w.worker_g1)
    page = client.get("/mediation/registry")
    assert page.status_code == 200
    _note, header, rows = sheet(client.get(export_link(page)))
    assert header[:3] == ["类型", "名称", "风险分"]
    labels = {r[1] for r in rows}
    assert {"张*丰", "李*", "宝石路****"} <= labels
    text = repr(rows)
    assert "张三丰" not in text and "宝石路1号" not in text
    entries = {(e.label, e.score) for e in registry.scores(session, w.worker_g1, clock.now())}
    assert {(r[1], r[2]) for r in rows} == entries

    # Mediator profiles: supervisors only; a worker gets 403 in Chinese.
    assert client.get("/mediation/mediators?format=xlsx").status_code == 403
    client.cookies.clear()
    login(client, session, w.official_s1)
    page = client.get("/mediation/mediators")
    _note, header, rows = sheet(client.get(export_link(page)))
    # The street's mediators; the district centre's is outside the street official's scope.
    assert len(rows) == page.text.count("data-mediator=") == 3
    assert {r[1] for r in rows} == {"tj_c1", "tj_c2", "tj_s1"}


# ---------------------------------------------------------------- councils, ballots, volunteers


def test_council_list_export_even_when_the_page_would_redirect(client: TestClient, session: Session,
                                                                clock: Any) -> None:
    from tests.council.council_fixtures import town_fixture

    town = town_fixture.__wrapped__(session, clock)  # type: ignore[attr-defined]
    session.flush()
    login(client, session, town.official)
    assert client.get("/councils", follow_redirects=False).status_code == 303  # one council: straight to it
    _note, header, rows = sheet(client.get("/councils?format=xlsx"))
    assert header == ["名称", "区域"] and len(rows) == 1 and rows[0][0] == "宝石社区议事会"


def test_ballot_list_export_matches_the_page(client: TestClient, session: Session) -> None:
    from tests.council.test_ballots import make_estate, open_ballot

    e = make_estate(session)
    open_ballot(session, e)
    open_ballot(session, e, matter="rebuild")
    session.flush()
    login(client, session, e.staff)
    page = client.get("/ballots")
    _note, header, rows = sheet(client.get(export_link(page)))
    assert header[:3] == ["标题", "小区", "表决事项"]
    assert len(rows) == page.text.count('href="/ballots/') - page.text.count('href="/ballots/estates') == 2
    assert {r[1] for r in rows} == {"宝石花园"} and {r[2] for r in rows} == {
        "使用建筑物及其附属设施的维修资金", "改建、重建建筑物及其附属设施"}
    # A resident owner sees the ballots of their estate too (the same scope as the page).
    client.cookies.clear()
    login(client, session, e.residents[0])
    assert len(sheet(client.get("/ballots?format=xlsx"))[2]) == 2


def test_volunteer_shift_export(client: TestClient, session: Session) -> None:
    from tests.council.test_volunteers import make_team, shift_for

    t = make_team(session)
    shift_for(session, t, t.v2)
    shift_for(session, t, t.v2, start=timedelta(days=1))
    shift_for(session, t, t.v3)  # someone else's: not on v2's page
    session.flush()
    login(client, session, t.v2)
    page = client.get("/volunteers")
    _note, header, rows = sheet(client.get(export_link(page)))
    assert header[0] == "开始时间" and len(rows) == 2 == page.text.count('href="/volunteers/shifts/')
    assert rows[0][2] == "宝石巡逻队" and rows[0][4] == "宝石山下—保俶路"
    # 2026-11-24 10:00 Shanghai, stored as the wall-clock time.
    assert rows[0][0] == datetime(2026, 11, 24, 10, 0)


# ---------------------------------------------------------------- moderation, categories, open311, elders


def test_moderation_export_masks_reporters_like_the_public_view(client: TestClient, street: Street,
                                                                 session: Session) -> None:
    street.report("G1")
    street.report("G1", description="@cmd|' /C calc'!A0")
    login(client, session, street.worker_g1)
    page = client.get("/moderation")
    _note, _header, rows = sheet(client.get(export_link(page)))
    assert len(rows) == page.text.count("data-case-id=") == 2
    assert {r[4] for r in rows} == {"张*"}
    assert "13812345678" not in repr(rows)
    assert any(r[5] == "@cmd|' /C calc'!A0" for r in rows)


def test_admin_exports_categories_and_open311_clients(client: TestClient, street: Street,
                                                      session: Session) -> None:
    from gongzhi.cases.models import Category
    from gongzhi.open311 import service as o311

    admin = factories.make_user(session, "admin1", "admin", area_code="S1", now=street.clock.now())
    o311.add_client(session, name="市民通 App", contact="dev@example.com", now=street.clock.now())
    session.flush()
    login(client, session, admin)
    page = client.get("/admin/categories")
    _note, header, rows = sheet(client.get(export_link(page)))
    assert header[0] == "编码"
    assert len(rows) == session.query(Category).count() == page.text.count('href="/admin/categories/')
    page = client.get("/admin/open311")
    _note, header, rows = sheet(client.get(export_link(page)))
    assert rows[0][:2] == ["市民通 App", "dev@example.com"] and len(rows) == 1
    # Not for other roles.
    client.cookies.clear()
    login(client, session, street.worker_g1)
    assert client.get("/admin/categories?format=xlsx").status_code == 403
    assert client.get("/admin/open311?format=xlsx").status_code == 403


def test_elder_register_export_has_the_page_scope_and_masks_by_role(client: TestClient, session: Session,
                                                                     clock: Any) -> None:
    from tests.eldercare.conftest import make_world

    w = make_world(session, clock)
    login(client, session, w.worker)
    page = client.get("/eldercare/elders")
    r = client.get("/eldercare/register.xlsx")
    assert r.status_code == 200 and "filename*=UTF-8''" in r.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert len(rows) == page.text.count('href="/eldercare/elders/') - page.text.count(
        'href="/eldercare/elders/new') == 1
    assert rows[0][:2] == ["张秀英", w.elder.id_number]  # a grid worker needs the real data
    # A worker of another grid sees neither the elder on the page nor in the export.
    client.cookies.clear()
    login(client, session, w.stranger_worker)
    ws = load_workbook(io.BytesIO(client.get("/eldercare/register.xlsx").content)).active
    assert ws.max_row == 1


def test_export_speaks_the_readers_language(client: TestClient, street: Street, session: Session) -> None:
    street.report("G1")
    login(client, session, street.worker_g1)
    r = client.get("/queue?format=xlsx&lang=en")
    note, header, _rows = sheet(r)
    assert header[:3] == ["Number", "Category", "Summary"] and note.startswith("Exported by")
    assert 'filename="queue-20261123-1000.xlsx"' in r.headers["content-disposition"]
    r = client.get("/queue?format=xlsx")
    assert "filename*=UTF-8''%E5%B7%A5%E5%8D%95%E9%98%9F%E5%88%97_20261123-1000.xlsx" in r.headers[
        "content-disposition"]  # 工单队列_…


def test_staff_my_export_lists_only_their_own_cases(client: TestClient, street: Street, session: Session) -> None:
    a = street.report("G1")  # routed to worker_g1
    street.report("G3")  # routed to worker_g3
    assert a.assignee_id == street.worker_g1.id
    # The official's scope holds both cases, but neither is theirs: an empty list and an empty export.
    login(client, session, street.official)
    page = client.get("/my")
    _note, _header, rows = sheet(client.get(export_link(page)))
    assert rows == [] and page.text.count('class="case-card') == 0
    client.cookies.clear()
    login(client, session, street.worker_g1)
    page = client.get("/my")
    _note, _header, rows = sheet(client.get(export_link(page)))
    assert [r[0] for r in rows] == [cases.case_number(a)] and page.text.count('class="case-card') == 1
