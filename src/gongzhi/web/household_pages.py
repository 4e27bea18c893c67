"""`/households`: the household register of the viewer's area with filters, Excel export of the
current filters (masked by role) and Excel import (all or nothing, every bad row listed)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.analytics import households as hh
from gongzhi.auth.models import User
from gongzhi.auth.scope import subtree_condition
from gongzhi.errors import AppError, Invalid
from gongzhi.geo.models import Area
from gongzhi.http import SessionDep, get_lang
from gongzhi.i18n import translate
from gongzhi.web.eldercare_pages import MAX_UPLOAD, Upload
from gongzhi.web.pages import PageUser
from gongzhi.web.render import now_of, redirect, render, set_flash
from gongzhi.web.views import area_name

router = APIRouter(include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE = 200


def _context(request: Request, session: Session, user: User, grid: str, q: str) -> dict[str, Any]:
    lang = get_lang(request)
    flt = hh.HouseholdFilter(grid_code=grid, q=q)
    total, rows = hh.list_households(session, user, flt, limit=PAGE)
    people = hh.residents_of(session, [h.id for h in rows])
    path = hh.register_path(session, user)
    grids = [{"code": a.code, "name": area_name(a, lang)} for a in session.scalars(
        select(Area).where(subtree_condition(path), Area.level == "grid").order_by(Area.code))]
    query = "&".join(f"{k}={v}" for k, v in (("grid", grid), ("q", q)) if v)
    return {"total": total, "rows": [hh.household_view(session, user, h, people.get(h.id, [])) for h in rows],
            "grids": grids, "grid": grid, "q": q, "export_url": "/households.xlsx" + (f"?{query}" if query else ""),
            "import_errors": [], "import_error": ""}


@router.get("/households")
def household_list(request: Request, session: SessionDep, user: PageUser, grid: str = "", q: str = "") -> Response:
    return render(request, "households/list.html", _context(request, session, user, grid[:32], q[:100]))


@router.get("/households.xlsx")
def household_export(request: Request, session: SessionDep, user: PageUser, grid: str = "", q: str = "") -> Response:
    data = hh.export_xlsx(session, viewer=user, flt=hh.HouseholdFilter(grid_code=grid[:32], q=q[:100]),
                          now=now_of(request))
    return Response(data, media_type=XLSX, headers={
        "Content-Disposition": 'attachment; filename="households.xlsx"', "Cache-Control": "no-store"})


@router.get("/households/template.xlsx")
def household_template(session: SessionDep, user: PageUser) -> Response:
    hh.register_path(session, user)
    return Response(hh.template_xlsx(), media_type=XLSX, headers={
        "Content-Disposition": 'attachment; filename="households-template.xlsx"'})


@router.post("/households/import")
def household_import(request: Request, session: SessionDep, user: PageUser, data: Upload) -> Response:
    lang = get_lang(request)
    problems: list[str] = []
    try:
        if not data or len(data) > MAX_UPLOAD:
            raise Invalid("household_import_not_xlsx", detail="empty or larger than 10 MB")
        with session.begin_nested():
            report = hh.import_xlsx(session, actor=user, data=data, now=now_of(request), lang=lang)
    except hh.ImportRejected as exc:
        problems = [translate("household_row", lang, row=r.row, message=r.message) for r in exc.rows[:200]]
        status, error = exc.status_code, translate(exc.code, lang, **exc.params)
    except AppError as exc:
        if exc.status_code == 403:
            raise
        status, error = exc.status_code, translate(exc.code, lang, **exc.params)
    else:
        response = redirect("/households")
        set_flash(response, "web.flash.households_imported", count=report.created)
        return response
    ctx = _context(request, session, user, "", "") | {"import_errors": problems, "import_error": error}
    return render(request, "households/list.html", ctx, status_code=status)
