"""What the pages show, built from the services: case rows for lists, report-form choices, form parsing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from gongzhi.cases import service as cases
from gongzhi.cases.models import Case, Category
from gongzhi.geo import service as geo
from gongzhi.geo.models import Area
from gongzhi.i18n import translate
from gongzhi.web.render import countdown_text

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


@dataclass(frozen=True)
class CategoryChoice:
    code: str
    name: str
    questions: list[Question] = field(default_factory=list)


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
            ]
            questions.append(Question(code=str(d["code"]), label=str(d.get("description") or d["code"]),
                                      required=bool(d.get("required")), values=values))
        out.append(CategoryChoice(code=cat.code, name=category_name(cat, lang), questions=questions))
    return out


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
