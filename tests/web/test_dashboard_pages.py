"""Dashboard pages and API through the test client: the page shows the API's numbers, roles, scope, errors.

The street (tests/web/helpers.Street): S1 > C1 (G1, G2), C2 (G3); worker of G1 and of G3, an official
of S1, a resident of G1. Now: 2026-11-23 10:00 Shanghai.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from tests import factories
from tests.web.helpers import Street, login

from gongzhi.cases import service as cases

TILE = re.compile(r'<article class="dash-tile[^"]*"\s+data-code="([a-z0-9_]+)" data-value="([^"]*)" data-n="(\d+)"')
MODULES = ("cases", "mediation", "eldercare", "citybrain", "council")


def _seed(street: Street) -> None:
    now = street.clock.now()
    street.report("G1", "streetlight", at=now - timedelta(days=3))  # overdue to accept
    b = street.report("G1", "garbage", at=now - timedelta(hours=2))
    street.report("G3", "streetlight")
    cases.transition(street.session, user=street.worker_g1, case_id=b.id, action="accept",
                     now=now - timedelta(minutes=90))
    street.session.flush()


def _tiles(page: str) -> dict[str, tuple[str, int]]:
    return {code: (value, int(n)) for code, value, n in TILE.findall(page)}


def _api_tiles(doc: dict) -> dict[str, tuple[str, int]]:
    return {t["code"]: ("" if t["value"] is None else str(t["value"]), t["n"]) for t in doc["tiles"]["items"]}


def test_overview_page_shows_the_api_numbers(client: TestClient, street: Street) -> None:
    _seed(street)
    login(client, street.session, street.official)
    page = client.get("/dashboard?measure=response_median")
    assert page.status_code == 200
    api = client.get("/api/v1/analytics/overview?area=S1&month=2026-11&measure=response_median").json()
    shown = _tiles(page.text)
    assert shown == _api_tiles(api) and len(shown) == 8
    assert shown["response_median"] == ("1800.0", 1)
    # The map's table, the top categories and the overdue list carry the same figures.
    for g in api["map"]["grids"]:
        value = "" if g["value"] is None else str(g["value"])
        assert f'data-grid="{g["code"]}" data-value="{value}" data-n="{g["n"]}"' in page.text
    assert [(c["code"], c["created"]) for c in api["top_categories"]["items"]] == [("streetlight", 2), ("garbage", 1)]
    for c in api["top_categories"]["items"]:
        assert f'data-category="{c["code"]}" data-created="{c["created"]}"' in page.text
    assert api["overdue"]["count"] == 1 and 'id="overdue" data-count="1"' in page.text
    assert f'href="/cases/{api["overdue"]["items"][0]["id"]}"' in page.text
    # The page draws with the local Plotly and links every board and the monthly report.
    assert "/static/vendor/plotly.min.js" in page.text and 'data-plot="dash-map"' in page.text
    assert "https://" not in page.text
    for module in MODULES:
        assert f'href="/dashboard/{module}?area=S1&amp;month=2026-11"' in page.text
    assert 'href="/monthly-report?area=S1&amp;month=2026-11"' in page.text


@pytest.mark.parametrize("module", MODULES)
def test_board_pages_show_the_api_numbers(client: TestClient, street: Street, module: str) -> None:
    _seed(street)
    login(client, street.session, street.official)
    page = client.get(f"/dashboard/{module}?area=S1&month=2026-11")
    assert page.status_code == 200
    api = client.get(f"/api/v1/analytics/boards/{module}?area=S1&month=2026-11").json()
    assert api["module"] == module and _tiles(page.text) == _api_tiles(api)
    if module == "cases":
        funnel = {i["stage"]: i["count"] for i in api["sections"]["funnel"]["items"]}
        assert (funnel["created"], funnel["accepted"]) == (3, 1)
        for i in api["sections"]["funnel"]["items"]:
            assert f'data-key="{i["stage"]}" data-count="{i["count"]}"' in page.text
        for g in api["sections"]["by_grid"]["items"]:
            assert f'data-grid="{g["code"]}" data-created="{g["created"]}" data-open="{g["open"]}"' in page.text


def test_period_filters(client: TestClient, street: Street) -> None:
    _seed(street)
    login(client, street.session, street.official)
    api = client.get("/api/v1/analytics/overview?area=C1&start=2026-11-20&end=2026-11-22").json()
    assert api["period"] == {"start": "2026-11-20", "end": "2026-11-22", "label": "2026-11-20–2026-11-22", "month": ""}
    # Only the streetlight of 11-20 (G1, in C1); the garbage of 11-23 lies outside.
    assert [(c["code"], c["created"]) for c in api["top_categories"]["items"]] == [("streetlight", 1)]
    # The form sends its month as well; a date range given wins on the page.
    page = client.get("/dashboard?area=C1&month=2026-11&start=2026-11-20&end=2026-11-22")
    assert page.status_code == 200 and 'data-period="2026-11-20–2026-11-22"' in page.text
    assert _tiles(page.text) == _api_tiles(api)
    assert client.get("/api/v1/analytics/overview?month=2026-13").status_code == 422
    assert client.get("/dashboard?month=May").status_code == 422
    assert client.get("/api/v1/analytics/overview?measure=happiness").status_code == 422


def test_roles_and_scope(client: TestClient, street: Street) -> None:
    login(client, street.session, street.worker_g1)
    api = client.get("/api/v1/analytics/overview")
    assert api.status_code == 200 and api.json()["area"]["code"] == "G1"
    assert client.get("/dashboard").status_code == 200
    r = client.get("/api/v1/analytics/overview?area=S1")
    assert r.status_code == 403 and r.json()["error"]["code"] == "analytics_area_forbidden"
    assert client.get("/dashboard/cases?area=G3").status_code == 403
    assert client.get("/api/v1/analytics/overview?area=NOPE").status_code == 404
    assert client.get("/api/v1/analytics/boards/weather").status_code == 404
    assert client.get("/dashboard/weather").status_code == 404

    login(client, street.session, street.resident)
    assert client.get("/dashboard").status_code == 403
    assert client.get("/dashboard/cases").status_code == 403
    assert client.get("/api/v1/analytics/overview").status_code == 403
    assert client.get("/api/v1/analytics/boards/cases").status_code == 403


def test_everyone_lands_on_their_home(client: TestClient, street: Street) -> None:
    _seed(street)
    login(client, street.session, street.resident)
    assert client.get("/", follow_redirects=False).headers["location"] == "/home"
    page = client.get("/home")
    assert page.status_code == 200 and "我反映的问题" in page.text and 'data-count="3"' in page.text
    assert 'href="/report"' in page.text

    login(client, street.session, street.worker_g1)
    page = client.get("/home")
    assert page.status_code == 200
    cards = dict(re.findall(r'data-key="([a-z_.]+)" data-count="(\d*)"', page.text))
    assert cards["home.my_open"] == "2" and cards["home.overdue_grid"] == "1"
    assert 'id="today" data-created="1" data-resolved="0"' in page.text

    login(client, street.session, street.official)
    page = client.get("/home")
    assert page.status_code == 200 and 'href="/dashboard?area=S1&amp;month=2026-11"' in page.text
    assert len(_tiles(page.text)) == 8


@pytest.mark.parametrize("role", ["dept_staff", "council_member", "volunteer", "mediator", "doctor", "admin"])
def test_home_of_every_other_role(client: TestClient, street: Street, role: str) -> None:
    kw = {"unit_code": "U-MUNI"} if role == "dept_staff" else {}
    user = factories.make_user(street.session, f"u_{role}", role, area_code="S1" if role == "admin" else "C1", **kw)
    street.session.flush()
    login(client, street.session, user)
    page = client.get("/home")
    assert page.status_code == 200
    text = html.unescape(re.sub(r"<[^>]+>", " ", page.text))
    assert re.search(r"\b(?:dash|home|web)\.[a-z_]+\.[a-z_.]+", text) is None
    assert ('href="/dashboard"' in page.text) == (role == "admin")  # the menu


def test_english_has_no_untranslated_keys(client: TestClient, street: Street) -> None:
    _seed(street)
    login(client, street.session, street.official)
    for url in ["/dashboard", *[f"/dashboard/{m}" for m in MODULES], "/home"]:
        page = client.get(url + ("&" if "?" in url else "?") + "lang=en")
        assert page.status_code == 200
        text = html.unescape(re.sub(r"<[^>]+>", " ", page.text))  # what a reader sees, not attributes
        assert re.search(r"\b(?:dash|home)\.[a-z_]+(?:\.[a-z_]+)*\b(?![/.a-z])", text) is None, url
        assert "Street overview" in text or "board" in text.lower() or "Hello" in text
