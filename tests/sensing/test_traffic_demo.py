"""The city-brain demo seeds segments over the demo street's detectors with two weeks of history,
and the board then shows real levels and forecasts."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests import factories

from gongzhi.auth.models import User
from gongzhi.clock import FrozenClock
from gongzhi.devices.models import DeviceReading
from gongzhi.sensing import traffic
from gongzhi.sensing.models import RoadSegment
from gongzhi.simulate.citybrain_demo import HISTORY_DAYS, seed_citybrain
from gongzhi.simulate.devices_demo import seed_devices
from gongzhi.simulate.district import build_district


def test_demo_segments_have_history_levels_and_a_board(client: TestClient, session: Session,
                                                       clock: FrozenClock) -> None:
    traffic.clear_model_cache()
    now = clock.now()
    district = build_district(session, now - timedelta(days=HISTORY_DAYS + 3), 5)
    seed_devices(session, now)
    result = seed_citybrain(session, district, now)
    segments = list(session.scalars(select(RoadSegment).order_by(RoadSegment.code)))
    assert result["segments"] == len(segments) >= 4
    first = segments[0].detector_codes[0]
    oldest = session.scalar(select(func.min(DeviceReading.ts))
                            .where(DeviceReading.key == "vehicle_count"))
    assert oldest is not None and now - oldest >= timedelta(days=HISTORY_DAYS)
    assert result["readings"] >= len(segments) * (HISTORY_DAYS - 1) * 288
    # Every detector still reporting has a level now and a forecast; the quiet one has none.
    live = [s for s in segments if s.detector_codes != ["DEMO-TD-08"]]
    assert all(s.level_now != "unknown" and s.level_next != "unknown" for s in live)
    assert {s.level_now for s in segments} - {"unknown"}
    assert seed_citybrain(session, district, now)["segments"] == 0  # idempotent

    official = session.get(User, district.street_official_id)
    assert official is not None
    factories.login_cookie(client, session, official, now)
    r = client.get(f"/citybrain?detector={first}")
    assert r.status_code == 200
    assert 'data-plot="cb-map"' in r.text and 'data-plot="cb-chart"' in r.text
    assert f"{first} · 平均绝对误差" in r.text
