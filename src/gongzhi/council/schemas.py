"""API shapes for councils, meetings, motions, votes, minutes and action items."""

from __future__ import annotations

import re
from datetime import date, datetime
from fractions import Fraction
from typing import Annotated, Literal

from fastapi import Path
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Position = Literal["chair", "vice_chair", "secretary", "member"]
RuleName = Literal["simple_majority", "two_thirds", "majority_of_all"]
AbstentionsMode = Literal["excluded", "included"]
ChoiceName = Literal["yes", "no", "abstain"]
_FRACTION = re.compile(r"^\s*(\d{1,4})\s*/\s*(\d{1,4})\s*$")


def parse_fraction(text: str) -> Fraction:
    """'1/2' or '2/3' (exact; never a float)."""
    m = _FRACTION.match(text)
    if not m or int(m.group(2)) == 0:
        raise ValueError("a fraction like 1/2 or 2/3")
    value = Fraction(int(m.group(1)), int(m.group(2)))
    if not 0 <= value < 1:
        raise ValueError("between 0 and 1")
    return value


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class GroupIn(_In):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$")
    name: str = Field(min_length=1, max_length=100)
    name_en: str = Field(default="", max_length=100)
    quota_permille: int = Field(ge=1, le=1000, description="席位比例（千分比），各组之和须为 1000")


class CouncilIn(_In):
    area_code: str = Field(min_length=1, max_length=32, description="社区/村编码")
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=4000)
    location: str = Field(default="", max_length=200)
    quorum: str = Field(default="1/2", max_length=12, description="法定人数：出席席位权重须严格超过该比例")
    groups: list[GroupIn] | None = Field(default=None, max_length=12, description="默认 居民50%/物业30%/社会组织20%")

    @field_validator("quorum")
    @classmethod
    def _q(cls, v: str) -> str:
        parse_fraction(v)
        return v


class CouncilPatch(_In):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    quorum: str | None = Field(default=None, max_length=12)
    recurrence: Literal["nth_weekday", "day_of_month", "none"] | None = None
    week: Literal[1, 2, 3, 4, -1] | None = Field(default=None, description="第几周（-1 为最后一周）")
    weekday: int | None = Field(default=None, ge=0, le=6, description="0=星期一")
    day: int | None = Field(default=None, ge=1, le=28)
    time: str | None = Field(default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="北京时间 HH:MM")
    location: str | None = Field(default=None, max_length=200)
    notice_days: int | None = Field(default=None, ge=0, le=30)

    @field_validator("quorum")
    @classmethod
    def _q(cls, v: str | None) -> str | None:
        if v is not None:
            parse_fraction(v)
        return v


class GroupsIn(_In):
    groups: list[GroupIn] = Field(min_length=1, max_length=12)


class MemberIn(_In):
    group_code: str = Field(min_length=1, max_length=32)
    user_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    name: str = Field(default="", max_length=100, description="无账号人员按姓名登记")
    organisation: str = Field(default="", max_length=100)
    position: Position = "member"
    term_start: date | None = None
    term_end: date | None = None


class TermEndIn(_In):
    term_end: date


class MeetingIn(_In):
    kind: Literal["regular", "extraordinary"] = "extraordinary"
    title: str = Field(default="", max_length=200)
    starts_at: AwareDatetime
    duration_minutes: int | None = Field(default=None, ge=10, le=1440)
    location: str | None = Field(default=None, max_length=200)
    online_link: str = Field(default="", max_length=300)


class AgendaItemIn(_In):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=20000)


class DocumentIn(_In):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=50000)
    filename: str = Field(default="", max_length=200)
    content_type: str = Field(default="", max_length=100)
    content_base64: str = Field(default="", max_length=7_000_000)


class CheckInIn(_In):
    member_id: int | None = Field(default=None, ge=1, le=2**31 - 1, description="不填为本人签到")
    mode: Literal["in_person", "online"] = "in_person"


class MotionIn(_In):
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(default="", max_length=20000)
    rule: RuleName = "simple_majority"
    abstentions: AbstentionsMode = Field(default="excluded", description="two_thirds：弃权是否计入基数")
    secret: bool = False
    agenda_item_id: int | None = Field(default=None, ge=1, le=2**31 - 1)


class VoteIn(_In):
    choice: ChoiceName
    member_id: int | None = Field(default=None, ge=1, le=2**31 - 1, description="代无账号委员登记")


class MinutesIn(_In):
    text: str = Field(min_length=1, max_length=100000)


class ActionItemIn(_In):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=3000)
    due_on: date
    owner_unit_code: str | None = Field(default=None, max_length=40)
    owner_user_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    grid_code: str | None = Field(default=None, max_length=32)
    category: str = Field(default="other", min_length=1, max_length=40)


# ---------------------------------------------------------------- out


class Ref(BaseModel):
    code: str
    name: str


class GroupOut(BaseModel):
    id: int
    code: str
    name: str
    quota_permille: int
    quota: str
    in_term: int


class MemberOut(BaseModel):
    id: int
    name: str
    organisation: str
    group: str
    group_name: str
    position: str
    position_label: str
    term_start: date
    term_end: date | None
    in_term: bool
    has_account: bool


class MeetingBrief(BaseModel):
    id: int
    title: str
    kind: str
    kind_label: str
    starts_at: datetime
    status: str
    status_label: str


class ActionItemOut(BaseModel):
    id: int
    title: str
    motion_id: int
    due_on: date
    owner: str
    progress: str
    progress_label: str
    overdue: bool
    case_id: int | None
    case_number: str
    case_status: str | None


class CouncilOut(BaseModel):
    id: int
    name: str
    area: Ref
    description: str
    location: str
    quorum: str
    quorum_text: str
    recurrence_text: str
    groups: list[GroupOut]
    members: list[MemberOut]
    meetings: list[MeetingBrief]
    action_items: list[ActionItemOut]
    can_manage: bool
    can_run: bool
    subscribed: bool


class CouncilBrief(BaseModel):
    id: int
    name: str
    area: Ref


class DocumentOut(BaseModel):
    id: int
    title: str
    body: str
    filename: str
    size: int
    sha256: str
    url: str | None


class AgendaItemOut(BaseModel):
    id: int
    title: str
    description: str
    carried_over: bool
    documents: list[DocumentOut]


class AttendanceOut(BaseModel):
    member_id: int
    name: str
    group_name: str
    position_label: str
    present: bool
    mode: str | None
    mode_label: str


class GroupPresenceOut(BaseModel):
    code: str
    name: str
    quota: str
    in_term: int
    present: int
    seat_weight: str
    present_weight: str


class QuorumOut(BaseModel):
    present_weight: str
    present_fraction: str
    threshold: str
    met: bool
    text: str
    groups: list[GroupPresenceOut]


class GroupShareOut(BaseModel):
    code: str
    name: str
    quota: str
    eligible: int
    weight: str
    yes_count: int
    no_count: int
    abstain_count: int
    yes: str
    no: str
    abstain: str
    not_voted: str


class TallyOut(BaseModel):
    yes: str
    no: str
    abstain: str
    yes_fraction: str
    no_fraction: str
    abstain_fraction: str
    passed: bool
    conditions: list[str]
    groups: list[GroupShareOut]


class VoteRow(BaseModel):
    member_id: int
    name: str
    choice: str
    choice_label: str


class MotionOut(BaseModel):
    id: int
    title: str
    text: str
    agenda_item_id: int | None
    rule: str
    rule_label: str
    abstentions: str
    secret: bool
    status: str
    result: str | None
    result_label: str
    votes_cast: int
    roll_size: int
    tally: TallyOut | None = Field(description="无记名投票在表决结束前不公布")
    votes: list[VoteRow] = Field(description="记名投票的个人选择；无记名投票永远为空")
    my_member_id: int | None
    i_voted: bool
    on_roll: bool


class MeetingOut(MeetingBrief):
    council: CouncilBrief
    ends_at: datetime
    location: str
    online_link: str
    agenda: list[AgendaItemOut]
    attendance: list[AttendanceOut]
    quorum: QuorumOut
    motions: list[MotionOut]
    minutes: str
    minutes_published_at: datetime | None
    can_run: bool
    can_edit_minutes: bool
    can_publish: bool
    my_member_id: int | None


class MinutesOut(BaseModel):
    meeting_id: int
    council: CouncilBrief
    title: str
    starts_at: datetime
    minutes: str
    published_at: datetime | None
