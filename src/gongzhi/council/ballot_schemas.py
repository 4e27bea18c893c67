"""API shapes of owners' ballots. Areas travel as decimal strings ("85.37"), fractions as "n/d"."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Path
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Matter = Literal[
    "rules_of_procedure",
    "management_statute",
    "elect_committee",
    "hire_property_manager",
    "use_maintenance_fund",
    "raise_maintenance_fund",
    "rebuild",
    "change_common_use",
    "other_major",
]
Choice = Literal["yes", "no", "abstain"]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
AreaText = Annotated[str, Field(min_length=1, max_length=30, pattern=r"^\s*\d+(\.\d+)?\s*$",
                                description="面积（平方米），十进制字符串，如 \"85.37\"")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class EstateIn(_In):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=100)
    community_code: str = Field(min_length=1, max_length=32)


class BuildingIn(_In):
    name: str = Field(min_length=1, max_length=60)


class OwnerIn(_In):
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(default="", max_length=32, pattern=r"^[0-9+\- ]*$")
    username: str | None = Field(default=None, max_length=64, description="关联的居民账号（网上投票）")


class UnitIn(_In):
    number: str = Field(min_length=1, max_length=40)
    area: AreaText
    owner_id: int = Field(ge=1, le=2**31 - 1)


class RegisterIn(_In):
    rows: list[Annotated[list[Annotated[str, Field(max_length=100)]], Field(min_length=3, max_length=6)]] = Field(
        min_length=1, max_length=20_000, description="每行：楼栋, 房号, 面积, 业主, 电话, 账号（后两项可省略）")


class RegisterOut(BaseModel):
    units: int
    owners_created: int
    buildings_created: int


class BallotIn(_In):
    estate_id: int = Field(ge=1, le=2**31 - 1)
    building_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    matter: Matter
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    closes_at: AwareDatetime | None = None


class OpenIn(_In):
    closes_at: AwareDatetime | None = None


class VoteIn(_In):
    choice: Choice


class PaperVoteIn(_In):
    owner_id: int = Field(ge=1, le=2**31 - 1)
    choice: Choice
    paper_ref: str = Field(min_length=1, max_length=60, description="纸质表决票编号")


class CorrectionIn(_In):
    owner_id: int = Field(ge=1, le=2**31 - 1)
    choice: Choice
    reason: str = Field(min_length=1, max_length=500)
    paper_ref: str = Field(default="", max_length=60)


class EvaluateIn(_In):
    matter: Matter
    total_area: AreaText
    total_owners: int = Field(ge=1, le=10_000_000)
    votes: list[tuple[AreaText, Choice]] = Field(max_length=100_000)


class EstateOut(BaseModel):
    id: int
    code: str
    name: str
    community_code: str


class BuildingOut(BaseModel):
    id: int
    estate_id: int
    name: str


class OwnerOut(BaseModel):
    id: int
    name: str
    phone: str = Field(description="脱敏 masked")
    linked: bool
    units: list[str]
    area: str


class UnitOut(BaseModel):
    id: int
    building_id: int
    number: str
    area: str
    owner_id: int


class EstateDetail(EstateOut):
    buildings: list[BuildingOut]
    owners: list[OwnerOut]
    total_area: str
    total_owners: int


class ConditionOut(BaseModel):
    name: str
    label: str
    numerator: str
    denominator: str
    threshold: str
    inclusive: bool
    met: bool
    share: float | None = Field(description="numerator/denominator for display only; decisions use the fractions")


class EvaluationOut(BaseModel):
    matter: str
    passed: bool
    conditions: list[ConditionOut]
    participating_area: str
    participating_owners: int
    yes_owners: int
    no_owners: int
    abstain_owners: int


class MyVoteOut(BaseModel):
    owner_id: int
    entitled: bool
    choice: Choice | None
    channel: str | None


class BallotOut(BaseModel):
    id: int
    estate_id: int
    building_id: int | None
    matter: Matter
    matter_label: str
    title: str
    description: str
    status: Literal["draft", "open", "closed"]
    closes_at: datetime | None
    opened_at: datetime | None
    closed_at: datetime | None
    total_area: str
    total_owners: int
    passed: bool | None
    evaluation: EvaluationOut | None
    my_vote: MyVoteOut | None


class VoteOut(BaseModel):
    ballot_id: int
    owner_id: int
    choice: Choice
    channel: Literal["online", "paper"]
    area: str
    paper_ref: str
    cast_at: datetime
    corrections: int


class VoterOut(BaseModel):
    owner_id: int
    name: str
    area: str
    choice: Choice | None
    channel: str | None
    paper_ref: str
    corrections: int
