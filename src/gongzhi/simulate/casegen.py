"""Case histories for the demo street, played through the real case services as time passes.

Two stages. Planning (pure, seeded): when each case is reported, where, by whom, what it
says, and a script of what happens next (accept, start, resolve, rate; or 退单 and 改派,
reject, duplicate, reopen, 协办) with delays drawn per priority. Playing: one FrozenClock
walks forward through a heap of pending events; each event calls cases.service
(create_case, transition, add_co_unit) at its time, and cases.service.sweep runs whenever
a clock is due, so escalations (督办) and auto-closes are the service's own. The outbox is
delivered at each chunk commit through silent in-memory channels, so starting the server
afterwards does not replay 90 days of notifications. Whatever is still scheduled after the
end is dropped: recent cases stay open in whatever state they reached.

Same seed, same end time, same empty database -> the same cases, ids and statuses.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gongzhi.auth.models import User
from gongzhi.cases import service as cases
from gongzhi.cases.models import OPEN_STATUSES, STATUSES, Case
from gongzhi.cases.schemas import CaseIn, Source
from gongzhi.clock import SHANGHAI, FrozenClock
from gongzhi.db import Database
from gongzhi.errors import AppError
from gongzhi.notify.channels import Channel, OutgoingMessage
from gongzhi.notify.sender import deliver_due
from gongzhi.simulate import texts
from gongzhi.simulate.district import District, GridInfo, People, load_district

# Relative frequency of each category (urban grids); villages adjust below.
CATEGORY_WEIGHTS: Final[dict[str, float]] = {
    "garbage": 16, "illegal_parking": 14, "noise": 9, "street_vending": 8, "road_damage": 8,
    "streetlight": 8, "green_space": 5, "elevator": 5, "illegal_construction": 5, "waterlogging": 4,
    "advice": 4, "water_pipe": 3, "manhole": 3, "fire_hazard": 3, "other": 3, "suspicious": 2,
}
VILLAGE_WEIGHTS: Final[dict[str, float]] = {
    "elevator": 0, "illegal_parking": 6, "illegal_construction": 10, "street_vending": 4,
}
# Reports by hour of day (Shanghai): daytime-heavy; noise and suspicious events peak at night.
DAY_HOURS: Final = (1, 0.6, 0.4, 0.3, 0.3, 0.6, 1.5, 3, 5, 7, 8, 7.5,  # 00–11
                    5, 4.5, 6.5, 7, 7, 6.5, 5, 4.5, 4, 3, 2, 1.3)  # 12–23
NIGHT_HOURS: Final = (3, 2.5, 1.5, 1, 0.5, 0.5, 1, 1.5, 2, 2.5, 2.5, 2.5,
                      2, 2, 2, 2, 2, 2.5, 3, 4, 5, 6, 6, 5)
NIGHT_CATEGORIES: Final = ("noise", "suspicious")
# Median minutes per priority; lognormal around them.
ACCEPT_MEDIAN: Final = {"P1": 5, "P2": 20, "P3": 75, "P4": 180}
START_MEDIAN: Final = {"P1": 5, "P2": 25, "P3": 120, "P4": 240}
RESOLVE_MEDIAN: Final = {"P1": 45, "P2": 300, "P3": 1500, "P4": 2400}
# Lognormal tails cut where even a neglected case would have been taken up.
MAX_ACCEPT: Final = timedelta(days=2)
MAX_RESOLVE: Final = timedelta(days=6)
ROUTINE: Final = ("P3", "P4")  # handled in working hours; P1/P2 have a 24-hour duty
OFFICE: Final = (8, 20)  # units work 08:00–20:00 Shanghai, every day
AWAKE: Final = (7, 23)  # residents answer follow-ups while awake
RATINGS: Final = ((5, 0.55), (4, 0.27), (3, 0.1), (2, 0.05), (1, 0.03))
# Categories a grid worker sometimes handles alone instead of the unit.
WORKER_HANDLED: Final = ("garbage", "street_vending", "fire_hazard", "advice", "other", "green_space")

FATES: Final = (("normal", 0.81), ("returned", 0.06), ("rerouted", 0.02), ("rejected", 0.03),
                ("duplicate", 0.03), ("reopened", 0.05))
# Share of cases in a category with a helper unit (texts.CO_UNITS) that bring one in: ~8% of all.
CO_UNIT_RATE: Final = 0.14
WORKER_COMMENT_RATE: Final = 0.12
TRAPPED: Final = -1  # the elevator template with someone trapped inside (raises the case to P1)
# How a template names its place: the first of these it starts with (else the spot).
_PLACES: Final = ("{compound}{b}幢{u}单元", "{compound}{b}幢", "{spot}")
# Fates every demo must show, each at least this share of the cases (and at least one).
QUOTA_SHARE: Final = 0.02


@dataclass(frozen=True)
class Step:
    """One action in a case's script, `delay` after the previous one happened."""

    delay: timedelta
    actor: str  # staff (lead unit), co_staff, worker (grid), official (community), reporter
    action: str  # a cases.service action, or "add_unit"
    note: str = ""
    unit_kind: str | None = None  # dispatch / add_unit: a unit of this kind; None = the current unit
    rating: int | None = None
    duplicate_of: int | None = None  # plan index of the original
    window: tuple[int, int] | None = None  # wait for these local hours
    jitter: timedelta = timedelta(0)  # spread over the opening of the window


@dataclass
class Plan:
    index: int
    at: datetime
    category: str
    grid: GridInfo
    hold: str = ""  # a case deliberately left in this state at the end
    fate: str = "normal"
    co_unit: bool = False
    worker_comment: bool = False
    original: int | None = None  # duplicate: plan index of the original
    priority: str = "P3"
    source: Source = "citizen"
    reporter_id: int | None = None  # the acting user at intake (resident, grid worker, volunteer)
    reporter_name: str = ""
    reporter_phone: str = ""
    handler: str = "staff"
    slots: dict[str, str | int] = field(default_factory=dict)  # place words: compound, building, spot …
    template: int = 0  # index into texts.TEMPLATES[category], or TRAPPED
    title: str = ""
    description: str = ""
    address: str = ""
    lat: float = 0.0
    lng: float = 0.0
    attributes: dict[str, str] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)


@dataclass
class GenerationStats:
    cases: int = 0
    events: int = 0
    sweeps: int = 0
    escalations: int = 0
    auto_closed: int = 0
    delivered: int = 0
    failures: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)


ProgressFn = Callable[[datetime, int], None]


# ---------------------------------------------------------------- helpers


def _minutes(rng: random.Random, median: float, sigma: float = 0.8) -> timedelta:
    return timedelta(minutes=max(1.0, rng.lognormvariate(math.log(median), sigma)))


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    keys = [k for k, w in weights.items() if w > 0]
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _in_window(at: datetime, window: tuple[int, int], jitter: timedelta) -> datetime:
    """`at`, or the next opening of the local-hours window (plus jitter) when it falls outside."""
    local = at.astimezone(SHANGHAI)
    opens, closes = window
    if opens <= local.hour < closes:
        return at
    day = local.date() if local.hour < opens else local.date() + timedelta(days=1)
    opening = datetime(day.year, day.month, day.day, opens, tzinfo=SHANGHAI)
    return (opening + jitter).astimezone(at.tzinfo)


def _point_in(rng: random.Random, grid: GridInfo, inner: Any) -> tuple[float, float]:
    """(lng, lat) inside the grid, kept off its border so no point sits on two grids."""
    x0, y0, x1, y1 = inner.bounds
    while True:
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if shapely.contains_xy(inner, x, y):
            return round(x, 6), round(y, 6)


# ---------------------------------------------------------------- planning


class _Planner:
    def __init__(self, district: District, priorities: dict[str, str], start: datetime, end: datetime,
                 n: int, seed: int) -> None:
        self.district = district
        self.priorities = priorities
        self.start, self.end, self.n = start, end, n
        self.rng = random.Random(f"{seed}:cases")
        self.people = People(seed, "callers")
        self.inner = {g.id: g.geometry.buffer(-0.0003) for g in district.grids}
        days = max(1, round((end - start) / timedelta(days=1)))
        self.rainy = sorted(self.rng.sample(range(days), k=max(2, days // 10)))

    # -- when, where, what

    def _when(self, category: str) -> datetime:
        span = (self.end - self.start).total_seconds()
        hours = NIGHT_HOURS if category in NIGHT_CATEGORIES else DAY_HOURS
        top = max(hours)
        while True:
            if category == "waterlogging":
                day = self.rng.choice(self.rainy)
                at = self.start + timedelta(days=day, seconds=self.rng.uniform(0, 86400))
            else:
                at = self.start + timedelta(seconds=self.rng.uniform(0, span))
            if at > self.end - timedelta(minutes=15):
                continue
            local = at.astimezone(SHANGHAI)
            weight = hours[local.hour] / top
            weight *= 0.85 if local.weekday() >= 5 else 1.0
            weight *= 0.8 + 0.4 * (at - self.start).total_seconds() / span  # more use as it catches on
            if self.rng.random() < weight:
                return at.replace(microsecond=0)

    def _grid(self) -> GridInfo:
        grids = self.district.grids
        return self.rng.choices(grids, weights=[0.6 if g.village else 1.0 for g in grids])[0]

    def _category(self, grid: GridInfo) -> str:
        weights = {k: w for k, w in CATEGORY_WEIGHTS.items() if k in self.priorities}
        if grid.village:
            weights |= {k: w for k, w in VILLAGE_WEIGHTS.items() if k in weights}
        return _pick(self.rng, weights)

    def plans(self) -> list[Plan]:
        holds = self._holds()
        if self.n < len(holds) + 10:
            raise ValueError(f"the demo needs at least {len(holds) + 10} cases")
        plans = list(holds)
        for _ in range(self.n - len(holds)):
            grid = self._grid()
            category = self._category(grid)
            plans.append(Plan(index=0, at=self._when(category), category=category, grid=grid))
        plans.sort(key=lambda p: (p.at, p.grid.code, p.category))
        for index, plan in enumerate(plans):
            plan.index = index
        self._fates([p for p in plans if not p.hold])
        for plan in plans:
            self._details(plan, plans)
            if not plan.hold:
                plan.steps = self._steps(plan)
        return plans

    # -- the cases left open on purpose, so every state shows at the end

    def _holds(self) -> list[Plan]:
        rng, m = self.rng, timedelta(minutes=1)
        grids = self.district.grids
        specs: list[tuple[str, float, str, list[Step]]] = [
            ("new", 6, "road_damage", [Step(40 * m, "staff", "return", texts.RETURNS["road_damage"][1])]),
            ("dispatched", 5, "streetlight", []),  # overdue: the sweep escalates it every hour
            ("dispatched", 0.7, "garbage", []),
            ("accepted", 3, "illegal_parking", [Step(20 * m, "staff", "accept")]),
            ("in_progress", 40, "waterlogging",  # resolve clock missed: escalated
             [Step(15 * m, "staff", "accept"), Step(30 * m, "staff", "start", "已到达现场。")]),
            ("in_progress", 8, "noise", [Step(40 * m, "staff", "accept"), Step(60 * m, "staff", "start")]),
            ("resolved", 30, "garbage",
             [Step(30 * m, "staff", "accept"), Step(60 * m, "staff", "start"),
              Step(8 * 60 * m, "staff", "resolve", texts.RESOLVE_NOTES["garbage"][0])]),
            ("reopened", 96, "streetlight",
             [Step(20 * m, "staff", "accept"), Step(60 * m, "staff", "start"),
              Step(5 * 60 * m, "staff", "resolve", texts.RESOLVE_NOTES["streetlight"][0]),
              Step(48 * 60 * m, "reporter", "reopen", texts.REOPEN_NOTES[2])]),
        ]
        holds = []
        for k, (state, hours, category, steps) in enumerate(specs):
            grid = grids[(k * 7 + rng.randrange(3)) % len(grids)]
            at = self.end - timedelta(hours=hours) - timedelta(minutes=rng.randrange(10))
            at = at.replace(microsecond=0)
            holds.append(Plan(index=0, at=at, category=category, grid=grid, hold=state, steps=steps))
        return holds

    # -- what becomes of each case

    def _fates(self, plans: list[Plan]) -> None:
        rng = self.rng
        names, weights = zip(*FATES, strict=True)
        for plan in plans:
            fate = rng.choices(names, weights=weights)[0]
            if fate in ("returned", "rerouted") and plan.category not in texts.RETURNS:
                fate = "normal"
            if fate == "reopened" and plan.category == "advice":
                fate = "normal"
            plan.fate = fate
            # Not on re-routed cases: the new lead unit may be the very helper (a 409).
            lead_stays = fate in ("normal", "reopened")
            plan.co_unit = lead_stays and plan.category in texts.CO_UNITS and rng.random() < CO_UNIT_RATE
            plan.worker_comment = fate not in ("rejected", "duplicate") and rng.random() < WORKER_COMMENT_RATE
        # Each side path shows at least a few times, on cases old enough to have got there.
        quota = max(1, round(self.n * QUOTA_SHARE))
        cutoff = self.end - max(timedelta(days=3), (self.end - self.start) * 0.3)
        old = [p for p in plans if p.at < cutoff]
        rng.shuffle(old)
        for fate, fits in (
            ("rejected", lambda p: True),
            ("duplicate", lambda p: True),
            ("returned", lambda p: p.category in texts.RETURNS),
            ("rerouted", lambda p: p.category in texts.RETURNS),
            ("reopened", lambda p: p.category != "advice"),
        ):
            missing = quota - sum(1 for p in plans if p.fate == fate)
            for plan in old:
                if missing <= 0:
                    break
                if plan.fate == "normal" and fits(plan):
                    plan.fate, missing = fate, missing - 1
        if not any(p.co_unit for p in old):
            for plan in old:
                if plan.fate == "normal" and plan.category in texts.CO_UNITS:
                    plan.co_unit = True
                    break

    def _details(self, plan: Plan, plans: list[Plan]) -> None:
        rng = self.rng
        grid = plan.grid
        original: Plan | None = None
        if plan.fate == "duplicate":
            earlier = [p for p in plans[: plan.index]
                       if p.at >= plan.at - timedelta(days=5) and p.fate not in ("rejected", "duplicate")
                       and not p.hold and p.category != "advice"]
            if earlier:
                original = rng.choice(earlier)
                plan.original, plan.grid, plan.category = original.index, original.grid, original.category
                grid = plan.grid
            else:
                plan.fate = "normal"
        category = plan.category
        plan.priority = self.priorities[category]

        # Who reports it.
        # Residents report (and re-report: duplicates) most things; only they can rate and reopen.
        if plan.hold or plan.fate in ("reopened", "duplicate") or category in ("advice", "elevator"):
            source: Source = "citizen"
        else:
            sources: tuple[Source, ...] = ("citizen", "staff", "volunteer", "open311")
            source = rng.choices(sources, weights=(62, 25, 6, 7))[0]
        plan.source = source
        if source == "citizen":
            plan.reporter_id = rng.choice(grid.resident_ids)
        elif source == "staff":
            plan.reporter_id = grid.worker_id
        elif source == "volunteer":
            plan.reporter_id = rng.choice(self.district.volunteer_ids[grid.community_id])
        else:
            plan.reporter_name, plan.reporter_phone = self.people.name(), self.people.phone()
        alone = not plan.hold and category in WORKER_HANDLED and rng.random() < 0.25
        plan.handler = "worker" if alone else "staff"

        # Where, and what it says. A duplicate is the same place and template in other words.
        if original is not None:
            slots, plan.template = dict(original.slots), original.template
        else:
            slots = {
                "compound": grid.compound, "b": rng.randint(1, 30), "u": rng.randint(1, 4),
                "road": grid.roads[0], "road2": rng.choice(grid.roads[1:]), "num": rng.randint(1, 300),
            }
            spots = texts.VILLAGE_SPOTS if grid.village else texts.URBAN_SPOTS
            slots["spot"] = rng.choice(spots).format(**slots)
            templates = texts.TEMPLATES[category]
            plan.template = rng.randrange(len(templates))
            if category == "elevator" and rng.random() < 0.12:
                plan.template = TRAPPED
        plan.slots = slots
        suffix, template = (texts.ELEVATOR_TRAPPED if plan.template == TRAPPED
                            else texts.TEMPLATES[category][plan.template])
        attributes: dict[str, str] = {}
        if category == "elevator":
            attributes["trapped"] = "yes" if plan.template == TRAPPED else "no"
            if plan.template == TRAPPED:
                plan.priority = "P1"  # what the category's raise_priority answer does
        elif category == "noise" and rng.random() < 0.7:
            hour = plan.at.astimezone(SHANGHAI).hour
            attributes["night"] = "yes" if hour >= 22 or hour < 6 else "no"
        elif category == "streetlight" and rng.random() < 0.4:
            attributes["pole_number"] = f"LD-{rng.randrange(1, 2000):04d}"
        plate = f"浙A{rng.choice(texts.PLATE_LETTERS)}{rng.randrange(10000):04d}"
        if category == "illegal_parking" and "{plate}" in template:
            attributes["plate"] = plate
        plan.attributes = attributes
        text = template.format(time=rng.choice(texts.TIME_PHRASES), n=rng.randint(2, 5), plate=plate,
                               community=grid.community_name, **slots)
        plan.description = text + rng.choice(texts.CLOSING_PHRASES)
        place = next((p.format(**slots) for p in _PLACES if template.startswith(p)), str(slots["spot"]))
        plan.title = (suffix if category == "advice" else place + suffix)[:60]
        plan.address = place if place.startswith(grid.community_name) else grid.community_name + place
        if original is not None:
            lng, lat = original.lng + rng.uniform(-3e-4, 3e-4), original.lat + rng.uniform(-3e-4, 3e-4)
            if not shapely.contains_xy(self.inner[grid.id], lng, lat):
                lng, lat = original.lng, original.lat
            plan.lng, plan.lat = round(lng, 6), round(lat, 6)
        else:
            plan.lng, plan.lat = _point_in(rng, grid, self.inner[grid.id])

    # -- scripts

    def _later(self, median: float, *, window: tuple[int, int] | None = None,
               cap: timedelta | None = None) -> dict[str, Any]:
        delay = _minutes(self.rng, median)
        jitter = timedelta(minutes=self.rng.uniform(0, 90))
        return {"delay": min(delay, cap) if cap is not None else delay, "window": window, "jitter": jitter}

    def _work(self, plan: Plan, actor: str, *, reopened: bool = False) -> list[Step]:
        """accept → (co-unit, comment) → (start) → resolve, timed by priority."""
        rng, p = self.rng, plan.priority
        window = OFFICE if p in ROUTINE else None
        accept = _minutes(rng, ACCEPT_MEDIAN[p])
        if rng.random() < 0.07:  # late: the sweep will have escalated it by then
            accept *= rng.uniform(4, 12)
        accept = min(accept, MAX_ACCEPT)
        steps = [Step(accept, actor, "accept", window=window, jitter=timedelta(minutes=rng.uniform(0, 90)))]
        # Fire rescue helps at an elevator only when someone is trapped.
        helps = plan.category != "elevator" or plan.template == TRAPPED
        if plan.co_unit and helps and not reopened:
            kind = texts.CO_UNITS[plan.category]
            steps.append(Step(**self._later(30), actor="staff", action="add_unit", unit_kind=kind,
                              note=rng.choice(texts.CO_UNIT_NOTES)))
            if rng.random() < 0.6:
                steps.append(Step(**self._later(90), actor="co_staff", action="comment", unit_kind=kind,
                                  note=rng.choice(texts.CO_COMMENTS)))
        if plan.worker_comment and not reopened:
            steps.append(Step(**self._later(40), actor="worker", action="comment",
                              note=rng.choice(texts.WORKER_COMMENTS)))
        if rng.random() < 0.7:
            steps.append(Step(**self._later(START_MEDIAN[p], window=window), actor=actor, action="start",
                              note=rng.choice(texts.START_NOTES)))
        resolve = self._later(RESOLVE_MEDIAN[p], window=window)
        if rng.random() < 0.08:
            resolve["delay"] *= rng.uniform(3, 6)
        resolve["delay"] = min(resolve["delay"], MAX_RESOLVE)
        notes = texts.RESOLVE_NOTES[plan.category]
        if plan.category == "elevator":  # the first note is the repair, the second the rescue
            notes = notes[1:] if plan.template == TRAPPED else notes[:1]
        steps.append(Step(**resolve, actor=actor, action="resolve", note=rng.choice(notes)))
        return steps

    def _finish(self, plan: Plan) -> list[Step]:
        rng = self.rng
        if plan.source == "citizen":
            if rng.random() < 0.85:
                rating = rng.choices([r for r, _ in RATINGS], weights=[w for _, w in RATINGS])[0]
                delay = min(_minutes(rng, 240, 1.0), timedelta(hours=60))
                steps = [Step(delay, "reporter", "rate", rng.choice(texts.RATING_COMMENTS[rating]),
                              rating=rating, window=AWAKE, jitter=timedelta(minutes=rng.uniform(0, 120)))]
                if rating < cases.RATING_REOPEN_BELOW:
                    # A rating of 1-2 reopens the case: the dispatcher sends it out again, as people do.
                    steps += self._redo(plan)
                return steps
            return []  # no answer: the sweep closes it after the rating wait
        if rng.random() < 0.4:
            # Well inside the rating wait, after which the sweep would have closed it already.
            return [Step(**self._later(240, window=OFFICE, cap=timedelta(hours=48)), actor="official",
                         action="close", note=rng.choice(texts.CLOSE_NOTES))]
        return []

    def _steps(self, plan: Plan) -> list[Step]:
        rng = self.rng
        fate = plan.fate
        if fate == "rejected":
            actor = rng.choice(("worker", "worker", "official"))
            return [Step(**self._later(50, window=OFFICE), actor=actor, action="reject",
                         note=rng.choice(texts.REJECT_NOTES))]
        if fate == "duplicate":
            return [Step(**self._later(30), actor="worker", action="duplicate", duplicate_of=plan.original)]
        steps: list[Step] = []
        if fate in ("returned", "rerouted"):
            kind, reason = texts.RETURNS[plan.category]
            unit = self.district.unit_for(kind, plan.grid)
            if fate == "returned":
                if rng.random() < 0.3:
                    steps.append(Step(_minutes(rng, ACCEPT_MEDIAN[plan.priority]), "staff", "accept"))
                steps.append(Step(**self._later(45), actor="staff", action="return", note=reason))
            steps.append(Step(**self._later(40, window=OFFICE), actor="official", action="dispatch",
                              unit_kind=kind, note=texts.REROUTE_NOTE.format(unit=unit.name)))
            plan.handler = "staff"
        steps += self._work(plan, plan.handler)
        if fate == "reopened":
            rng_note = rng.choice(texts.REOPEN_NOTES).format(time=rng.choice(texts.TIME_PHRASES))
            steps.append(Step(**self._later(600, window=AWAKE, cap=timedelta(days=4)), actor="reporter",
                              action="reopen", note=rng_note))
            return steps + self._redo(plan)
        return steps + self._finish(plan)

    def _redo(self, plan: Plan) -> list[Step]:
        """After a reopen: dispatched again, worked again, and rated 3-5 (a 1-2 would reopen it once more)."""
        rng = self.rng
        steps = [Step(**self._later(60, window=OFFICE), actor="official", action="dispatch",
                      note="居民对处理结果不满意，请重新核实办理。")]
        steps += self._work(plan, "staff", reopened=True)
        rating = rng.choices((3, 4, 5), weights=(3, 4, 3))[0]
        steps.append(Step(**self._later(240, window=AWAKE, cap=timedelta(hours=48)), actor="reporter",
                          action="rate", rating=rating, note=rng.choice(texts.RATING_COMMENTS[rating])))
        return steps


def plan_cases(district: District, priorities: dict[str, str], *, start: datetime, end: datetime, n: int,
               seed: int) -> list[Plan]:
    """The n case scripts for [start, end), in order of reporting. Pure: no database."""
    return _Planner(district, priorities, start, end, n, seed).plans()


# ---------------------------------------------------------------- playing


class _Silent:
    """History is delivered to nowhere: it happened before the demo starts."""

    def send(self, msg: OutgoingMessage) -> None:
        return None


_SILENT: Final[dict[str, Channel]] = {"console": _Silent(), "email": _Silent(), "webhook": _Silent()}
_SWEPT_STATUSES: Final = (*OPEN_STATUSES, "resolved")
_Event = tuple[datetime, int, int, int]  # when, tie-breaker, plan index, step (-1: the report itself)


class _Player:
    def __init__(self, database: Database, clock: FrozenClock, district: District, plans: list[Plan],
                 end: datetime, on_progress: ProgressFn | None, chunk: int) -> None:
        self.database, self.clock, self.district = database, clock, district
        self.plans, self.end, self.on_progress, self.chunk = plans, end, on_progress, chunk
        self.case_ids: dict[int, int] = {}
        self.next_due: datetime | None = None
        self.stats = GenerationStats()
        self._seq = 0

    def run(self) -> GenerationStats:
        heap: list[_Event] = []
        for plan in self.plans:
            self._push(heap, plan.at, plan.index, -1)
        with self.database.write() as session:
            try:
                since_commit = 0
                while heap and heap[0][0] <= self.end:
                    at, _, index, step_no = heapq.heappop(heap)
                    self._sweep_until(session, at)
                    self.clock.set(at)
                    plan = self.plans[index]
                    if self._play(session, plan, step_no) and step_no + 1 < len(plan.steps):
                        step = plan.steps[step_no + 1]
                        when = at + step.delay
                        if step.window is not None:
                            when = _in_window(when, step.window, step.jitter)
                        self._push(heap, when, index, step_no + 1)
                    self.stats.events += 1
                    since_commit += 1
                    if since_commit >= self.chunk:
                        self._commit(session, at)
                        since_commit = 0
                self._sweep_until(session, self.end)
                self.clock.set(self.end)
                self._commit(session, self.end)
            except BaseException:
                session.rollback()
                raise
            found = status_histogram(session, self.district)
            self.stats.statuses = {status: found[status] for status in STATUSES if found[status]}
            session.commit()
        return self.stats

    def _push(self, heap: list[_Event], at: datetime, index: int, step_no: int) -> None:
        self._seq += 1  # ties break in insertion order: deterministic
        heapq.heappush(heap, (at, self._seq, index, step_no))

    def _commit(self, session: Session, now: datetime) -> None:
        session.commit()
        while True:
            report = deliver_due(self.database, now, _SILENT, batch=500)
            done = report.sent + report.retried + report.dead
            self.stats.delivered += report.sent
            if done == 0:
                break
        if self.on_progress is not None:
            self.on_progress(now, self.stats.cases)

    def _note_due(self, case: Case) -> None:
        due = case.next_check_at
        if due is not None and (self.next_due is None or due < self.next_due):
            self.next_due = due

    def _sweep_until(self, session: Session, until: datetime) -> None:
        """Run the sweep at each moment a clock falls due, as the worker would (every minute)."""
        while self.next_due is not None and self.next_due <= until:
            tick = self.next_due.replace(second=0, microsecond=0)
            if tick < self.next_due:
                tick += timedelta(minutes=1)
            at = min(max(tick, self.clock.now()), until)
            self.clock.set(at)
            report = cases.sweep(session, at)
            self.stats.sweeps += 1
            self.stats.escalations += report.escalated
            self.stats.auto_closed += report.auto_closed
            self.next_due = session.scalar(select(func.min(Case.next_check_at)).where(
                Case.next_check_at.is_not(None), Case.status.in_(_SWEPT_STATUSES)))

    def _play(self, session: Session, plan: Plan, step_no: int) -> bool:
        """Apply one event; False (and the rest of the script dropped) if the service refused it."""
        now = self.clock.now()
        if step_no < 0:
            actor = session.get(User, plan.reporter_id) if plan.reporter_id is not None else None
            data = CaseIn(
                category=plan.category, description=plan.description, title=plan.title, lat=plan.lat,
                lng=plan.lng, address=plan.address, source=plan.source,
                reporter_name=plan.reporter_name or (actor.display_name if actor else ""),
                reporter_phone=plan.reporter_phone or (actor.phone if actor else ""),
                attributes=dict(plan.attributes),
            )
            case = cases.create_case(session, actor=actor, data=data, now=now)
            self.case_ids[plan.index] = case.id
            self.stats.cases += 1
            self._note_due(case)
            return True
        step = plan.steps[step_no]
        case_id = self.case_ids[plan.index]
        case = session.get_one(Case, case_id)
        try:
            with session.begin_nested():
                self._apply(session, plan, case, step, now)
        except AppError as exc:
            self.stats.failures.append(f"#{plan.index} {step.action} at {now:%m-%d %H:%M}: {exc.code}")
            return False
        self._note_due(case)
        return True

    def _apply(self, session: Session, plan: Plan, case: Case, step: Step, now: datetime) -> None:
        grid = plan.grid
        unit_code: str | None = None
        if step.action in ("dispatch", "add_unit"):
            if step.unit_kind is not None:
                unit_code = self.district.unit_for(step.unit_kind, grid).code
            elif case.unit_id is not None:
                unit_code = self.district.unit_by_id(case.unit_id).code
        user = session.get_one(User, self._actor_id(plan, case, step))
        if step.action == "add_unit":
            assert unit_code is not None
            cases.add_co_unit(session, user=user, case_id=case.id, unit_code=unit_code, now=now,
                              note=step.note)
            return
        note = step.note
        duplicate_of: int | None = None
        if step.duplicate_of is not None:
            duplicate_of = self.case_ids[step.duplicate_of]
            note = texts.DUPLICATE_NOTE.format(number=cases.case_number(session.get_one(Case, duplicate_of)))
        cases.transition(session, user=user, case_id=case.id, action=step.action, now=now, note=note,
                         unit_code=unit_code, duplicate_of=duplicate_of, rating=step.rating)

    def _actor_id(self, plan: Plan, case: Case, step: Step) -> int:
        grid = plan.grid
        if step.actor == "staff" and case.unit_id is not None:
            staff = self.district.unit_by_id(case.unit_id).staff_ids
            return staff[plan.index % len(staff)]
        if step.actor == "co_staff" and step.unit_kind is not None:
            return self.district.unit_for(step.unit_kind, grid).staff_ids[0]
        if step.actor == "official":
            return self.district.officials[grid.community_id]
        if step.actor == "reporter" and plan.reporter_id is not None:
            return plan.reporter_id
        return grid.worker_id


def generate_cases(
    database: Database,
    clock: FrozenClock,
    *,
    n: int = 500,
    days: int = 90,
    seed: int,
    district: District | None = None,
    on_progress: ProgressFn | None = None,
    chunk: int = 200,
) -> GenerationStats:
    """Play `n` cases over the `days` days that end at clock.now(), through the real services.

    The clock is set back to the start, walked forward event by event, and left at the end.
    Commits every `chunk` events (and delivers the outbox then); `on_progress(now, cases)`
    is called after each commit.
    """
    end = clock.now()
    start = end - timedelta(days=days)
    with database.session(readonly=True) as session:
        if district is None:
            district = load_district(session)
        priorities = {c.code: c.default_priority for c in cases.list_categories(session)}
    plans = plan_cases(district, priorities, start=start, end=end, n=n, seed=seed)
    clock.set(start)
    stats = _Player(database, clock, district, plans, end, on_progress, chunk).run()
    return stats


def status_histogram(session: Session, district: District) -> Counter[str]:
    """How many of the demo street's cases are in each status."""
    rows = session.execute(select(Case.status, func.count()).where(
        Case.grid_id.in_([g.id for g in district.grids])).group_by(Case.status)).all()
    return Counter({status: int(count) for status, count in rows})
