"""Reference data from DOMAIN.md: SLA policies, report categories and the holiday calendar.

Idempotent: rows that exist are left as admins edited them; only missing ones are added.
"""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.cases.models import CalendarDay, Category, SlaPolicy

# priority: (accept amount, unit, resolve amount, unit)
SLA_DEFAULTS: dict[str, tuple[int, str, int, str]] = {
    "P1": (15, "minutes", 120, "minutes"),
    "P2": (60, "minutes", 24 * 60, "minutes"),
    "P3": (1, "working_days", 5, "working_days"),
    "P4": (2, "working_days", 10, "working_days"),
}

_YES_NO = [{"key": "yes", "name": "是"}, {"key": "no", "name": "否"}]

# code, 中文, English, unit kind, priority, extra questions
CATEGORY_DEFAULTS: list[tuple[str, str, str, str, str, list[dict[str, Any]]]] = [
    (
        "streetlight",
        "路灯故障",
        "Streetlight out",
        "municipal",
        "P2",
        [{"code": "pole_number", "datatype": "string", "required": False, "description": "灯杆编号"}],
    ),
    ("road_damage", "道路破损", "Road damage", "municipal", "P3", []),
    ("manhole", "井盖缺失/破损", "Missing or broken manhole cover", "municipal", "P1", []),
    ("waterlogging", "道路积水", "Waterlogged road", "municipal", "P2", []),
    ("water_pipe", "供水管破裂", "Burst water pipe", "water", "P2", []),
    ("garbage", "垃圾堆放", "Dumped rubbish", "sanitation", "P3", []),
    (
        "illegal_parking",
        "违章停车",
        "Illegal parking",
        "traffic_police",
        "P3",
        [{"code": "plate", "datatype": "string", "required": False, "description": "车牌号"}],
    ),
    ("street_vending", "占道经营", "Street vending on the road", "urban_mgmt", "P3", []),
    ("illegal_construction", "私搭乱建", "Illegal construction", "urban_mgmt", "P3", []),
    (
        "noise",
        "噪声扰民",
        "Noise nuisance",
        "police",
        "P3",
        [
            {
                "code": "night",
                "datatype": "singlevaluelist",
                "required": False,
                "description": "是否夜间（22时后）",
                "values": _YES_NO,
            }
        ],
    ),
    (
        "elevator",
        "电梯故障",
        "Elevator fault",
        "property",
        "P2",
        [
            {
                "code": "trapped",
                "datatype": "singlevaluelist",
                "required": True,
                "description": "是否有人被困",
                "values": _YES_NO,
                "raise_priority": {"yes": "P1"},
            }
        ],
    ),
    ("suspicious", "可疑人员/事件", "Suspicious person or event", "police", "P1", []),
    ("fire_hazard", "消防隐患", "Fire hazard", "fire", "P2", []),
    ("green_space", "绿地损毁", "Damaged green space", "greening", "P3", []),
    ("advice", "咨询建议", "Question or suggestion", "street_office", "P4", []),
    ("other", "其他", "Other", "street_office", "P3", []),
    # 信访件: letters and visits registered by staff (source "staff"); the street's governance
    # centre (street_office) handles them. Not offered to residents.
    ("petition", "信访件", "Petition (letters and visits)", "street_office", "P3", []),
]
# Categories staff file on residents' behalf; residents and Open311 clients never see them.
INTERNAL_CATEGORIES = frozenset({"petition"})


def load_calendar() -> list[tuple[date, bool, str]]:
    raw = json.loads(resources.files("gongzhi.cases").joinpath("data/calendar_cn.json").read_text("utf-8"))
    return [(date.fromisoformat(d), bool(w), str(n)) for d, w, n in raw["days"]]


def seed_reference_data(session: Session) -> None:
    have_sla = set(session.scalars(select(SlaPolicy.priority)))
    for prio, (aa, au, ra, ru) in SLA_DEFAULTS.items():
        if prio not in have_sla:
            session.add(
                SlaPolicy(priority=prio, accept_amount=aa, accept_unit=au, resolve_amount=ra, resolve_unit=ru)
            )
    have_cat = set(session.scalars(select(Category.code)))
    for order, (code, zh, en, kind, prio, attrs) in enumerate(CATEGORY_DEFAULTS):
        if code not in have_cat:
            session.add(
                Category(
                    code=code,
                    name_zh=zh,
                    name_en=en,
                    unit_kind=kind,
                    default_priority=prio,
                    attributes=attrs,
                    public=code not in INTERNAL_CATEGORIES,
                    sort_order=order,
                )
            )
    have_days = set(session.scalars(select(CalendarDay.day)))
    for day, is_workday, name in load_calendar():
        if day not in have_days:
            session.add(CalendarDay(day=day, is_workday=is_workday, name=name))
    session.flush()
