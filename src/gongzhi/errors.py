"""Errors the services raise; the web layer turns them into {"error": {code, message}} in the caller's language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class AppError(Exception):
    """A rule said no. `code` is stable for clients and is also the i18n message key."""

    status_code = 400

    # Positional-only: a message parameter may itself be called `code` (e.g. an unknown category code).
    def __init__(self, code: str, /, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class NotFound(AppError):
    status_code = 404


class Forbidden(AppError):
    status_code = 403


class Unauthorized(AppError):
    status_code = 401


class Conflict(AppError):
    """Illegal state transition, duplicate key, stale action."""

    status_code = 409


class Invalid(AppError):
    status_code = 422


@dataclass(frozen=True)
class RowError:
    row: int  # spreadsheet row number (the header is row 1)
    message: str  # already in the caller's language


class ImportRejected(Invalid):
    """An all-or-nothing import wrote nothing; `rows` lists every bad row (`code` counts them)."""

    def __init__(self, code: str, rows: list[RowError]) -> None:
        super().__init__(code, count=len(rows))
        self.rows = rows


class TooManyRequests(AppError):
    status_code = 429
