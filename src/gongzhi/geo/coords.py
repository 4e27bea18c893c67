"""WGS84 ⇄ GCJ-02 (the "Mars" datum every map app in mainland China uses).

Phones and devices report GPS (WGS84); Gaode/Tencent maps and most mini-programs hand out
GCJ-02. The database stores WGS84 only, so anything arriving in GCJ-02 is converted here.
The forward transform is the widely published one (Krasovsky 1940 ellipsoid); there is no
closed-form inverse, so gcj02_to_wgs84 iterates the forward transform to a fixed point.
All functions take and return (lng, lat), GeoJSON order.
"""

from __future__ import annotations

import math

# Krasovsky 1940 ellipsoid: semi-major axis and first eccentricity squared.
_A = 6378245.0
_EE = 0.00669342162296594323

# The forward shift is a contraction with slope ~1e-5, so a handful of steps reach 1e-7.
_INVERSE_TOLERANCE = 1e-7
_INVERSE_MAX_STEPS = 30


def out_of_china(lng: float, lat: float) -> bool:
    """The rough mainland bounding box the GCJ-02 shift applies to (as every implementation uses)."""
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _shift_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _shift_lng(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _offset(lng: float, lat: float) -> tuple[float, float]:
    """The GCJ-02 shift (dlng, dlat) in degrees at a WGS84 point."""
    dlat = _shift_lat(lng - 105.0, lat - 35.0)
    dlng = _shift_lng(lng - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = math.sin(radlat)
    magic = 1 - _EE * magic * magic
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlng = (dlng * 180.0) / (_A / sqrtmagic * math.cos(radlat) * math.pi)
    return dlng, dlat


def wgs84_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    if out_of_china(lng, lat):
        return lng, lat
    dlng, dlat = _offset(lng, lat)
    return lng + dlng, lat + dlat


def gcj02_to_wgs84(lng: float, lat: float) -> tuple[float, float]:
    """Inverse by fixed-point iteration: find w with wgs84_to_gcj02(w) == (lng, lat)."""
    if out_of_china(lng, lat):
        return lng, lat
    w_lng, w_lat = lng, lat
    for _ in range(_INVERSE_MAX_STEPS):
        g_lng, g_lat = wgs84_to_gcj02(w_lng, w_lat)
        err_lng, err_lat = g_lng - lng, g_lat - lat
        w_lng -= err_lng
        w_lat -= err_lat
        if abs(err_lng) < _INVERSE_TOLERANCE and abs(err_lat) < _INVERSE_TOLERANCE:
            break
    return w_lng, w_lat
