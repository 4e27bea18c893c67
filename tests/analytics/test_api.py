"""HTTP: the measure catalogue, values for an area and period, before/after, scope and clear 4xx errors."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests import factories
from tests.analytics.test_measures import T0, _disputes, tree  # noqa: F401  (tree is a fixture)

from gongzhi.analytics import measures as m
from gongzhi.analytics.periods import month
from gongzhi.geo.models import Area

BASE = "/api/v1/analytics"


def _h(session: Session, username: str, role: str, area: str | None) -> dict[str, str]:
    user = factories.make_user(session, username, role, area)
    return factories.auth_header(factories.api_token(session, user))


def test_catalogue_in_both_languages(client: TestClient, session: Session, tree: dict[str, Area]) -> None:  # noqa: F811
    h = _h(session, "official1", "official", "S1")
    r = client.get(f"{BASE}/measures", headers=h)
    assert r.status_code == 200, r.text
    got = {x["code"]: x for x in r.json()}
    assert tuple(got) == m.MEASURE_CODES
    assert got["complaint_rate"]["name"] == "投诉率" and got["complaint_rate"]["higher_is_better"] is False
    assert "户" in got["complaint_rate"]["formula"] and got["complaint_rate"]["unit"] == "percent"
    r = client.get(f"{BASE}/measures?lang=en", headers=h)
    assert {x["code"]: x["name"] for x in r.json()}["safety_score"] == "Sense of safety"


def test_one_measure_and_all_measures(client: TestClient, session: Session, tree: dict[str, Area]) -> None:  # noqa: F811
    _disputes(session, tree)
    h = _h(session, "official1", "official", "S1")
    r = client.get(f"{BASE}/measures/mediation_success?area=S1&month=2026-10", headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["value"], body["numerator"], body["denominator"], body["n"]) == (50.0, 4.0, 8.0, 8)
    assert body["formatted"] == "50.0%" and body["name"] == "调解成功率"
    assert body["area"] == {"code": "S1", "name": "北山街道", "level": "street"}
    assert body["period"] == {"start": "2026-10-01", "end": "2026-11-01", "label": "2026-10", "days": 31}
    # start/end (inclusive local dates) instead of a month: 12–15 October holds G1's 5 and G2's 4.
    r = client.get(f"{BASE}/measures/dispute_count?area=C1&start=2026-10-12&end=2026-10-15", headers=h)
    assert r.json()["value"] == 9.0 and r.json()["period"]["days"] == 4
    r = client.get(f"{BASE}/measures?area=S1&month=2026-10", headers=h)
    assert r.status_code == 200, r.text
    results = {x["code"]: x for x in r.json()["results"]}
    assert tuple(results) == m.MEASURE_CODES
    expected = m.compute_many(session, list(m.MEASURE_CODES), tree["S1"], month(2026, 10), now=T0)
    for code, res in expected.items():
        assert results[code]["value"] == res.value and results[code]["n"] == res.n, code
    assert results["dispute_count"]["formatted"] == "10"
    r = client.get(f"{BASE}/measures?area=S1&month=2026-10&codes=petitions,dispute_count", headers=h)
    assert [x["code"] for x in r.json()["results"]] == ["petitions", "dispute_count"]


def test_clear_errors(client: TestClient, session: Session, tree: dict[str, Area]) -> None:  # noqa: F811
    h = _h(session, "official1", "official", "S1")
    r = client.get(f"{BASE}/measures/dispute_count?area=S1&month=2026-13", headers=h)
    assert r.status_code == 422 and "统计时段无效" in r.json()["error"]["message"]
    r = client.get(f"{BASE}/measures/dispute_count?area=S1&month=October", headers=h)
    assert r.status_code == 422 and "YYYY-MM" in r.json()["error"]["message"]
    r = client.get(f"{BASE}/measures/happiness?area=S1&month=2026-10", headers=h)
    assert r.status_code == 404 and r.json()["error"]["code"] == "analytics_measure_unknown"
    assert "未知的指标" in r.json()["error"]["message"]
    r = client.get(f"{BASE}/measures?area=S1&codes=dispute_count,happiness", headers=h)
    assert r.status_code == 404
    r = client.get(f"{BASE}/measures/dispute_count?area=NOPE&month=2026-10", headers=h)
    assert r.status_code == 404 and r.json()["error"]["code"] == "area_not_found"
    r = client.get(f"{BASE}/measures/dispute_count?area=S1&start=2026-10-20&end=2026-10-01", headers=h)
    assert r.status_code == 422
    r = client.get(f"{BASE}/compare?area=S1&pilot_start=2026-11-31", headers=h)
    assert r.status_code == 422 and "YYYY-MM-DD" in r.json()["error"]["message"]
    r = client.get(f"{BASE}/compare?area=S1&pilot_start=2027-01-01", headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "analytics_pilot_start_future"
    r = client.get(f"{BASE}/compare?area=S1", headers=h)
    assert r.status_code == 422


def test_scope_and_roles(client: TestClient, session: Session, tree: dict[str, Area]) -> None:  # noqa: F811
    _disputes(session, tree)
    worker = _h(session, "worker1", "grid_worker", "G1")
    r = client.get(f"{BASE}/measures/dispute_count?area=S1&month=2026-10", headers=worker)
    assert r.status_code == 403 and r.json()["error"]["code"] == "analytics_area_forbidden"
    assert "无权" in r.json()["error"]["message"]
    r = client.get(f"{BASE}/measures/dispute_count?area=G1&month=2026-10", headers=worker)
    assert r.status_code == 200 and r.json()["value"] == 5.0
    # Without an area: the caller's own.
    r = client.get(f"{BASE}/measures/dispute_count?month=2026-10", headers=worker)
    assert r.json()["area"]["code"] == "G1"
    community = _h(session, "official2", "official", "C2")
    r = client.get(f"{BASE}/measures/dispute_count?area=C1&month=2026-10", headers=community)
    assert r.status_code == 403
    admin = _h(session, "admin1", "admin", "D1")
    assert client.get(f"{BASE}/measures/dispute_count?area=G3&month=2026-10", headers=admin).json()["value"] == 1.0
    resident = factories.make_user(session, "resi1", "resident")
    r = client.get(f"{BASE}/measures", headers=factories.auth_header(factories.api_token(session, resident)))
    assert r.status_code == 403
    for role in ("mediator", "doctor", "dept_staff"):
        if role == "dept_staff":
            factories.make_unit(session, "U1")
            user = factories.make_user(session, "staff1", role, "S1", unit_code="U1")
        else:
            user = factories.make_user(session, f"{role}1", role, "S1")
        h = factories.auth_header(factories.api_token(session, user))
        assert client.get(f"{BASE}/measures?area=S1", headers=h).status_code == 403, role
    assert client.get(f"{BASE}/measures").status_code == 401


def test_compare_endpoint(client: TestClient, session: Session, tree: dict[str, Area]) -> None:  # noqa: F811
    _disputes(session, tree)
    h = _h(session, "official1", "official", "S1")
    r = client.get(f"{BASE}/compare?area=S1&pilot_start=2026-11-01&codes=dispute_count,mediation_success", headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["before"]["start"] == "2026-10-09" and body["after"]["end"] == "2026-11-24"
    first = body["comparisons"][0]
    assert first["code"] == "dispute_count"
    assert (first["before"]["value"], first["after"]["value"], first["difference"]) == (10.0, 1.0, -9.0)
    assert abs(first["p_value"] - 24 / 2048) < 1e-12 and first["improved"] is True
    assert first["note_key"] == "compare.note.small_sample" and "样本量小" in first["note"]
    assert "泊松" in first["method"]
    # Explicit windows: all of October against 1–23 November.
    r = client.get(f"{BASE}/compare?area=S1&pilot_start=2026-11-01&before_start=2026-10-01&before_end=2026-10-31"
                   f"&after_start=2026-11-01&after_end=2026-11-23&codes=mediation_success&lang=en", headers=h)
    assert r.status_code == 200, r.text
    c = r.json()["comparisons"][0]
    assert r.json()["before"]["label"] == "2026-10"
    assert (c["before"]["formatted"], c["after"]["formatted"]) == ("50.0%", "100.0%")
    assert c["method"] == "Fisher's exact test" and c["note"].startswith("Small sample")
    r = client.get(f"{BASE}/compare?area=S1&pilot_start=2026-11-01&before_start=2026-10-01&before_end=2026-11-05",
                   headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "analytics_compare_windows"


def test_dates_at_the_ends_of_the_calendar_are_422(client: TestClient, session: Session,
                                                   tree: dict[str, Area]) -> None:  # noqa: F811
    h = _h(session, "official1", "official", "S1")
    for query in ("month=9999-12", "start=0001-01-01&end=0001-01-02", "start=9999-12-30&end=9999-12-31"):
        r = client.get(f"{BASE}/measures/dispute_count?area=S1&{query}", headers=h)
        assert r.status_code == 422, (query, r.text)
    for query in ("pilot_start=0001-01-01", "pilot_start=2026-11-01&before_start=0001-01-01&before_end=0001-01-05",
                  "pilot_start=2000-01-01"):
        r = client.get(f"{BASE}/compare?area=S1&codes=dispute_count&{query}", headers=h)
        assert r.status_code == 422, (query, r.text)


def test_breakdown_by_child_and_grid(client: TestClient, session: Session, tree: dict[str, Area]) -> None:  # noqa: F811
    _disputes(session, tree)
    h = _h(session, "official1", "official", "S1")
    r = client.get(f"{BASE}/measures/mediation_success/breakdown?area=S1&month=2026-10", headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(row["area"]["code"], row["result"]["numerator"], row["result"]["denominator"]) for row in body["rows"]] \
        == [("C1", 3.0, 7.0), ("C2", 1.0, 1.0)]
    assert body["total"]["value"] == 50.0  # 4 / 8 over all grids, not the rows' mean (71.4%)
    r = client.get(f"{BASE}/measures/dispute_count/breakdown?area=C1&month=2026-10&by=grid", headers=h)
    assert [(row["area"]["code"], row["result"]["value"]) for row in r.json()["rows"]] == [("G1", 5.0), ("G2", 4.0)]
    worker = _h(session, "worker1", "grid_worker", "G1")
    r = client.get(f"{BASE}/measures/dispute_count/breakdown?area=C1&month=2026-10", headers=worker)
    assert r.status_code == 403
    r = client.get(f"{BASE}/measures/dispute_count/breakdown?area=C1&by=street", headers=h)
    assert r.status_code == 422
