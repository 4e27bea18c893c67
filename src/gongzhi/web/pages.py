"""Server-rendered pages: login, the work queue, case pages, the report form, the grid map.

Every page works without JavaScript (the map and ticking countdowns aside). Forms post with
the session's CSRF token (checked by auth.deps) and redirect after success (PRG) with a
one-shot flash message; a refused action re-renders the page with the reason and the
service's status code. Pages never send JSON errors: app.state.page_error_handler renders
them, and a 401 becomes a redirect to /login?next=….
"""

from __future__ import annotations

import gzip
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import plotly
from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from starlette.types import Scope

from gongzhi.auth import service as accounts
from gongzhi.auth.deps import SESSION_COOKIE, CurrentUser, OptionalUser
from gongzhi.auth.models import Unit, User
from gongzhi.cases import media as case_media
from gongzhi.cases import reports
from gongzhi.cases import service as cases
from gongzhi.cases import views as case_views
from gongzhi.cases.models import OPEN_STATUSES, Case
from gongzhi.cases.views import case_detail
from gongzhi.config import Settings
from gongzhi.eldercare import service as eldercare
from gongzhi.errors import AppError, Forbidden, NotFound
from gongzhi.geo import service as geo
from gongzhi.http import SessionDep, get_lang
from gongzhi.i18n import LANGUAGES, translate
from gongzhi.mediation import service as mediation
from gongzhi.web import mapfig, xlsx
from gongzhi.web.render import (
    LANG_COOKIE,
    MAP_ROLES,
    STATIC_DIR,
    Viewer,
    countdown_text,
    home_for,
    now_of,
    redirect,
    render,
    safe_next,
    set_flash,
)
from gongzhi.web.views import (
    CaseRow,
    answer_rows,
    area_name,
    case_rows,
    parse_case_ref,
    plain_timeline,
    queue_order,
)

LOGIN_CSRF_COOKIE = "gz_login_csrf"
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
PLOTLY_URL = f"/static/vendor/plotly.min.js?v={plotly.__version__}"
QUEUE_LIMIT = 200
MAP_POINT_LIMIT = 2000
# Actions shown open on the case page; the rest sit in <details> so a phone screen stays short.
PRIMARY_ACTIONS = ("accept", "start", "resolve", "rate", "dispatch")
# What the note field says per action (none: no field). Service rules decide what is required.
NOTE_RULE = {
    "dispatch": "web.case.note_optional",
    "accept": "web.case.note_optional",
    "start": "web.case.note_optional",
    "resolve": "web.case.resolution_note",
    "close": "web.case.note_optional",
    "rate": "web.case.note_optional",
    "reject": "web.case.reason",
    "return": "web.case.reason",
    "duplicate": "web.case.note_optional",
    "reopen": "web.case.reason",
    "escalate": "web.case.note_optional",
    "comment": "web.case.note",
}
YEAR = 365 * 24 * 3600

router = APIRouter(include_in_schema=False)


async def form_fields(request: Request) -> dict[str, str]:
    """The posted form as plain strings (files ignored); lets sync routes read dynamic field names."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


FormFields = Annotated[dict[str, str], Depends(form_fields)]


async def page_user(request: Request, user: CurrentUser) -> User:
    request.state.viewer = Viewer.of(user)
    return user


async def optional_page_user(request: Request, user: OptionalUser) -> User | None:
    request.state.viewer = Viewer.of(user) if user is not None else None
    return user


# Pages use these instead of auth.deps' directly: same checks (401, CSRF), plus the layout's copy.
PageUser = Annotated[User, Depends(page_user)]
MaybePageUser = Annotated[User | None, Depends(optional_page_user)]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# ---------------------------------------------------------------- home, language


@router.get("/")
def home(request: Request, user: MaybePageUser) -> Response:
    if user is None:
        return redirect("/login")
    return redirect(home_for(user))


@router.get("/lang/{code}")
def switch_language(code: str, next: str = "/") -> Response:
    response = redirect(safe_next(next))
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=YEAR, samesite="lax", path="/")
    return response


# ---------------------------------------------------------------- login / logout


def _login_page(request: Request, *, username: str = "", next_url: str = "/", status_code: int = 200,
                error: str | None = None) -> Response:
    # Login CSRF: a double-submit token, since there is no session yet to hold one.
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = render(request, "login.html", {
        "username": username, "next": next_url, "login_csrf": token, "errors": [error] if error else [],
    }, status_code=status_code, anonymous=True)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="lax", path="/login",
                        secure=_settings(request).cookie_secure)
    return response


@router.get("/login")
def login_form(request: Request, user: MaybePageUser, next: str = "/") -> Response:
    if user is not None:
        return redirect(safe_next(next, home_for(user)))
    return _login_page(request, next_url=safe_next(next))


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    login_csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    # No Form(max_length=...): a violation would answer with JSON, not the page.
    lang = get_lang(request)
    username = username[:200]
    next_url = safe_next(next[:2000])
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected.encode(), login_csrf.encode()):
        return _login_page(request, username=username, next_url=next_url, status_code=403,
                           error=translate("csrf_failed", lang))
    settings = _settings(request)
    now = now_of(request)
    try:
        user = accounts.authenticate(session, username, password, now, settings=settings)
    except AppError as exc:
        # Returned, not raised: the request transaction must commit the recorded failure (lock-out).
        return _login_page(request, username=username, next_url=next_url, status_code=exc.status_code,
                           error=translate(exc.code, lang, **exc.params))
    cookie_token, _csrf = accounts.start_web_session(session, user, now, settings=settings)
    response = redirect(next_url if next_url != "/" else home_for(user))
    response.set_cookie(SESSION_COOKIE, cookie_token, max_age=settings.session_hours * 3600, httponly=True,
                        samesite="lax", secure=settings.cookie_secure, path="/")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    if LANG_COOKIE not in request.cookies and user.language in LANGUAGES and user.language != lang:
        response.set_cookie(LANG_COOKIE, user.language, max_age=YEAR, samesite="lax", path="/")
    set_flash(response, "web.flash.welcome", name=user.display_name or user.username)
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, user: PageUser) -> Response:
    token = getattr(request.state, "auth_token", "") or request.cookies.get(SESSION_COOKIE, "")
    accounts.end_web_session(session, token, now_of(request), settings=_settings(request))
    response = redirect("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    set_flash(response, "web.flash.logged_out")
    return response


# ---------------------------------------------------------------- lists


@router.get("/queue")
def queue(request: Request, session: SessionDep, user: PageUser, status: str = "", format: str = "") -> Response:
    if user.role == "resident":
        return redirect("/my")
    lang = get_lang(request)
    now = now_of(request)
    chosen = status if status in OPEN_STATUSES else ""
    export = xlsx.wants_xlsx(format)
    # The page and its export: one query, the same filter and scope; the export lifts the page limit.
    items, total = _queue_cases(session, user, chosen, limit=QUEUE_LIMIT if not export else None)
    rows = queue_order(case_rows(session, items, now, lang))
    if export:
        by_id = {c.id: c for c in items}
        return xlsx.xlsx_response(
            request, user, name="queue", title_key="xlsx.title.queue", columns=CASE_EXPORT_COLUMNS,
            rows=[_case_export_row(by_id[r.id], r, user, lang) for r in rows], now=now,
            filters=[(translate("xlsx.filter.status", lang), translate(f"case_status.{chosen}", lang) if chosen else "")])
    return render(request, "queue.html", {
        "rows": rows, "total": total, "status": chosen, "statuses": OPEN_STATUSES,
        "overdue_count": sum(1 for r in rows if r.overdue), "export_url": xlsx.export_url(request),
    })


def _queue_cases(session: Session, user: User, status: str, *, limit: int | None) -> tuple[list[Case], int]:
    """Open cases in the user's scope (one status or all open), nearest deadline first."""
    statuses = [status] if status else None
    if limit is None:  # the export: everything that matches, up to the workbook's row limit
        _none, total = cases.list_cases(session, user, statuses=statuses, open_only=True, limit=0)
        xlsx.check_size(total)
        limit = total
    return cases.list_cases(session, user, statuses=statuses, open_only=True, order="due", limit=limit)


def _my_cases(session: Session, user: User, *, limit: int | None) -> list[Case]:
    """The resident's reports; for staff, the cases in scope they reported or are assigned (newest first).

    Filtered in the query, not after it: an official's scope may hold far more cases than the page shows."""
    stmt = cases.scoped_cases(session, user)
    if user.role != "resident":
        stmt = stmt.where(or_(Case.reporter_id == user.id, Case.assignee_id == user.id))
    if limit is None:  # the export: everything that matches, up to the workbook's row limit
        total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        xlsx.check_size(total)
        limit = total
    return list(session.scalars(stmt.order_by(Case.created_at.desc(), Case.id.desc()).limit(limit)))


CASE_EXPORT_COLUMNS = [
    xlsx.Column("xlsx.col.number", 18), xlsx.Column("xlsx.col.category", 12), xlsx.Column("xlsx.col.summary", 40),
    xlsx.Column("xlsx.col.grid", 14), xlsx.Column("xlsx.col.status", 10), xlsx.Column("xlsx.col.priority", 8),
    xlsx.Column("xlsx.col.created_at", 17), xlsx.Column("xlsx.col.deadline", 17), xlsx.Column("xlsx.col.overdue", 8),
    xlsx.Column("xlsx.col.reporter_name", 10), xlsx.Column("xlsx.col.reporter_phone", 14),
]


def _case_export_row(case: Case, row: CaseRow, user: User, lang: str) -> list[object]:
    reporter_name, reporter_phone = case_views.reporter_contact(case, user)  # exactly as the case API shows it
    return [
        row.number, row.category, row.summary, row.grid, row.status_label, row.priority_label, row.created_at,
        row.deadline, translate("xlsx.yes" if row.overdue else "xlsx.no", lang),
        reporter_name, reporter_phone,
    ]


@router.get("/my")
def my_cases(request: Request, session: SessionDep, user: PageUser, format: str = "") -> Response:
    from gongzhi.web.report_pages import followed_context

    lang = get_lang(request)
    now = now_of(request)
    export = xlsx.wants_xlsx(format)
    items = _my_cases(session, user, limit=None if export else 100)
    rows = case_rows(session, items, now, lang)
    if export:
        return xlsx.xlsx_response(request, user, name="my-cases", title_key="xlsx.title.my",
                                  columns=CASE_EXPORT_COLUMNS, now=now,
                                  rows=[_case_export_row(c, r, user, lang) for c, r in zip(items, rows, strict=True)])
    return render(request, "my.html", {"rows": rows, "export_url": xlsx.export_url(request)}
                  | followed_context(session, user, lang, request))


# ---------------------------------------------------------------- report

# The report form, public report view, photos, following, moderation and the category editor
# live in web/report_pages.py (mounted below).


# ---------------------------------------------------------------- the case page


def _case_id(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 10 or int(raw) >= 2**31:
        raise NotFound("case_not_found")
    return int(raw)


def _dispatch_units(session: Session, case: Case, lang: str) -> list[dict[str, str]]:
    """Units whose jurisdiction covers the case's grid (the unit serves every grid under its area)."""
    if case.grid_id is None:
        return []
    chain = geo.ancestors(session, geo.get_area_by_id(session, case.grid_id))
    units = session.scalars(
        select(Unit).where(Unit.is_active.is_(True), Unit.area_id.in_([a.id for a in chain]))
        .order_by(Unit.kind, Unit.code)
    )
    return [{"code": u.code, "name": (u.name_en or u.name) if lang == "en" else u.name} for u in units]


def _case_page(request: Request, session: Session, user: User, case_id: int, *, status_code: int = 200,
               action_error: str | None = None, form_action: str = "",
               form: dict[str, str] | None = None) -> Response:
    lang = get_lang(request)
    now = now_of(request)
    case = cases.get_case(session, user, case_id)
    detail = case_detail(session, case, user, now, lang)
    kind, deadline, overdue = cases.due_info(case, now)
    allowed = detail.allowed_actions
    category = detail.category.code
    mine = case.reporter_id == user.id
    moderator = reports.can_moderate(session, user, case)
    photos = case_media.media_for(session, case.id, include_hidden=moderator)
    return render(request, "case.html", {
        "photos": photos,
        "moderator": moderator,
        "case_hidden": case.description_hidden,
        "can_add_photo": (mine or user.role != "resident") and len(photos) < case_media.MAX_PHOTOS_PER_CASE
        and case.status in (*OPEN_STATUSES, "resolved"),
        "is_reporter": mine,
        "plain": plain_timeline(cases.timeline_of(session, case), lang, public=False) if mine else [],
        "public_url": f"/reports/{case.id}" if case.source in reports.PUBLIC_SOURCES else "",
        "origin_links": _origin_links(session, user, case),
        "c": detail,
        "due_kind": kind,
        "deadline": deadline,
        "overdue": overdue,
        "countdown": countdown_text(deadline, now, lang) if deadline else "",
        "primary": [a for a in allowed if a in PRIMARY_ACTIONS],
        "secondary": [a for a in allowed if a not in PRIMARY_ACTIONS],
        "note_rule": NOTE_RULE,
        "units": _dispatch_units(session, case, lang) if "dispatch" in allowed else [],
        "answers": answer_rows(session, detail.attributes, category, lang),
        "show_map_link": user.role in MAP_ROLES,
        "back_url": "/my" if mine or user.role == "resident" else "/queue",
        "back_key": "web.case.back_my" if mine or user.role == "resident" else "web.case.back_queue",
        "action_error": action_error,
        "form_action": form_action,
        "form": form or {},
    }, status_code=status_code)


def _origin_links(session: Session, user: User, case: Case) -> list[tuple[str, str]]:
    """(url, label key) of the record a feature module opened this case from, when the user may see it."""
    if case.source == "dispute":
        dispute = mediation.dispute_for_case(session, user, case.id)
        return [(f"/mediation/disputes/{dispute.id}", "web.case.dispute_link")] if dispute else []
    if case.source == "eldercare":
        elder = eldercare.elder_for_case(session, user, case.id)
        return [(f"/eldercare/elders/{elder.id}", "web.case.elder_link")] if elder else []
    return []


@router.get("/cases/{case_id}")
def case_page(request: Request, session: SessionDep, user: PageUser, case_id: str) -> Response:
    return _case_page(request, session, user, _case_id(case_id))


@router.post("/cases/{case_id}/act")
def case_action(request: Request, session: SessionDep, user: PageUser, case_id: str,
                form: FormFields) -> Response:
    cid = _case_id(case_id)
    lang = get_lang(request)
    action = form.get("action", "").strip()
    note = form.get("note", "").strip()
    unit_code = form.get("unit_code", "").strip() or None
    problem: str | None = None
    duplicate_of = rating = None
    fixed: bool | None = None
    if action not in NOTE_RULE:
        problem = translate("web.err.unknown_action", lang)
    elif action == "duplicate":
        duplicate_of = parse_case_ref(form.get("duplicate_of", ""))
        if duplicate_of is None:
            problem = translate("web.err.duplicate_required", lang)
    elif action == "rate":
        raw = form.get("rating", "").strip()
        rating = int(raw) if raw in ("1", "2", "3", "4", "5") else None
        fixed = {"yes": True, "no": False}.get(form.get("fixed", ""))
        if rating is None:
            problem = translate("web.err.rating_required", lang)
    elif action == "comment" and not note:
        problem = translate("web.err.comment_required", lang)
    elif len(note) > 4000:
        problem = translate("web.err.description_too_long", lang, max=4000)
    if problem is not None:
        return _case_page(request, session, user, cid, status_code=422, action_error=problem,
                          form_action=action, form=form)
    try:
        with session.begin_nested():
            cases.transition(session, user=user, case_id=cid, action=action, now=now_of(request), note=note,
                             unit_code=unit_code, duplicate_of=duplicate_of, rating=rating, lang=lang,
                             fixed=fixed)
    except NotFound:
        raise
    except AppError as exc:
        return _case_page(request, session, user, cid, status_code=exc.status_code, form_action=action,
                          form=form, action_error=translate(exc.code, lang, **exc.params))
    response = redirect(f"/cases/{cid}")
    set_flash(response, "web.flash.action_done", action=translate(f"case_action.{action}", lang))
    return response


# ---------------------------------------------------------------- map


@router.get("/map")
def grid_map(request: Request, session: SessionDep, user: PageUser) -> Response:
    if user.role not in MAP_ROLES or user.area_id is None:
        raise Forbidden("forbidden")
    lang = get_lang(request)
    top = geo.get_area_by_id(session, user.area_id)
    grids = geo.grids_under(session, top)
    open_cases = cases.scoped_cases(session, user).where(Case.status.in_(OPEN_STATUSES)).subquery()
    counts: dict[int | None, int] = {
        row[0]: int(row[1])
        for row in session.execute(select(open_cases.c.grid_id, func.count()).group_by(open_cases.c.grid_id))
    }
    items, total = cases.list_cases(session, user, open_only=True, order="due", limit=MAP_POINT_LIMIT)
    cats = {c.id: c for c in cases.list_categories(session)}
    shapes = [
        mapfig.GridShape(
            code=g.code, name=area_name(g, lang), geometry=g.geometry, count=counts.get(g.id, 0),
            centroid=(g.centroid_lng, g.centroid_lat)
            if g.centroid_lng is not None and g.centroid_lat is not None else None,
        )
        for g in grids
    ]
    points = [
        mapfig.CasePoint(
            url=f"/cases/{c.id}", lng=c.lng, lat=c.lat, priority=c.priority,
            label="<br>".join([
                f"{cats[c.category_id].name_en if lang == 'en' else cats[c.category_id].name_zh}"
                f" · {translate(f'case_status.{c.status}', lang)}",
                cases.case_number(c),
                translate("web.map.hover_case", lang),
            ]),
        )
        for c in items if c.lat is not None and c.lng is not None and c.category_id in cats
    ]
    fig = mapfig.build_figure(
        shapes, points, count_label=translate("web.map.count", lang),
        priority_labels={p: translate(f"case_priority.{p}", lang) for p in mapfig.PRIORITY_COLOURS},
    )
    top_count = max((s.count for s in shapes), default=0)
    grid_rows = [
        {"name": s.name, "count": s.count, "colour": mapfig.fill_colour(s.count, top_count)}
        for s in sorted(shapes, key=lambda s: (-s.count, s.name))
    ]
    return render(request, "map.html", {
        "figure_json": mapfig.figure_json(fig),
        "has_geometry": any(s.geometry for s in shapes),
        "grid_rows": grid_rows,
        "total_open": total,
        "plotly_url": PLOTLY_URL,
    })


# ---------------------------------------------------------------- vendor JS


@lru_cache(maxsize=1)
def _plotly_gzip() -> bytes:
    return gzip.compress(PLOTLY_JS.read_bytes(), compresslevel=6)


@router.get("/static/vendor/plotly.min.js")
def plotly_js(request: Request) -> Response:
    """The plotly.js that ships inside the plotly pip package; the URL carries its version, so cache long."""
    headers = {"Cache-Control": "public, max-age=31536000, immutable", "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", "").lower():
        return Response(_plotly_gzip(), media_type="text/javascript; charset=utf-8",
                        headers={**headers, "Content-Encoding": "gzip"})
    return FileResponse(PLOTLY_JS, media_type="text/javascript; charset=utf-8", headers=headers)


# ---------------------------------------------------------------- errors


def page_error(request: Request, status: int, code: str, params: dict[str, Any]) -> Response:
    """HTML errors for pages (app.py calls this for every non-/api path)."""
    if status == 401:
        target = request.url.path if request.method == "GET" else "/"
        if request.method == "GET" and request.url.query:
            target += "?" + request.url.query
        response = redirect(f"/login?next={quote(target, safe='')}")
        if request.cookies.get(SESSION_COOKIE):
            response.delete_cookie(SESSION_COOKIE, path="/")
        return response
    lang = get_lang(request)
    return render(request, "error.html", {
        "status": status, "message": translate(code, lang, **params),
    }, status_code=status)


class VersionedStatic(StaticFiles):
    """Our CSS and JS. Pages link them as /static/x?v=<content hash>, so those URLs may be cached for good."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200 and b"v=" in scope.get("query_string", b""):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def mount(app: FastAPI) -> None:
    """Mount static files and page routes on the app (the modules' pages live beside these)."""
    from gongzhi.web import (
        analytics_report_pages,
        ballot_pages,
        citybrain_pages,
        council_pages,
        dashboard_pages,
        eldercare_pages,
        household_pages,
        mediation_pages,
        open311_pages,
        report_pages,
        survey_pages,
        volunteer_pages,
    )

    app.include_router(router)
    app.include_router(report_pages.router)
    for module in (council_pages, ballot_pages, volunteer_pages, eldercare_pages, mediation_pages, open311_pages,
                   citybrain_pages, dashboard_pages, survey_pages, analytics_report_pages, household_pages):
        app.include_router(module.router)
    app.mount("/static", VersionedStatic(directory=STATIC_DIR), name="static")
    app.state.page_error_handler = page_error
