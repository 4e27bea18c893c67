"""Councils, meetings, motions and votes: thin routes under /api/v1/councils (rules in service.py)."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from fastapi import APIRouter, Response, status
from sqlalchemy.orm import Session

from gongzhi.auth.deps import CurrentUser
from gongzhi.auth.models import User
from gongzhi.council import schemas, service, views
from gongzhi.council.models import AgendaItem, Meeting, Motion
from gongzhi.council.schemas import Id
from gongzhi.errors import Forbidden, Invalid, NotFound
from gongzhi.http import LangDep, NowDep, SessionDep

router = APIRouter(prefix="/api/v1/councils", tags=["council"])


def _meeting(session: Session, user: User, meeting_id: int, now: datetime, lang: str) -> schemas.MeetingOut:
    session.flush()
    return views.meeting_out(session, user, service.get_meeting(session, user, meeting_id), now, lang)


def _council(session: Session, user: User, council_id: int, now: datetime, lang: str) -> schemas.CouncilOut:
    session.flush()
    return views.council_out(session, user, service.get_council(session, user, council_id), now, lang)


def _groups(body: list[schemas.GroupIn]) -> list[service.GroupSpec]:
    return [service.GroupSpec(g.code, g.name, g.quota_permille, g.name_en) for g in body]


# ---------------------------------------------------------------- meetings, motions, documents (fixed prefixes first)


@router.get("/meetings/{meeting_id}", response_model=schemas.MeetingOut, summary="会议 A meeting")
def get_meeting(meeting_id: Id, user: CurrentUser, session: SessionDep, now: NowDep,
                lang: LangDep) -> schemas.MeetingOut:
    return _meeting(session, user, meeting_id, now, lang)


@router.post("/meetings/{meeting_id}/agenda", response_model=schemas.MeetingOut, status_code=201,
             summary="添加议程 Add an agenda item")
def add_item(meeting_id: Id, body: schemas.AgendaItemIn, user: CurrentUser, session: SessionDep, now: NowDep,
             lang: LangDep) -> schemas.MeetingOut:
    service.add_agenda_item(session, actor=user, meeting_id=meeting_id, title=body.title,
                            description=body.description, now=now)
    return _meeting(session, user, meeting_id, now, lang)


@router.post("/agenda/{item_id}/documents", response_model=schemas.MeetingOut, status_code=201,
             summary="议程文件 Add a document (text or base64 attachment)")
def add_document(item_id: Id, body: schemas.DocumentIn, user: CurrentUser, session: SessionDep, now: NowDep,
                 lang: LangDep) -> schemas.MeetingOut:
    content = None
    if body.content_base64:
        try:
            content = base64.b64decode(body.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise Invalid("validation_error", detail="content_base64") from None
    doc = service.add_document(session, actor=user, item_id=item_id, title=body.title, body=body.body,
                               filename=body.filename, content_type=body.content_type, content=content, now=now)
    item = session.get_one(AgendaItem, doc.item_id)
    return _meeting(session, user, item.meeting_id, now, lang)


@router.get("/documents/{document_id}", summary="下载议程附件 Download an attachment",
            responses={200: {"content": {"application/octet-stream": {}}}})
def download(document_id: Id, user: CurrentUser, session: SessionDep) -> Response:
    doc = service.get_document(session, user, document_id)
    if doc.content is None:
        raise NotFound("council_document_not_found")
    safe = "".join(ch for ch in doc.filename if ch.isascii() and (ch.isalnum() or ch in "._-")) or "document"
    return Response(doc.content, media_type="application/octet-stream", headers={
        "Content-Disposition": f'attachment; filename="{safe}"', "X-Content-SHA256": doc.sha256,
        "X-Content-Type-Options": "nosniff"})


def _meeting_step(name: str, summary: str) -> None:
    def step(meeting_id: Id, user: CurrentUser, session: SessionDep, now: NowDep, lang: LangDep) -> schemas.MeetingOut:
        if name == "notice":
            service.notice_meeting(session, actor=user, meeting_id=meeting_id, now=now)
        elif name == "open":
            service.open_meeting(session, actor=user, meeting_id=meeting_id, now=now)
        else:
            service.close_meeting(session, actor=user, meeting_id=meeting_id, now=now, lang=lang)
        return _meeting(session, user, meeting_id, now, lang)

    step.__name__ = f"meeting_{name}"
    router.post(f"/meetings/{{meeting_id}}/{name}", response_model=schemas.MeetingOut, summary=summary)(step)


_meeting_step("notice", "发送会议通知 Notice the meeting (scheduled → noticed)")
_meeting_step("open", "宣布开会 Open the meeting (noticed → in_session)")
_meeting_step("close", "宣布散会 Close the meeting (in_session → closed; draft minutes)")


@router.post("/meetings/{meeting_id}/attendance", response_model=schemas.MeetingOut, summary="签到 Check in")
def check_in(meeting_id: Id, body: schemas.CheckInIn, user: CurrentUser, session: SessionDep, now: NowDep,
             lang: LangDep) -> schemas.MeetingOut:
    service.check_in(session, actor=user, meeting_id=meeting_id, member_id=body.member_id, mode=body.mode, now=now)
    return _meeting(session, user, meeting_id, now, lang)


@router.delete("/meetings/{meeting_id}/attendance/{member_id}", response_model=schemas.MeetingOut,
               summary="离会 Leave")
def check_out(meeting_id: Id, member_id: Id, user: CurrentUser, session: SessionDep, now: NowDep,
              lang: LangDep) -> schemas.MeetingOut:
    service.check_out(session, actor=user, meeting_id=meeting_id, member_id=member_id, now=now)
    return _meeting(session, user, meeting_id, now, lang)


@router.post("/meetings/{meeting_id}/motions", response_model=schemas.MotionOut, status_code=201,
             summary="提出动议 Put a motion to the vote")
def open_motion(meeting_id: Id, body: schemas.MotionIn, user: CurrentUser, session: SessionDep, now: NowDep,
                lang: LangDep) -> schemas.MotionOut:
    motion = service.open_motion(session, actor=user, meeting_id=meeting_id, title=body.title, text=body.text,
                                 rule=body.rule, abstentions=body.abstentions, secret=body.secret,
                                 agenda_item_id=body.agenda_item_id, now=now)
    return _motion(session, user, motion, now, lang)


def _motion(session: Session, user: User, motion: Motion, now: datetime, lang: str) -> schemas.MotionOut:
    session.flush()
    meeting = session.get_one(Meeting, motion.meeting_id)
    mine = service.member_for(session, user, meeting.council_id, service.today(now))
    return views.motion_out(session, motion, mine, lang)


@router.get("/motions/{motion_id}", response_model=schemas.MotionOut, summary="动议与实时计票 A motion and its tally")
def get_motion(motion_id: Id, user: CurrentUser, session: SessionDep, now: NowDep, lang: LangDep) -> schemas.MotionOut:
    motion = session.get(Motion, motion_id)
    if motion is None:
        raise NotFound("council_motion_not_found")
    service.get_meeting(session, user, motion.meeting_id)
    return _motion(session, user, motion, now, lang)


@router.post("/motions/{motion_id}/votes", response_model=schemas.MotionOut, status_code=201, summary="投票 Vote")
def vote(motion_id: Id, body: schemas.VoteIn, user: CurrentUser, session: SessionDep, now: NowDep,
         lang: LangDep) -> schemas.MotionOut:
    service.cast_vote(session, actor=user, motion_id=motion_id, choice=body.choice, member_id=body.member_id, now=now)
    return _motion(session, user, session.get_one(Motion, motion_id), now, lang)


@router.post("/motions/{motion_id}/close", response_model=schemas.MotionOut, summary="结束表决 Close the vote")
def close_motion(motion_id: Id, user: CurrentUser, session: SessionDep, now: NowDep,
                 lang: LangDep) -> schemas.MotionOut:
    service.close_motion(session, actor=user, motion_id=motion_id, now=now)
    return _motion(session, user, session.get_one(Motion, motion_id), now, lang)


@router.post("/motions/{motion_id}/action-items", response_model=schemas.ActionItemOut, status_code=201,
             summary="决议落实事项（生成工单） Action item → case")
def add_action_item(motion_id: Id, body: schemas.ActionItemIn, user: CurrentUser, session: SessionDep, now: NowDep,
                    lang: LangDep) -> schemas.ActionItemOut:
    item = service.create_action_item(
        session, actor=user, motion_id=motion_id, title=body.title, description=body.description, due_on=body.due_on,
        owner_unit_code=body.owner_unit_code, owner_user_id=body.owner_user_id, grid_code=body.grid_code,
        category=body.category, now=now)
    session.flush()
    return next(a for a in views.action_items(session, item.council_id, now, lang) if a.id == item.id)


@router.put("/meetings/{meeting_id}/minutes", response_model=schemas.MeetingOut, summary="编辑会议纪要 Edit the minutes")
def edit_minutes(meeting_id: Id, body: schemas.MinutesIn, user: CurrentUser, session: SessionDep, now: NowDep,
                 lang: LangDep) -> schemas.MeetingOut:
    service.edit_minutes(session, actor=user, meeting_id=meeting_id, text=body.text, now=now)
    return _meeting(session, user, meeting_id, now, lang)


@router.post("/meetings/{meeting_id}/minutes/publish", response_model=schemas.MinutesOut,
             summary="公开会议纪要 Publish the minutes")
def publish(meeting_id: Id, user: CurrentUser, session: SessionDep, now: NowDep, lang: LangDep) -> schemas.MinutesOut:
    meeting = service.publish_minutes(session, actor=user, meeting_id=meeting_id, now=now)
    return views.minutes_out(session, meeting, lang)


@router.get("/meetings/{meeting_id}/minutes", response_model=schemas.MinutesOut,
            summary="已公开的会议纪要 Published minutes (residents of the community)")
def minutes(meeting_id: Id, user: CurrentUser, session: SessionDep, lang: LangDep) -> schemas.MinutesOut:
    meeting = service.get_meeting(session, user, meeting_id, published_only=True)
    if meeting.status != "minutes_published":
        raise NotFound("council_meeting_not_found")
    return views.minutes_out(session, meeting, lang)


@router.post("/members/{member_id}/end-term", response_model=schemas.MemberOut, summary="结束任期 End a term")
def end_term(member_id: Id, body: schemas.TermEndIn, user: CurrentUser, session: SessionDep, now: NowDep,
             lang: LangDep) -> schemas.MemberOut:
    m = service.end_term(session, actor=user, member_id=member_id, end=body.term_end, now=now)
    groups = service.seat_groups(session, m.council_id)
    return views.member_out(m, {g.id: g.code for g in groups}, {g.id: g.name for g in groups}, now, lang)


# ---------------------------------------------------------------- councils


@router.get("", response_model=list[schemas.CouncilBrief], summary="我所在区域的议事会 Councils in my area")
def list_councils(user: CurrentUser, session: SessionDep, lang: LangDep) -> list[schemas.CouncilBrief]:
    return [views.council_brief(session, c, lang) for c in service.visible_councils(session, user)]


@router.post("", response_model=schemas.CouncilOut, status_code=status.HTTP_201_CREATED,
             summary="设立议事会 Create a council")
def create_council(body: schemas.CouncilIn, user: CurrentUser, session: SessionDep, now: NowDep,
                   lang: LangDep) -> schemas.CouncilOut:
    council = service.create_council(
        session, actor=user, area_code=body.area_code, name=body.name, description=body.description,
        location=body.location, quorum=schemas.parse_fraction(body.quorum),
        groups=_groups(body.groups) if body.groups else None, now=now)
    return _council(session, user, council.id, now, lang)


@router.get("/{council_id}", response_model=schemas.CouncilOut, summary="议事会 A council")
def get_council(council_id: Id, user: CurrentUser, session: SessionDep, now: NowDep,
                lang: LangDep) -> schemas.CouncilOut:
    return _council(session, user, council_id, now, lang)


@router.patch("/{council_id}", response_model=schemas.CouncilOut, summary="修改议事会设置 Edit settings")
def patch_council(council_id: Id, body: schemas.CouncilPatch, user: CurrentUser, session: SessionDep, now: NowDep,
                  lang: LangDep) -> schemas.CouncilOut:
    minute = None
    if body.time is not None:
        hh, mm = body.time.split(":")
        minute = int(hh) * 60 + int(mm)
    service.update_council(
        session, actor=user, council_id=council_id, now=now, name=body.name,
        quorum=schemas.parse_fraction(body.quorum) if body.quorum is not None else None,
        recurrence=body.recurrence, week=body.week, weekday=body.weekday, day=body.day, meeting_minute=minute,
        location=body.location, notice_days=body.notice_days)
    return _council(session, user, council_id, now, lang)


@router.put("/{council_id}/groups", response_model=schemas.CouncilOut, summary="席位组与比例 Seat groups and quotas")
def put_groups(council_id: Id, body: schemas.GroupsIn, user: CurrentUser, session: SessionDep, now: NowDep,
               lang: LangDep) -> schemas.CouncilOut:
    service.set_groups(session, actor=user, council_id=council_id, groups=_groups(body.groups), now=now)
    return _council(session, user, council_id, now, lang)


@router.post("/{council_id}/members", response_model=schemas.CouncilOut, status_code=201, summary="增加委员 Add a member")
def add_member(council_id: Id, body: schemas.MemberIn, user: CurrentUser, session: SessionDep, now: NowDep,
               lang: LangDep) -> schemas.CouncilOut:
    service.add_member(session, actor=user, council_id=council_id, group_code=body.group_code, user_id=body.user_id,
                       name=body.name, organisation=body.organisation, position=body.position,
                       term_start=body.term_start, term_end=body.term_end, now=now)
    return _council(session, user, council_id, now, lang)


@router.post("/{council_id}/meetings", response_model=schemas.MeetingOut, status_code=201,
             summary="安排会议 Schedule a meeting")
def schedule(council_id: Id, body: schemas.MeetingIn, user: CurrentUser, session: SessionDep, now: NowDep,
             lang: LangDep) -> schemas.MeetingOut:
    meeting = service.schedule_meeting(
        session, actor=user, council_id=council_id, kind=body.kind, title=body.title, starts_at=body.starts_at,
        duration_minutes=body.duration_minutes, location=body.location, online_link=body.online_link, now=now)
    return _meeting(session, user, meeting.id, now, lang)


@router.post("/{council_id}/meetings/generate", response_model=list[schemas.MeetingBrief],
             summary="按例会规则生成后续会议 Generate the next regular meetings")
def generate(council_id: Id, user: CurrentUser, session: SessionDep, now: NowDep,
             lang: LangDep) -> list[schemas.MeetingBrief]:
    council = service.get_council(session, user, council_id)
    if not service.can_run(session, user, council, now):
        raise Forbidden("council_forbidden")
    created = service.generate_meetings(session, council, now, actor=user)
    return [views.meeting_brief(m, lang) for m in created]


@router.get("/{council_id}/action-items", response_model=list[schemas.ActionItemOut],
            summary="决议落实进度 Action items and their progress")
def list_action_items(council_id: Id, user: CurrentUser, session: SessionDep, now: NowDep,
                      lang: LangDep) -> list[schemas.ActionItemOut]:
    council = service.get_council(session, user, council_id)
    return views.action_items(session, council.id, now, lang)


@router.put("/{council_id}/subscription", status_code=204, summary="关注议事会 Follow (minutes notices)")
def follow(council_id: Id, user: CurrentUser, session: SessionDep, now: NowDep) -> Response:
    service.subscribe(session, user=user, council_id=council_id, now=now)
    return Response(status_code=204)


@router.delete("/{council_id}/subscription", status_code=204, summary="取消关注 Unfollow")
def unfollow(council_id: Id, user: CurrentUser, session: SessionDep) -> Response:
    service.unsubscribe(session, user=user, council_id=council_id)
    return Response(status_code=204)
