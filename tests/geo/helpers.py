"""GeoJSON builders for the geo tests (the street drawn in conftest.py)."""

from __future__ import annotations

from typing import Any


def square(lng: float, lat: float, size: float = 0.01) -> dict[str, Any]:
    """A GeoJSON Polygon with its south-west corner at (lng, lat)."""
    # Rounded so neighbours share their edge exactly (120.10 + 0.01 is not 120.11 in floats).
    east, north = round(lng + size, 9), round(lat + size, 9)
    ring = [[lng, lat], [east, lat], [east, north], [lng, north], [lng, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


GRIDS = {
    "G1": ("C1", 120.10, 30.25),
    "G2": ("C1", 120.11, 30.25),
    "G3": ("C2", 120.10, 30.26),
    "G4": ("C2", 120.11, 30.26),
}


def feature(
    code: str, level: str, parent: str | None, geometry: dict[str, Any] | None = None, **props: Any
) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {
            "code": code,
            "name": props.pop("name", f"区域{code}"),
            "level": level,
            "parent": parent,
            **props,
        },
        "geometry": geometry,
    }


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def street_file() -> dict[str, Any]:
    """The same street as `tree`, children listed before their parents."""
    grids = [feature(code, "grid", parent, square(lng, lat)) for code, (parent, lng, lat) in GRIDS.items()]
    return collection(
        *grids,
        feature("C1", "community", "S", households=1200),
        feature("C2", "village", "S"),
        feature("S", "street", "D", name_en="Beishan Street"),
        feature("D", "district", None),
    )
