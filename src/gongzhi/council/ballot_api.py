"""Owners' ballots under Civil Code art. 278."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
