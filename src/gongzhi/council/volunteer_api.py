"""Volunteer teams, patrol shifts and patrol reports."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
