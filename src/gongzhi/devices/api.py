"""ThingsBoard-compatible device telemetry ingestion and the device registry."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
