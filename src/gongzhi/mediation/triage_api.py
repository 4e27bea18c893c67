"""POST /api/v1/mediation/triage: dispute type and risk tier from text."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
