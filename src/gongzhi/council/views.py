"""What the API and the pages show of a council, a meeting and a motion (one builder for both)."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

from sqlalchemy.orm import Session

from gongzhi.auth.models import User
from gongzhi.clock import local
from gongzhi.council import schemas, service, voting
from gongzhi.council.models import Council, CouncilMember, Meeting, Motion
from gongzhi.geo import service as geo
from gongzhi.i18n import translate


def _pct(v: Fraction) -> str:
    return voting.pct(v)


def council_brief(session: Session, council: Council, lang: str) -> schemas.CouncilBrief:
    area = geo.get_area_by_id(session, council.area_id)
    return schemas.CouncilBrief(id=council.id, name=council.name, area=schemas.Ref(
        code=area.code, name=(area.name_en or area.name) if lang == "en" else area.name))


def meeting_brief(m: Meeting, lang: str) -> schemas.MeetingBrief:
    return schemas.MeetingBrief(id=m.id, title=m.title, kind=m.kind, kind_label=translate(f"council.kind.{m.kind}", lang),
                                starts_at=m.starts_at, status=m.status,
                                status_label=translate(f"council.state.{m.status}", lang))


def recurrence_text(c: Council, lang: str) -> str:
    hh, mm = divmod(c.meeting_minute, 60)
    at = f"{hh:02d}:{mm:02d}"
    wd = translate(f"council.web.weekday.{c.recurrence_weekday}", lang)
    if c.recurrence == "nth_weekday":
        if c.recurrence_week == -1:
            return translate("council.web.recurrence.last_weekday", lang, weekday=wd, time=at)
        return translate("council.web.recurrence.nth_weekday", lang, week=c.recurrence_week, weekday=wd, time=at)
    if c.recurrence == "day_of_month":
        return translate("council.web.recurrence.day_of_month", lang, day=c.recurrence_day, time=at)
    return translate("council.web.recurrence.none", lang)


def action_items(session: Session, council_id: int, now: datetime, lang: str) -> list[schemas.ActionItemOut]:
    return [
        schemas.ActionItemOut(
            id=v.item.id, title=v.item.title, motion_id=v.item.motion_id, due_on=v.item.due_on, owner=v.owner,
            progress=v.progress, progress_label=translate(f"council.progress.{v.progress}", lang), overdue=v.overdue,
            case_id=v.item.case_id, case_number=v.case_number, case_status=v.case_status,
        )
        for v in service.action_item_views(session, council_id, now)
    ]


def member_out(m: CouncilMember, groups: dict[int, str], group_names: dict[int, str], now: datetime,
               lang: str) -> schemas.MemberOut:
    return schemas.MemberOut(
        id=m.id, name=m.name, organisation=m.organisation, group=groups.get(m.group_id, ""),
        group_name=group_names.get(m.group_id, ""), position=m.position,
        position_label=translate(f"council.position.{m.position}", lang), term_start=m.term_start,
        term_end=m.term_end, in_term=service.in_term(m, service.today(now)), has_account=m.user_id is not None,
    )


def council_out(session: Session, user: User, council: Council, now: datetime, lang: str) -> schemas.CouncilOut:
    groups = service.seat_groups(session, council.id)
    everyone = service.members(session, council.id)
    day = service.today(now)
    in_term = [m for m in everyone if service.in_term(m, day)]
    codes = {g.id: g.code for g in groups}
    names = {g.id: (g.name_en or g.name) if lang == "en" else g.name for g in groups}
    quorum = Fraction(council.quorum_num, council.quorum_den)
    can_see = service.can_see_meetings(session, user, council)
    meetings = [meeting_brief(m, lang) for m in service.meetings_of(session, council.id)
                if can_see or m.status == "minutes_published" or m.status in ("scheduled", "noticed")]
    brief = council_brief(session, council, lang)
    return schemas.CouncilOut(
        id=council.id, name=council.name, area=brief.area, description=council.description,
        location=council.location, quorum=voting.frac_text(quorum),
        quorum_text=translate("council.web.quorum_rule", lang, q=_pct(quorum)),
        recurrence_text=recurrence_text(council, lang),
        groups=[schemas.GroupOut(id=g.id, code=g.code, name=names[g.id], quota_permille=g.quota,
                                 quota=voting.pct(service.quota_fraction(g), 1),
                                 in_term=sum(1 for m in in_term if m.group_id == g.id)) for g in groups],
        members=[member_out(m, codes, names, now, lang) for m in everyone],
        meetings=meetings, action_items=action_items(session, council.id, now, lang),
        can_manage=service.can_manage(session, user, council), can_run=service.can_run(session, user, council, now),
        subscribed=service.is_subscribed(session, user, council.id),
    )


def tally_out(result: voting.TallyResult, lang: str) -> schemas.TallyOut:
    return schemas.TallyOut(
        yes=_pct(result.yes), no=_pct(result.no), abstain=_pct(result.abstain),
        yes_fraction=voting.frac_text(result.yes), no_fraction=voting.frac_text(result.no),
        abstain_fraction=voting.frac_text(result.abstain), passed=result.passed,
        conditions=service.explain(result, lang),
        groups=[schemas.GroupShareOut(
            code=s.code, name=s.name, quota=voting.pct(s.quota, 1), eligible=s.eligible,
            weight=voting.frac_text(s.weight), yes_count=s.counts[0], no_count=s.counts[1], abstain_count=s.counts[2],
            yes=_pct(s.yes), no=_pct(s.no), abstain=_pct(s.abstain), not_voted=_pct(s.not_voted),
        ) for s in result.groups],
    )


def motion_out(session: Session, motion: Motion, my_member: CouncilMember | None, lang: str) -> schemas.MotionOut:
    roll = [i for ids in motion.roll.values() for i in ids]
    # A secret ballot's tally is shown only once voting has closed: a live count would reveal, vote by
    # vote, how each voter chose to anyone watching when they voted.
    hide = motion.secret and motion.status == "open"
    tally = None if hide else tally_out(service.motion_tally(session, motion), lang)
    voted_ids = service.voted_member_ids(session, motion.id)
    rule_label = translate(f"council.rule.{motion.rule}", lang)
    if motion.rule == "two_thirds":
        rule_label += translate(f"council.abstentions.{motion.abstentions}", lang)
    return schemas.MotionOut(
        id=motion.id, title=motion.title, text=motion.text, agenda_item_id=motion.agenda_item_id, rule=motion.rule,
        rule_label=rule_label, abstentions=motion.abstentions, secret=motion.secret, status=motion.status,
        result=motion.result,
        result_label=translate(f"council.result.{motion.result or 'open'}", lang), votes_cast=len(voted_ids),
        roll_size=len(roll), tally=tally,
        votes=[schemas.VoteRow(member_id=m.id, name=m.name, choice=c, choice_label=translate(f"council.choice.{c}", lang))
               for m, c in service.open_ballot_votes(session, motion)],
        my_member_id=my_member.id if my_member else None,
        i_voted=my_member is not None and my_member.id in voted_ids,
        on_roll=my_member is not None and my_member.id in roll,
    )


def quorum_out(q: voting.QuorumResult, lang: str) -> schemas.QuorumOut:
    result = translate("council.quorum.met" if q.met else "council.quorum.not_met", lang)
    return schemas.QuorumOut(
        present_weight=_pct(q.present_weight), present_fraction=voting.frac_text(q.present_weight),
        threshold=_pct(q.threshold), met=q.met,
        text=translate("council.web.quorum_line", lang, present=_pct(q.present_weight), threshold=_pct(q.threshold),
                       result=result),
        groups=[schemas.GroupPresenceOut(code=g.code, name=g.name, quota=voting.pct(g.quota, 1), in_term=g.in_term,
                                         present=g.present, seat_weight=voting.frac_text(g.seat_weight),
                                         present_weight=_pct(g.present_weight)) for g in q.groups],
    )


def meeting_out(session: Session, user: User, meeting: Meeting, now: datetime, lang: str) -> schemas.MeetingOut:
    council = session.get_one(Council, meeting.council_id)
    groups = service.seat_groups(session, council.id)
    names = {g.id: (g.name_en or g.name) if lang == "en" else g.name for g in groups}
    day = service.today(now)
    present = {a.member_id: a for a in service.attendance(session, meeting.id)}
    people = [m for m in service.members(session, council.id) if service.in_term(m, day) or m.id in present]
    items = service.agenda(session, meeting.id)
    docs = service.documents(session, [i.id for i in items])
    mine = service.member_for(session, user, council.id, day)
    brief = meeting_brief(meeting, lang)
    return schemas.MeetingOut(
        **brief.model_dump(), council=council_brief(session, council, lang), ends_at=meeting.ends_at,
        location=meeting.location, online_link=meeting.online_link,
        agenda=[schemas.AgendaItemOut(
            id=i.id, title=i.title, description=i.description, carried_over=i.action_item_id is not None,
            documents=[schemas.DocumentOut(id=d.id, title=d.title, body=d.body, filename=d.filename, size=d.size,
                                           sha256=d.sha256,
                                           url=f"/api/v1/councils/documents/{d.id}" if d.content else None)
                       for d in docs[i.id]],
        ) for i in items],
        attendance=[schemas.AttendanceOut(
            member_id=m.id, name=m.name, group_name=names.get(m.group_id, ""),
            position_label=translate(f"council.position.{m.position}", lang), present=m.id in present,
            mode=present[m.id].mode if m.id in present else None,
            mode_label=translate(f"council.mode.{present[m.id].mode}", lang) if m.id in present else "",
        ) for m in people],
        quorum=quorum_out(service.quorum_now(session, meeting, now), lang),
        motions=[motion_out(session, mo, mine, lang) for mo in service.motions_of(session, meeting.id)],
        minutes=meeting.minutes, minutes_published_at=meeting.minutes_published_at,
        can_run=service.can_run(session, user, council, now),
        can_edit_minutes=service.can_edit_minutes(session, user, council, now),
        can_publish=service.can_publish_minutes(session, user, council, now),
        my_member_id=mine.id if mine else None,
    )


def minutes_out(session: Session, meeting: Meeting, lang: str) -> schemas.MinutesOut:
    council = session.get_one(Council, meeting.council_id)
    return schemas.MinutesOut(meeting_id=meeting.id, council=council_brief(session, council, lang), title=meeting.title,
                              starts_at=meeting.starts_at, minutes=meeting.minutes,
                              published_at=meeting.minutes_published_at)


def local_text(value: datetime) -> str:
    return f"{local(value):%Y-%m-%d %H:%M}"
