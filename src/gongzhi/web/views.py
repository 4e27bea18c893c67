"""What the pages show, built from the services: case rows for lists, report-form choices, form parsing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from gongzhi.cases import media as case_media
from gongzhi.cases import service as cases
from gongzhi.cases.models import Case, Category
from gongzhi.clock import SHANGHAI, local_time
from gongzhi.geo import service as geo
from gongzhi.geo.models import Area
from gongzhi.i18n import translate
from gongzhi.web.render import STATIC_DIR, countdown_text

SUMMARY_CHARS = 60
_FAR_FUTURE = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class CaseRow:
    id: int
    url: str
    number: str
    category: str
    summary: str
    grid: str
    status: str
    status_label: str
    priority: str
    priority_label: str
    created_at: datetime
    due_kind: str
    deadline: datetime | None
    overdue: bool
    countdown: str


def area_name(area: Area, lang: str) -> str:
    return (area.name_en or area.name) if lang == "en" else area.name


def category_name(cat: Category, lang: str) -> str:
    return cat.name_en if lang == "en" and cat.name_en else cat.name_zh


def _short(text: str, limit: int = SUMMARY_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def case_rows(session: Session, items: list[Case], now: datetime, lang: str) -> list[CaseRow]:
    """Rows for a list page; categories and grids are looked up once for the whole page."""
    cats = {c.id: c for c in cases.list_categories(session)}
    grid_ids = {c.grid_id for c in items if c.grid_id is not None}
    grids = {i: geo.get_area_by_id(session, i) for i in grid_ids}
    rows = []
    for c in items:
        kind, deadline, overdue = cases.due_info(c, now)
        cat = cats.get(c.category_id) or session.get_one(Category, c.category_id)
        grid = grids.get(c.grid_id) if c.grid_id is not None else None
        rows.append(CaseRow(
            id=c.id,
            url=f"/cases/{c.id}",
            number=cases.case_number(c),
            category=category_name(cat, lang),
            summary=_short(c.description or c.title),
            grid=area_name(grid, lang) if grid else "",
            status=c.status,
            status_label=translate(f"case_status.{c.status}", lang),
            priority=c.priority,
            priority_label=translate(f"case_priority.{c.priority}", lang),
            created_at=c.created_at,
            due_kind=kind,
            deadline=deadline,
            overdue=overdue,
            countdown=countdown_text(deadline, now, lang) if deadline else "",
        ))
    return rows


def queue_order(rows: list[CaseRow]) -> list[CaseRow]:
    """Overdue first, then the nearest deadline; cases without a running clock last (stable)."""
    def key(r: CaseRow) -> tuple[int, datetime]:
        if r.deadline is None:
            return (2, _FAR_FUTURE)
        return (0 if r.overdue else 1, r.deadline)

    return sorted(rows, key=key)


# ---------------------------------------------------------------- report form


@dataclass(frozen=True)
class Question:
    code: str
    label: str
    required: bool
    values: list[dict[str, str]]
    datatype: str = "string"


@dataclass(frozen=True)
class CategoryChoice:
    code: str
    name: str
    questions: list[Question] = field(default_factory=list)
    icon: str = "icons/other.svg"


@dataclass(frozen=True)
class GridChoice:
    code: str
    label: str


def category_choices(session: Session, lang: str) -> list[CategoryChoice]:
    out = []
    for cat in cases.list_categories(session, public_only=True):
        questions = []
        for d in cat.attributes:
            values = [
                {"key": str(v["key"]),
                 # The seed words its yes/no answers in Chinese; give them in the reader's language.
                 "name": translate(f"web.{v['key']}", lang) if v["key"] in ("yes", "no") else str(v["name"])}
                for v in d.get("values", [])
                if isinstance(v, dict) and "key" in v
            ]
            label = d.get("description_en") if lang == "en" and d.get("description_en") else d.get("description")
            questions.append(Question(code=str(d["code"]), label=str(label or d["code"]),
                                      required=bool(d.get("required")), values=values,
                                      datatype=str(d.get("datatype", "string"))))
        out.append(CategoryChoice(code=cat.code, name=category_name(cat, lang), questions=questions,
                                  icon=icon_for(cat.code)))
    return out


def icon_for(code: str) -> str:
    """The category's icon under static/icons/, or the generic one for categories added later."""
    name = f"icons/{code}.svg"
    return name if (STATIC_DIR / name).is_file() else "icons/other.svg"


def grid_choices(session: Session, lang: str) -> list[GridChoice]:
    """Every grid, labelled with its community so residents recognise it: 宝石社区 · 宝石一网格."""
    grids = geo.list_areas(session, level="grid")
    parents = {i: geo.get_area_by_id(session, i) for i in {g.parent_id for g in grids if g.parent_id}}
    out = []
    for g in grids:
        parent = parents.get(g.parent_id) if g.parent_id else None
        label = f"{area_name(parent, lang)} · {area_name(g, lang)}" if parent else area_name(g, lang)
        out.append(GridChoice(code=g.code, label=label))
    return sorted(out, key=lambda c: c.label)


_CASE_NUMBER = re.compile(r"^(?:GZ\d{8})?0*(\d{1,10})$", re.IGNORECASE)


def parse_case_ref(text: str) -> int | None:
    """'GZ20261123000042', '42' or '#42' -> 42."""
    m = _CASE_NUMBER.match(text.strip().lstrip("#"))
    if m is None:
        return None
    value = int(m.group(1))
    return value if 0 < value < 2**31 else None


def parse_local_datetime(text: str) -> datetime | None:
    """A datetime-local field ('2026-12-01T19:00') read as Beijing time; an explicit offset is kept."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value.replace(tzinfo=SHANGHAI) if value.tzinfo is None else value


def parse_float(text: str | None) -> float | None:
    if text is None or not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def attribute_answers(form: dict[str, str], category: str) -> dict[str, Any]:
    """The chosen category's answers: fields named attr__<category>__<question>; empty ones left out."""
    prefix = f"attr__{category}__"
    return {k[len(prefix):]: v.strip() for k, v in form.items() if k.startswith(prefix) and v.strip()}


def answer_rows(session: Session, case_attributes: dict[str, Any], category_code: str,
                lang: str) -> list[dict[str, str]]:
    """Case answers with the question text instead of the code."""
    defs: dict[str, dict[str, Any]] = {}
    for cat in cases.list_categories(session):
        if cat.code == category_code:
            defs = {str(d["code"]): d for d in cat.attributes}
    rows = []
    for code, value in case_attributes.items():
        d = defs.get(code, {})
        answer = str(value)
        for v in d.get("values", []):
            if str(v["key"]) == answer:
                answer = translate(f"web.{answer}", lang) if answer in ("yes", "no") else str(v["name"])
        rows.append({"question": str(d.get("description") or code), "answer": answer})
    return rows


# ---------------------------------------------------------------- follow-up: plain words, public view


# What each step means to a resident, in plain words (the staff page keeps the formal labels).
_PLAIN = {
    "create": "web.plain.create",
    "dispatch": "web.plain.dispatch",
    "accept": "web.plain.accept",
    "return": "web.plain.return",
    "start": "web.plain.start",
    "resolve": "web.plain.resolve",
    "close": "web.plain.close",
    "rate": "web.plain.rate",
    "reject": "web.plain.reject",
    "duplicate": "web.plain.duplicate",
    "reopen": "web.plain.reopen",
    "escalate": "web.plain.escalate",
    "auto_close": "web.plain.auto_close",
    "hide_text": "web.plain.hide_text",
    "show_text": "web.plain.show_text",
    "hide_photo": "web.plain.hide_photo",
    "show_photo": "web.plain.show_photo",
    "add_photo": "web.plain.add_photo",
}
# Shown with their note to the public: the outcome and reasons matter to neighbours; staff comments
# and returns between units stay internal.
_PUBLIC_NOTES = ("resolve", "reject", "reopen")
_INTERNAL = ("comment", "add_unit", "return")


@dataclass(frozen=True)
class PlainStep:
    at: datetime
    action: str
    text: str
    note: str


def plain_timeline(items: list[cases.TimelineItem], lang: str, *, public: bool) -> list[PlainStep]:
    out = []
    for i in items:
        if public and i.action in _INTERNAL:
            continue
        key = _PLAIN.get(i.action)
        if i.action == "create" and public:
            key = "web.plain.create_public"
        if i.action == "rate" and i.data.get("reopened"):
            key = "web.plain.rate_unhappy"
        text = translate(key, lang, rating=i.data.get("rating", "")) if key else translate(
            f"case_action.{i.action}", lang)
        note = i.note if (not public or i.action in _PUBLIC_NOTES) and not i.action.startswith(("hide_", "show_")) \
            else ""
        out.append(PlainStep(at=i.at, action=i.action, text=text, note=note))
    return out


@dataclass(frozen=True)
class PublicReport:
    """What anyone may see of a report: no reporter contact, no moderated text or photos."""

    id: int
    url: str
    number: str
    category: str
    category_code: str
    icon: str
    status: str
    status_label: str
    summary: str
    description: str
    text_hidden: bool
    reporter: str
    grid: str
    lat: float | None
    lng: float | None
    created_at: datetime
    created_local: str
    due_kind: str
    deadline: datetime | None
    overdue: bool
    countdown: str
    expected: str
    photos: list[str]
    metres: float | None
    rating: int | None


def _public_reporter(case: Case, lang: str) -> str:
    if case.anonymous or not case.reporter_name:
        return translate("web.public.anonymous", lang)
    name = case.reporter_name
    return name[:1] + "*" * (len(name) - 1) if len(name) > 1 else name


def public_report(session: Session, case: Case, now: datetime, lang: str, *, metres: float | None = None,
                  staff: bool = False) -> PublicReport:
    """`staff` (moderation view) keeps hidden text visible but still marks it hidden."""
    cat = session.get_one(Category, case.category_id)
    grid = geo.get_area_by_id(session, case.grid_id) if case.grid_id else None
    kind, deadline, overdue = cases.due_info(case, now)
    hidden_text = case.description_hidden and not staff
    description = translate("web.public.text_hidden", lang) if hidden_text else case.description
    photos = [] if staff else [case_media.media_path(m) for m in case_media.media_for(session, case.id)]
    expected = ""
    if deadline is not None:
        expected = translate(f"web.expected.{kind}", lang, at=local_time(deadline, "%m-%d %H:%M"))
    return PublicReport(
        id=case.id,
        url=f"/reports/{case.id}",
        number=cases.case_number(case),
        category=category_name(cat, lang),
        category_code=cat.code,
        icon=icon_for(cat.code),
        status=case.status,
        status_label=translate(f"case_status.{case.status}", lang),
        summary=_short(description),
        description=description,
        text_hidden=case.description_hidden,
        reporter=_public_reporter(case, lang),
        grid=area_name(grid, lang) if grid else "",
        # Rounded to ~10 m: enough to find the lamp, not a doorway.
        lat=round(case.lat, 4) if case.lat is not None else None,
        lng=round(case.lng, 4) if case.lng is not None else None,
        created_at=case.created_at,
        created_local=local_time(case.created_at, "%m-%d %H:%M"),
        due_kind=kind,
        deadline=deadline,
        overdue=overdue,
        countdown=countdown_text(deadline, now, lang) if deadline else "",
        expected=expected,
        photos=photos,
        metres=metres,
        rating=case.rating if case.status == "closed" else None,
    )


# ---------------------------------------------------------------- the report form's pin map


@dataclass(frozen=True)
class PinMap:
    """Grid outlines as an SVG in a local metric-ish projection; the script maps a tap to lng/lat."""

    width: int
    height: int
    bbox: tuple[float, float, float, float]  # min_lng, min_lat, max_lng, max_lat
    shapes: list[dict[str, str]]


PIN_MAP_WIDTH = 600


def report_map(session: Session) -> PinMap | None:
    import math

    grids = [g for g in geo.list_areas(session, level="grid") if g.geometry]
    rings: list[tuple[Area, list[list[float]]]] = []
    for g in grids:
        geometry = g.geometry or {}
        coords = geometry.get("coordinates") or []
        polys = [coords] if geometry.get("type") == "Polygon" else coords if geometry.get("type") == "MultiPolygon" \
            else []
        rings += [(g, poly[0]) for poly in polys if poly]
    if not rings:
        return None
    xs = [float(p[0]) for _, r in rings for p in r]
    ys = [float(p[1]) for _, r in rings for p in r]
    min_x, max_x, min_y, max_y = min(xs), max(xs), min(ys), max(ys)
    pad_x, pad_y = (max_x - min_x) * 0.05 or 0.001, (max_y - min_y) * 0.05 or 0.001
    min_x, max_x, min_y, max_y = min_x - pad_x, max_x + pad_x, min_y - pad_y, max_y + pad_y
    # Longitude degrees shrink with latitude: keep the drawing's proportions true.
    aspect = (max_y - min_y) / ((max_x - min_x) * math.cos(math.radians((min_y + max_y) / 2)))
    width = PIN_MAP_WIDTH
    height = max(120, min(900, round(width * aspect)))

    def pt(p: list[float]) -> str:
        x = (float(p[0]) - min_x) / (max_x - min_x) * width
        y = (max_y - float(p[1])) / (max_y - min_y) * height
        return f"{x:.1f},{y:.1f}"

    shapes = []
    for g, ring in rings:
        cx = sum(float(p[0]) for p in ring) / len(ring)
        cy = sum(float(p[1]) for p in ring) / len(ring)
        label_xy = pt([cx, cy]).split(",")
        shapes.append({"code": g.code, "name": g.name, "points": " ".join(pt(p) for p in ring),
                       "lx": label_xy[0], "ly": label_xy[1]})
    return PinMap(width=width, height=height, bbox=(min_x, min_y, max_x, max_y), shapes=shapes)
