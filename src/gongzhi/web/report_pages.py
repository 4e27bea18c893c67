"""Resident reporting pages: the phone-first report form (icons, pin, photos, anonymity, nearby
duplicates), the public view of a report, following reports and areas, photos, moderation, and
the admin category editor.

Like web/pages.py: forms post with the session's CSRF token and redirect after success; a refused
form re-renders with the reason and the service's status code; nothing half-written is kept
(each write runs in a savepoint).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from gongzhi.auth.models import User
from gongzhi.cases import admin as case_admin
from gongzhi.cases import media as case_media
from gongzhi.cases import reports
from gongzhi.cases import service as cases
from gongzhi.cases.models import OPEN_STATUSES, Case, CaseMedia, Category
from gongzhi.cases.schemas import CaseIn, CategoryIn, CategoryPatch
from gongzhi.errors import AppError, Forbidden, Invalid, NotFound
from gongzhi.geo import service as geo
from gongzhi.http import SessionDep, get_lang
from gongzhi.i18n import translate
from gongzhi.web import xlsx
from gongzhi.web.pages import MaybePageUser, PageUser
from gongzhi.web.render import now_of, redirect, render, set_flash
from gongzhi.web.views import (
    attribute_answers,
    case_rows,
    category_choices,
    grid_choices,
    parse_float,
    plain_timeline,
    public_report,
    report_map,
)

router = APIRouter(include_in_schema=False)

MAX_DESCRIPTION = 4000
MAX_ADDRESS = 300
MODERATOR_ROLES = ("admin", "official", "grid_worker")
MODERATION_LIMIT = 100
# Editor: blank question rows offered below the existing ones.
BLANK_QUESTION_ROWS = 2


# ---------------------------------------------------------------- multipart form with photos


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str | None
    data: bytes


@dataclass(frozen=True)
class ReportPost:
    fields: dict[str, str]
    photos: list[Upload]
    too_many: bool


async def report_post(request: Request) -> ReportPost:
    """The posted report: text fields and up to MAX_PHOTOS_PER_CASE photos, each read with a bound
    (one byte over the limit is enough to refuse it), so a huge upload never sits in memory."""
    form = await request.form()
    fields: dict[str, str] = {}
    photos: list[Upload] = []
    too_many = False
    for key, value in form.multi_items():
        if isinstance(value, str):
            if key.startswith("attr__") and fields.get(key) and value:
                fields[key] += "," + value  # a multi-value question's ticked boxes
            else:
                fields.setdefault(key, value)
        elif isinstance(value, UploadFile) and key == "photos":
            if not value.filename and not value.size:
                continue  # an empty file input
            if len(photos) >= case_media.MAX_PHOTOS_PER_CASE:
                too_many = True
                continue
            data = await value.read(case_media.MAX_UPLOAD_BYTES + 1)
            photos.append(Upload(value.filename or "", value.content_type, data))
    return ReportPost(fields, photos, too_many)


ReportForm = Annotated[ReportPost, Depends(report_post)]


async def form_fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


FormFields = Annotated[dict[str, str], Depends(form_fields)]


def _id(raw: str, code: str = "case_not_found") -> int:
    if not raw.isdigit() or len(raw) > 10 or int(raw) >= 2**31:
        raise NotFound(code)
    return int(raw)


# ---------------------------------------------------------------- the report form


def _report_page(request: Request, session: Session, user: User, form: dict[str, str], *,
                 errors: list[str] | None = None, status_code: int = 200,
                 nearby: list[reports.Nearby] | None = None) -> Response:
    lang = get_lang(request)
    now = now_of(request)
    recent: list[Case] = []
    if user.role == "resident":
        recent, _ = cases.list_cases(session, user, order="created", limit=3)
    return render(request, "report/form.html", {
        "categories": category_choices(session, lang),
        "grids": grid_choices(session, lang),
        "form": form,
        "errors": errors or [],
        "rows": case_rows(session, recent, now, lang),
        "map": report_map(session),
        "nearby": [public_report(session, n.case, now, lang, metres=n.metres) for n in nearby or []],
        "max_photos": case_media.MAX_PHOTOS_PER_CASE,
        "max_mb": case_media.MAX_UPLOAD_BYTES // (1024 * 1024),
    }, status_code=status_code)


@router.get("/report")
def report_form(request: Request, session: SessionDep, user: PageUser) -> Response:
    return _report_page(request, session, user, {})


def _form_problems(form: dict[str, str], post: ReportPost, lang: str) -> list[str]:
    errors = []
    category = form.get("category", "").strip()
    description = form.get("description", "").strip()
    if not category:
        errors.append(translate("web.err.category_required", lang))
    if not description:
        errors.append(translate("web.err.description_required", lang))
    elif len(description) > MAX_DESCRIPTION:
        errors.append(translate("web.err.description_too_long", lang, max=MAX_DESCRIPTION))
    if len(form.get("address", "").strip()) > MAX_ADDRESS:
        errors.append(translate("web.err.address_too_long", lang, max=MAX_ADDRESS))
    lat, lng = parse_float(form.get("lat")), parse_float(form.get("lng"))
    if not form.get("grid_code", "").strip() and (lat is None or lng is None):
        errors.append(translate("web.err.location_required", lang))
    if post.too_many:
        errors.append(translate("media_too_many", lang, max=case_media.MAX_PHOTOS_PER_CASE))
    return errors


@router.post("/report")
def report(request: Request, session: SessionDep, user: PageUser, post: ReportForm) -> Response:
    lang = get_lang(request)
    now = now_of(request)
    form = post.fields
    # Without the script the icon tiles and the list are separate controls: a tile wins.
    if not form.get("category", "").strip() and form.get("category_choice", "").strip():
        form["category"] = form["category_choice"]
    errors = _form_problems(form, post, lang)
    if errors:
        return _report_page(request, session, user, form, errors=errors, status_code=422)
    category = form.get("category", "").strip()
    lat, lng = parse_float(form.get("lat")), parse_float(form.get("lng"))
    try:
        data = CaseIn(category=category, description=form.get("description", "").strip(),
                      address=form.get("address", "").strip(), grid_code=form.get("grid_code", "").strip() or None,
                      lat=lat, lng=lng, coord="wgs84", source="citizen",
                      attributes=attribute_answers(form, category), anonymous=form.get("anonymous") == "1")
    except ValidationError:
        return _report_page(request, session, user, form, status_code=422,
                            errors=[translate("web.err.location_invalid", lang)])
    # The no-JS duplicate step: before filing, show open reports of the same kind close by.
    # The form's script shows them as the resident places the pin and then sets confirm_new.
    if lat is not None and lng is not None and form.get("confirm_new") != "1":
        try:
            nearby = reports.nearby_open(session, category=category, lat=lat, lng=lng, now=now)
        except AppError:
            nearby = []
        if nearby:
            return _report_page(request, session, user, form | {"confirm_new": "1"}, nearby=nearby)
    try:
        # A savepoint: a refused report (or any refused photo) leaves nothing behind.
        with session.begin_nested():
            case = cases.create_case(session, actor=user, data=data, now=now)
            for photo in post.photos:
                case_media.attach_photo(session, case, photo.data, content_type=photo.content_type,
                                        actor=user, now=now)
    except AppError as exc:
        return _report_page(request, session, user, form, status_code=exc.status_code,
                            errors=[translate(exc.code, lang, **exc.params)])
    response = redirect(f"/cases/{case.id}")
    set_flash(response, "web.flash.created", number=cases.case_number(case))
    return response


@router.get("/report/nearby")
def nearby_json(request: Request, session: SessionDep, user: PageUser, category: str = "",
                lat: str = "", lng: str = "") -> Response:
    """Open reports of the category within 50 m from the last 72 h, for the form's script."""
    lang = get_lang(request)
    now = now_of(request)
    la, ln = parse_float(lat), parse_float(lng)
    if not category or la is None or ln is None or not -90 <= la <= 90 or not -180 <= ln <= 180:
        return JSONResponse({"error": {"code": "web.err.location_invalid",
                                       "message": translate("web.err.location_invalid", lang)}}, status_code=422)
    try:
        found = reports.nearby_open(session, category=category[:40], lat=la, lng=ln, now=now)
    except AppError as exc:
        return JSONResponse({"error": {"code": exc.code, "message": translate(exc.code, lang, **exc.params)}},
                            status_code=exc.status_code)
    items = []
    for n in found:
        view = public_report(session, n.case, now, lang, metres=n.metres)
        items.append({
            "id": view.id, "number": view.number, "url": view.url, "category": view.category,
            "status": view.status_label, "summary": view.summary, "metres": round(n.metres),
            "created": view.created_local, "photo": view.photos[0] if view.photos else None,
            "follow_url": f"/reports/{view.id}/follow",
        })
    return JSONResponse({"items": items, "radius_m": int(reports.NEARBY_METRES),
                         "hours": reports.NEARBY_HOURS}, headers={"Cache-Control": "no-store"})


# ---------------------------------------------------------------- the public view, following


@router.get("/reports/{case_id}")
def public_view(request: Request, session: SessionDep, user: MaybePageUser, case_id: str) -> Response:
    lang = get_lang(request)
    now = now_of(request)
    case = reports.public_case(session, _id(case_id))
    view = public_report(session, case, now, lang)
    return render(request, "report/public.html", {
        "r": view,
        "timeline": plain_timeline(cases.timeline_of(session, case), lang, public=True),
        "is_reporter": user is not None and case.reporter_id == user.id,
        "can_open_case": user is not None and reports.can_view_private(session, user, case),
        "following": user is not None and reports.is_following(session, user, case.id),
    })


@router.post("/reports/{case_id}/follow")
def follow(request: Request, session: SessionDep, user: PageUser, case_id: str) -> Response:
    case = reports.follow_case(session, user=user, case_id=_id(case_id), now=now_of(request))
    response = redirect(f"/reports/{case.id}")
    set_flash(response, "web.flash.following", number=cases.case_number(case))
    return response


@router.post("/reports/{case_id}/unfollow")
def unfollow(request: Request, session: SessionDep, user: PageUser, case_id: str) -> Response:
    cid = _id(case_id)
    reports.unfollow_case(session, user=user, case_id=cid)
    response = redirect(f"/reports/{cid}")
    set_flash(response, "web.flash.unfollowed")
    return response


@router.post("/my/areas")
def follow_area(request: Request, session: SessionDep, user: PageUser, form: FormFields) -> Response:
    code = form.get("area_code", "").strip()[:32]
    if form.get("unfollow") == "1":
        reports.unfollow_area(session, user=user, area_code=code)
        response = redirect("/my")
        set_flash(response, "web.flash.area_unfollowed")
        return response
    area = reports.follow_area(session, user=user, area_code=code, now=now_of(request))
    response = redirect("/my")
    set_flash(response, "web.flash.area_following", area=area.name)
    return response


# ---------------------------------------------------------------- photos


@router.post("/cases/{case_id}/photos")
def add_photos(request: Request, session: SessionDep, user: PageUser, case_id: str, post: ReportForm) -> Response:
    """More photos after filing: the reporter (e.g. it got worse) or staff (e.g. the repair done)."""
    cid = _id(case_id)
    lang = get_lang(request)
    now = now_of(request)
    try:
        if post.too_many:
            raise Invalid("media_too_many", max=case_media.MAX_PHOTOS_PER_CASE)
        with session.begin_nested():
            for upload in post.photos:
                reports.add_photo(session, user=user, case_id=cid, data=upload.data,
                                  content_type=upload.content_type, now=now)
    except NotFound:
        raise
    except AppError as exc:
        response = redirect(f"/cases/{cid}")
        set_flash(response, "web.flash.photo_failed", error=True, reason=translate(exc.code, lang, **exc.params))
        return response
    response = redirect(f"/cases/{cid}")
    set_flash(response, "web.flash.photos_added", n=len(post.photos))
    return response



@router.get("/media/{media_id}")
def photo(request: Request, session: SessionDep, user: MaybePageUser, media_id: str) -> Response:
    found = case_media.get_media(session, _id(media_id, "media_not_found"))
    if found is None or not reports.photo_visible_to(session, user, found):
        raise NotFound("media_not_found")
    # Private: a photo can be hidden later, so shared caches must not keep it.
    headers = {"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff",
               "Content-Security-Policy": "default-src 'none'", "ETag": f'"{found.sha256[:32]}"'}
    return Response(found.data, media_type=found.content_type, headers=headers)


# ---------------------------------------------------------------- moderation


def _require_moderator(user: User) -> None:
    if user.role not in MODERATOR_ROLES:
        raise Forbidden("forbidden")


@router.get("/moderation")
def moderation(request: Request, session: SessionDep, user: PageUser, format: str = "") -> Response:
    """Recent public reports in the moderator's scope, with their text and every photo."""
    _require_moderator(user)
    lang = get_lang(request)
    now = now_of(request)
    export = xlsx.wants_xlsx(format)
    # One query for the page and its export; the export lifts the page's 100-report cut.
    stmt = (cases.scoped_cases(session, user)
            .where(Case.source.in_(reports.PUBLIC_SOURCES))
            .order_by(Case.created_at.desc(), Case.id.desc())
            .limit(xlsx.MAX_ROWS + 1 if export else MODERATION_LIMIT))
    items = [c for c in session.scalars(stmt) if reports.can_moderate(session, user, c)]
    if export:
        xlsx.check_size(len(items))
        counts: dict[int, int] = {}
        for case_id in session.scalars(select(CaseMedia.case_id).where(CaseMedia.case_id.in_([c.id for c in items]))):
            counts[case_id] = counts.get(case_id, 0) + 1
        views = [public_report(session, c, now, lang, staff=True) for c in items]
        return xlsx.xlsx_response(request, user, name="moderation", title_key="xlsx.title.moderation", now=now,
                                  columns=[
            xlsx.Column("xlsx.col.number", 18), xlsx.Column("xlsx.col.category", 12),
            xlsx.Column("xlsx.col.status", 10), xlsx.Column("xlsx.col.grid", 14),
            xlsx.Column("xlsx.col.reporter_name", 10), xlsx.Column("xlsx.col.description", 50),
            xlsx.Column("xlsx.col.hidden", 8), xlsx.Column("xlsx.col.photos", 8),
            xlsx.Column("xlsx.col.created_at", 17)], rows=[
            [v.number, v.category, v.status_label, v.grid, v.reporter, v.description,
             translate("xlsx.yes" if v.text_hidden else "xlsx.no", lang), counts.get(v.id, 0), v.created_at]
            for v in views])
    photos: dict[int, list[CaseMedia]] = {}
    if items:
        for m in session.scalars(select(CaseMedia).where(CaseMedia.case_id.in_([c.id for c in items]))
                                 .order_by(CaseMedia.id)):
            photos.setdefault(m.case_id, []).append(m)
    rows = [{"view": public_report(session, c, now, lang, staff=True), "photos": photos.get(c.id, []),
             "case": c} for c in items]
    return render(request, "report/moderation.html", {"rows": rows, "export_url": xlsx.export_url(request)})


@router.post("/moderation/cases/{case_id}/text")
def moderate_text(request: Request, session: SessionDep, user: PageUser, case_id: str,
                  form: FormFields) -> Response:
    cid = _id(case_id)
    hide = form.get("hide") == "1"
    back = "/moderation" if form.get("back") == "moderation" else f"/cases/{cid}"
    try:
        with session.begin_nested():
            reports.set_text_hidden(session, user=user, case_id=cid, hidden=hide,
                                    reason=form.get("reason", ""), now=now_of(request))
    except (Invalid, Forbidden) as exc:
        response = redirect(back)
        set_flash(response, "web.flash.moderation_failed", error=True,
                  reason=translate(exc.code, get_lang(request), **exc.params))
        return response
    response = redirect(back)
    set_flash(response, "web.flash.text_hidden" if hide else "web.flash.text_shown")
    return response


@router.post("/moderation/media/{media_id}")
def moderate_photo(request: Request, session: SessionDep, user: PageUser, media_id: str,
                   form: FormFields) -> Response:
    mid = _id(media_id, "media_not_found")
    hide = form.get("hide") == "1"
    found = case_media.get_media(session, mid)
    if found is None:
        raise NotFound("media_not_found")
    back = "/moderation" if form.get("back") == "moderation" else f"/cases/{found.case_id}"
    try:
        with session.begin_nested():
            reports.set_photo_hidden(session, user=user, media_id=mid, hidden=hide,
                                     reason=form.get("reason", ""), now=now_of(request))
    except (Invalid, Forbidden) as exc:
        response = redirect(back)
        set_flash(response, "web.flash.moderation_failed", error=True,
                  reason=translate(exc.code, get_lang(request), **exc.params))
        return response
    response = redirect(back)
    set_flash(response, "web.flash.photo_hidden" if hide else "web.flash.photo_shown")
    return response


# ---------------------------------------------------------------- admin: categories and their questions


def _require_admin(user: User) -> None:
    if user.role != "admin":
        raise Forbidden("forbidden")


def _category(session: Session, code: str) -> Category:
    found = session.scalar(select(Category).where(Category.code == code[:40]))
    if found is None:
        raise NotFound("category_not_found", code=code[:40])
    return found


@router.get("/admin/categories")
def categories_page(request: Request, session: SessionDep, user: PageUser, format: str = "") -> Response:
    _require_admin(user)
    items = list(session.scalars(select(Category).order_by(Category.sort_order, Category.id)))
    if xlsx.wants_xlsx(format):
        lang = get_lang(request)
        yes, no = translate("xlsx.yes", lang), translate("xlsx.no", lang)
        return xlsx.xlsx_response(request, user, name="categories", title_key="xlsx.title.categories",
                                  now=now_of(request), columns=[
            xlsx.Column("xlsx.col.code", 14), xlsx.Column("xlsx.col.name_zh", 12), xlsx.Column("xlsx.col.name_en", 18),
            xlsx.Column("xlsx.col.unit_kind", 12), xlsx.Column("xlsx.col.priority", 8),
            xlsx.Column("xlsx.col.questions", 8), xlsx.Column("xlsx.col.public", 8), xlsx.Column("xlsx.col.active", 8)],
            rows=[[c.code, c.name_zh, c.name_en, c.unit_kind, translate(f"case_priority.{c.default_priority}", lang),
                   len(c.attributes), yes if c.public else no, yes if c.is_active else no] for c in items])
    return render(request, "report/categories.html", {"items": items, "form": {},
                                                      "export_url": xlsx.export_url(request)})


@router.post("/admin/categories")
def create_category(request: Request, session: SessionDep, user: PageUser, form: FormFields) -> Response:
    _require_admin(user)
    lang = get_lang(request)
    try:
        data = CategoryIn(code=form.get("code", "").strip(), name_zh=form.get("name_zh", ""),
                          name_en=form.get("name_en", ""), unit_kind=form.get("unit_kind", ""),
                          default_priority=form.get("default_priority", "P3"),
                          public=form.get("public") == "1")
        with session.begin_nested():
            created = case_admin.create_category(session, user=user, data=data, now=now_of(request))
    except ValidationError:
        items = list(session.scalars(select(Category).order_by(Category.sort_order, Category.id)))
        return render(request, "report/categories.html", {
            "items": items, "form": form, "errors": [translate("web.err.category_fields", lang)],
        }, status_code=422)
    except AppError as exc:
        items = list(session.scalars(select(Category).order_by(Category.sort_order, Category.id)))
        return render(request, "report/categories.html", {
            "items": items, "form": form, "errors": [translate(exc.code, lang, **exc.params)],
        }, status_code=exc.status_code)
    response = redirect(f"/admin/categories/{created.code}")
    set_flash(response, "web.flash.category_saved", name=created.name_zh)
    return response


def _question_rows(attributes: list[dict[str, Any]]) -> list[dict[str, str]]:
    rows = []
    for a in attributes:
        values = "\n".join(
            "=".join([str(v.get("key", "")), str(v.get("name", ""))] + ([str(v["name_en"])] if v.get("name_en") else []))
            for v in a.get("values", [])
        )
        rows.append({"code": str(a.get("code", "")), "label": str(a.get("description", "")),
                     "label_en": str(a.get("description_en", "")), "datatype": str(a.get("datatype", "string")),
                     "required": "1" if a.get("required") else "", "order": str(a.get("order", "")),
                     "values": values})
    return rows + [{"code": "", "label": "", "label_en": "", "datatype": "string", "required": "",
                    "order": "", "values": ""} for _ in range(BLANK_QUESTION_ROWS)]


def parse_questions(form: dict[str, str], existing: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Editor rows q<i>_* -> attribute definitions (validated by cases.admin.check_attributes).

    Values are one per line, "key=名称" or "key=名称=English". A row with a blank code, or ticked
    for deletion, is dropped. Priority bumps set in the seed are kept for questions still there."""
    bumps = {str(a.get("code")): a.get("raise_priority") for a in existing if a.get("raise_priority")}
    out: list[dict[str, Any]] = []
    i = 0
    while f"q{i}_code" in form and i < 60:
        code = form.get(f"q{i}_code", "").strip()
        if code and form.get(f"q{i}_delete") != "1":
            item: dict[str, Any] = {
                "code": code,
                "datatype": form.get(f"q{i}_datatype", "string"),
                "required": form.get(f"q{i}_required") == "1",
                "description": form.get(f"q{i}_label", "").strip(),
            }
            if form.get(f"q{i}_label_en", "").strip():
                item["description_en"] = form[f"q{i}_label_en"].strip()
            order = form.get(f"q{i}_order", "").strip()
            if order:
                if not order.isdigit() or len(order) > 5:
                    raise Invalid("category_attribute_order", code=code[:40])
                item["order"] = int(order)
            else:
                item["order"] = len(out) + 1
            lines = [ln.strip() for ln in form.get(f"q{i}_values", "").splitlines() if ln.strip()]
            if lines:
                values = []
                for ln in lines:
                    parts = [p.strip() for p in ln.split("=")]
                    entry = {"key": parts[0], "name": parts[1] if len(parts) > 1 else parts[0]}
                    if len(parts) > 2 and parts[2]:
                        entry["name_en"] = parts[2]
                    values.append(entry)
                item["values"] = values
            if code in bumps and item["datatype"] in ("singlevaluelist", "multivaluelist"):
                keys = {v["key"] for v in item.get("values", [])}
                kept = {k: p for k, p in (bumps[code] or {}).items() if k in keys}
                if kept:
                    item["raise_priority"] = kept
            out.append(item)
        i += 1
    return out


def _editor(request: Request, session: Session, category: Category, form: dict[str, str] | None = None, *,
            questions: list[dict[str, str]] | None = None, errors: list[str] | None = None,
            status_code: int = 200) -> Response:
    return render(request, "report/category_edit.html", {
        "cat": category,
        "form": form or {},
        "questions": questions if questions is not None else _question_rows(category.attributes),
        "datatypes": case_admin.ATTRIBUTE_DATATYPES,
        "priorities": ("P1", "P2", "P3", "P4"),
        "errors": errors or [],
    }, status_code=status_code)


@router.get("/admin/categories/{code}")
def edit_category(request: Request, session: SessionDep, user: PageUser, code: str) -> Response:
    _require_admin(user)
    return _editor(request, session, _category(session, code))


@router.post("/admin/categories/{code}")
def save_category(request: Request, session: SessionDep, user: PageUser, code: str,
                  form: FormFields) -> Response:
    _require_admin(user)
    lang = get_lang(request)
    category = _category(session, code)
    try:
        questions = parse_questions(form, category.attributes)
        patch = CategoryPatch(
            name_zh=form.get("name_zh", category.name_zh), name_en=form.get("name_en", category.name_en),
            description_zh=form.get("description_zh", category.description_zh),
            unit_kind=form.get("unit_kind", category.unit_kind),
            default_priority=form.get("default_priority", category.default_priority),
            public=form.get("public") == "1", is_active=form.get("is_active") == "1",
            attributes=questions,
        )
        with session.begin_nested():
            case_admin.update_category(session, user=user, code=category.code, patch=patch, now=now_of(request))
    except ValidationError:
        session.refresh(category)
        return _editor(request, session, category, form, questions=_posted_rows(form),
                       errors=[translate("web.err.category_fields", lang)], status_code=422)
    except AppError as exc:
        session.refresh(category)
        return _editor(request, session, category, form, questions=_posted_rows(form),
                       errors=[translate(exc.code, lang, **exc.params)], status_code=exc.status_code)
    response = redirect(f"/admin/categories/{category.code}")
    set_flash(response, "web.flash.category_saved", name=category.name_zh)
    return response


def _posted_rows(form: dict[str, str]) -> list[dict[str, str]]:
    """The editor's rows as posted, so a refused save shows what was typed."""
    rows = []
    i = 0
    while f"q{i}_code" in form and i < 60:
        rows.append({k: form.get(f"q{i}_{k}", "") for k in
                     ("code", "label", "label_en", "datatype", "required", "order", "values")})
        i += 1
    return rows


# ---------------------------------------------------------------- /my: followed reports and areas


def followed_context(session: Session, user: User, lang: str, request: Request) -> dict[str, Any]:
    now = now_of(request)
    followed = [public_report(session, c, now, lang) for c in reports.followed_cases(session, user)]
    return {
        "followed": followed,
        "areas": reports.followed_areas(session, user),
        "area_choices": grid_choices(session, lang) + _community_choices(session, lang),
        "open_statuses": OPEN_STATUSES,
    }


def _community_choices(session: Session, lang: str) -> list[Any]:
    from gongzhi.web.views import GridChoice, area_name

    return [GridChoice(code=a.code, label=area_name(a, lang)) for a in geo.list_areas(session, level="community")]
