"""Open311 GeoReport v2 under /open311/v2 (XML and JSON)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
