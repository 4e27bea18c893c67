"""WGS84 ⇄ GCJ-02."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from gongzhi.geo.coords import gcj02_to_wgs84, out_of_china, wgs84_to_gcj02

# Mainland China, well inside the box the shift applies to.
china_lng = st.floats(min_value=73.7, max_value=134.7, allow_nan=False)
china_lat = st.floats(min_value=18.2, max_value=53.5, allow_nan=False)


@settings(max_examples=500, deadline=None)
@given(lng=china_lng, lat=china_lat)
def test_round_trip_within_a_millionth_of_a_degree(lng: float, lat: float) -> None:
    g_lng, g_lat = wgs84_to_gcj02(lng, lat)
    w_lng, w_lat = gcj02_to_wgs84(g_lng, g_lat)
    assert abs(w_lng - lng) < 1e-6
    assert abs(w_lat - lat) < 1e-6


@settings(max_examples=200, deadline=None)
@given(lng=china_lng, lat=china_lat)
def test_the_shift_in_china_is_real_and_bounded(lng: float, lat: float) -> None:
    # GCJ-02 moves points by tens to hundreds of metres: never zero, never kilometres.
    g_lng, g_lat = wgs84_to_gcj02(lng, lat)
    shift = math.hypot(g_lng - lng, g_lat - lat)
    assert 1e-5 < shift < 0.02


def test_tiananmen_known_pair() -> None:
    g_lng, g_lat = wgs84_to_gcj02(116.391275, 39.907499)
    assert abs(g_lng - 116.397524) < 1e-4
    assert abs(g_lat - 39.908915) < 1e-4
    w_lng, w_lat = gcj02_to_wgs84(g_lng, g_lat)
    assert abs(w_lng - 116.391275) < 1e-7
    assert abs(w_lat - 39.907499) < 1e-7


def test_no_shift_outside_china() -> None:
    for lng, lat in [(-0.1276, 51.5072), (139.6917, 35.6895), (-74.006, 40.7128), (151.2093, -33.8688)]:
        assert out_of_china(lng, lat)
        assert wgs84_to_gcj02(lng, lat) == (lng, lat)
        assert gcj02_to_wgs84(lng, lat) == (lng, lat)
    assert not out_of_china(116.39, 39.9)
