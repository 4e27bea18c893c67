"""Mediator caseload, dispute page and the street's mediation board; filing form, agreement, visit list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from gongzhi.auth import service as accounts
from gongzhi.auth.models import User
from gongzhi.clock import SHANGHAI
from gongzhi.errors import AppError, Forbidden, Invalid, NotFound
from gongzhi.geo import service as geo
from gongzhi.http import SessionDep, get_lang
from gongzhi.i18n import register, translate
from gongzhi.mediation import agreement, registry, service
from gongzhi.mediation.models import OPEN_STATUSES, RISKS, STATUSES, TIERS, TYPES, Dispute
from gongzhi.mediation.schemas import DisputeIn, PartyIn
from gongzhi.web import xlsx
from gongzhi.web.pages import FormFields, PageUser
from gongzhi.web.render import countdown_text, now_of, redirect, render, set_flash
from gongzhi.web.views import grid_choices, parse_float, parse_local_datetime

router = APIRouter(include_in_schema=False)
STAFF = ("admin", "official", "grid_worker", "mediator", "dept_staff")
BOARD_ROLES = ("admin", "official", "grid_worker", "mediator")

register({
    "web.med.nav": ("矛盾纠纷调解", "Dispute mediation"),
    "web.med.new.title": ("申请纠纷调解", "Apply for mediation"),
    "web.med.new.lead": (
        "说清楚发生了什么、和谁、涉及多少钱和多少人，系统会自动判断类型和风险，并匹配调解员。",
        "Say what happened, with whom, how much money and how many people; the system sorts it and finds a mediator.",
    ),
    "web.med.new.phone_lead": ("电话代录：为来电居民登记纠纷。", "Phone intake: file a dispute for a caller."),
    "web.med.f.description": ("纠纷经过", "What happened"),
    "web.med.f.applicant": ("申请人", "Applicant"),
    "web.med.f.respondent": ("被申请人（对方）", "Respondent (other side)"),
    "web.med.f.other": ("其他当事人（可不填）", "Other party (optional)"),
    "web.med.f.name": ("姓名", "Name"),
    "web.med.f.phone": ("电话", "Phone"),
    "web.med.f.id_number": ("身份证号（可不填）", "ID number (optional)"),
    "web.med.f.address": ("住址", "Address"),
    "web.med.f.grid": ("发生地点（网格）", "Where (grid)"),
    "web.med.f.place": ("具体地点", "Exact place"),
    "web.med.f.amount": ("涉及金额（元）", "Money involved (yuan)"),
    "web.med.f.people": ("涉及人数", "People involved"),
    "web.med.f.prior": ("此前是否调处过？结果如何", "Earlier attempts to settle it, and what happened"),
    "web.med.f.resident": ("居民账号（可不填）", "Resident's account (optional)"),
    "web.med.f.submit": ("提交申请", "Submit"),
    "web.med.f.choose": ("请选择", "Choose"),
    "web.med.err.required": ("请填写：{field}", "Please fill in: {field}"),
    "web.med.err.number": ("{field}须为数字", "{field} must be a number"),
    "web.med.err.invalid": ("填写内容有误，请检查", "Some fields are not valid; please check"),
    "web.med.caseload.title": ("我的调解案件", "My caseload"),
    "web.med.caseload.empty": ("暂无在办纠纷", "No open disputes"),
    "web.med.caseload.count": ("在办 {n} 件，上限 {cap} 件", "{n} open, limit {cap}"),
    "web.med.caseload.no_profile": ("您还没有调解员档案，请联系管理员设置专长和案件上限。",
                                    "You have no mediator profile yet; ask an administrator to set it up."),
    "web.med.first_contact": ("首次联系", "First contact"),
    "web.med.followup_due": ("回访", "Follow-up"),
    "web.med.d.triage": ("智能分诊", "Triage"),
    "web.med.d.confidence": ("把握 {p}%", "confidence {p}%"),
    "web.med.d.corrected": ("已人工修正", "corrected by a person"),
    "web.med.d.match": ("匹配调解员", "Mediator match"),
    "web.med.d.no_match": ("尚未分派，等待批量匹配", "Not assigned yet; waiting for the next batch"),
    "web.med.d.match_mode.batch": ("批量最优分派", "optimal batch assignment"),
    "web.med.d.match_mode.immediate": ("高风险立即分派", "immediate (high risk)"),
    "web.med.d.km": ("{km} 公里", "{km} km"),
    "web.med.d.parties": ("当事人", "Parties"),
    "web.med.d.reveal": ("查看完整信息（将被记录）", "Show full details (logged)"),
    "web.med.d.facts": ("基本情况", "Facts"),
    "web.med.d.sessions": ("调解记录", "Sessions"),
    "web.med.none": ("暂无", "None yet"),
    "web.med.d.evidence": ("证据材料", "Evidence"),
    "web.med.d.audit_seq": ("存证序号 #{seq}", "audit entry #{seq}"),
    "web.med.d.outcome": ("调解结果", "Outcome"),
    "web.med.d.print": ("打印调解协议书", "Print the mediation agreement"),
    "web.med.d.pdf": ("下载 PDF", "Download PDF"),
    "web.med.d.case_link": ("对应工单", "The case"),
    "web.med.d.channel": ("来源", "Channel"),
    "web.med.d.status": ("状态", "Status"),
    "web.med.d.escalations": ("已超时升级 {n} 次", "escalated {n} times"),
    "web.med.a.contact": ("已首次联系当事人", "First contact made"),
    "web.med.a.correct": ("修正类型/风险", "Correct type/risk"),
    "web.med.a.session": ("记录一次调解", "Record a session"),
    "web.med.a.evidence": ("上传证据", "Upload evidence"),
    "web.med.a.outcome": ("登记调解结果", "Record the outcome"),
    "web.med.a.followup": ("登记回访", "Record the follow-up"),
    "web.med.f.note": ("说明", "Note"),
    "web.med.f.type": ("纠纷类型", "Dispute type"),
    "web.med.f.risk": ("风险等级", "Risk tier"),
    "web.med.f.held_at": ("调解时间", "When"),
    "web.med.f.session_place": ("调解地点", "Where"),
    "web.med.f.attendees": ("参加人员", "Present"),
    "web.med.f.notes": ("调解情况", "What happened"),
    "web.med.f.file": ("文件（录音、照片、票据等，10 MB 以内）", "File (recording, photo, receipt; up to 10 MB)"),
    "web.med.f.outcome": ("结果", "Outcome"),
    "web.med.f.terms": ("协议内容", "Terms of the agreement"),
    "web.med.f.referred": ("调解不成时引导", "If failed, referred to"),
    "web.flash.med_filed": ("纠纷已登记，编号 {number}", "Dispute filed: {number}"),
    "web.flash.med_saved": ("已保存", "Saved"),
    "web.flash.med_matched": ("已分派 {n} 件纠纷", "{n} disputes assigned"),
    "web.med.board.title": ("矛盾纠纷调解看板", "Mediation board"),
    "web.med.board.total": ("纠纷 {n} 件", "{n} disputes"),
    "web.med.board.success": ("调解成功率 {p}%", "Mediation success {p}%"),
    "web.med.board.by_tier": ("按层级", "By tier"),
    "web.med.board.by_type": ("按类型", "By type"),
    "web.med.board.by_status": ("按状态", "By status"),
    "web.med.board.overdue": ("首次联系超时", "First contact overdue"),
    "web.med.board.none_overdue": ("没有超时的纠纷", "Nothing overdue"),
    "web.med.board.match_now": ("立即批量分派", "Match waiting disputes now"),
    "web.med.board.matched": ("已分派 {n} 件", "{n} disputes assigned"),
    "web.med.board.recent": ("最近纠纷", "Recent disputes"),
    "web.med.registry.title": ("风险名册与本周走访", "Risk registry and this week's visits"),
    "web.med.registry.lead": (
        "根据纠纷历史（重复、未化解、超时升级、风险等级，按时间衰减）评分，分数越高越需要提前走访。",
        "Scored from dispute history (repeats, unresolved, escalations, risk; recent ones weigh more).",
    ),
    "web.med.registry.visits": ("本周走访清单", "This week's visit list"),
    "web.med.registry.all": ("全部名册", "Whole registry"),
    "web.med.registry.score": ("风险分 {s}", "score {s}"),
    "web.med.registry.last_visit": ("上次走访 {at}", "last visited {at}"),
    "web.med.registry.record": ("记录走访", "Record the visit"),
    "web.med.registry.empty": ("本周没有需要走访的对象", "No visits needed this week"),
    "web.med.agreement.title": ("人民调解协议书", "People's mediation agreement"),
    "web.med.mediators.title": ("调解员设置", "Mediators"),
    "web.med.mediators.lead": ("专长用于匹配；案件上限和是否接案决定可分派的名额。",
                               "Specialties steer matching; the caseload limit and availability decide free slots."),
    "web.med.mediators.load": ("在办 {n}/{cap}", "{n}/{cap} open"),
    "web.med.mediators.available": ("接收新案件", "Takes new disputes"),
    "web.med.mediators.capacity": ("案件上限", "Caseload limit"),
    "web.med.mediators.save": ("保存", "Save"),
    "web.med.agreement.print": ("打印", "Print"),
})


def _did(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 10 or int(raw) >= 2**31:
        raise NotFound("mediation_dispute_not_found")
    return int(raw)


@dataclass(frozen=True)
class Row:
    id: int
    number: str
    type_label: str
    risk: str
    risk_label: str
    tier_label: str
    status: str
    status_label: str
    summary: str
    grid: str
    deadline: datetime | None
    deadline_kind: str
    countdown: str
    overdue: bool
    mediator: str


def rows_for(session: Session, items: list[Dispute], now: datetime, lang: str) -> list[Row]:
    grids = {a.id: a.name for a in (geo.get_area_by_id(session, gid) for gid in {d.grid_id for d in items})}
    out = []
    for d in items:
        if d.status in ("waiting", "assigned"):
            deadline, kind = d.first_contact_due_at, "web.med.first_contact"
        elif d.status not in OPEN_STATUSES and d.followup_done_at is None:
            deadline, kind = d.followup_due_at, "web.med.followup_due"
        else:
            deadline, kind = None, ""
        mediator = service.mediator_user(session, d)
        out.append(Row(
            id=d.id, number=service.dispute_number(d), type_label=translate(f"mediation.type.{d.type}", lang),
            risk=d.risk, risk_label=translate(f"mediation.risk.{d.risk}", lang),
            tier_label=translate(f"mediation.tier.{d.tier}", lang), status=d.status,
            status_label=translate(f"mediation.status.{d.status}", lang),
            summary=d.description[:60] + ("…" if len(d.description) > 60 else ""), grid=grids.get(d.grid_id, ""),
            deadline=deadline, deadline_kind=kind, countdown=countdown_text(deadline, now, lang) if deadline else "",
            overdue=bool(deadline and now > deadline), mediator=service.name_of(mediator) if mediator else "",
        ))
    return out


def _labels(prefix: str, codes: tuple[str, ...], lang: str) -> list[dict[str, str]]:
    return [{"code": c, "name": translate(f"{prefix}.{c}", lang)} for c in codes]


# ---------------------------------------------------------------- entry and filing


@router.get("/mediation")
def mediation_home(request: Request, user: PageUser) -> Response:
    # The query string (filters, format=xlsx) goes along to the role's list page.
    query = f"?{request.url.query}" if request.url.query else ""
    if user.role == "mediator":
        return redirect("/mediation/caseload" + query)
    if user.role in ("admin", "official"):
        return redirect("/mediation/board" + query)
    if user.role == "grid_worker":
        return redirect("/mediation/registry" + query)
    return redirect("/mediation/new")


DISPUTE_EXPORT_COLUMNS = [
    xlsx.Column("xlsx.col.number", 18), xlsx.Column("xlsx.col.type", 12), xlsx.Column("xlsx.col.risk", 8),
    xlsx.Column("xlsx.col.tier", 10), xlsx.Column("xlsx.col.status", 10), xlsx.Column("xlsx.col.summary", 40),
    xlsx.Column("xlsx.col.grid", 14), xlsx.Column("xlsx.col.deadline", 17), xlsx.Column("xlsx.col.overdue", 8),
    xlsx.Column("xlsx.col.mediator", 10),
]


def _dispute_export(request: Request, user: User, rows: list[Row], *, name: str, title_key: str) -> Response:
    """The same Row objects the page lists (no party data: the lists show none)."""
    lang = get_lang(request)
    return xlsx.xlsx_response(request, user, name=name, title_key=title_key, columns=DISPUTE_EXPORT_COLUMNS,
                              now=now_of(request), rows=[
        [r.number, r.type_label, r.risk_label, r.tier_label, r.status_label, r.summary, r.grid, r.deadline,
         translate("xlsx.yes" if r.overdue else "xlsx.no", lang), r.mediator] for r in rows])


def _new_page(request: Request, session: Session, user: User, form: dict[str, str], *,
              errors: list[str] | None = None, status_code: int = 200) -> Response:
    return render(request, "mediation/new.html", {
        "form": form, "errors": errors or [], "grids": grid_choices(session, get_lang(request)),
        "staff": user.role in STAFF,
    }, status_code=status_code)


@router.get("/mediation/new")
def new_form(request: Request, session: SessionDep, user: PageUser) -> Response:
    if user.role not in (*STAFF, "resident"):
        raise Forbidden("mediation_forbidden")
    return _new_page(request, session, user, {})


def _party(form: dict[str, str], prefix: str, role: str) -> PartyIn | None:
    name = form.get(f"{prefix}_name", "").strip()
    if not name:
        return None
    return PartyIn(role=role,
                   name=name[:100], phone=form.get(f"{prefix}_phone", "").strip()[:32],
                   id_number=form.get(f"{prefix}_id", "").strip()[:32],
                   address=form.get(f"{prefix}_address", "").strip()[:300])


@router.post("/mediation/new")
def new_submit(request: Request, session: SessionDep, user: PageUser, form: FormFields) -> Response:
    lang = get_lang(request)
    errors: list[str] = []
    description = form.get("description", "").strip()
    if len(description) < 4:
        errors.append(translate("web.med.err.required", lang, field=translate("web.med.f.description", lang)))
    amount = parse_float(form.get("amount")) if form.get("amount", "").strip() else None
    if form.get("amount", "").strip() and amount is None:
        errors.append(translate("web.med.err.number", lang, field=translate("web.med.f.amount", lang)))
    people_raw = form.get("people", "").strip() or "2"
    if not people_raw.isdigit() or not 1 <= int(people_raw) <= 100000:
        errors.append(translate("web.med.err.number", lang, field=translate("web.med.f.people", lang)))
    parties = []
    try:
        for prefix, role in (("a", "applicant"), ("r", "respondent"), ("o", "other")):
            p = _party(form, prefix, role)
            if p is not None:
                parties.append(p)
    except ValidationError:
        errors.append(translate("web.med.err.invalid", lang))
    if errors:
        return _new_page(request, session, user, form, errors=errors, status_code=422)
    try:
        data = DisputeIn(
            description=description[:4000], parties=parties, grid_code=form.get("grid_code", "").strip() or None,
            lat=parse_float(form.get("lat")), lng=parse_float(form.get("lng")),
            address=form.get("address", "").strip()[:300], amount=amount, people=int(people_raw),
            prior_attempts=form.get("prior_attempts", "").strip()[:2000],
            resident_username=(form.get("resident_username", "").strip() or None) if user.role in STAFF else None,
        )
    except ValidationError:
        return _new_page(request, session, user, form, status_code=422,
                         errors=[translate("mediation_parties_required", lang)
                                 if len(parties) < 2 else translate("web.med.err.invalid", lang)])
    try:
        with session.begin_nested():
            d = service.file_dispute(session, actor=user, data=data, now=now_of(request))
    except AppError as exc:
        return _new_page(request, session, user, form, status_code=exc.status_code,
                         errors=[translate(exc.code, lang, **exc.params)])
    response = redirect(f"/mediation/disputes/{d.id}")
    set_flash(response, "web.flash.med_filed", number=service.dispute_number(d))
    return response


# ---------------------------------------------------------------- caseload and board


@router.get("/mediation/caseload")
def caseload(request: Request, session: SessionDep, user: PageUser, format: str = "") -> Response:
    if user.role != "mediator":
        return redirect("/mediation")
    lang, now = get_lang(request), now_of(request)
    profile = service.mediator_of_user(session, user)
    items = service.caseload(session, user)
    rows = rows_for(session, items, now, lang)
    if xlsx.wants_xlsx(format):
        return _dispute_export(request, user, rows, name="caseload", title_key="xlsx.title.caseload")
    open_n = sum(1 for d in items if d.status in ("assigned", "in_mediation"))
    return render(request, "mediation/caseload.html", {
        "rows": rows, "profile": profile, "open_n": open_n, "export_url": xlsx.export_url(request),
    })


@router.get("/mediation/board")
def board(request: Request, session: SessionDep, user: PageUser, format: str = "") -> Response:
    if user.role not in BOARD_ROLES:
        raise Forbidden("mediation_forbidden")
    lang, now = get_lang(request), now_of(request)
    if xlsx.wants_xlsx(format):
        # The board's dispute list without its 30-row cut: every dispute in the caller's scope, newest first.
        _none, total = service.list_disputes(session, user, limit=0)
        xlsx.check_size(total)
        everything, _total = service.list_disputes(session, user, limit=total)
        return _dispute_export(request, user, rows_for(session, everything, now, lang), name="disputes",
                               title_key="xlsx.title.disputes")
    data = service.board(session, user, now)
    recent, _ = service.list_disputes(session, user, limit=30)
    rate = data["success_rate"]
    return render(request, "mediation/board.html", {
        "total": data["total"], "success": None if rate is None else round(rate * 100, 1),
        "by_tier": [(translate(f"mediation.tier.{t}", lang), data["by_tier"].get(t, 0)) for t in TIERS],
        "by_type": [(translate(f"mediation.type.{t}", lang), data["by_type"].get(t, 0)) for t in TYPES
                    if data["by_type"].get(t)],
        "by_status": [(translate(f"mediation.status.{s}", lang), data["by_status"].get(s, 0)) for s in STATUSES],
        "overdue": rows_for(session, data["overdue"], now, lang),
        "recent": rows_for(session, recent, now, lang),
        "can_match": user.role in ("admin", "official"), "export_url": xlsx.export_url(request),
    })


@router.post("/mediation/board/match")
def board_match(request: Request, session: SessionDep, user: PageUser) -> Response:
    if user.role not in ("admin", "official"):
        raise Forbidden("mediation_forbidden")
    n = service.assign_waiting(session, now_of(request))
    response = redirect("/mediation/board")
    set_flash(response, "web.flash.med_matched", n=n)
    return response


# ---------------------------------------------------------------- the dispute page


def _dispute_page(request: Request, session: Session, user: User, dispute_id: int, *, reveal: bool = False,
                  error: str | None = None, status_code: int = 200) -> Response:
    lang, now = get_lang(request), now_of(request)
    d = service.get_dispute(session, user, dispute_id)
    mediator = service.mediator_user(session, d)
    # Scope already passed (get_dispute): a supervisor here supervises this dispute's area.
    handler = (mediator is not None and mediator.id == user.id) or user.role in ("admin", "official")
    terms = d.match_reasons
    match_terms = [(translate(f"mediation.term.{k}", lang), f"{float(terms[k]):.2f}")
                   for k in ("specialty", "tier", "distance", "caseload", "total") if k in terms]
    seqs = service.evidence_audit_seqs(session, d)
    grid = geo.get_area_by_id(session, d.grid_id)
    return render(request, "mediation/dispute.html", {
        "d": d, "number": service.dispute_number(d), "row": rows_for(session, [d], now, lang)[0],
        "grid": grid.name, "mediator": service.name_of(mediator) if mediator else "",
        "match_terms": match_terms, "km": terms.get("km"), "mode": terms.get("mode", ""),
        "parties": service.party_views(session, user=user, dispute=d, now=now, reveal=reveal),
        "party_label": lambda r: translate(f"mediation.party.{r}", lang),
        "can_reveal": user.role in STAFF and user.role != "dept_staff" and not reveal,
        "sessions": service.sessions_of(session, d),
        "evidence": [(e, seqs.get(e.id)) for e in service.evidence_of(session, d)],
        "is_mediator": mediator is not None and mediator.id == user.id,
        "is_handler": handler, "can_correct": user.role in service.CORRECT_ROLES and d.status in OPEN_STATUSES,
        "types": _labels("mediation.type", TYPES, lang), "risks": _labels("mediation.risk", RISKS, lang),
        "open": d.status in OPEN_STATUSES, "error": error, "staff": user.role in STAFF,
        "pdf": agreement.find_font() is not None, "local_now": now.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M"),
    }, status_code=status_code)


@router.get("/mediation/disputes/{dispute_id}")
def dispute_page(request: Request, session: SessionDep, user: PageUser, dispute_id: str) -> Response:
    return _dispute_page(request, session, user, _did(dispute_id))


@router.post("/mediation/disputes/{dispute_id}/reveal")
def dispute_reveal(request: Request, session: SessionDep, user: PageUser, dispute_id: str) -> Response:
    # A POST: the unmasked read is written to the data-access log in this request's transaction.
    return _dispute_page(request, session, user, _did(dispute_id), reveal=True)


@router.post("/mediation/disputes/{dispute_id}/act")
def dispute_act(request: Request, session: SessionDep, user: PageUser, dispute_id: str,
                form: FormFields) -> Response:
    did = _did(dispute_id)
    lang, now = get_lang(request), now_of(request)
    action = form.get("action", "")
    note = form.get("note", "").strip()[:4000]
    try:
        with session.begin_nested():
            if action == "contact":
                service.record_contact(session, user=user, dispute_id=did, now=now, note=note)
            elif action == "correct":
                service.correct_triage(session, user=user, dispute_id=did, type=form.get("type", ""),
                                       risk=form.get("risk", ""), now=now, note=note)
            elif action == "session":
                held = parse_local_datetime(form.get("held_at", ""))
                if held is None:
                    raise Invalid("mediation_time_invalid")
                service.add_session(session, user=user, dispute_id=did, held_at=held,
                                    place=form.get("place", "")[:200], attendees=form.get("attendees", "")[:2000],
                                    notes=form.get("notes", "")[:8000], now=now)
            elif action == "outcome":
                service.conclude(session, user=user, dispute_id=did, outcome=form.get("outcome", ""), now=now,
                                 note=note, terms=form.get("terms", "")[:8000],
                                 referred_to=form.get("referred_to", "none"))
            elif action == "followup":
                service.record_followup(session, user=user, dispute_id=did, note=note, now=now)
            else:
                raise Invalid("mediation_outcome_invalid")
    except NotFound:
        raise
    except AppError as exc:
        return _dispute_page(request, session, user, did, error=translate(exc.code, lang, **exc.params),
                             status_code=exc.status_code)
    response = redirect(f"/mediation/disputes/{did}")
    set_flash(response, "web.flash.med_saved")
    return response


@router.post("/mediation/disputes/{dispute_id}/evidence")
async def dispute_evidence(request: Request, session: SessionDep, user: PageUser, dispute_id: str) -> Response:
    did = _did(dispute_id)
    lang, now = get_lang(request), now_of(request)
    form = await request.form(max_files=1)
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile):
            raise Invalid("mediation_evidence_empty")
        data = await upload.read(service.EVIDENCE_MAX_BYTES + 1)
        with session.begin_nested():
            service.add_evidence(session, user=user, dispute_id=did, filename=upload.filename or "evidence",
                                 content_type=upload.content_type or "", data=data, now=now)
    except NotFound:
        raise
    except AppError as exc:
        return _dispute_page(request, session, user, did, error=translate(exc.code, lang, **exc.params),
                             status_code=exc.status_code)
    response = redirect(f"/mediation/disputes/{did}")
    set_flash(response, "web.flash.med_saved")
    return response


@router.get("/mediation/disputes/{dispute_id}/evidence/{evidence_id}")
def evidence_file(session: SessionDep, user: PageUser, dispute_id: str, evidence_id: str) -> Response:
    from urllib.parse import quote

    if not evidence_id.isdigit() or len(evidence_id) > 10:
        raise NotFound("mediation_evidence_not_found")
    e = service.get_evidence(session, user=user, dispute_id=_did(dispute_id), evidence_id=int(evidence_id))
    return Response(e.data, media_type="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(e.filename)}", "Cache-Control": "no-store"})


@router.post("/mediation/disputes/{dispute_id}/agreement")
def agreement_page(request: Request, session: SessionDep, user: PageUser, dispute_id: str) -> Response:
    # POST: printing shows the parties' full names and ID numbers, a logged read.
    doc = agreement.build(session, user=user, dispute_id=_did(dispute_id), now=now_of(request))
    return render(request, "mediation/agreement.html", {"a": doc})


@router.post("/mediation/disputes/{dispute_id}/agreement.pdf")
def agreement_pdf(request: Request, session: SessionDep, user: PageUser, dispute_id: str) -> Response:
    doc = agreement.build(session, user=user, dispute_id=_did(dispute_id), now=now_of(request))
    data = agreement.pdf(doc)
    if data is None:
        raise NotFound("not_found")
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename={doc.number}.pdf",
                             "Cache-Control": "no-store"})


# ---------------------------------------------------------------- registry and visits


def _registry_page(request: Request, session: Session, user: User, *, error: str | None = None,
                   status_code: int = 200) -> Response:
    if user.role not in BOARD_ROLES:
        raise Forbidden("mediation_forbidden")
    lang, now = get_lang(request), now_of(request)
    visits = registry.visit_list(session, user, now, lang=lang, reveal=True)
    everything = registry.scores(session, user, now, lang=lang)[:50]
    return render(request, "mediation/registry.html", {
        "visits": visits, "entries": everything, "error": error, "export_url": xlsx.export_url(request),
        "kind_label": lambda k: translate(f"mediation.registry.kind.{k}", lang),
    }, status_code=status_code)


@router.get("/mediation/registry")
def registry_page(request: Request, session: SessionDep, user: PageUser, format: str = "") -> Response:
    if xlsx.wants_xlsx(format):
        if user.role not in BOARD_ROLES:
            raise Forbidden("mediation_forbidden")
        lang = get_lang(request)
        # The page's full table (masked labels, as the page shows them), without its 50-row cut.
        entries = registry.scores(session, user, now_of(request), lang=lang)
        return xlsx.xlsx_response(request, user, name="registry", title_key="xlsx.title.registry",
                                  now=now_of(request), columns=[
            xlsx.Column("xlsx.col.kind", 8), xlsx.Column("xlsx.col.name", 24), xlsx.Column("xlsx.col.score", 8),
            xlsx.Column("xlsx.col.count", 8), xlsx.Column("xlsx.col.reasons", 60),
            xlsx.Column("xlsx.col.last_visit", 17)], rows=[
            [translate(f"mediation.registry.kind.{e.kind}", lang), e.label, e.score, e.disputes, "；".join(e.reasons),
             e.last_visit_at] for e in entries])
    return _registry_page(request, session, user)


@router.post("/mediation/registry/visit")
def registry_visit(request: Request, session: SessionDep, user: PageUser, form: FormFields) -> Response:
    lang = get_lang(request)
    try:
        note = form.get("note", "").strip()[:2000]
        if not note:
            raise Invalid("mediation_note_required")
        with session.begin_nested():
            registry.record_visit(session, user=user, kind=form.get("kind", ""), key=form.get("key", "")[:64],
                                  note=note, now=now_of(request))
    except AppError as exc:
        return _registry_page(request, session, user, error=translate(exc.code, lang, **exc.params),
                              status_code=exc.status_code)
    response = redirect("/mediation/registry")
    set_flash(response, "web.flash.med_saved")
    return response


# ---------------------------------------------------------------- mediator profiles (supervisors)


def _mediators_page(request: Request, session: Session, user: User, *, error: str | None = None,
                    status_code: int = 200) -> Response:
    if user.role not in ("admin", "official"):
        raise Forbidden("mediation_forbidden")
    lang = get_lang(request)
    loads = service.mediator_loads(session)
    rows = []
    for m, person, area in service.mediators_in_scope(session, user):
        rows.append({"m": m, "name": service.name_of(person), "username": person.username, "area": area.name,
                     "load": loads.get(m.id, 0)})
    return render(request, "mediation/mediators.html", {
        "rows": rows, "types": _labels("mediation.type", TYPES, lang), "error": error,
        "export_url": xlsx.export_url(request),
    }, status_code=status_code)


@router.get("/mediation/mediators")
def mediators_page(request: Request, session: SessionDep, user: PageUser, format: str = "") -> Response:
    if xlsx.wants_xlsx(format):
        if user.role not in ("admin", "official"):
            raise Forbidden("mediation_forbidden")
        lang = get_lang(request)
        loads = service.mediator_loads(session)
        return xlsx.xlsx_response(request, user, name="mediators", title_key="xlsx.title.mediators",
                                  now=now_of(request), columns=[
            xlsx.Column("xlsx.col.name", 10), xlsx.Column("xlsx.col.username", 14), xlsx.Column("xlsx.col.tier", 10),
            xlsx.Column("xlsx.col.area", 14), xlsx.Column("xlsx.col.specialties", 30),
            xlsx.Column("xlsx.col.capacity", 8), xlsx.Column("xlsx.col.load", 8), xlsx.Column("xlsx.col.available", 8),
        ], rows=[
            [service.name_of(person), person.username, translate(f"mediation.tier.{m.tier}", lang), area.name,
             "、".join(translate(f"mediation.type.{t}", lang) for t in m.specialties), m.capacity, loads.get(m.id, 0),
             translate("xlsx.yes" if m.available else "xlsx.no", lang)]
            for m, person, area in service.mediators_in_scope(session, user)])
    return _mediators_page(request, session, user)


@router.post("/mediation/mediators")
async def mediators_save(request: Request, session: SessionDep, user: PageUser) -> Response:
    form = await request.form()
    lang = get_lang(request)
    username = str(form.get("username", ""))[:64]
    specialties = [str(v) for v in form.getlist("specialties")][:12]
    raw_cap = str(form.get("capacity", "")).strip()
    try:
        person = accounts.get_user_by_username(session, username)
        if person is None:
            raise Invalid("mediation_not_a_mediator", username=username)
        if not raw_cap.isdigit() or not 1 <= int(raw_cap) <= 200:
            raise Invalid("mediation_capacity_invalid")
        with session.begin_nested():
            service.upsert_mediator(session, actor=user, user=person, now=now_of(request), specialties=specialties,
                                    capacity=int(raw_cap), available=form.get("available") == "on")
    except AppError as exc:
        return _mediators_page(request, session, user, error=translate(exc.code, lang, **exc.params),
                               status_code=exc.status_code)
    response = redirect("/mediation/mediators")
    set_flash(response, "web.flash.med_saved")
    return response
