"""The household register (住户登记): households per grid and the residents living in them.

Scope: admins and officials manage the households under their area, a grid worker those of their
grid. Personal data (head of household, phones, ID numbers, addresses) is shown unmasked only to
HOUSEHOLD_PII_ROLES, and every unmasked export is written to the data-access log.

Excel: one row per household (`HEADERS`); other members in one cell "姓名/电话、姓名". Import checks
every row first and writes nothing if any row is bad (each bad row's number and reason, in the
caller's language), like eldercare/register_io.py. Export writes the caller's scope, masked by role.

Also the figures the measures need (contract.md): `household_count`, `household_keys`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zipfile import BadZipFile

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

import gongzhi.analytics.survey_messages  # noqa: F401  (registers the i18n keys)
from gongzhi.analytics.models import Household, Resident
from gongzhi.audit import service as audit
from gongzhi.auth import pii
from gongzhi.auth.models import User
from gongzhi.auth.scope import area_path, in_scope, subtree_condition
from gongzhi.cases import service as cases
from gongzhi.errors import AppError, Forbidden, Invalid, NotFound, RowError
from gongzhi.errors import ImportRejected as ImportRejected  # what callers catch
from gongzhi.geo.models import Area
from gongzhi.i18n import translate
from gongzhi.spreadsheet import safe_row

# Who may see and manage the register; who sees it unmasked (a grid worker gets masked phones/IDs).
REGISTER_ROLES = frozenset({"admin", "official", "grid_worker"})
HOUSEHOLD_PII_ROLES = frozenset({"admin", "official"})
HEADERS = ["门牌号", "网格编码", "地址", "户主姓名", "户主电话", "户主身份证号", "户主账号", "人数", "其他成员"]
REQUIRED = ("门牌号", "网格编码", "户主姓名")
MAX_ROWS = 20000
MAX_MEMBERS = 30
_SPLIT = re.compile(r"[、,，;；]\s*")


def phone_digits(raw: str | None) -> str:
    """The one phone key used to match people across modules: digits only, "" when not a phone.

    "+86 138-1234-5678" → "13812345678", "0571-87654321" → "057187654321".
    """
    if not raw:
        return ""
    normal = pii.normalize_phone(raw)
    return re.sub(r"\D", "", normal) if normal else ""


def can_see_pii(user: User) -> bool:
    return user.is_active and user.role in HOUSEHOLD_PII_ROLES


# ---------------------------------------------------------------- figures for the measures


def household_count(session: Session, grid_ids: Sequence[int]) -> int:
    """Registered active households under the grids; a grid without any registered household
    counts its Area.households figure instead, so a street without a register still has a denominator."""
    ids = list(grid_ids)
    if not ids:
        return 0
    registered = dict(session.execute(
        select(Household.grid_id, func.count()).where(Household.grid_id.in_(ids), Household.is_active)
        .group_by(Household.grid_id)).all())
    missing = [g for g in ids if not registered.get(g)]
    fallback = 0
    if missing:
        fallback = int(session.scalar(select(func.coalesce(func.sum(Area.households), 0))
                                      .where(Area.id.in_(missing))) or 0)
    return sum(registered.values()) + fallback


def household_keys(session: Session, grid_ids: Sequence[int]) -> dict[str, int]:
    """"u:<user id>" / "p:<phone digits>" → household id, for residents (and heads) of active households."""
    ids = list(grid_ids)
    if not ids:
        return {}
    keys: dict[str, int] = {}
    rows = session.execute(
        select(Resident.user_id, Resident.phone, Resident.household_id)
        .join(Household, Household.id == Resident.household_id)
        .where(Household.grid_id.in_(ids), Household.is_active).order_by(Resident.id))
    for user_id, phone, household_id in rows:
        if user_id is not None:
            keys.setdefault(f"u:{user_id}", household_id)
        if phone:
            keys.setdefault(f"p:{phone}", household_id)
    heads = session.execute(select(Household.head_phone, Household.id).where(
        Household.grid_id.in_(ids), Household.is_active, Household.head_phone != ""))
    for phone, household_id in heads:
        keys.setdefault(f"p:{phone}", household_id)
    return keys


# ---------------------------------------------------------------- scope


def register_path(session: Session, user: User) -> str:
    if user.role not in REGISTER_ROLES:
        raise Forbidden("households_forbidden")
    path = area_path(session, user)
    if not path:
        raise Forbidden("households_forbidden")
    return path


def scoped_households(session: Session, user: User) -> Select[Household]:
    """Households in the viewer's area (a grid worker: their grid). Raises Forbidden for other roles."""
    path = register_path(session, user)
    return select(Household).where(Household.grid_id.in_(select(Area.id).where(subtree_condition(path))))


@dataclass(frozen=True)
class HouseholdFilter:
    grid_code: str = ""
    q: str = ""  # house number or address contains
    active: bool | None = True


def list_households(session: Session, user: User, flt: HouseholdFilter, *, limit: int = 500,
                    offset: int = 0) -> tuple[int, list[Household]]:
    stmt = scoped_households(session, user)
    if flt.grid_code:
        stmt = stmt.where(Household.grid_id.in_(select(Area.id).where(Area.code == flt.grid_code)))
    if flt.q:
        like = f"%{flt.q}%"
        stmt = stmt.where(or_(Household.code.like(like), Household.address.like(like)))
    if flt.active is not None:
        stmt = stmt.where(Household.is_active == flt.active)
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = list(session.scalars(stmt.order_by(Household.grid_id, Household.code).limit(limit).offset(offset)))
    return total, rows


def get_household(session: Session, user: User, household_id: int) -> Household:
    found = session.scalar(scoped_households(session, user).where(Household.id == household_id))
    if found is None:
        raise NotFound("household_not_found")
    return found


def residents_of(session: Session, household_ids: Sequence[int]) -> dict[int, list[Resident]]:
    out: dict[int, list[Resident]] = {}
    if not household_ids:
        return out
    for r in session.scalars(select(Resident).where(Resident.household_id.in_(list(household_ids)))
                             .order_by(Resident.household_id, Resident.id)):
        out.setdefault(r.household_id, []).append(r)
    return out


def household_view(session: Session, viewer: User, h: Household, people: Sequence[Resident], *,
                   detail: bool = False, now: datetime | None = None) -> dict[str, Any]:
    """A household as JSON. Lists mask phones and ID numbers for everyone (names only for roles without
    access); one household in detail is unmasked for HOUSEHOLD_PII_ROLES, and that read is logged."""
    full = detail and can_see_pii(viewer)
    names = can_see_pii(viewer)
    grid = session.get(Area, h.grid_id)
    if full and now is not None:
        audit.log_pii_read(session, actor_id=viewer.id, actor_name=cases.actor_name(viewer),
                           subject_type="household", subject_id=h.id, fields=["phone", "id_number", "address"],
                           now=now)
    return {
        "id": h.id, "code": h.code, "grid_code": grid.code if grid else "", "grid_name": grid.name if grid else "",
        "address": h.address if names else "", "head_name": h.head_name if names else pii.mask_name(h.head_name),
        "head_phone": h.head_phone if full else pii.mask_phone(h.head_phone), "members": h.members,
        "active": h.is_active, "masked": not full,
        "residents": [{
            "name": r.name if names else pii.mask_name(r.name), "phone": r.phone if full else pii.mask_phone(r.phone),
            "id_number": r.id_number if full else pii.mask_id_number(r.id_number), "is_head": r.is_head,
            "linked": r.user_id is not None,
        } for r in people],
    }


# ---------------------------------------------------------------- create (one, or from a sheet row)


@dataclass(frozen=True)
class MemberData:
    name: str
    phone: str = ""


@dataclass(frozen=True)
class HouseholdData:
    code: str
    grid_code: str
    head_name: str
    address: str = ""
    head_phone: str = ""
    head_id_number: str = ""
    head_username: str = ""
    members: int | None = None  # None: the head plus the listed members
    others: tuple[MemberData, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Checked:
    data: HouseholdData
    grid_id: int
    head_phone: str
    head_id_number: str
    head_user_id: int | None
    members: int
    others: tuple[MemberData, ...]


def _grid_for(session: Session, viewer_path: str, code: str) -> Area:
    grid = session.scalar(select(Area).where(Area.code == code))
    if grid is None or grid.level != "grid":
        raise Invalid("household_grid_unknown", code=code)
    if not in_scope(viewer_path, grid.path):
        raise Forbidden("household_grid_forbidden", code=code)
    return grid


def _phone(raw: str) -> str:
    if not raw:
        return ""
    digits = phone_digits(raw)
    if not digits:
        raise Invalid("household_phone_invalid", phone=raw[:40])
    return digits


def validate(session: Session, actor: User, data: HouseholdData) -> Checked:
    """Every rule of one household, without writing. Raises the first problem as an AppError."""
    path = register_path(session, actor)
    code, name = data.code.strip(), data.head_name.strip()
    if not code or len(code) > 40:
        raise Invalid("household_code_invalid")
    if not name or len(name) > 100:
        raise Invalid("household_head_invalid")
    if len(data.address) > 200:
        raise Invalid("household_address_too_long")
    grid = _grid_for(session, path, data.grid_code.strip())
    phone = _phone(data.head_phone)
    idn = ""
    if data.head_id_number:
        idn = pii.normalize_id_number(data.head_id_number) or ""
        if not idn:
            raise Invalid("household_id_number_invalid")
    user_id = None
    if data.head_username:
        user_id = session.scalar(select(User.id).where(User.username == data.head_username))
        if user_id is None:
            raise Invalid("household_user_unknown", username=data.head_username[:64])
    others = []
    for m in data.others:
        if not m.name or len(m.name) > 100:
            raise Invalid("household_member_invalid", member=m.name[:40])
        others.append(MemberData(m.name, _phone(m.phone)))
    members = data.members if data.members is not None else 1 + len(others)
    if not 1 <= members <= MAX_MEMBERS or members < 1 + len(others):
        raise Invalid("household_members_invalid", max=MAX_MEMBERS)
    return Checked(data, grid.id, phone, idn, user_id, members, tuple(others))


def _taken(session: Session, grid_id: int, code: str) -> bool:
    return session.scalar(select(Household.id).where(Household.grid_id == grid_id, Household.code == code)) is not None


def _write(session: Session, c: Checked, now: datetime) -> Household:
    h = Household(code=c.data.code.strip(), grid_id=c.grid_id, address=c.data.address.strip(),
                  head_name=c.data.head_name.strip(), head_phone=c.head_phone, members=c.members, is_active=True,
                  created_at=now, updated_at=now)
    session.add(h)
    session.flush()
    session.add(Resident(household_id=h.id, name=h.head_name, phone=c.head_phone, id_number=c.head_id_number,
                         user_id=c.head_user_id, is_head=True, created_at=now))
    for m in c.others:
        session.add(Resident(household_id=h.id, name=m.name, phone=m.phone, id_number="", user_id=None,
                             is_head=False, created_at=now))
    return h


def create_household(session: Session, *, actor: User, data: HouseholdData, now: datetime) -> Household:
    c = validate(session, actor, data)
    if _taken(session, c.grid_id, data.code.strip()):
        raise Invalid("household_code_taken", code=data.code.strip())
    h = _write(session, c, now)
    session.flush()
    return h


def add_resident(session: Session, *, actor: User, household_id: int, name: str, phone: str = "",
                 user_id: int | None = None, now: datetime) -> Resident:
    h = get_household(session, actor, household_id)
    if not name or len(name) > 100:
        raise Invalid("household_member_invalid", member=name[:40])
    r = Resident(household_id=h.id, name=name, phone=_phone(phone), id_number="", user_id=user_id, is_head=False,
                 created_at=now)
    session.add(r)
    session.flush()
    return r


# ---------------------------------------------------------------- Excel


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone or a count typed as a number
    return str(value).strip()


def read_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError) as exc:
        raise Invalid("household_import_not_xlsx", detail=str(exc)[:200]) from exc
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [_text(h) for h in next(rows, ())]
    missing = [h for h in REQUIRED if h not in header]
    if missing:
        wb.close()
        raise Invalid("household_import_header", columns="、".join(missing))
    out = []
    for number, values in enumerate(rows, start=2):
        if number - 1 > MAX_ROWS:
            wb.close()
            raise Invalid("household_import_not_xlsx", detail=f"more than {MAX_ROWS} rows")
        record = {h: _text(v) for h, v in zip(header, values, strict=False) if h}
        if any(record.values()):
            out.append((number, record))
    wb.close()
    return out


def _members(text: str) -> tuple[MemberData, ...]:
    """"李四/13800001111、王五" → members; the phone after a slash is optional."""
    out = []
    for part in _SPLIT.split(text):
        part = part.strip()
        if part:
            name, _, phone = part.partition("/")
            out.append(MemberData(name.strip(), phone.strip()))
    return tuple(out)


def _row_data(r: dict[str, str]) -> HouseholdData:
    count = r.get("人数", "")
    if count and not count.isdigit():
        raise Invalid("household_members_invalid", max=MAX_MEMBERS)
    return HouseholdData(
        code=r.get("门牌号", ""), grid_code=r.get("网格编码", ""), head_name=r.get("户主姓名", ""),
        address=r.get("地址", ""), head_phone=r.get("户主电话", ""), head_id_number=r.get("户主身份证号", ""),
        head_username=r.get("户主账号", ""), members=int(count) if count else None, others=_members(r.get("其他成员", "")),
    )


@dataclass(frozen=True)
class ImportReport:
    created: int


def import_xlsx(session: Session, *, actor: User, data: bytes, now: datetime, lang: str = "zh") -> ImportReport:
    """Check every row, then create them all, or raise ImportRejected and write nothing."""
    register_path(session, actor)
    rows = read_rows(data)
    if not rows:
        raise Invalid("household_import_empty")
    errors: list[RowError] = []
    seen: dict[tuple[int, str], int] = {}
    ready: list[Checked] = []
    for number, r in rows:
        try:
            checked = validate(session, actor, _row_data(r))
        except AppError as exc:
            errors.append(RowError(number, translate(exc.code, lang, **exc.params)))
            continue
        key = (checked.grid_id, checked.data.code.strip())
        if key in seen:
            errors.append(RowError(number, translate("household_code_repeated", lang, code=key[1], row=seen[key])))
            continue
        seen[key] = number
        if _taken(session, *key):
            errors.append(RowError(number, translate("household_code_taken", lang, code=key[1])))
            continue
        ready.append(checked)
    if errors:
        raise ImportRejected("household_import_invalid", errors)
    # A savepoint: should any write still fail, none of this import stays in the caller's transaction.
    with session.begin_nested():
        for checked in ready:
            _write(session, checked, now)
    session.flush()
    return ImportReport(created=len(ready))


def export_xlsx(session: Session, *, viewer: User, flt: HouseholdFilter, now: datetime) -> bytes:
    """The households the viewer may see (with the list's filters), masked unless their role needs
    personal data; an unmasked export is written to the data-access log."""
    full = can_see_pii(viewer)
    _, households = list_households(session, viewer, flt, limit=MAX_ROWS)
    grids = {a.id: a.code for a in session.scalars(select(Area).where(Area.id.in_({h.grid_id for h in households})))}
    people = residents_of(session, [h.id for h in households])
    usernames = {u.id: u.username for u in session.scalars(select(User).where(
        User.id.in_({r.user_id for rs in people.values() for r in rs if r.user_id})))}
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "住户登记"
    ws.append([*HEADERS, "状态"])
    for h in households:
        rs = people.get(h.id, [])
        head = next((r for r in rs if r.is_head), None)
        others = "、".join(
            (r.name if full else pii.mask_name(r.name)) + (f"/{r.phone if full else pii.mask_phone(r.phone)}"
                                                          if r.phone else "")
            for r in rs if not r.is_head)
        idn = head.id_number if head else ""
        ws.append(safe_row(ws, [
            h.code, grids.get(h.grid_id, ""), h.address if full else "",
            h.head_name if full else pii.mask_name(h.head_name),
            h.head_phone if full else pii.mask_phone(h.head_phone),
            idn if full else pii.mask_id_number(idn),
            usernames.get(head.user_id, "") if head and head.user_id else "",
            h.members, others, "在册" if h.is_active else "注销",
        ]))
    if full and households:
        audit.log_pii_read(session, actor_id=viewer.id, actor_name=cases.actor_name(viewer),
                           subject_type="household_register", subject_id="export",
                           fields=["head_name", "phone", "id_number", "address", "members"], now=now)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template_xlsx() -> bytes:
    """An empty sheet with the headers and one example row, for the import form."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "住户登记"
    ws.append(HEADERS)
    ws.append(["3幢2单元301", "G1", "宝石路1号3幢2单元301", "张三", "13800001111", "", "", 3, "李四/13800002222、王小五"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
