"""FastAPI dependencies: who is calling, and may they.

Credentials, in order: an `Authorization: Bearer <token>` header (API clients), else the
`gz_session` cookie (the browser). A cookie is sent by the browser on cross-site requests
too, so every unsafe request authenticated by it must carry the session's CSRF token in
the `X-CSRF-Token` header or a `csrf_token` form field. Bearer tokens are never sent
automatically and need no CSRF token.

After a successful check `request.state` holds `user`, `auth_kind` ("bearer" | "cookie"),
`auth_token` (the raw credential, for logout) and `csrf_token` (the session's, or None)
so templates can put it in their forms.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from gongzhi.auth import service
from gongzhi.auth.models import ROLES, User
from gongzhi.config import Settings
from gongzhi.errors import Forbidden, Unauthorized
from gongzhi.http import SAFE_METHODS, NowDep, SessionDep

SESSION_COOKIE = "gz_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@dataclass(frozen=True)
class Credentials:
    """What the request presented, resolved against the database (None user: invalid)."""

    kind: str  # "bearer" | "cookie" | "none"
    token: str
    user: User | None
    csrf_token: str | None = None


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


def resolve_credentials(request: Request, session: SessionDep, now: NowDep) -> Credentials:
    """Sync part (runs in the thread pool): look the credential up. Writes nothing."""
    return credentials_for(request, session, now)


def credentials_for(request: Request, session: Session, now: datetime) -> Credentials:
    """The credential the request presents, looked up in `session`."""
    settings: Settings = request.app.state.settings
    token = _bearer(request)
    if token is not None:
        user = service.user_for_token(session, token, now, settings=settings)
        return Credentials("bearer", token, user)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        found = service.session_user(session, cookie, now, settings=settings)
        if found is None:
            return Credentials("cookie", cookie, None)
        user, web_session = found
        return Credentials("cookie", cookie, user, web_session.csrf_token)
    return Credentials("none", "", None)


async def _check_csrf(request: Request, expected: str) -> None:
    if request.method in SAFE_METHODS:
        return
    given = request.headers.get(CSRF_HEADER)
    if not given:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type in _FORM_TYPES:
            # Starlette caches the parsed form, so the route can still read it.
            form = await request.form()
            field = form.get(CSRF_FIELD)
            given = field if isinstance(field, str) else None
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise Forbidden("csrf_failed")


async def _authenticated(request: Request, creds: Credentials) -> User | None:
    if creds.user is None:
        return None
    if creds.kind == "cookie" and creds.csrf_token is not None:
        await _check_csrf(request, creds.csrf_token)
    _remember(request, creds)
    return creds.user


def authenticate(request: Request, session: Session, now: datetime) -> User:
    """current_user for a route that runs its whole transaction in one thread-pool hop (a JSON API
    route: a cookie caller's CSRF token must come in the header, as the pages' scripts send it)."""
    creds = credentials_for(request, session, now)
    if creds.user is None:
        raise Unauthorized("unauthorized" if creds.kind == "none" else "token_invalid")
    if creds.kind == "cookie" and creds.csrf_token is not None and request.method not in SAFE_METHODS:
        given = request.headers.get(CSRF_HEADER) or ""
        if not given or not hmac.compare_digest(given.encode(), creds.csrf_token.encode()):
            raise Forbidden("csrf_failed")
    _remember(request, creds)
    return creds.user


def _remember(request: Request, creds: Credentials) -> None:
    request.state.user = creds.user
    request.state.auth_kind = creds.kind
    request.state.auth_token = creds.token
    request.state.csrf_token = creds.csrf_token


async def current_user(request: Request, creds: Annotated[Credentials, Depends(resolve_credentials)]) -> User:
    """The caller; 401 without valid credentials, 403 `csrf_failed` for a cookie POST without the token."""
    user = await _authenticated(request, creds)
    if user is None:
        raise Unauthorized("unauthorized" if creds.kind == "none" else "token_invalid")
    return user


async def optional_user(
    request: Request, creds: Annotated[Credentials, Depends(resolve_credentials)]
) -> User | None:
    """The caller or None (anonymous, expired). A valid cookie on an unsafe request still needs CSRF."""
    user = await _authenticated(request, creds)
    if user is None:
        request.state.user = None
        request.state.csrf_token = None
    return user


CurrentUser = Annotated[User, Depends(current_user)]
OptionalUser = Annotated[User | None, Depends(optional_user)]


def require_roles(*roles: str) -> Callable[..., Awaitable[User]]:
    """Dependency: the caller, who must have one of `roles` (403 `forbidden` otherwise).

    Use as `user: Annotated[User, Depends(require_roles("admin", "official"))]`.
    """
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    if not roles:
        raise ValueError("require_roles needs at least one role")
    allowed = frozenset(roles)

    async def dependency(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise Forbidden("forbidden")
        return user

    return dependency
