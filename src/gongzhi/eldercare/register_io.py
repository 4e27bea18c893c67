"""The elder register as an Excel workbook (openpyxl): import all-or-nothing, export masked by role.

One row per elder; up to three contacts in order; several bands separated by "、" or ",".
Import checks every row first (the same rules as the API) and writes nothing if any row is
bad: the caller gets each bad row's number and reason. Export writes what the reader's role
may see: a role that needs personal data gets it unmasked (and the export is logged), others
get masked names, ID numbers and phones and no address.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zipfile import BadZipFile

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.audit import service as audit
from gongzhi.auth import pii
from gongzhi.auth.models import User
from gongzhi.cases import service as cases
from gongzhi.clock import local
from gongzhi.eldercare import service
from gongzhi.eldercare.models import Elder, Wearable
from gongzhi.errors import AppError, Invalid, RowError
from gongzhi.errors import ImportRejected as ImportRejected  # what callers catch
from gongzhi.geo.models import Area
from gongzhi.i18n import translate
from gongzhi.spreadsheet import safe_row

CONTACTS = 3
HEADERS = [
    "姓名", "身份证号", "性别", "电话", "地址", "网格编码", "独居", "慢病", "用药", "SpO2量表", "签约医生账号",
    "结对志愿者账号",
    *[f"联系人{i}{part}" for i in range(1, CONTACTS + 1) for part in ("姓名", "关系", "电话")],
    "手环编号",
]
REQUIRED = ("姓名", "身份证号", "网格编码")
MAX_ROWS = 20000
_SPLIT = re.compile(r"[、,，;；]\s*")


@dataclass(frozen=True)
class ImportReport:
    created: int


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone typed as a number
    return str(value).strip()


def split_list(value: str) -> tuple[str, ...]:
    """"高血压、糖尿病" (or commas, semicolons) → ("高血压", "糖尿病")."""
    return tuple(p.strip() for p in _SPLIT.split(value) if p.strip())


def _bool(value: str) -> bool:
    return value.lower() in ("是", "y", "yes", "true", "1", "独居")


def read_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError) as exc:
        raise Invalid("eldercare_import_not_xlsx", detail=str(exc)[:200]) from exc
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [_text(h) for h in next(rows, ())]
    missing = [h for h in REQUIRED if h not in header]
    if missing:
        raise Invalid("eldercare_import_header", columns="、".join(missing))
    out = []
    for number, values in enumerate(rows, start=2):
        if number - 1 > MAX_ROWS:
            raise Invalid("eldercare_import_not_xlsx", detail=f"more than {MAX_ROWS} rows")
        record = {h: _text(v) for h, v in zip(header, values, strict=False) if h}
        if any(record.values()):
            out.append((number, record))
    wb.close()
    return out


def _elder_data(r: dict[str, str]) -> service.ElderData:
    contacts = []
    for i in range(1, CONTACTS + 1):
        name = r.get(f"联系人{i}姓名", "")
        if name:
            contacts.append(service.ContactData(name=name, relation=r.get(f"联系人{i}关系", ""),
                                                phone=r.get(f"联系人{i}电话", ""), is_guardian=i == 1))
    scale = r.get("SpO2量表", "") or "1"
    return service.ElderData(
        name=r.get("姓名", ""), id_number=r.get("身份证号", ""), grid_code=r.get("网格编码", ""),
        gender=r.get("性别", "") if r.get("性别", "") in ("男", "女") else "", phone=r.get("电话", ""),
        address=r.get("地址", ""), living_alone=_bool(r.get("独居", "")), conditions=split_list(r.get("慢病", "")),
        medications=split_list(r.get("用药", "")), spo2_scale=int(scale) if scale in ("1", "2") else 0,
        doctor_username=r.get("签约医生账号") or None, buddy_username=r.get("结对志愿者账号") or None,
        contacts=tuple(contacts),
    )


def import_xlsx(session: Session, *, actor: User, data: bytes, now: datetime, lang: str = "zh") -> ImportReport:
    """Check every row, then create them all, or raise ImportRejected and write nothing."""
    rows = read_rows(data)
    errors: list[RowError] = []
    seen_ids: dict[str, int] = {}
    seen_bands: dict[str, int] = {}
    ready: list[tuple[service.ElderData, tuple[str, ...]]] = []
    for number, r in rows:
        try:
            data_row = _elder_data(r)
            values, _ = service.validate_elder(session, actor, data_row)
        except AppError as exc:
            errors.append(RowError(number, translate(exc.code, lang, **exc.params)))
            continue
        idn = values["id_number"]
        if idn in seen_ids:
            errors.append(RowError(number, translate("eldercare_id_number_taken", lang) + f"（第 {seen_ids[idn]} 行）"))
            continue
        seen_ids[idn] = number
        if session.scalar(select(Elder.id).where(Elder.id_number == idn)) is not None:
            errors.append(RowError(number, translate("eldercare_id_number_taken", lang)))
            continue
        bands = split_list(r.get("手环编号", ""))
        bad_band = False
        for code in bands:
            taken = session.scalar(select(Wearable.id).where(Wearable.device_code == code))
            if taken is not None or code in seen_bands or len(code) > 64:
                errors.append(RowError(number, translate("eldercare_device_taken", lang, code=code)))
                bad_band = True
                break
            seen_bands[code] = number
        if not bad_band:
            ready.append((data_row, bands))
    if errors:
        raise ImportRejected("eldercare_import_invalid", errors)
    # A savepoint: should any write still fail, none of this import stays in the caller's transaction.
    with session.begin_nested():
        for data_row, bands in ready:
            elder = service.create_elder(session, actor=actor, data=data_row, now=now)
            for code in bands:
                service.bind_wearable(session, actor=actor, elder=elder, device_code=code, now=now)
    return ImportReport(created=len(ready))


def export_xlsx(session: Session, *, viewer: User, now: datetime) -> bytes:
    """The elders the viewer may see, masked unless their role needs personal data (then logged)."""
    full = pii.can_read_pii(viewer)
    elders = list(session.scalars(service.scoped_elders(session, viewer).order_by(Elder.id)))
    grids = {a.id: a.code for a in session.scalars(select(Area).where(Area.id.in_({e.grid_id for e in elders})))}
    users = {u.id: u.username for u in session.scalars(select(User).where(
        User.id.in_({i for e in elders for i in (e.doctor_id, e.buddy_id) if i})))}
    bands: dict[int, list[str]] = {}
    for w in session.scalars(select(Wearable).where(Wearable.elder_id.in_([e.id for e in elders]))):
        bands.setdefault(w.elder_id, []).append(w.device_code)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "老人登记"
    ws.append([*HEADERS, "年龄"])
    for e in elders:
        contacts = service.contacts_of(session, e.id)[:CONTACTS]
        cells: list[Any] = [
            e.name if full else pii.mask_name(e.name),
            e.id_number if full else pii.mask_id_number(e.id_number),
            e.gender, e.phone if full else pii.mask_phone(e.phone), e.address if full else "",
            grids.get(e.grid_id, ""), "是" if e.living_alone else "否", "、".join(e.conditions),
            "、".join(e.medications) if full else "", e.spo2_scale, users.get(e.doctor_id or 0, ""),
            users.get(e.buddy_id or 0, ""),
        ]
        for i in range(CONTACTS):
            c = contacts[i] if i < len(contacts) else None
            cells += ["", "", ""] if c is None else [
                c.name if full else pii.mask_name(c.name), c.relation, c.phone if full else pii.mask_phone(c.phone)]
        cells += ["、".join(bands.get(e.id, [])), service.age_on(e.birth_date, local(now).date())]
        ws.append(safe_row(ws, cells))
    if full and elders:
        audit.log_pii_read(session, actor_id=viewer.id, actor_name=cases.actor_name(viewer),
                           subject_type="elder_register", subject_id="export",
                           fields=["id_number", "phone", "address", "contacts"], now=now)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
