"""Elders, wearables, NEWS2 and alarms."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
