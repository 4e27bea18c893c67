"""Helpers that round 1 had written twice, now one each: escalation supervisors, name masking,
great-circle distance, datetime-local fields."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tests.cases.conftest import World
from tests.factories import area_by_code

from gongzhi.auth import pii
from gongzhi.auth import service as accounts
from gongzhi.cases.reports import distance_m
from gongzhi.cases.views import case_detail
from gongzhi.mediation.matching import distance_km
from gongzhi.web.views import parse_local_datetime


def test_supervisors_above_climb_until_someone_is_found(world: World) -> None:
    g1 = area_by_code(world.session, "G1")
    assert accounts.supervisors_above(world.session, g1, start_level=1) == [world.official_c1]
    assert accounts.supervisors_above(world.session, g1, start_level=2) == [world.official_s1]
    assert accounts.supervisors_above(world.session, g1, start_level=9) == [world.admin]  # past the top: the top's
    world.official_c1.is_active = False
    world.session.flush()
    assert accounts.supervisors_above(world.session, g1, start_level=1) == [world.official_s1]


def test_reporter_name_masked_like_every_other_name(world: World) -> None:
    case = world.report(by=world.worker_g1, reporter_name="王小明", reporter_phone="13812345678")
    seen = case_detail(world.session, case, world.official_c1, world.now, "zh")
    assert seen.reporter_name == pii.mask_name("王小明") == "王*明"
    assert seen.reporter_phone == "138****5678"


def test_one_great_circle_distance() -> None:
    # 宝石路 to 西湖 (about 2.6 km); mediator matching and nearby reports agree to the metre.
    a, b = (30.2741, 120.1551), (30.2500, 120.1400)
    assert distance_km(*a, *b) * 1000 == pytest.approx(distance_m(*a, *b), abs=1e-6)
    assert 2.5 < distance_km(*a, *b) < 3.2
    assert distance_km(None, 120.0, 30.0, 120.0) == 0.0


def test_datetime_local_fields_read_as_beijing_time() -> None:
    assert parse_local_datetime("2026-12-01T19:00") == datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
    # An explicit offset is kept, not overwritten with Beijing time.
    assert parse_local_datetime("2026-12-01T19:00+00:00") == datetime(2026, 12, 1, 19, 0, tzinfo=UTC)
    assert parse_local_datetime("明天晚上") is None and parse_local_datetime("") is None
