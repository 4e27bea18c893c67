"""The 城市大脑 board page: levels, forecast chart, advisories and open alerts, scoped to the viewer."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests import factories
from tests.sensing.test_traffic import Street, street  # noqa: F401  (the fixture)

from gongzhi.sensing import traffic
from gongzhi.sensing.models import Episode


def _figure(html: str, target: str) -> dict[str, object]:
    m = re.search(rf'data-plot="{target}">(.*?)</script>', html, re.S)
    assert m, target
    data: dict[str, object] = json.loads(m.group(1))
    return data


def test_official_sees_levels_forecast_chart_advisory_and_alerts(
    client: TestClient, session: Session, street: Street,  # noqa: F811
) -> None:
    street.feed(5)
    traffic.refresh(session, street.clock.now())  # the worker's refresh, before the surge
    street.feed(30, scale=3.5)
    traffic.refresh(session, street.clock.now())
    grid_id = street.segment.grid_id
    session.add(Episode(device_id=99, device_code="PC-1", kind="crowd", grid_id=grid_id, place="东门广场",
                        opened_at=street.clock.now() - timedelta(minutes=10), last_at=street.clock.now(),
                        count=2, evidence={}))
    session.add(Episode(device_id=98, device_code="SMK-1", kind="smoke", grid_id=grid_id, place="一号楼",
                        opened_at=street.clock.now() - timedelta(hours=5), last_at=street.clock.now(),
                        closed_at=street.clock.now(), count=1, evidence={}))  # over: not shown
    session.flush()
    official = factories.make_user(session, "official_s1", "official", area_code="S1")
    factories.login_cookie(client, session, official, street.clock.now())

    r = client.get("/citybrain")
    assert r.status_code == 200
    html = r.text
    row = re.search(r'<tr data-segment="SEG-1">(.*?)</tr>', html, re.S)
    assert row and "严重拥堵" in row.group(1) and "经曙光路、杭大路绕行" in row.group(1)
    # The advisory in force, with the one resident told.
    adv = re.search(r'<table class="data" id="advisories">(.*?)</table>', html, re.S)
    assert adv and "保俶路" in adv.group(1) and '<td class="num">1</td>' in adv.group(1)
    alerts = re.search(r'<table class="data" id="alerts">(.*?)</table>', html, re.S)
    assert alerts and "东门广场" in alerts.group(1) and "一号楼" not in alerts.group(1)

    # The map: both detectors, in the severe colour now, in both panels.
    fig = _figure(html, "cb-map")
    dots = [t for t in fig["data"] if t.get("mode") == "markers"]  # type: ignore[attr-defined]
    now_dots = [t for t in dots if t.get("xaxis", "x") == "x"]
    assert {t["name"] for t in now_dots} == {"严重拥堵"} and len(now_dots[0]["x"]) == 2
    assert any(t.get("xaxis") == "x2" for t in dots)

    # The chart: a day of actual counts beside the forecasts, and the error.
    chart = _figure(html, "cb-chart")
    actual, predicted, ahead = chart["data"]  # type: ignore[misc]
    assert len(actual["x"]) >= 280 and len(predicted["y"]) == len(actual["y"])
    assert ahead["x"] == ["2026-11-23 11:05"] and ahead["y"][0] > 0  # 30 min past the last reading
    assert re.search(r"TD-1 · 平均绝对误差 \d+\.\d 辆/5 分钟", html)

    r2 = client.get("/citybrain?detector=TD-2")
    assert "TD-2 · 平均绝对误差" in r2.text
    r3 = client.get("/citybrain?detector=<script>")
    assert r3.status_code == 200 and "TD-1 · 平均绝对误差" in r3.text


def test_grid_worker_elsewhere_sees_nothing_of_this_grid(
    client: TestClient, session: Session, street: Street,  # noqa: F811
) -> None:
    street.feed(5)
    traffic.refresh(session, street.clock.now())
    street.feed(30, scale=3.5)
    traffic.refresh(session, street.clock.now())
    worker = factories.make_user(session, "worker_g3", "grid_worker", area_code="G3")
    factories.login_cookie(client, session, worker, street.clock.now())
    r = client.get("/citybrain")
    assert r.status_code == 200
    assert "SEG-1" not in r.text and "保俶路" not in r.text and 'data-plot="cb-map"' not in r.text
    assert "本辖区还没有登记路段" in r.text and "当前没有绕行提示" in r.text


def test_residents_may_not_open_the_board(client: TestClient, session: Session, street: Street) -> None:  # noqa: F811
    resident = factories.make_user(session, "someone", "resident")
    factories.login_cookie(client, session, resident, street.clock.now())
    assert client.get("/citybrain").status_code == 403


def test_english_board(client: TestClient, session: Session, street: Street) -> None:  # noqa: F811
    street.feed(5)
    traffic.refresh(session, street.clock.now())
    admin = factories.make_user(session, "admin_d1", "admin", area_code="D1", language="en")
    factories.login_cookie(client, session, admin, street.clock.now())
    r = client.get("/citybrain?lang=en")
    assert r.status_code == 200
    assert "City brain" in r.text and "free flow" in r.text




def test_grid_worker_of_the_grid_sees_its_segment(client: TestClient, session: Session, street: Street) -> None:  # noqa: F811
    street.feed(5)
    traffic.refresh(session, street.clock.now())
    worker = factories.make_user(session, "worker_g1", "grid_worker", area_code="G1")
    factories.login_cookie(client, session, worker, street.clock.now())
    r = client.get("/citybrain")
    assert r.status_code == 200
    row = re.search(r'<tr data-segment="SEG-1">(.*?)</tr>', r.text, re.S)
    assert row and "畅通" in row.group(1)
    assert 'data-plot="cb-map"' in r.text
