"""Owners' ballots under Civil Code art. 278: the register, ballots, votes, the evaluation."""

from __future__ import annotations

from fastapi import APIRouter, UploadFile, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.auth.deps import CurrentUser
from gongzhi.auth.models import User
from gongzhi.council import ballots
from gongzhi.council.ballot_models import Ballot, BallotVote, Building, Estate, PropertyUnit
from gongzhi.council.ballot_schemas import (
    BallotIn,
    BallotOut,
    BuildingIn,
    BuildingOut,
    ConditionOut,
    CorrectionIn,
    EstateDetail,
    EstateIn,
    EstateOut,
    EvaluateIn,
    EvaluationOut,
    Id,
    MyVoteOut,
    OpenIn,
    OwnerIn,
    OwnerOut,
    PaperVoteIn,
    RegisterIn,
    RegisterOut,
    UnitIn,
    UnitOut,
    VoteIn,
    VoteOut,
    VoterOut,
)
from gongzhi.council.rules import BallotEvaluation, evaluate_owner_ballot
from gongzhi.errors import Forbidden, Invalid
from gongzhi.geo.models import Area
from gongzhi.http import LangDep, NowDep, SessionDep
from gongzhi.i18n import translate

router = APIRouter(prefix="/api/v1", tags=["ballots"])
MAX_XLSX = 5 * 1024 * 1024


def _estate_out(session: Session, estate: Estate) -> EstateOut:
    code = session.scalar(select(Area.code).where(Area.id == estate.community_id)) or ""
    return EstateOut(id=estate.id, code=estate.code, name=estate.name, community_code=code)


def evaluation_out(result: BallotEvaluation, lang: str) -> EvaluationOut:
    return EvaluationOut(
        matter=result.matter,
        passed=result.passed,
        conditions=[
            ConditionOut(
                name=c.name, label=translate(f"ballot.cond.{c.name}", lang),
                numerator=ballots.fraction_text(c.numerator), denominator=ballots.fraction_text(c.denominator),
                threshold=ballots.fraction_text(c.threshold), inclusive=c.inclusive, met=c.met,
                share=float(c.share) if c.share is not None else None,
            )
            for c in result.conditions
        ],
        participating_area=ballots.fraction_text(result.participating_area),
        participating_owners=result.participating_owners,
        yes_owners=result.yes_owners,
        no_owners=result.no_owners,
        abstain_owners=result.abstain_owners,
    )


def _ballot_out(session: Session, user: User, ballot: Ballot, lang: str) -> BallotOut:
    result = ballots.evaluate(session, ballot)
    owner, vote, entitled = ballots.my_vote(session, user, ballot)
    mine: MyVoteOut | None = None
    if owner is not None:
        mine = MyVoteOut(owner_id=owner.id, entitled=entitled, choice=vote.choice if vote else None,
                         channel=vote.channel if vote else None)
    return BallotOut(
        id=ballot.id, estate_id=ballot.estate_id, building_id=ballot.building_id,
        matter=ballot.matter,
        matter_label=translate(f"ballot.matter.{ballot.matter}", lang), title=ballot.title,
        description=ballot.description, status=ballot.status,
        closes_at=ballot.closes_at, opened_at=ballot.opened_at, closed_at=ballot.closed_at,
        total_area=ballots.area_text(ballot.total_area_centi), total_owners=ballot.total_owners,
        passed=ballot.passed, evaluation=evaluation_out(result, lang) if result is not None else None,
        my_vote=mine,
    )


def _vote_out(vote: BallotVote) -> VoteOut:
    return VoteOut(ballot_id=vote.ballot_id, owner_id=vote.owner_id, choice=vote.choice,
                   channel=vote.channel, area=ballots.area_text(vote.area_centi),
                   paper_ref=vote.paper_ref, cast_at=vote.cast_at, corrections=vote.corrections)


# ---------------------------------------------------------------- the register


@router.post("/estates", response_model=EstateOut, status_code=status.HTTP_201_CREATED,
             summary="登记小区 Register an estate")
def create_estate(body: EstateIn, user: CurrentUser, session: SessionDep, now: NowDep) -> EstateOut:
    estate = ballots.create_estate(session, actor=user, code=body.code, name=body.name,
                                   community_code=body.community_code, now=now)
    return _estate_out(session, estate)


@router.get("/estates", response_model=list[EstateOut], summary="我可见的小区 Estates in my scope")
def list_estates(user: CurrentUser, session: SessionDep) -> list[EstateOut]:
    stmt = ballots.scoped_estates(session, user).order_by(Estate.code)
    return [_estate_out(session, e) for e in session.scalars(stmt)]


@router.get("/estates/{estate_id}", response_model=EstateDetail, summary="小区业主名册 Estate and owner register")
def estate_detail(estate_id: Id, user: CurrentUser, session: SessionDep) -> EstateDetail:
    estate = ballots.get_estate(session, user, estate_id)
    if user.role not in ballots.VIEWER_ROLES:
        raise Forbidden("forbidden")  # owners see ballots, not each other's holdings
    owners = ballots.owner_rows(session, estate)
    buildings = session.scalars(select(Building).where(Building.estate_id == estate.id).order_by(Building.name))
    base = _estate_out(session, estate)
    return EstateDetail(
        **base.model_dump(),
        buildings=[BuildingOut(id=b.id, estate_id=b.estate_id, name=b.name) for b in buildings],
        owners=[OwnerOut(id=o.id, name=o.name, phone=o.phone, linked=o.linked, units=list(o.units),
                         area=ballots.area_text(o.area_centi)) for o in owners],
        total_area=ballots.area_text(sum(o.area_centi for o in owners)),
        total_owners=len(owners),
    )


@router.post("/estates/{estate_id}/buildings", response_model=BuildingOut, status_code=status.HTTP_201_CREATED,
             summary="登记楼栋 Add a building")
def add_building(estate_id: Id, body: BuildingIn, user: CurrentUser, session: SessionDep,
                 now: NowDep) -> BuildingOut:
    b = ballots.add_building(session, actor=user, estate_id=estate_id, name=body.name, now=now)
    return BuildingOut(id=b.id, estate_id=b.estate_id, name=b.name)


@router.post("/estates/{estate_id}/owners", response_model=OwnerOut, status_code=status.HTTP_201_CREATED,
             summary="登记业主 Add an owner")
def add_owner(estate_id: Id, body: OwnerIn, user: CurrentUser, session: SessionDep, now: NowDep) -> OwnerOut:
    from gongzhi.auth.pii import mask_phone

    o = ballots.add_owner(session, actor=user, estate_id=estate_id, name=body.name, phone=body.phone,
                          username=body.username, now=now)
    return OwnerOut(id=o.id, name=o.name, phone=mask_phone(o.phone), linked=o.user_id is not None, units=[],
                    area="0.00")


@router.post("/buildings/{building_id}/units", response_model=UnitOut, status_code=status.HTTP_201_CREATED,
             summary="登记房屋及面积 Add a unit with its floor area")
def add_unit(building_id: Id, body: UnitIn, user: CurrentUser, session: SessionDep, now: NowDep) -> UnitOut:
    u: PropertyUnit = ballots.add_unit(session, actor=user, building_id=building_id, number=body.number,
                                       area=body.area, owner_id=body.owner_id, now=now)
    return UnitOut(id=u.id, building_id=u.building_id, number=u.number, area=ballots.area_text(u.area_centi),
                   owner_id=u.owner_id)


@router.post("/estates/{estate_id}/register", response_model=RegisterOut, status_code=status.HTTP_201_CREATED,
             summary="批量导入业主名册 Import register rows (all or nothing)")
def import_register(estate_id: Id, body: RegisterIn, user: CurrentUser, session: SessionDep,
                    now: NowDep, lang: LangDep) -> RegisterOut:
    done = ballots.import_register(session, actor=user, estate_id=estate_id, rows=body.rows, now=now,
                                   lang=lang)
    return RegisterOut(units=done.units, owners_created=done.owners_created, buildings_created=done.buildings_created)


@router.post("/estates/{estate_id}/register.xlsx", response_model=RegisterOut, status_code=status.HTTP_201_CREATED,
             summary="上传业主名册表格 Import an .xlsx register (楼栋, 房号, 面积, 业主, 电话, 账号)")
def import_register_xlsx(estate_id: Id, file: UploadFile, user: CurrentUser, session: SessionDep,
                         now: NowDep, lang: LangDep) -> RegisterOut:
    data = file.file.read(MAX_XLSX + 1)
    if len(data) > MAX_XLSX:
        raise Invalid("payload_too_large")
    rows, numbers = ballots.read_register_sheet(data)
    if not rows:
        raise Invalid("ballot_register_file_invalid")
    done = ballots.import_register(session, actor=user, estate_id=estate_id, rows=rows, now=now,
                                   row_numbers=numbers, lang=lang)
    return RegisterOut(units=done.units, owners_created=done.owners_created, buildings_created=done.buildings_created)


# ---------------------------------------------------------------- ballots


@router.post("/ballots/evaluate", response_model=EvaluationOut,
             summary="按民法典第278条计算 Evaluate art. 278 for given figures")
def evaluate(body: EvaluateIn, user: CurrentUser, lang: LangDep) -> EvaluationOut:
    result = evaluate_owner_ballot(body.matter, total_area=body.total_area, total_owners=body.total_owners,
                                   votes=body.votes)
    return evaluation_out(result, lang)


@router.post("/ballots", response_model=BallotOut, status_code=status.HTTP_201_CREATED,
             summary="发起业主表决 Create a ballot (draft)")
def create_ballot(body: BallotIn, user: CurrentUser, session: SessionDep, now: NowDep, lang: LangDep) -> BallotOut:
    ballot = ballots.create_ballot(session, actor=user, estate_id=body.estate_id, building_id=body.building_id,
                                   matter=body.matter, title=body.title, description=body.description,
                                   closes_at=body.closes_at, now=now)
    return _ballot_out(session, user, ballot, lang)


@router.get("/ballots", response_model=list[BallotOut], summary="我可见的表决 Ballots in my scope")
def list_ballots(user: CurrentUser, session: SessionDep, lang: LangDep) -> list[BallotOut]:
    return [_ballot_out(session, user, b, lang) for b in ballots.list_ballots(session, user)]


@router.get("/ballots/{ballot_id}", response_model=BallotOut, summary="表决详情与第278条各项条件 Ballot and conditions")
def get_ballot(ballot_id: Id, user: CurrentUser, session: SessionDep, lang: LangDep) -> BallotOut:
    return _ballot_out(session, user, ballots.get_ballot(session, user, ballot_id), lang)


@router.post("/ballots/{ballot_id}/open", response_model=BallotOut, summary="开始投票 Open for votes")
def open_ballot(ballot_id: Id, user: CurrentUser, session: SessionDep, now: NowDep, lang: LangDep,
                body: OpenIn | None = None) -> BallotOut:
    ballot = ballots.open_ballot(session, actor=user, ballot_id=ballot_id, now=now,
                                 closes_at=body.closes_at if body else None)
    return _ballot_out(session, user, ballot, lang)


@router.post("/ballots/{ballot_id}/close", response_model=BallotOut, summary="结束并计票 Close and evaluate")
def close_ballot(ballot_id: Id, user: CurrentUser, session: SessionDep, now: NowDep, lang: LangDep) -> BallotOut:
    ballot = ballots.close_ballot(session, actor=user, ballot_id=ballot_id, now=now)
    return _ballot_out(session, user, ballot, lang)


@router.post("/ballots/{ballot_id}/votes", response_model=VoteOut, status_code=status.HTTP_201_CREATED,
             summary="业主网上投票 Vote online (owner)")
def vote(ballot_id: Id, body: VoteIn, user: CurrentUser, session: SessionDep, now: NowDep) -> VoteOut:
    return _vote_out(ballots.cast_online(session, user=user, ballot_id=ballot_id, choice=body.choice, now=now))


@router.post("/ballots/{ballot_id}/paper-votes", response_model=VoteOut, status_code=status.HTTP_201_CREATED,
             summary="录入纸质票 Record a paper vote (staff)")
def paper_vote(ballot_id: Id, body: PaperVoteIn, user: CurrentUser, session: SessionDep, now: NowDep) -> VoteOut:
    return _vote_out(ballots.record_paper(session, actor=user, ballot_id=ballot_id, owner_id=body.owner_id,
                                          choice=body.choice, paper_ref=body.paper_ref, now=now))


@router.post("/ballots/{ballot_id}/corrections", response_model=VoteOut,
             summary="更正选票（留痕） Correct a vote, with a reason (staff)")
def correct(ballot_id: Id, body: CorrectionIn, user: CurrentUser, session: SessionDep, now: NowDep) -> VoteOut:
    return _vote_out(ballots.correct_vote(session, actor=user, ballot_id=ballot_id, owner_id=body.owner_id,
                                          choice=body.choice, reason=body.reason, paper_ref=body.paper_ref,
                                          now=now))


@router.get("/ballots/{ballot_id}/voters", response_model=list[VoterOut],
            summary="业主投票情况（工作人员） Who voted how (staff)")
def voters(ballot_id: Id, user: CurrentUser, session: SessionDep) -> list[VoterOut]:
    ballot = ballots.get_ballot(session, user, ballot_id)
    if user.role not in ballots.VIEWER_ROLES:
        raise Forbidden("forbidden")
    return [VoterOut(owner_id=r.owner_id, name=r.name, area=ballots.area_text(r.area_centi),
                     choice=r.choice, channel=r.channel, paper_ref=r.paper_ref,
                     corrections=r.corrections) for r in ballots.voter_rows(session, ballot)]



