"""HTTP routes for logins, tokens and accounts (thin: an auth dependency plus a service call).

Phones and ID numbers of other people are always masked here; only the owner sees their own.
Unmasked reads belong to routes that also write the data-access log (audit module).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from gongzhi.auth import service
from gongzhi.auth.deps import SESSION_COOKIE, CurrentUser, require_roles
from gongzhi.auth.models import User
from gongzhi.auth.schemas import LoginIn, TokenOut, UserCreate, UserOut
from gongzhi.config import Settings
from gongzhi.errors import AppError, Invalid
from gongzhi.http import LangDep, NowDep, SessionDep
from gongzhi.i18n import translate

router = APIRouter(prefix="/api/v1", tags=["auth"])

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_LOGIN_SCHEMA = LoginIn.model_json_schema()
_LOGIN_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _LOGIN_SCHEMA},
            "application/x-www-form-urlencoded": {"schema": _LOGIN_SCHEMA},
        },
    }
}

Admin = Annotated[User, Depends(require_roles("admin"))]
Supervisor = Annotated[User, Depends(require_roles("admin", "official"))]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _error_response(exc: AppError, lang: str) -> JSONResponse:
    body = {"error": {"code": exc.code, "message": translate(exc.code, lang, **exc.params)}}
    response = JSONResponse(body, status_code=exc.status_code)
    if exc.code == "login_locked":
        response.headers["Retry-After"] = str(int(exc.params.get("minutes", 1)) * 60)
    return response


async def login_credentials(request: Request) -> LoginIn:
    """Username and password from a JSON body or an OAuth2 password-style form."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if content_type in _FORM_TYPES:
            form = await request.form()
            data: Any = {k: v for k, v in form.items() if isinstance(v, str)}
        else:
            data = await request.json()
        return LoginIn.model_validate(data)
    except ValidationError as exc:
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" if e["loc"] else e["msg"]
            for e in exc.errors()[:5]
        )
        raise Invalid("validation_error", detail=detail) from None
    except ValueError:
        raise Invalid("validation_error", detail="username, password") from None


@router.post(
    "/auth/token",
    response_model=TokenOut,
    summary="登录并获取访问令牌 Log in and get a bearer token",
    openapi_extra=_LOGIN_BODY,
    responses={401: {"description": "Wrong username or password"}, 429: {"description": "Locked"}},
)
def create_token(
    request: Request,
    creds: Annotated[LoginIn, Depends(login_credentials)],
    session: SessionDep,
    now: NowDep,
    lang: LangDep,
) -> TokenOut | JSONResponse:
    settings = _settings(request)
    try:
        user = service.authenticate(session, creds.username, creds.password, now, settings=settings)
    except AppError as exc:
        # Return instead of raising: the failed attempt must commit with this request,
        # or the lock-out would never trigger.
        return _error_response(exc, lang)
    issued = service.issue_token_record(session, user, now, name="api login", settings=settings)
    return TokenOut(access_token=issued.token, expires_at=issued.record.expires_at)


@router.get("/auth/me", response_model=UserOut, summary="当前用户 The caller's account")
def me(user: CurrentUser, session: SessionDep) -> UserOut:
    codes = service.area_code_map(session, {user.area_id} if user.area_id else set())
    return UserOut.of(user, area_code=codes.get(user.area_id or 0), masked=False)


@router.post("/auth/logout", status_code=204, summary="退出登录 Revoke the token or end the session")
def logout(request: Request, user: CurrentUser, session: SessionDep, now: NowDep) -> Response:
    settings = _settings(request)
    token: str = request.state.auth_token
    response = Response(status_code=204)
    if request.state.auth_kind == "bearer":
        service.revoke_token(session, token, now, settings=settings)
    else:
        service.end_web_session(session, token, now, settings=settings)
        response.delete_cookie(SESSION_COOKIE)
    return response


def _out(session: Session, users: list[User], viewer: User) -> list[UserOut]:
    codes = service.area_code_map(session, {u.area_id for u in users if u.area_id})
    return [UserOut.of(u, area_code=codes.get(u.area_id or 0), masked=u.id != viewer.id) for u in users]


@router.get("/users", response_model=list[UserOut], summary="辖区内账号 Accounts in the caller's area")
def list_users(
    viewer: Supervisor,
    session: SessionDep,
    role: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[UserOut]:
    return _out(session, service.list_users(session, viewer, role=role, limit=limit, offset=offset), viewer)


@router.post("/users", response_model=UserOut, status_code=201, summary="创建账号 Create an account")
def create_user(body: UserCreate, viewer: Admin, session: SessionDep, now: NowDep) -> UserOut:
    service.ensure_area_in_scope(session, viewer, body.area_code)
    user = service.create_user(session, now=now, **body.model_dump())
    return _out(session, [user], viewer)[0]


@router.get("/users/{user_id}", response_model=UserOut, summary="查看账号 One account")
def get_user(
    user_id: Annotated[int, Path(ge=1, le=2_147_483_647)], viewer: CurrentUser, session: SessionDep
) -> UserOut:
    return _out(session, [service.visible_user(session, viewer, user_id)], viewer)[0]
