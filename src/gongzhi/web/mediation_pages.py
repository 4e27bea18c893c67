"""Mediator caseload, dispute page and the street's mediation board."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
