"""Admin edits of the reference data: categories, SLA policies, the holiday calendar.

Each edit is recorded in the audit chain (who changed which clock or routing, and from what).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.audit import service as audit
from gongzhi.auth.models import User
from gongzhi.cases.models import PRIORITIES, SLA_UNITS, CalendarDay, Category, SlaPolicy
from gongzhi.cases.schemas import CalendarDayIn, CategoryIn, CategoryPatch, SlaPolicyIn
from gongzhi.errors import Conflict, Forbidden, Invalid, NotFound


def _require_admin(user: User) -> None:
    if user.role != "admin":
        raise Forbidden("forbidden")


def _record(
    session: Session, user: User, kind: str, subject_id: str, data: dict[str, Any], now: datetime
) -> None:
    audit.append(
        session,
        kind=kind,
        subject_type="config",
        subject_id=subject_id,
        actor_id=user.id,
        actor_name=user.display_name or user.username,
        data=data,
        now=now,
    )


def _check_clock(amount: int | None, unit: str | None) -> None:
    if (amount is None) != (unit is None):
        raise Invalid("sla_override_incomplete")
    if unit is not None and unit not in SLA_UNITS:
        raise Invalid("sla_unit_invalid", unit=unit)


ATTRIBUTE_DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
_LIST_TYPES = ("singlevaluelist", "multivaluelist")
_ATTRIBUTE_FIELDS = frozenset(
    {"code", "datatype", "required", "description", "description_en", "order", "values", "raise_priority",
     "variable", "datatype_description"}
)
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def check_attributes(attributes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validate extra questions (Open311 attributes) and return them normalised and sorted by order.

    Each: code, datatype (one of ATTRIBUTE_DATATYPES), required, description (the Chinese question),
    description_en, order (0–1000), values [{key, name, name_en}] for list types only, and optional
    raise_priority {value key: P1–P4}."""
    if not isinstance(attributes, list):
        raise Invalid("category_attributes_invalid")
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for index, item in enumerate(attributes):
        if not isinstance(item, dict):
            raise Invalid("category_attributes_invalid")
        code = item.get("code")
        if not isinstance(code, str) or not _CODE.match(code):
            raise Invalid("category_attribute_code_invalid", code=str(code)[:40])
        if code in seen:
            raise Invalid("category_attribute_duplicate", code=code)
        seen.add(code)
        unknown = set(item) - _ATTRIBUTE_FIELDS
        if unknown:
            raise Invalid("category_attribute_field", code=code, field=sorted(unknown)[0][:40])
        datatype = item.get("datatype", "string")
        if datatype not in ATTRIBUTE_DATATYPES:
            raise Invalid("category_attribute_datatype", code=code, datatype=str(datatype)[:40])
        label = item.get("description")
        if not isinstance(label, str) or not label.strip() or len(label.strip()) > 200:
            raise Invalid("category_attribute_label", code=code)
        label_en = item.get("description_en", "")
        if not isinstance(label_en, str) or len(label_en.strip()) > 200:
            raise Invalid("category_attribute_label", code=code)
        required = item.get("required", False)
        if not isinstance(required, bool):
            raise Invalid("category_attributes_invalid")
        order = item.get("order", index + 1)
        if isinstance(order, bool) or not isinstance(order, int) or not 0 <= order <= 1000:
            raise Invalid("category_attribute_order", code=code)
        clean: dict[str, Any] = {
            "code": code,
            "datatype": datatype,
            "required": required,
            "description": label.strip(),
            "order": order,
        }
        if label_en.strip():
            clean["description_en"] = label_en.strip()
        values = item.get("values")
        if datatype in _LIST_TYPES:
            clean["values"] = _check_values(code, values)
        elif values:
            raise Invalid("category_attribute_values_unexpected", code=code)
        bumps = item.get("raise_priority")
        if bumps:
            keys = {v["key"] for v in clean.get("values", [])}
            if not isinstance(bumps, dict) or any(
                k not in keys or p not in PRIORITIES for k, p in bumps.items()
            ):
                raise Invalid("category_attributes_invalid")
            clean["raise_priority"] = dict(bumps)
        out.append(clean)
    out.sort(key=lambda d: (d["order"], d["code"]))
    return out


def _check_values(code: str, values: Any) -> list[dict[str, str]]:
    if not isinstance(values, list) or not 1 <= len(values) <= 50:
        raise Invalid("category_attribute_values", code=code)
    keys: set[str] = set()
    out = []
    for v in values:
        if not isinstance(v, dict):
            raise Invalid("category_attribute_values", code=code)
        key, name, name_en = v.get("key"), v.get("name"), v.get("name_en", "")
        if isinstance(key, int) and not isinstance(key, bool):
            key = str(key)
        if (
            not isinstance(key, str) or not key.strip() or len(key) > 100 or key in keys or "," in key
            or not isinstance(name, str) or not name.strip() or len(name) > 100
            or not isinstance(name_en, str) or len(name_en) > 100
        ):
            raise Invalid("category_attribute_values", code=code)
        keys.add(key)
        entry = {"key": key.strip(), "name": name.strip()}
        if name_en.strip():
            entry["name_en"] = name_en.strip()
        out.append(entry)
    return out


def create_category(session: Session, *, user: User, data: CategoryIn, now: datetime) -> Category:
    _require_admin(user)
    if session.scalar(select(Category.id).where(Category.code == data.code)) is not None:
        raise Conflict("category_code_taken", category=data.code)
    _check_clock(data.accept_amount, data.accept_unit)
    _check_clock(data.resolve_amount, data.resolve_unit)
    fields = data.model_dump()
    fields["attributes"] = check_attributes(data.attributes)
    category = Category(**fields)
    session.add(category)
    session.flush()
    _record(session, user, "config.category", data.code, {"action": "create", "new": data.model_dump()}, now)
    return category


def update_category(
    session: Session, *, user: User, code: str, patch: CategoryPatch, now: datetime
) -> Category:
    _require_admin(user)
    category = session.scalar(select(Category).where(Category.code == code))
    if category is None:
        raise NotFound("category_not_found", code=code)
    changes = patch.model_dump(exclude_unset=True)
    merged = {k: getattr(category, k) for k in changes} | changes
    _check_clock(
        merged.get("accept_amount", category.accept_amount), merged.get("accept_unit", category.accept_unit)
    )
    _check_clock(
        merged.get("resolve_amount", category.resolve_amount),
        merged.get("resolve_unit", category.resolve_unit),
    )
    if "attributes" in changes:
        changes["attributes"] = check_attributes(changes["attributes"])
    before = {k: getattr(category, k) for k in changes}
    for key, value in changes.items():
        setattr(category, key, value)
    session.flush()
    _record(session, user, "config.category", code, {"action": "update", "old": before, "new": changes}, now)
    return category


def set_sla_policy(
    session: Session, *, user: User, priority: str, data: SlaPolicyIn, now: datetime
) -> SlaPolicy:
    """New clocks apply to cases dispatched from now on; running clocks keep their deadlines."""
    _require_admin(user)
    if priority not in PRIORITIES:
        raise NotFound("sla_priority_unknown", priority=priority)
    policy = session.get(SlaPolicy, priority)
    before = None
    if policy is None:
        policy = SlaPolicy(priority=priority, **data.model_dump())
        session.add(policy)
    else:
        before = {k: getattr(policy, k) for k in data.model_dump()}
        for key, value in data.model_dump().items():
            setattr(policy, key, value)
    session.flush()
    _record(session, user, "config.sla", priority, {"old": before, "new": data.model_dump()}, now)
    return policy


def list_sla_policies(session: Session) -> list[SlaPolicy]:
    return list(session.scalars(select(SlaPolicy).order_by(SlaPolicy.priority)))


def list_calendar(session: Session, year: int) -> list[CalendarDay]:
    return list(
        session.scalars(
            select(CalendarDay)
            .where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
            .order_by(CalendarDay.day)
        )
    )


def set_calendar_day(
    session: Session, *, user: User, day: date, data: CalendarDayIn, now: datetime
) -> CalendarDay:
    """Declare a holiday (is_workday=false) or a make-up working day (调休, is_workday=true)."""
    _require_admin(user)
    row = session.get(CalendarDay, day)
    before = None if row is None else {"is_workday": row.is_workday, "name": row.name}
    if row is None:
        row = CalendarDay(day=day, is_workday=data.is_workday, name=data.name)
        session.add(row)
    else:
        row.is_workday, row.name = data.is_workday, data.name
    session.flush()
    _record(session, user, "config.calendar", day.isoformat(), {"old": before, "new": data.model_dump()}, now)
    return row


def delete_calendar_day(session: Session, *, user: User, day: date, now: datetime) -> None:
    """Back to the Monday–Friday rule for that date."""
    _require_admin(user)
    row = session.get(CalendarDay, day)
    if row is None:
        raise NotFound("calendar_day_not_found", day=day.isoformat())
    _record(
        session,
        user,
        "config.calendar",
        day.isoformat(),
        {"old": {"is_workday": row.is_workday, "name": row.name}, "new": None},
        now,
    )
    session.delete(row)
    session.flush()
