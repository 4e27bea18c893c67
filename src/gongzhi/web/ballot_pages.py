"""Owners' ballot pages: the list, a ballot with the art. 278 conditions as progress bars, voting.

Owners vote online from the ballot page; staff (grid workers, officials, admins of the community)
create, open and close ballots, record paper ballots and correct votes. A refused action re-renders
the page with the reason and the service's status code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.auth.models import User
from gongzhi.clock import SHANGHAI
from gongzhi.council import ballots
from gongzhi.council.ballot_models import Building, Estate, Owner
from gongzhi.council.rules import MATTERS, QUALIFIED_MATTERS, BallotEvaluation
from gongzhi.errors import AppError, Invalid, NotFound
from gongzhi.geo import service as geo
from gongzhi.http import SessionDep, get_lang
from gongzhi.i18n import register, translate
from gongzhi.web import xlsx
from gongzhi.web.pages import FormFields, PageUser
from gongzhi.web.render import now_of, redirect, render, set_flash

router = APIRouter(include_in_schema=False)

register({
    "web.ballots.title": ("业主表决", "Owners' ballots"),
    "web.ballots.lead": (
        "依据《民法典》第二百七十八条：参与表决的专有部分面积和人数均须达到三分之二以上；"
        "筹集维修资金、改建重建、改变共有部分用途须经参与表决面积和人数四分之三以上同意，其他事项须过半数同意。",
        "Civil Code art. 278: owners holding two-thirds or more of the floor area and two-thirds or more of the "
        "owners must take part; raising the maintenance fund, rebuilding or changing the use of common parts "
        "needs three-quarters or more of the participating area and owners, other matters more than half.",
    ),
    "web.ballots.empty": ("暂无表决", "No ballots yet"),
    "web.ballots.new": ("发起表决", "New ballot"),
    "web.ballots.estate": ("小区", "Estate"),
    "web.ballots.building": ("楼栋", "Building"),
    "web.ballots.whole_estate": ("全体业主", "Whole estate"),
    "web.ballots.matter": ("表决事项", "Matter"),
    "web.ballots.title_field": ("标题", "Title"),
    "web.ballots.description": ("说明", "Description"),
    "web.ballots.closes": ("截止日期", "Closes on"),
    "web.ballots.closes_at": ("截止：{when}", "Closes: {when}"),
    "web.ballots.create": ("保存为草稿", "Save as draft"),
    "web.ballots.open": ("开始投票", "Open for votes"),
    "web.ballots.close": ("结束并计票", "Close and count"),
    "web.ballots.qualified": ("特别多数（≥3/4）", "Qualified majority (≥ 3/4)"),
    "web.ballots.ordinary": ("过半数（>1/2）", "Simple majority (> 1/2)"),
    "web.ballots.conditions": ("第278条各项条件", "Conditions of art. 278"),
    "web.ballots.threshold": ("门槛 {op} {thr}", "threshold {op} {thr}"),
    "web.ballots.figures": ("{num} / {den}", "{num} / {den}"),
    "web.ballots.met": ("已达到", "met"),
    "web.ballots.not_met": ("未达到", "not met"),
    "web.ballots.live": ("实时计票（尚未结束）", "Running count (not closed yet)"),
    "web.ballots.result": ("表决结果：{result}", "Result: {result}"),
    "web.ballots.draft_note": ("草稿：开始投票时按当时的业主名册冻结面积和人数。",
                               "Draft: opening freezes the owner register (areas and owners)."),
    "web.ballots.totals": ("业主 {owners} 人，专有部分总面积 {area} ㎡", "{owners} owners, {area} m² in total"),
    "web.ballots.counts": ("同意 {yes} · 反对 {no} · 弃权 {abstain}", "Yes {yes} · No {no} · Abstain {abstain}"),
    "web.ballots.your_vote": ("您的投票", "Your vote"),
    "web.ballots.voted": ("您已投票：{choice}（{channel}）", "You voted: {choice} ({channel})"),
    "web.ballots.not_entitled": ("您不在本次表决的业主名册中。", "You are not on this ballot's roll."),
    "web.ballots.cast": ("提交投票", "Cast my vote"),
    "web.ballots.vote_once": ("每位业主只能投一票，提交后不能自行修改。", "One vote per owner; it cannot be changed afterwards."),
    "web.ballots.paper": ("录入纸质票", "Record a paper ballot"),
    "web.ballots.owner": ("业主", "Owner"),
    "web.ballots.paper_ref": ("纸质票编号", "Paper ballot number"),
    "web.ballots.record": ("录入", "Record"),
    "web.ballots.correct": ("更正选票（留痕）", "Correct a vote (logged)"),
    "web.ballots.reason": ("更正原因", "Reason"),
    "web.ballots.voters": ("投票情况", "Votes"),
    "web.ballots.area": ("面积（㎡）", "Area (m²)"),
    "web.ballots.choice": ("选择", "Choice"),
    "web.ballots.channel": ("方式", "Channel"),
    "web.ballots.not_voted": ("未投票", "Not voted"),
    "web.ballots.corrected": ("已更正 {n} 次", "corrected {n}×"),
    "web.ballots.back": ("← 全部表决", "← All ballots"),
    "web.ballots.status": ("状态", "Status"),
    "web.ballots.register": ("业主名册", "Owner register"),
    "web.ballots.new_estate": ("登记小区", "Register an estate"),
    "web.ballots.estate_code": ("小区编码", "Estate code"),
    "web.ballots.estate_name": ("小区名称", "Estate name"),
    "web.ballots.community": ("所属社区", "Community"),
    "web.ballots.add_building": ("添加楼栋", "Add a building"),
    "web.ballots.building_name": ("楼栋名称（如 3幢）", "Building (e.g. No. 3)"),
    "web.ballots.add_owner": ("登记业主", "Add an owner"),
    "web.ballots.owner_name": ("业主姓名", "Owner's name"),
    "web.ballots.phone": ("联系电话", "Phone"),
    "web.ballots.username": ("关联居民账号（可选，用于网上投票）", "Resident account (optional, for online voting)"),
    "web.ballots.add_unit": ("登记房屋", "Add a unit"),
    "web.ballots.unit_number": ("房号", "Unit number"),
    "web.ballots.unit_area": ("专有部分面积（㎡）", "Exclusive floor area (m²)"),
    "web.ballots.units": ("房屋", "Units"),
    "web.ballots.linked": ("可网上投票", "votes online"),
    "web.ballots.paper_only": ("纸质投票", "paper only"),
    "web.ballots.register_totals": ("业主 {owners} 人，面积合计 {area} ㎡", "{owners} owners, {area} m² in total"),
    "web.flash.ballot_saved": ("已保存", "Saved"),
    "web.flash.ballot_imported": ("已导入 {units} 套房屋，新增业主 {owners} 人", "Imported {units} units, {owners} new owners"),
    "web.ballots.import": ("上传名册表格（.xlsx）", "Upload a register (.xlsx)"),
    "web.ballots.import_hint": ("列依次为：楼栋、房号、面积、业主、电话、账号（后两列可空）；任何一行有误则整表不导入。",
                                "Columns: building, unit, area, owner, phone, account (last two optional); "
                                "one bad row and nothing is imported."),
    "web.flash.ballot_created": ("表决草稿已创建", "Ballot draft created"),
    "web.flash.ballot_opened": ("表决已开始", "The ballot is open"),
    "web.flash.ballot_closed": ("表决已结束：{result}", "The ballot is closed: {result}"),
    "web.flash.ballot_voted": ("投票已提交", "Your vote is in"),
    "web.flash.ballot_paper": ("纸质票已录入", "Paper ballot recorded"),
    "web.flash.ballot_corrected": ("选票已更正", "Vote corrected"),
})

CHOICE_LIST = ("yes", "no", "abstain")
MAX_UPLOAD = 5 * 1024 * 1024


@dataclass(frozen=True)
class Bar:
    name: str
    label: str
    numerator: str
    denominator: str
    threshold: str
    op: str
    percent: float  # 0–100, for the bar
    threshold_percent: float
    met: bool


def fmt(value: Any) -> str:
    """A Fraction as a short decimal for people (exact figures stay in the API)."""
    f = float(value)
    return f"{f:.2f}".rstrip("0").rstrip(".") if f != int(f) else str(int(f))


def bars(result: BallotEvaluation, lang: str) -> list[Bar]:
    out = []
    for c in result.conditions:
        share = c.share
        out.append(Bar(
            name=c.name, label=translate(f"ballot.cond.{c.name}", lang), numerator=fmt(c.numerator),
            denominator=fmt(c.denominator), threshold=f"{c.threshold.numerator}/{c.threshold.denominator}",
            op="≥" if c.inclusive else ">", percent=round(float(share) * 100, 2) if share is not None else 0.0,
            threshold_percent=round(float(c.threshold) * 100, 2), met=c.met,
        ))
    return out


def _ballot_id(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 10 or int(raw) >= 2**31:
        raise NotFound("ballot_not_found")
    return int(raw)


def _estates(session: Session, user: User) -> list[tuple[Estate, list[Building]]]:
    out = []
    for estate in session.scalars(ballots.scoped_estates(session, user).order_by(Estate.code)):
        if ballots.can_manage(session, user, estate):
            blds = list(session.scalars(select(Building).where(Building.estate_id == estate.id)
                                        .order_by(Building.name)))
            out.append((estate, blds))
    return out


def _communities(session: Session, user: User, lang: str) -> list[tuple[str, str]]:
    """Communities where this person may register an estate (above them or the one they work in)."""
    if user.role not in ballots.MANAGER_ROLES or user.area_id is None:
        return []
    here = geo.get_area_by_id(session, user.area_id)
    chain = geo.subtree(session, here) + geo.ancestors(session, here)
    return sorted({(a.code, (a.name_en or a.name) if lang == "en" else a.name)
                   for a in chain if a.level in ("community", "village")})


def _list_page(request: Request, session: Session, user: User, *, status_code: int = 200,
               errors: list[str] | None = None, form: dict[str, str] | None = None) -> Response:
    lang = get_lang(request)
    items = ballots.list_ballots(session, user)
    estate_names = {e.id: e.name for e in session.scalars(select(Estate).where(
        Estate.id.in_({b.estate_id for b in items})))} if items else {}
    return render(request, "ballots/list.html", {
        "items": items, "estate_names": estate_names, "manageable": _estates(session, user),
        "communities": _communities(session, user, lang),
        "matters": [(m, translate(f"ballot.matter.{m}", lang), m in QUALIFIED_MATTERS) for m in MATTERS],
        "errors": errors or [], "form": form or {}, "export_url": xlsx.export_url(request),
    }, status_code=status_code)


def _detail_page(request: Request, session: Session, user: User, ballot_id: int, *, status_code: int = 200,
                 errors: list[str] | None = None) -> Response:
    lang = get_lang(request)
    ballot = ballots.get_ballot(session, user, ballot_id)
    estate = session.get_one(Estate, ballot.estate_id)
    building = session.get(Building, ballot.building_id) if ballot.building_id else None
    result = ballots.evaluate(session, ballot)
    owner, vote, entitled = ballots.my_vote(session, user, ballot)
    manage = ballots.can_manage(session, user, estate)
    voters = ballots.voter_rows(session, ballot) if manage and ballot.status != "draft" else []
    return render(request, "ballots/detail.html", {
        "b": ballot, "estate": estate, "building": building,
        "matter": translate(f"ballot.matter.{ballot.matter}", lang),
        "qualified": ballot.matter in QUALIFIED_MATTERS,
        "result": result, "bars": bars(result, lang) if result else [],
        "owner": owner, "vote": vote, "entitled": entitled, "manage": manage,
        "voters": voters, "unvoted": [v for v in voters if v.choice is None],
        "voted": [v for v in voters if v.choice is not None],
        "total_area": ballots.area_text(ballot.total_area_centi), "area_text": ballots.area_text,
        "choices": CHOICE_LIST, "errors": errors or [],
    }, status_code=status_code)


@router.get("/ballots")
def ballot_list_page(request: Request, session: SessionDep, user: PageUser, format: str = "") -> Response:
    if not xlsx.wants_xlsx(format):
        return _list_page(request, session, user)
    lang = get_lang(request)
    # The page's query (scope, newest first) without its 100-row cut.
    items = ballots.list_ballots(session, user, limit=xlsx.MAX_ROWS + 1)
    xlsx.check_size(len(items))
    estates = {e.id: e.name for e in session.scalars(select(Estate).where(
        Estate.id.in_({b.estate_id for b in items})))} if items else {}
    return xlsx.xlsx_response(request, user, name="ballots", title_key="xlsx.title.ballots", now=now_of(request),
                              columns=[
        xlsx.Column("xlsx.col.title", 30), xlsx.Column("xlsx.col.estate", 16), xlsx.Column("xlsx.col.matter", 16),
        xlsx.Column("xlsx.col.status", 10), xlsx.Column("xlsx.col.result", 10), xlsx.Column("xlsx.col.closes_at", 17),
        xlsx.Column("xlsx.col.created", 17)], rows=[
        [b.title, estates.get(b.estate_id, ""), translate(f"ballot.matter.{b.matter}", lang),
         translate(f"ballot.status.{b.status}", lang),
         translate(f"ballot.result.{'passed' if b.passed else 'failed'}", lang) if b.status == "closed" else "",
         b.closes_at, b.created_at] for b in items])

@router.post("/ballots/new")
def ballot_create(request: Request, session: SessionDep, user: PageUser, form: FormFields) -> Response:
    lang = get_lang(request)
    closes_at = _closing(form.get("closes_on", ""))
    try:
        estate_id = int(form.get("estate_id", "0") or 0)
        building_raw = form.get("building_id", "").strip()
        with session.begin_nested():
            ballot = ballots.create_ballot(
                session, actor=user, estate_id=estate_id, matter=form.get("matter", ""),
                title=form.get("title", ""), description=form.get("description", "")[:4000],
                building_id=int(building_raw) if building_raw.isdigit() else None,
                closes_at=closes_at, now=now_of(request))
    except ValueError:
        return _list_page(request, session, user, status_code=422, form=form,
                          errors=[translate("validation_error", lang, detail="estate")])
    except AppError as exc:
        return _list_page(request, session, user, status_code=exc.status_code, form=form,
                          errors=[translate(exc.code, lang, **exc.params)])
    response = redirect(f"/ballots/{ballot.id}")
    set_flash(response, "web.flash.ballot_created")
    return response

@router.get("/ballots/{ballot_id}")
def ballot_page(request: Request, session: SessionDep, user: PageUser, ballot_id: str) -> Response:
    return _detail_page(request, session, user, _ballot_id(ballot_id))

def act(request: Request, session: Session, user: User, bid: int, flash: str, call: Any,
        **flash_params: Any) -> Response:
    lang = get_lang(request)
    try:
        with session.begin_nested():
            done = call()
    except NotFound:
        raise
    except AppError as exc:
        return _detail_page(request, session, user, bid, status_code=exc.status_code,
                            errors=[translate(exc.code, lang, **exc.params)])
    response = redirect(f"/ballots/{bid}")
    params = {k: (v(done) if callable(v) else v) for k, v in flash_params.items()}
    set_flash(response, flash, **params)
    return response

@router.post("/ballots/{ballot_id}/open")
def ballot_open(request: Request, session: SessionDep, user: PageUser, ballot_id: str) -> Response:
    bid = _ballot_id(ballot_id)
    return act(request, session, user, bid, "web.flash.ballot_opened",
               lambda: ballots.open_ballot(session, actor=user, ballot_id=bid, now=now_of(request)))

@router.post("/ballots/{ballot_id}/close")
def ballot_close(request: Request, session: SessionDep, user: PageUser, ballot_id: str) -> Response:
    bid = _ballot_id(ballot_id)
    lang = get_lang(request)
    return act(request, session, user, bid, "web.flash.ballot_closed",
               lambda: ballots.close_ballot(session, actor=user, ballot_id=bid, now=now_of(request)),
               result=lambda b: translate(f"ballot.result.{'passed' if b.passed else 'failed'}", lang))

@router.post("/ballots/{ballot_id}/vote")
def ballot_vote(request: Request, session: SessionDep, user: PageUser, ballot_id: str,
                form: FormFields) -> Response:
    choice = form.get("choice", "")
    bid = _ballot_id(ballot_id)
    return act(request, session, user, bid, "web.flash.ballot_voted",
               lambda: ballots.cast_online(session, user=user, ballot_id=bid, choice=choice,
                                           now=now_of(request)))

@router.post("/ballots/{ballot_id}/paper")
def ballot_paper(request: Request, session: SessionDep, user: PageUser, ballot_id: str,
                 form: FormFields) -> Response:
    bid = _ballot_id(ballot_id)
    owner = form.get("owner_id", "")
    return act(request, session, user, bid, "web.flash.ballot_paper",
               lambda: ballots.record_paper(session, actor=user, ballot_id=bid,
                                            owner_id=int(owner) if owner.isdigit() else 0,
                                            choice=form.get("choice", ""), paper_ref=form.get("paper_ref", ""),
                                            now=now_of(request)))

@router.post("/ballots/{ballot_id}/correct")
def ballot_correct(request: Request, session: SessionDep, user: PageUser, ballot_id: str,
                   form: FormFields) -> Response:
    bid = _ballot_id(ballot_id)
    owner = form.get("owner_id", "")
    return act(request, session, user, bid, "web.flash.ballot_corrected",
               lambda: ballots.correct_vote(session, actor=user, ballot_id=bid,
                                            owner_id=int(owner) if owner.isdigit() else 0,
                                            choice=form.get("choice", ""), reason=form.get("reason", ""),
                                            paper_ref=form.get("paper_ref", ""), now=now_of(request)))


def _closing(text: str) -> datetime | None:
    """A date from the form → 24:00 Shanghai of that day (a ballot runs to the end of its last day)."""
    text = text.strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=SHANGHAI)




# ---------------------------------------------------------------- the owner register


def _register_page(request: Request, session: Session, user: User, estate_id: int, *, status_code: int = 200,
                   errors: list[str] | None = None, form: dict[str, str] | None = None) -> Response:
    estate = ballots.get_estate(session, user, estate_id)
    if not ballots.can_manage(session, user, estate):
        raise NotFound("ballot_estate_not_found")
    owners = ballots.owner_rows(session, estate)
    all_owners = list(session.scalars(select(Owner).where(Owner.estate_id == estate.id)
                                      .order_by(Owner.name)))
    blds = list(session.scalars(select(Building).where(Building.estate_id == estate.id).order_by(Building.name)))
    return render(request, "ballots/register.html", {
        "estate": estate, "owners": owners, "all_owners": all_owners, "buildings": blds,
        "total_area": ballots.area_text(sum(o.area_centi for o in owners)), "area_text": ballots.area_text,
        "errors": errors or [], "form": form or {},
    }, status_code=status_code)


@router.get("/ballots/estates/{estate_id}")
def register_page(request: Request, session: SessionDep, user: PageUser, estate_id: str) -> Response:
    return _register_page(request, session, user, _ballot_id(estate_id))


@router.post("/ballots/estates/new")
def estate_create(request: Request, session: SessionDep, user: PageUser, form: FormFields) -> Response:
    lang = get_lang(request)
    try:
        with session.begin_nested():
            estate = ballots.create_estate(session, actor=user, code=form.get("code", ""), name=form.get("name", ""),
                                           community_code=form.get("community_code", ""), now=now_of(request))
    except AppError as exc:
        return _list_page(request, session, user, status_code=exc.status_code, form=form,
                          errors=[translate(exc.code, lang, **exc.params)])
    response = redirect(f"/ballots/estates/{estate.id}")
    set_flash(response, "web.flash.ballot_saved")
    return response


@router.post("/ballots/estates/{estate_id}/import")
def register_import(request: Request, session: SessionDep, user: PageUser, estate_id: str,
                    file: UploadFile) -> Response:
    eid = _ballot_id(estate_id)
    lang = get_lang(request)
    data = file.file.read(MAX_UPLOAD + 1)
    try:
        if len(data) > MAX_UPLOAD:
            raise Invalid("payload_too_large")
        rows, numbers = ballots.read_register_sheet(data) if data else ([], [])
        if not rows:
            raise Invalid("ballot_register_file_invalid")
        with session.begin_nested():
            done = ballots.import_register(session, actor=user, estate_id=eid, rows=rows, now=now_of(request),
                                           row_numbers=numbers, lang=lang)
    except AppError as exc:
        if isinstance(exc, NotFound):
            raise
        return _register_page(request, session, user, eid, status_code=exc.status_code,
                              errors=[translate(exc.code, lang, **exc.params)])
    response = redirect(f"/ballots/estates/{eid}")
    set_flash(response, "web.flash.ballot_imported", units=done.units, owners=done.owners_created)
    return response


@router.post("/ballots/estates/{estate_id}/{what}")
def register_add(request: Request, session: SessionDep, user: PageUser, estate_id: str, what: str,
                 form: FormFields) -> Response:
    eid = _ballot_id(estate_id)
    lang = get_lang(request)
    now = now_of(request)

    def building() -> object:
        return ballots.add_building(session, actor=user, estate_id=eid, name=form.get("name", ""), now=now)

    def owner() -> object:
        return ballots.add_owner(session, actor=user, estate_id=eid, name=form.get("name", ""),
                                 phone=form.get("phone", ""), username=form.get("username", "").strip() or None,
                                 now=now)

    def unit() -> object:
        bid, oid = form.get("building_id", ""), form.get("owner_id", "")
        b = session.get(Building, int(bid)) if bid.isdigit() and len(bid) < 10 else None
        if b is None or b.estate_id != eid:
            raise NotFound("ballot_building_not_found")
        return ballots.add_unit(session, actor=user, building_id=b.id, number=form.get("number", ""),
                                area=form.get("area", ""), owner_id=int(oid) if oid.isdigit() and len(oid) < 10
                                else 0, now=now)

    actions = {"buildings": building, "owners": owner, "units": unit}
    if what not in actions:
        raise NotFound("not_found")
    try:
        with session.begin_nested():
            actions[what]()
    except AppError as exc:
        if isinstance(exc, NotFound) and exc.code == "ballot_estate_not_found":
            raise
        return _register_page(request, session, user, eid, status_code=exc.status_code, form=form,
                              errors=[translate(exc.code, lang, **exc.params)])
    response = redirect(f"/ballots/estates/{eid}")
    set_flash(response, "web.flash.ballot_saved")
    return response
