"""HTTP routes (thin: an auth dependency plus a service call)."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1")
