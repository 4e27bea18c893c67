"""Disputes, matching, mediation records and the risk registry."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
