"""API shapes of the measures and the before/after comparison."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class MeasureOut(BaseModel):
    code: str
    name: str
    formula: str
    unit: Literal["percent", "count", "seconds", "score"]
    kind: Literal["rate", "count", "duration", "score"]
    higher_is_better: bool


class AreaRef(BaseModel):
    code: str
    name: str
    level: str


class PeriodOut(BaseModel):
    start: str  # first local day (Asia/Shanghai), inclusive
    end: str  # first local day after the period (exclusive)
    label: str
    days: int


class ResultOut(BaseModel):
    code: str
    name: str
    unit: Literal["percent", "count", "seconds", "score"]
    value: float | None
    numerator: float | None
    denominator: float | None
    n: int
    formatted: str


class MeasureValueOut(ResultOut):
    formula: str
    area: AreaRef
    period: PeriodOut


class MeasureListOut(BaseModel):
    area: AreaRef
    period: PeriodOut
    results: list[ResultOut]


class BreakdownRow(BaseModel):
    area: AreaRef
    result: ResultOut


class BreakdownOut(BaseModel):
    code: str
    name: str
    by: Literal["child", "grid"]
    area: AreaRef
    period: PeriodOut
    total: ResultOut  # the area's own figure (over the union of its grids, not the rows' mean)
    rows: list[BreakdownRow]


class ComparisonOut(BaseModel):
    code: str
    name: str
    before: ResultOut
    after: ResultOut
    difference: float | None
    relative_change: float | None
    improved: bool | None
    p_value: float | None
    method: str | None  # text of the test used, in the caller's language
    note_key: str
    note: str


class CompareOut(BaseModel):
    area: AreaRef
    pilot_start: str
    before: PeriodOut
    after: PeriodOut
    comparisons: list[ComparisonOut]
