"""Council, meeting and minutes pages.

/councils                  councils in the viewer's area (one: straight to it)
/councils/{id}             seats and quotas, members, meetings, action items and their progress
/councils/meetings/{id}    agenda, attendance, quorum, live tally, motions, minutes editor
/councils/minutes/{id}     published minutes, for residents of the community

Forms post to one `/act` route per page with an `action` field and the CSRF token; success redirects
(PRG) with a flash, a refusal re-renders the page with the reason and the service's status code.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from gongzhi.auth import service as accounts
from gongzhi.auth.models import Unit, User
from gongzhi.cases import service as cases
from gongzhi.council import service, views
from gongzhi.errors import AppError, NotFound
from gongzhi.geo import service as geo
from gongzhi.http import SessionDep, get_lang
from gongzhi.i18n import translate
from gongzhi.web import xlsx
from gongzhi.web.pages import FormFields, PageUser
from gongzhi.web.render import now_of, redirect, render, set_flash
from gongzhi.web.views import parse_local_datetime

router = APIRouter(include_in_schema=False)

MEETING_ACTIONS = ("notice", "open", "close", "item", "document", "check_in", "check_out", "motion", "vote",
                   "close_motion", "minutes", "publish", "action")
COUNCIL_ACTIONS = ("generate", "schedule", "subscribe", "unsubscribe")


def _id(raw: str, code: str) -> int:
    if not raw.isdigit() or len(raw) > 10 or int(raw) >= 2**31:
        raise NotFound(code)
    return int(raw)


def _opt_int(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) <= 10 and int(raw) < 2**31 else None


# ---------------------------------------------------------------- councils


@router.get("/councils")
def council_list(request: Request, session: SessionDep, user: PageUser, format: str = "") -> Response:
    councils = service.visible_councils(session, user)
    lang = get_lang(request)
    briefs = [views.council_brief(session, c, lang) for c in councils]
    if xlsx.wants_xlsx(format):
        return xlsx.xlsx_response(request, user, name="councils", title_key="xlsx.title.councils",
                                  now=now_of(request),
                                  columns=[xlsx.Column("xlsx.col.name", 24), xlsx.Column("xlsx.col.area", 16)],
                                  rows=[[b.name, b.area.name] for b in briefs])
    if len(councils) == 1:
        return redirect(f"/councils/{councils[0].id}")
    return render(request, "council/list.html", {"councils": briefs, "export_url": xlsx.export_url(request)})


def _council_page(request: Request, session: Session, user: User, council_id: int, *, status_code: int = 200,
                  errors: list[str] | None = None, form: dict[str, str] | None = None) -> Response:
    lang = get_lang(request)
    now = now_of(request)
    council = service.get_council(session, user, council_id)
    return render(request, "council/council.html", {
        "c": views.council_out(session, user, council, now, lang), "errors": errors or [], "form": form or {},
    }, status_code=status_code)


@router.get("/councils/{council_id}")
def council_page(request: Request, session: SessionDep, user: PageUser, council_id: str) -> Response:
    return _council_page(request, session, user, _id(council_id, "council_not_found"))


@router.post("/councils/{council_id}/act")
def council_action(request: Request, session: SessionDep, user: PageUser, council_id: str,
                   form: FormFields) -> Response:
    cid = _id(council_id, "council_not_found")
    lang = get_lang(request)
    now = now_of(request)
    action = form.get("action", "")
    try:
        with session.begin_nested():
            council = service.get_council(session, user, cid)
            if action == "generate":
                if not service.can_run(session, user, council, now):
                    raise AppError("council_forbidden")
                service.generate_meetings(session, council, now, actor=user)
            elif action == "schedule":
                starts = parse_local_datetime(form.get("starts_at", ""))
                if starts is None:
                    raise AppError("council.web.bad_input")
                m = service.schedule_meeting(session, actor=user, council_id=cid, starts_at=starts, now=now,
                                             title=form.get("title", ""), location=form.get("location") or None,
                                             online_link=form.get("online_link", ""))
                response = redirect(f"/councils/meetings/{m.id}")
                set_flash(response, "web.flash.council_done", what=translate("council.web.what.schedule", lang))
                return response
            elif action == "quotas":
                specs = []
                for g in service.seat_groups(session, cid):
                    permille = _permille(form.get(f"quota_{g.code}", ""))
                    if permille is None:
                        raise AppError("council.web.bad_input")
                    specs.append(service.GroupSpec(g.code, g.name, permille, g.name_en))
                service.set_groups(session, actor=user, council_id=cid, groups=specs, now=now)
            elif action == "member":
                account = form.get("username", "").strip()
                found = accounts.get_user_by_username(session, account) if account else None
                if account and found is None:
                    raise AppError("council_user_not_found")
                service.add_member(
                    session, actor=user, council_id=cid, group_code=form.get("group_code", ""),
                    user_id=found.id if found else None, name=form.get("name", ""),
                    organisation=form.get("organisation", ""), position=form.get("position", "member"),
                    term_start=_date(form.get("term_start")), term_end=_date(form.get("term_end")), now=now)
            elif action == "subscribe":
                service.subscribe(session, user=user, council_id=cid, now=now)
            elif action == "unsubscribe":
                service.unsubscribe(session, user=user, council_id=cid)
            else:
                raise AppError("council.web.bad_input")
    except NotFound:
        raise
    except AppError as exc:
        return _council_page(request, session, user, cid, status_code=exc.status_code, form=form,
                             errors=[translate(exc.code, lang, **exc.params)])
    response = redirect(f"/councils/{cid}")
    set_flash(response, "web.flash.council_done", what=translate(f"council.web.what.{action}", lang))
    return response


def _permille(raw: str) -> int | None:
    """'50' or '33.3' (percent, one decimal) -> 500 / 333 per mille; exact, no float."""
    raw = raw.strip()
    whole, _, tenth = raw.partition(".")
    if not whole.isdigit() or len(whole) > 3 or (tenth and (not tenth.isdigit() or len(tenth) != 1)):
        return None
    return int(whole) * 10 + (int(tenth) if tenth else 0)


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip()) if (raw or "").strip() else None
    except ValueError:
        raise AppError("council.web.bad_input") from None


# ---------------------------------------------------------------- meetings


def _meeting_page(request: Request, session: Session, user: User, meeting_id: int, *, status_code: int = 200,
                  errors: list[str] | None = None, form: dict[str, str] | None = None) -> Response:
    lang = get_lang(request)
    now = now_of(request)
    meeting = service.get_meeting(session, user, meeting_id)
    out = views.meeting_out(session, user, meeting, now, lang)
    council = out.council
    area = geo.get_area(session, council.area.code)
    units: list[dict[str, str]] = []
    grids: list[dict[str, str]] = []
    if out.can_run and any(m.result == "passed" for m in out.motions):
        chain = [a.id for a in geo.ancestors(session, area)]
        units = [{"code": u.code, "name": u.name} for u in session.scalars(
            select(Unit).where(Unit.is_active.is_(True), Unit.area_id.in_(chain)).order_by(Unit.kind, Unit.code))]
        grids = [{"code": g.code, "name": g.name} for g in geo.grids_under(session, area)]
    categories = [{"code": c.code, "name": c.name_en if lang == "en" else c.name_zh}
                  for c in cases.list_categories(session)] if units else []
    return render(request, "council/meeting.html", {
        "m": out, "errors": errors or [], "form": form or {}, "units": units, "grids": grids,
        "categories": categories, "today": service.today(now).isoformat(),
    }, status_code=status_code)


@router.get("/councils/meetings/{meeting_id}")
def meeting_page(request: Request, session: SessionDep, user: PageUser, meeting_id: str) -> Response:
    return _meeting_page(request, session, user, _id(meeting_id, "council_meeting_not_found"))


async def _upload(request: Request) -> tuple[str, str, bytes] | None:
    form = await request.form()
    field = form.get("file")
    if isinstance(field, UploadFile) and field.filename:
        data = await field.read(service.MAX_DOCUMENT_BYTES + 1)
        return field.filename, field.content_type or "", data
    return None


UploadDep = Annotated[tuple[str, str, bytes] | None, Depends(_upload)]


@router.post("/councils/meetings/{meeting_id}/act")
def meeting_action(request: Request, session: SessionDep, user: PageUser, meeting_id: str, form: FormFields,
                   upload: UploadDep) -> Response:
    return _meeting_action(request, session, user, meeting_id, form, upload)


def _do_meeting_action(session: Session, user: User, mid: int, form: dict[str, str], now: datetime,
                       lang: str, upload: tuple[str, str, bytes] | None) -> str:
    """Apply one form action; returns where to go next."""
    action = form.get("action", "")
    here = f"/councils/meetings/{mid}"
    if action == "notice":
        service.notice_meeting(session, actor=user, meeting_id=mid, now=now)
    elif action == "open":
        service.open_meeting(session, actor=user, meeting_id=mid, now=now)
    elif action == "close":
        service.close_meeting(session, actor=user, meeting_id=mid, now=now, lang=lang)
        return here + "#minutes"
    elif action == "item":
        service.add_agenda_item(session, actor=user, meeting_id=mid, title=form.get("title", ""),
                                description=form.get("description", ""), now=now)
    elif action == "document":
        item_id = _opt_int(form.get("item_id"))
        if item_id is None:
            raise AppError("council.web.bad_input")
        name, ctype, data = upload if upload else ("", "", b"")
        service.add_document(session, actor=user, item_id=item_id, title=form.get("title", ""),
                             body=form.get("body", ""), filename=name, content_type=ctype,
                             content=data or None, now=now)
    elif action in ("check_in", "check_out"):
        member_id = _opt_int(form.get("member_id"))
        if action == "check_in":
            mode = form.get("mode", "in_person")
            service.check_in(session, actor=user, meeting_id=mid, member_id=member_id, mode=mode, now=now)
        else:
            if member_id is None:
                raise AppError("council.web.bad_input")
            service.check_out(session, actor=user, meeting_id=mid, member_id=member_id, now=now)
    elif action == "motion":
        service.open_motion(session, actor=user, meeting_id=mid, title=form.get("title", ""),
                            text=form.get("text", ""), rule=form.get("rule", "simple_majority"),
                            abstentions=form.get("abstentions", "excluded"), secret=form.get("secret") == "1",
                            agenda_item_id=_opt_int(form.get("agenda_item_id")), now=now)
        return here + "#motions"
    elif action == "vote":
        motion_id = _opt_int(form.get("motion_id"))
        if motion_id is None:
            raise AppError("council.web.bad_input")
        service.cast_vote(session, actor=user, motion_id=motion_id, choice=form.get("choice", ""),
                          member_id=_opt_int(form.get("member_id")), now=now)
        return here + f"#motion-{motion_id}"
    elif action == "close_motion":
        motion_id = _opt_int(form.get("motion_id"))
        if motion_id is None:
            raise AppError("council.web.bad_input")
        service.close_motion(session, actor=user, motion_id=motion_id, now=now)
        return here + f"#motion-{motion_id}"
    elif action == "minutes":
        service.edit_minutes(session, actor=user, meeting_id=mid, text=form.get("minutes", ""), now=now)
        return here + "#minutes"
    elif action == "publish":
        service.publish_minutes(session, actor=user, meeting_id=mid, now=now)
        return f"/councils/minutes/{mid}"
    elif action == "action":
        motion_id = _opt_int(form.get("motion_id"))
        try:
            due = date.fromisoformat(form.get("due_on", "").strip())
        except ValueError:
            raise AppError("council.web.bad_input") from None
        if motion_id is None:
            raise AppError("council.web.bad_input")
        service.create_action_item(session, actor=user, motion_id=motion_id, title=form.get("title", ""),
                                   description=form.get("description", ""), due_on=due,
                                   owner_unit_code=form.get("owner_unit_code") or None,
                                   owner_user_id=_opt_int(form.get("owner_user_id")),
                                   grid_code=form.get("grid_code") or None, category=form.get("category") or "other",
                                   now=now)
        return here + f"#motion-{motion_id}"
    else:
        raise AppError("council.web.bad_input")
    return here


def _what(action: str) -> str:
    return {"item": "item", "document": "document", "motion": "motion", "minutes": "minutes"}.get(action, action)


def _meeting_action(request: Request, session: Session, user: User, meeting_id: str, form: dict[str, str],
                    upload: tuple[str, str, bytes] | None) -> Response:
    mid = _id(meeting_id, "council_meeting_not_found")
    lang = get_lang(request)
    now = now_of(request)
    action = form.get("action", "")
    try:
        with session.begin_nested():
            target = _do_meeting_action(session, user, mid, form, now, lang, upload)
    except NotFound as exc:
        if exc.code in ("council_meeting_not_found",):
            raise
        return _meeting_page(request, session, user, mid, status_code=exc.status_code, form=form,
                             errors=[translate(exc.code, lang, **exc.params)])
    except AppError as exc:
        return _meeting_page(request, session, user, mid, status_code=exc.status_code, form=form,
                             errors=[translate(exc.code, lang, **exc.params)])
    response = redirect(target)
    if action == "vote":
        set_flash(response, "web.flash.council_voted")
    else:
        set_flash(response, "web.flash.council_done", what=translate(f"council.web.what.{_what(action)}", lang))
    return response


# ---------------------------------------------------------------- published minutes


@router.get("/councils/minutes/{meeting_id}")
def minutes_page(request: Request, session: SessionDep, user: PageUser, meeting_id: str) -> Response:
    lang = get_lang(request)
    meeting = service.get_meeting(session, user, _id(meeting_id, "council_meeting_not_found"), published_only=True)
    if meeting.status != "minutes_published":
        raise NotFound("council_meeting_not_found")
    return render(request, "council/minutes.html", {"mi": views.minutes_out(session, meeting, lang)})
