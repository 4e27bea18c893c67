"""Report pages: the printable monthly report shows the API's figures; pilots list, form and report."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from tests.web.helpers import Street, login

from gongzhi.analytics.pilot_models import Pilot

MONTHLY = "/monthly-report"


def _cells(html: str, code: str) -> list[str]:
    row = re.search(rf'<tr data-measure="{code}">(.*?)</tr>', html, re.S)
    assert row, code
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]


def test_monthly_page_shows_the_api_figures(client: TestClient, street: Street) -> None:
    for minutes in (30, 60):
        street.report("G1", at=street.clock.now() - timedelta(minutes=minutes))
    street.report("G3", category="garbage")
    login(client, street.session, street.official)
    page = client.get(f"{MONTHLY}?area=S1&month=2026-11")
    assert page.status_code == 200
    api = client.get("/api/v1/analytics/reports/monthly?area=S1&month=2026-11").json()
    html = page.text
    assert api["title"] in html and "北山街道 2026-11 月度报告" in html
    for h in api["headline"]:
        name, value, previous, change = _cells(html, h["code"])
        assert (name, value, previous, change) == (h["name"], h["formatted"], h["previous_formatted"],
                                                   h["change_text"])
    cases = next(s for s in api["sections"] if s["key"] == "cases")
    assert cases["summary"] == "本月受理工单 3 件，最多的是路灯故障（2 件，占 66.7%）。"
    assert cases["summary"] in html
    assert 'data-plot="m-cases-0"' in html and 'data-plot="m-trend-0"' in html
    assert 'href="/api/v1/analytics/reports/monthly.pdf?area=S1&amp;month=2026-11"' in html
    assert "@media print" in html
    # The PDF link works with the browser session's cookie.
    pdf = client.get("/api/v1/analytics/reports/monthly.pdf?area=S1&month=2026-11")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_monthly_page_defaults_and_errors(client: TestClient, street: Street) -> None:
    login(client, street.session, street.worker_g1)
    own = client.get(MONTHLY)
    assert own.status_code == 200 and "宝石一网格 2026-11 月度报告" in own.text  # own grid, this month
    outside = client.get(f"{MONTHLY}?area=G3")
    assert outside.status_code == 403 and "不在您的管辖范围内" in outside.text
    bad = client.get(f"{MONTHLY}?month=2026-5")
    assert bad.status_code == 422 and "YYYY-MM" in bad.text
    unknown = client.get(f"{MONTHLY}?area=NOPE")
    assert unknown.status_code == 404 and "没有编码为 NOPE 的区域" in unknown.text
    login(client, street.session, street.resident)
    assert client.get(MONTHLY).status_code == 403


def test_official_records_a_pilot_and_reads_its_report(client: TestClient, street: Street) -> None:
    csrf = login(client, street.session, street.official)
    form = client.get("/pilots")
    assert form.status_code == 200 and 'id="pilot-form"' in form.text and "还没有试点" in form.text
    made = client.post("/pilots", data={
        "csrf_token": csrf, "name": "宝石社区物业纠纷调处", "area": "C1", "start_date": "2026-11-13",
        "problem": "物业费上涨，投诉集中", "actions": "设立物业纠纷调解室\n\n每月召开议事会",
        "measure_codes": ["satisfaction", "dispute_count"],
    }, follow_redirects=False)
    assert made.status_code == 303, made.text
    pilot = street.session.query(Pilot).one()
    assert made.headers["location"] == f"/pilots/{pilot.id}"
    assert pilot.actions == ["设立物业纠纷调解室", "每月召开议事会"] and pilot.measure_codes == ["satisfaction",
                                                                                           "dispute_count"]
    page = client.get(f"/pilots/{pilot.id}")
    assert page.status_code == 200
    html = page.text
    assert "试点已登记：宝石社区物业纠纷调处" in html
    for heading in ("一、问题", "二、措施", "三、成效"):
        assert heading in html
    assert "<li>设立物业纠纷调解室</li>" in html
    api = client.get(f"/api/v1/analytics/pilots/{pilot.id}/report").json()
    for r in api["results"]:
        cells = _cells(html, r["code"])
        assert cells[0] == r["name"] and cells[1].startswith(r["before_formatted"])
        assert cells[2].startswith(r["after_formatted"]) and cells[3] == r["change_text"]
    assert api["summary"] in html
    assert f'href="/api/v1/analytics/pilots/{pilot.id}/report.pdf"' in html
    listing = client.get("/pilots")
    assert f'data-pilot-id="{pilot.id}"' in listing.text


def test_pilot_form_errors_keep_what_was_typed(client: TestClient, street: Street) -> None:
    csrf = login(client, street.session, street.official)
    bad = client.post("/pilots", data={"csrf_token": csrf, "name": "没有选指标", "area": "C1",
                                       "start_date": "2026-11-13", "problem": "问题描述"})
    assert bad.status_code == 422
    assert "请至少选择一项评估指标" in bad.text and 'value="没有选指标"' in bad.text and ">问题描述</textarea>" in bad.text
    bad_day = client.post("/pilots", data={"csrf_token": csrf, "name": "x", "area": "C1", "start_date": "13/11",
                                           "measure_codes": "satisfaction"})
    assert bad_day.status_code == 422 and "日期格式应为 YYYY-MM-DD" in bad_day.text
    assert street.session.query(Pilot).count() == 0


def test_pilot_pages_for_other_roles(client: TestClient, street: Street) -> None:
    login(client, street.session, street.worker_g1)
    page = client.get("/pilots")
    assert page.status_code == 200 and 'id="pilot-form"' not in page.text
    assert client.get("/pilots/abc").status_code == 404
    assert client.get("/pilots/999").status_code == 404
    login(client, street.session, street.resident)
    assert client.get("/pilots").status_code == 403
