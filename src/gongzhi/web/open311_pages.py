"""Admin page for Open311 client applications: issue a key (shown once), see use, revoke."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gongzhi.auth.models import User
from gongzhi.errors import AppError, Forbidden
from gongzhi.http import SessionDep, get_lang
from gongzhi.i18n import register, translate
from gongzhi.open311 import service
from gongzhi.open311.models import Open311Request
from gongzhi.web import xlsx
from gongzhi.web.pages import FormFields, PageUser
from gongzhi.web.render import now_of, redirect, render, set_flash

router = APIRouter(include_in_schema=False)

register(
    {
        "web.o311.title": ("Open311 客户端应用", "Open311 client applications"),
        "web.o311.intro": (
            "其他系统和应用通过 Open311 GeoReport v2 接口（/open311/v2）提交和查询居民上报。"
            "每个客户端应用使用自己的 API key；key 只显示一次，系统只保存其哈希。",
            "Other systems and apps file and read residents' reports through Open311 GeoReport v2 "
            "(/open311/v2). Each client application has its own API key; it is shown once and only its "
            "hash is stored.",
        ),
        "web.o311.col.name": ("名称", "Name"),
        "web.o311.col.prefix": ("key 前缀", "Key prefix"),
        "web.o311.col.limit": ("每小时限额", "Per hour"),
        "web.o311.col.day": ("近 24 小时", "Last 24 h"),
        "web.o311.col.total": ("累计提交", "Filed"),
        "web.o311.col.last_used": ("最近使用", "Last used"),
        "web.o311.col.status": ("状态", "Status"),
        "web.o311.unlimited": ("不限", "No limit"),
        "web.o311.active": ("有效", "Active"),
        "web.o311.revoked": ("已吊销", "Revoked"),
        "web.o311.revoke": ("吊销", "Revoke"),
        "web.o311.revoke_confirm": (
            "吊销后该应用将无法再提交请求，确定吗？",
            "The app will no longer be able to file requests. Revoke?",
        ),
        "web.o311.none": ("还没有客户端应用", "No client applications yet"),
        "web.o311.add": ("发放新的 API key", "Issue a new API key"),
        "web.o311.name": ("应用名称", "Application name"),
        "web.o311.contact": ("联系人（可选）", "Contact (optional)"),
        "web.o311.limit": ("每小时最多提交（0 为不限）", "Requests per hour (0 = no limit)"),
        "web.o311.submit": ("发放", "Issue"),
        "web.o311.new_key": (
            "已为“{name}”发放 API key。它只显示这一次，请立即复制并交给对方：",
            "An API key was issued for “{name}”. It is shown only this once; copy it now:",
        ),
        "web.o311.limit_invalid": (
            "限额须为 0 到 100000 的整数",
            "The limit must be a whole number from 0 to 100000",
        ),
        "web.flash.open311_revoked": ("已吊销“{name}”的 API key", "Revoked the API key of “{name}”"),
    }
)


def _admin(user: User) -> None:
    if user.role != "admin":
        raise Forbidden("forbidden")


def _client_rows(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Every client with its request counts (all time, last 24 hours): the page's table and its export."""
    clients = service.list_clients(session)
    since = now - timedelta(hours=24)
    totals = dict(
        session.execute(
            select(Open311Request.client_id, func.count()).group_by(Open311Request.client_id)
        ).all()
    )
    recent = dict(
        session.execute(
            select(Open311Request.client_id, func.count())
            .where(Open311Request.created_at > since)
            .group_by(Open311Request.client_id)
        ).all()
    )
    return [{"client": c, "total": totals.get(c.id, 0), "day": recent.get(c.id, 0)} for c in clients]


def _page(request: Request, session: Session, *, status_code: int = 200, **extra: Any) -> Response:
    rows = _client_rows(session, now_of(request))
    context = {"rows": rows, "form": {}, "error": None, "new_key": None, "new_name": "",
               "export_url": "/admin/open311?format=xlsx"} | extra
    return render(request, "open311/clients.html", context, status_code=status_code)


@router.get("/admin/open311")
def clients_page(request: Request, session: SessionDep, user: PageUser, format: str = "") -> Response:
    _admin(user)
    if xlsx.wants_xlsx(format):
        lang = get_lang(request)
        now = now_of(request)
        return xlsx.xlsx_response(request, user, name="open311-clients", title_key="xlsx.title.open311", now=now,
                                  columns=[
            xlsx.Column("xlsx.col.name", 20), xlsx.Column("xlsx.col.contact", 20), xlsx.Column("web.o311.col.prefix", 12),
            xlsx.Column("web.o311.col.limit", 10), xlsx.Column("web.o311.col.day", 10),
            xlsx.Column("web.o311.col.total", 10), xlsx.Column("web.o311.col.last_used", 17),
            xlsx.Column("web.o311.col.status", 8)], rows=[
            [r["client"].name, r["client"].contact, r["client"].key_prefix, r["client"].rate_limit_per_hour or
             translate("web.o311.unlimited", lang), r["day"], r["total"], r["client"].last_used_at,
             translate("web.o311.revoked" if r["client"].revoked_at else "web.o311.active", lang)]
            for r in _client_rows(session, now)])
    return _page(request, session)


@router.post("/admin/open311/keys")
def issue_key(request: Request, session: SessionDep, user: PageUser, form: FormFields) -> Response:
    _admin(user)
    lang = get_lang(request)
    raw_limit = form.get("limit", "600").strip() or "600"
    if not raw_limit.isdigit() or int(raw_limit) > 100_000:
        return _page(
            request, session, status_code=422, form=form, error=translate("web.o311.limit_invalid", lang)
        )
    try:
        with session.begin_nested():
            issued = service.add_client(
                session,
                name=form.get("name", ""),
                contact=form.get("contact", ""),
                rate_limit_per_hour=int(raw_limit),
                now=now_of(request),
                actor_name=user.display_name or user.username,
            )
    except AppError as exc:
        return _page(
            request,
            session,
            status_code=exc.status_code,
            form=form,
            error=translate(exc.code, lang, **exc.params),
        )
    # Shown on this answer only (never in a redirect, a cookie or a log).
    return _page(request, session, new_key=issued.key, new_name=issued.client.name)


@router.post("/admin/open311/keys/{client_id}/revoke")
def revoke_key(request: Request, session: SessionDep, user: PageUser, client_id: int) -> Response:
    _admin(user)
    client = service.revoke_client(
        session, client_id=client_id, now=now_of(request), actor_name=user.display_name or user.username
    )
    response = redirect("/admin/open311")
    set_flash(response, "web.flash.open311_revoked", name=client.name)
    return response
