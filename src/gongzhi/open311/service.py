"""Open311 GeoReport v2 over the case spine: client keys, services, filing and reading requests.

No HTTP here: functions take the session and `now`, flush, never commit, and return plain
structures that format.py turns into JSON or XML. Bad input raises AppError subclasses whose
codes are i18n keys (messages.py); api.py maps them onto the spec's 400/403/404 error list.

What is public: GET answers only cases of public categories filed by residents (sources
citizen and open311), never the reporter's name, phone, e-mail, device or account id.
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast
from urllib.parse import urlsplit

from pydantic import ValidationError
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from gongzhi.audit import service as audit
from gongzhi.audit.models import AuditEntry
from gongzhi.auth import service as accounts
from gongzhi.auth.models import Unit
from gongzhi.cases import media, reference
from gongzhi.cases import service as cases
from gongzhi.cases.models import OPEN_STATUSES, Case, CaseMedia, Category
from gongzhi.cases.schemas import CaseIn
from gongzhi.clock import SHANGHAI, local
from gongzhi.errors import Conflict, Forbidden, Invalid, NotFound, TooManyRequests
from gongzhi.geo import service as geo
from gongzhi.geo.models import Area
from gongzhi.i18n import translate
from gongzhi.open311 import messages  # noqa: F401  (registers the catalogue)
from gongzhi.open311.models import Open311Client, Open311Request

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
# When this endpoint's behaviour last changed (discovery's changeset).
CHANGESET = datetime(2026, 11, 24, 0, 0, tzinfo=SHANGHAI)
KEY_PREFIX = "o311_"
MAX_DESCRIPTION = 4000
MAX_RESULTS = 1000
MAX_UPLOADS = media.MAX_PHOTOS_PER_CASE
MAX_SPAN = timedelta(days=90)
PUBLIC_SOURCES = ("citizen", "open311")
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_OK = re.compile(r"^[0-9+\- ]*$")
_CASE_NUMBER = re.compile(r"^GZ(\d{8})(\d{6,10})$")
# A '+' of a time zone offset arrives as a space when a client does not URL-encode it.
_SPACED_OFFSET = re.compile(r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")


# ---------------------------------------------------------------- client applications and keys


@dataclass(frozen=True)
class IssuedKey:
    key: str  # shown once; only its keyed hash is stored
    client: Open311Client


def add_client(
    session: Session,
    *,
    name: str,
    now: datetime,
    contact: str = "",
    rate_limit_per_hour: int = 600,
    key: str | None = None,
    actor_name: str = "",
) -> IssuedKey:
    """Register a client application and issue its key. `key` lets the demo use a known one."""
    name = name.strip()
    if not name or len(name) > 100:
        raise Invalid("open311_client_name_invalid")
    if len(contact) > 200 or rate_limit_per_hour < 0:
        raise Invalid("open311_client_invalid")
    key = key or KEY_PREFIX + secrets.token_urlsafe(24)
    if len(key) < 20:
        raise Invalid("open311_key_too_short")
    key_hash = accounts.hash_token(key)
    if session.scalar(select(Open311Client.id).where(Open311Client.key_hash == key_hash)) is not None:
        raise Conflict("open311_key_taken")
    client = Open311Client(
        name=name,
        key_hash=key_hash,
        key_prefix=key[:12],
        contact=contact.strip(),
        rate_limit_per_hour=rate_limit_per_hour,
        created_at=now,
    )
    session.add(client)
    session.flush()
    audit.append(
        session,
        kind="open311.key",
        subject_type="open311_client",
        subject_id=client.id,
        actor_id=None,
        actor_name=actor_name or translate("system_actor"),
        data={"action": "add", "name": name, "key_prefix": client.key_prefix},
        now=now,
    )
    return IssuedKey(key, client)


def list_clients(session: Session) -> list[Open311Client]:
    return list(session.scalars(select(Open311Client).order_by(Open311Client.id)))


def revoke_client(session: Session, *, client_id: int, now: datetime, actor_name: str = "") -> Open311Client:
    client = session.get(Open311Client, client_id)
    if client is None:
        raise NotFound("open311_client_not_found", id=client_id)
    if client.revoked_at is not None:
        raise Conflict("open311_client_already_revoked", id=client_id)
    client.revoked_at = now
    audit.append(
        session,
        kind="open311.key",
        subject_type="open311_client",
        subject_id=client.id,
        actor_id=None,
        actor_name=actor_name or translate("system_actor"),
        data={"action": "revoke", "name": client.name, "key_prefix": client.key_prefix},
        now=now,
    )
    session.flush()
    return client


def authenticate(session: Session, api_key: str | None, now: datetime) -> Open311Client:
    """The live client holding this key (403 without one), within its hourly POST budget (429)."""
    if not api_key:
        raise Forbidden("open311_key_missing")
    client = session.scalar(
        select(Open311Client).where(Open311Client.key_hash == accounts.hash_token(api_key.strip()))
    )
    if client is None or client.revoked_at is not None:
        raise Forbidden("open311_key_invalid")
    if client.rate_limit_per_hour:
        recent = session.scalar(
            select(func.count())
            .select_from(Open311Request)
            .where(
                Open311Request.client_id == client.id, Open311Request.created_at > now - timedelta(hours=1)
            )
        )
        if (recent or 0) >= client.rate_limit_per_hour:
            raise TooManyRequests("open311_rate_limited", limit=client.rate_limit_per_hour)
    return client


# ---------------------------------------------------------------- jurisdiction


def jurisdiction(session: Session, jurisdiction_id: str | None) -> Area | None:
    """The street named by jurisdiction_id (optional: the street is the one jurisdiction)."""
    if not jurisdiction_id:
        return None
    area = session.scalar(select(Area).where(Area.code == jurisdiction_id.strip(), Area.level == "street"))
    if area is None:
        raise NotFound("open311_jurisdiction_unknown", jurisdiction=jurisdiction_id[:40])
    return area


def jurisdiction_ids(session: Session) -> list[str]:
    return list(session.scalars(select(Area.code).where(Area.level == "street").order_by(Area.code)))


def discovery(session: Session, base_url: str, lang: str) -> dict[str, Any]:
    ids = jurisdiction_ids(session)
    stamp = CHANGESET.isoformat(timespec="seconds")
    return {
        "changeset": stamp,
        "contact": translate("open311_contact", lang, jurisdictions=", ".join(ids) or "-"),
        "key_service": translate("open311_key_service", lang),
        "jurisdiction_id": ids[0] if len(ids) == 1 else None,
        "endpoints": [
            {
                "specification": SPEC_URL,
                "url": base_url.rstrip("/") + "/open311/v2",
                "changeset": stamp,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


# ---------------------------------------------------------------- services


def _localized(item: Mapping[str, Any], key: str, lang: str) -> str:
    if lang == "en" and item.get(f"{key}_en"):
        return str(item[f"{key}_en"])
    return str(item.get(key) or "")


def _duration(amount: int, unit: str, lang: str) -> str:
    if unit == "working_days":
        return translate("open311_working_days", lang, n=amount)
    if amount % (24 * 60) == 0 and amount >= 48 * 60:
        return translate("open311_days", lang, n=amount // (24 * 60))
    if amount % 60 == 0:
        return translate("open311_hours", lang, n=amount // 60)
    return translate("open311_minutes", lang, n=amount)


def service_notice(session: Session, category: Category | reference.CategoryInfo, lang: str) -> str:
    """What the street promises for this service: its SLA clocks in words."""
    policy = reference.sla_clock(session, category.default_priority)
    if policy is None:
        return ""
    accept = _duration(
        category.accept_amount or policy.accept_amount, category.accept_unit or policy.accept_unit, lang
    )
    resolve = _duration(
        category.resolve_amount or policy.resolve_amount, category.resolve_unit or policy.resolve_unit, lang
    )
    return translate("open311_service_notice", lang, accept=accept, resolve=resolve)


def _group(kind: str, lang: str) -> str:
    key = f"open311_group.{kind}"
    text = translate(key, lang)
    return kind if text == key else text


def services(session: Session, lang: str) -> list[dict[str, Any]]:
    out = []
    for c in cases.list_categories(session, public_only=True):
        name = c.name_en if lang == "en" else c.name_zh
        out.append(
            {
                "service_code": c.code,
                "service_name": name,
                "description": (c.description_zh if lang != "en" else "") or name,
                "metadata": any(a.get("variable", True) for a in c.attributes or []),
                "type": "realtime",
                "keywords": ", ".join(dict.fromkeys([c.name_zh, *c.name_zh.split("/"), c.name_en, c.code])),
                "group": _group(c.unit_kind, lang),
            }
        )
    return out


def _public_category(session: Session, code: str) -> Category:
    category = session.scalar(
        select(Category).where(Category.code == code, Category.public.is_(True), Category.is_active.is_(True))
    )
    if category is None:
        raise NotFound("open311_service_not_found", code=code[:40])
    return category


def _datatype_description(datatype: str, lang: str) -> str:
    return translate(f"open311_datatype.{datatype}", lang) if datatype in DATATYPES else ""


def service_definition(session: Session, code: str, lang: str) -> dict[str, Any]:
    category = _public_category(session, code)
    attributes = []
    for i, d in enumerate(category.attributes or []):
        datatype = str(d.get("datatype", "string"))
        item: dict[str, Any] = {
            "variable": bool(d.get("variable", True)),
            "code": d["code"],
            "datatype": datatype,
            "required": bool(d.get("required", False)),
            "datatype_description": _localized(d, "datatype_description", lang)
            or _datatype_description(datatype, lang),
            "order": int(d.get("order", i + 1)),
            "description": _localized(d, "description", lang) or d["code"],
        }
        if datatype in ("singlevaluelist", "multivaluelist"):
            item["values"] = [
                {"key": v["key"], "name": _localized(v, "name", lang) or str(v["key"])}
                for v in d.get("values", [])
            ]
        attributes.append(item)
    attributes.sort(key=lambda a: a["order"])
    return {"service_code": category.code, "attributes": attributes}


# ---------------------------------------------------------------- filing a request


@dataclass(frozen=True)
class Upload:
    """A file sent as multipart `media`."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class Submitted:
    case: Case
    token: str
    account_id: str
    service_notice: str
    media: list[CaseMedia] = field(default_factory=list)


def _clean(params: Mapping[str, str], name: str, limit: int, *, code: str = "open311_field_too_long") -> str:
    value = params.get(name, "").strip()
    if "\x00" in value:
        raise Invalid("value_not_storable")
    if len(value) > limit:
        raise Invalid(code, field=name, max=limit)
    return value


def _coordinate(params: Mapping[str, str], name: str, bound: float) -> float | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Invalid("open311_bad_coordinates") from None
    if not math.isfinite(value) or abs(value) > bound:
        raise Invalid("open311_bad_coordinates")
    return value


def _grid_from_address(session: Session, address: str) -> Area:
    """No geocoder offline: an address string places a report only if it names exactly one grid."""
    grids = session.execute(select(Area.id, Area.name, Area.code).where(Area.level == "grid")).all()
    found = [g.id for g in grids if (g.name and g.name in address) or g.code == address]
    if len(found) != 1:
        raise Invalid("open311_address_unplaced")
    return session.get_one(Area, found[0])


def _place(
    session: Session, params: Mapping[str, str], within: Area | None
) -> tuple[Area, float | None, float | None]:
    lat = _coordinate(params, "lat", 90)
    lng = _coordinate(params, "long", 180)
    if (lat is None) != (lng is None):
        raise Invalid("open311_location_required")
    address_id = params.get("address_id", "").strip()
    address = params.get("address_string", "").strip()
    grid: Area | None
    if lat is not None and lng is not None:
        grid = geo.locate_grid(session, lat, lng)
        if grid is None:
            raise Invalid("open311_location_outside", bounds=_bounds_text(session, within))
    elif address_id:
        grid = session.scalar(select(Area).where(Area.code == address_id[:40], Area.level == "grid"))
        if grid is None:
            raise Invalid("open311_address_id_unknown", address_id=address_id[:40])
    elif address:
        grid = _grid_from_address(session, address)
    else:
        raise Invalid("open311_location_required")
    if within is not None and not grid.path.startswith(within.path):
        raise Invalid("open311_location_outside", bounds=_bounds_text(session, within))
    return grid, lat, lng


def _bounds_text(session: Session, within: Area | None) -> str:
    """The box around the grids served (of one street, if given), so a client can tell where to point."""
    stmt = select(Area.geometry).where(Area.level == "grid", Area.geometry.is_not(None))
    if within is not None:
        stmt = stmt.where(Area.path.startswith(within.path))
    lngs: list[float] = []
    lats: list[float] = []

    def walk(coords: Any) -> None:
        if (
            isinstance(coords, list | tuple)
            and len(coords) >= 2
            and all(isinstance(c, int | float) for c in coords[:2])
        ):
            lngs.append(float(coords[0]))
            lats.append(float(coords[1]))
        elif isinstance(coords, list | tuple):
            for c in coords:
                walk(c)

    for geometry in session.scalars(stmt):
        if isinstance(geometry, dict):
            walk(geometry.get("coordinates"))
    if not lats:
        return "-"
    return f"lat {min(lats):.4f}–{max(lats):.4f}, long {min(lngs):.4f}–{max(lngs):.4f}"


def _parse_datetime_value(raw: str) -> datetime | None:
    text = _SPACED_OFFSET.sub(r"\1+\2", raw.strip())
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    # A time without an offset is local time in the street.
    return when.replace(tzinfo=SHANGHAI) if when.tzinfo is None else when


def _attributes(
    category: Category | reference.CategoryInfo, given: Mapping[str, Sequence[str]]
) -> dict[str, str]:
    """attribute[CODE] / attribute[CODE][] -> the answers intake validates against the definition."""
    defs = {d["code"]: d for d in category.attributes}
    out: dict[str, str] = {}
    for code, raw_values in given.items():
        d = defs.get(code)
        if d is None or d.get("variable", True) is False:
            raise Invalid("case_attribute_unknown", code=code[:40])
        question = str(d.get("description") or code)
        values = [v.strip() for v in raw_values if v.strip()]
        if not values:
            continue
        if any(len(v) > 500 or "\x00" in v for v in values):
            raise Invalid("case_attribute_invalid", question=question)
        kind = d.get("datatype", "string")
        if kind == "multivaluelist":
            out[code] = ",".join(dict.fromkeys(values))
            continue
        if len(values) > 1:
            raise Invalid("case_attribute_invalid", question=question)
        value = values[0]
        if kind == "number":
            try:
                ok = math.isfinite(float(value))
            except ValueError:
                ok = False
            if not ok:
                raise Invalid("case_attribute_invalid", question=question)
        elif kind == "datetime":
            when = _parse_datetime_value(value)
            if when is None:
                raise Invalid("case_attribute_invalid", question=question)
            value = when.isoformat()
        out[code] = value
    return out


def _phone(raw: str) -> str:
    phone = raw.translate({ord(c): None for c in "()."}).strip()
    if len(phone) > 32 or not _PHONE_OK.match(phone):
        raise Invalid("open311_bad_phone")
    return phone


def _media_url(raw: str) -> str:
    if not raw:
        return ""
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in raw):
        raise Invalid("open311_bad_media_url")
    return raw


def _reporter_name(first: str, last: str) -> str:
    # Chinese names are written surname first without a space; Latin names given name first.
    if any("\u4e00" <= ch <= "\u9fff" for ch in first + last):
        return f"{last}{first}"
    return f"{first} {last}".strip()


def submit(
    session: Session,
    *,
    params: Mapping[str, str],
    attributes: Mapping[str, Sequence[str]],
    uploads: Sequence[Upload],
    now: datetime,
    lang: str,
) -> Submitted:
    """POST requests: check the key, the service, the place and every field, then file a case
    (source open311) through the spine's intake. Raises before anything is written on bad input."""
    client = authenticate(session, params.get("api_key"), now)
    within = jurisdiction(session, params.get("jurisdiction_id"))
    code = params.get("service_code", "").strip()
    if not code:
        raise Invalid("open311_service_code_required")
    category = reference.category(session, code)
    if category is None or not category.public:
        raise Invalid("open311_service_unknown", code=code[:40])
    description = _clean(params, "description", MAX_DESCRIPTION, code="open311_description_too_long")
    answers = _attributes(category, attributes)
    grid, lat, lng = _place(session, params, within)
    address = _clean(params, "address_string", 300)
    email = _clean(params, "email", 200)
    if email and not _EMAIL.match(email):
        raise Invalid("open311_bad_email")
    device_id = _clean(params, "device_id", 100)
    account_id = _clean(params, "account_id", 100)
    first_name = _clean(params, "first_name", 50)
    last_name = _clean(params, "last_name", 50)
    phone = _phone(_clean(params, "phone", 40))
    media_url = _media_url(_clean(params, "media_url", 500))
    if len(uploads) > MAX_UPLOADS:
        raise Invalid("open311_too_many_media", max=MAX_UPLOADS)
    token = secrets.token_urlsafe(18)
    try:
        data = CaseIn(
            category=category.code,
            description=description or (category.name_en if lang == "en" else category.name_zh),
            lat=lat,
            lng=lng,
            grid_code=grid.code,
            address=address,
            source="open311",
            external_ref=token,
            reporter_name=_reporter_name(first_name, last_name),
            reporter_phone=phone,
            attributes=dict(answers),
        )
    except ValidationError as exc:
        detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:3])
        raise Invalid("validation_error", detail=detail) from None
    done = cases.intake(session, actor=None, data=data, now=now)
    case = done.case
    session.add(
        Open311Request(
            case_id=case.id,
            client_id=client.id,
            token=token,
            created_at=now,
            email=email,
            device_id=device_id,
            account_id=account_id,
            first_name=first_name,
            last_name=last_name,
            media_url=media_url,
        )
    )
    client.last_used_at = now
    audit.append(
        session,
        kind="open311.request",
        subject_type="case",
        subject_id=case.id,
        actor_id=None,
        actor_name=client.name,
        data={"client_id": client.id, "client": client.name, "token": token},
        now=now,
    )
    # A photo that is not a real JPEG/PNG/WebP raises Invalid here; the caller rolls back the case.
    stored = [
        media.attach_photo(session, case, u.data, content_type=u.content_type, actor=None, now=now)
        for u in uploads
    ]
    session.flush()
    return Submitted(
        case=case,
        token=token,
        account_id=account_id,
        service_notice=service_notice(session, category, lang),
        media=stored,
    )


# ---------------------------------------------------------------- media


def _photo_urls(session: Session, case_ids: Sequence[int], base_url: str) -> dict[int, str]:
    """The first photo of each case that moderation has not hidden, as an absolute URL."""
    if not case_ids:
        return {}
    rows = session.execute(
        select(CaseMedia.case_id, func.min(CaseMedia.id))
        .where(CaseMedia.case_id.in_(case_ids), CaseMedia.hidden.is_(False))
        .group_by(CaseMedia.case_id)
    ).all()
    return {case_id: base_url.rstrip("/") + media.media_path(media_id) for case_id, media_id in rows}


# ---------------------------------------------------------------- reading requests


@dataclass(frozen=True)
class Query:
    ids: tuple[int, ...] | None
    codes: tuple[str, ...]
    start: datetime
    end: datetime
    open_: bool | None  # None = both
    within: Area | None


def case_id_of(request_id: str) -> int | None:
    """A service_request_id (the case number GZ…, or the bare case id) -> the case id."""
    text = request_id.strip()
    m = _CASE_NUMBER.match(text)
    digits = m.group(2) if m else text
    if not digits.isdigit() or len(digits) > 10:
        return None
    value = int(digits)
    return value if 0 < value < 2**31 else None


def parse_datetime(name: str, raw: str) -> datetime:
    when = _parse_datetime_value(raw)
    if when is None:
        raise Invalid("open311_bad_date", field=name, value=raw[:40])
    return when


def parse_query(session: Session, params: Mapping[str, str], now: datetime) -> Query:
    within = jurisdiction(session, params.get("jurisdiction_id"))
    raw_ids = params.get("service_request_id", "").strip()
    ids: tuple[int, ...] | None = None
    if raw_ids:
        parts = [p for p in (x.strip() for x in raw_ids.split(",")) if p]
        if len(parts) > MAX_RESULTS:
            raise Invalid("open311_too_many_ids", max=MAX_RESULTS)
        ids = tuple(dict.fromkeys(i for i in (case_id_of(p) for p in parts) if i is not None))
    codes = tuple(dict.fromkeys(c.strip() for c in params.get("service_code", "").split(",") if c.strip()))
    if codes and ids is None:
        known = set(
            session.scalars(select(Category.code).where(Category.code.in_(codes), Category.public.is_(True)))
        )
        for c in codes:
            if c not in known:
                raise Invalid("open311_service_unknown", code=c[:40])
    start_raw, end_raw = params.get("start_date", "").strip(), params.get("end_date", "").strip()
    start = parse_datetime("start_date", start_raw) if start_raw else None
    end = parse_datetime("end_date", end_raw) if end_raw else None
    if start is None and end is None:
        end = now
    if start is None:
        assert end is not None
        start = end - MAX_SPAN
    if end is None:
        end = start + MAX_SPAN
    if end < start:
        raise Invalid("open311_date_range_reversed")
    if end - start > MAX_SPAN:
        raise Invalid("open311_date_range_too_long", days=MAX_SPAN.days)
    open_: bool | None = None
    raw_status = params.get("status", "").strip().lower()
    if raw_status:
        wanted = {s.strip() for s in raw_status.split(",") if s.strip()}
        if not wanted <= {"open", "closed"}:
            raise Invalid("open311_bad_status", status=raw_status[:40])
        open_ = None if wanted == {"open", "closed"} else "open" in wanted
    return Query(ids=ids, codes=codes, start=start, end=end, open_=open_, within=within)


@dataclass(frozen=True)
class PublicCase:
    """The columns of a case that GET answers from (no reporter fields are even read)."""

    id: int
    created_at: datetime
    updated_at: datetime
    status: str
    description: str
    description_hidden: bool
    address: str
    lat: float | None
    lng: float | None
    resolve_due_at: datetime | None
    resolution_note: str
    duplicate_of_id: int | None
    category_id: int
    unit_id: int | None
    grid_code: str | None
    media_url: str | None

    @property
    def number(self) -> str:
        return case_number(self.id, self.created_at)


def case_number(case_id: int, created_at: datetime) -> str:
    """cases.service.case_number for a case read as columns (that function reads only these two)."""
    # A plain stand-in: building a transient ORM Case per row costs more than the rest of the row.
    return cases.case_number(cast(Case, SimpleNamespace(id=case_id, created_at=created_at)))


_PUBLIC_COLUMNS = (
    Case.id,
    Case.created_at,
    Case.updated_at,
    Case.status,
    Case.description,
    Case.description_hidden,
    Case.address,
    Case.lat,
    Case.lng,
    Case.resolve_due_at,
    Case.resolution_note,
    Case.duplicate_of_id,
    Case.category_id,
    Case.unit_id,
    Area.code,
    Open311Request.media_url,
)


def _public_cases() -> Select[*tuple[Any, ...]]:
    # Columns, not entities: a page of 1000 would otherwise load every grid polygon and JSON column.
    return (
        select(*_PUBLIC_COLUMNS)
        .join(Category, Category.id == Case.category_id)
        .outerjoin(Area, Area.id == Case.grid_id)
        .outerjoin(Open311Request, Open311Request.case_id == Case.id)
        .where(Category.public.is_(True), Case.source.in_(PUBLIC_SOURCES))
    )


def _rows(session: Session, stmt: Select[*tuple[Any, ...]]) -> list[PublicCase]:
    return [PublicCase(*row) for row in session.execute(stmt).all()]


def find_requests(session: Session, query: Query, lang: str, base_url: str) -> list[dict[str, Any]]:
    stmt = _public_cases()
    if query.within is not None:
        stmt = stmt.where(Area.path.startswith(query.within.path))
    if query.ids is not None:
        if not query.ids:
            return []
        stmt = stmt.where(Case.id.in_(query.ids))  # the spec: ids override every other filter
    else:
        stmt = stmt.where(Case.created_at >= query.start, Case.created_at <= query.end)
        if query.codes:
            stmt = stmt.where(Category.code.in_(query.codes))
        if query.open_ is True:
            stmt = stmt.where(Case.status.in_(OPEN_STATUSES))
        elif query.open_ is False:
            stmt = stmt.where(Case.status.not_in(OPEN_STATUSES))
    stmt = stmt.order_by(Case.created_at.desc(), Case.id.desc()).limit(MAX_RESULTS)
    return _render(session, _rows(session, stmt), lang, base_url)


def get_request(
    session: Session, request_id: str, lang: str, base_url: str, within: Area | None = None
) -> dict[str, Any]:
    case_id = case_id_of(request_id)
    stmt = _public_cases().where(Case.id == (case_id or 0))
    if within is not None:
        stmt = stmt.where(Area.path.startswith(within.path))
    rows = _rows(session, stmt)
    if not rows or (request_id.strip().startswith("GZ") and rows[0].number != request_id.strip()):
        raise NotFound("open311_request_not_found", id=request_id[:40])
    return _render(session, rows, lang, base_url)[0]


def token_lookup(session: Session, token: str) -> dict[str, Any]:
    row = session.execute(
        select(Open311Request.token, Case.id, Case.created_at)
        .join(Case, Case.id == Open311Request.case_id)
        .where(Open311Request.token == token.strip()[:40])
    ).first()
    if row is None:
        raise NotFound("open311_token_not_found")
    return {"service_request_id": case_number(row[1], row[2]), "token": row[0]}


def _reject_notes(session: Session, case_ids: list[int]) -> dict[int, str]:
    """The reason given when each of these cases was rejected (from its timeline)."""
    if not case_ids:
        return {}
    entries = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.subject_type == "case",
            AuditEntry.subject_id.in_([str(i) for i in case_ids]),
            AuditEntry.kind == "case.transition",
        )
        .order_by(AuditEntry.seq)
    )
    notes: dict[int, str] = {}
    for e in entries:
        if e.data.get("action") == "reject":
            notes[int(e.subject_id)] = str(e.data.get("note", ""))
    return notes


def _status_notes(case: PublicCase, lang: str, rejected: dict[int, str], originals: dict[int, str]) -> str:
    label = translate(f"case_status.{case.status}", lang)
    if case.status in ("resolved", "closed") and case.resolution_note:
        return f"{label}：{case.resolution_note}" if lang != "en" else f"{label}: {case.resolution_note}"
    if case.status == "rejected" and rejected.get(case.id):
        return f"{label}：{rejected[case.id]}" if lang != "en" else f"{label}: {rejected[case.id]}"
    if case.status == "duplicate" and case.duplicate_of_id in originals:
        return translate("open311_duplicate_of", lang, number=originals[case.duplicate_of_id or 0])
    return label


def _render(session: Session, rows: list[PublicCase], lang: str, base_url: str) -> list[dict[str, Any]]:
    rejected = _reject_notes(session, [c.id for c in rows if c.status == "rejected"])
    dup_ids = [c.duplicate_of_id for c in rows if c.status == "duplicate" and c.duplicate_of_id]
    originals = (
        {
            i: case_number(i, at)
            for i, at in session.execute(select(Case.id, Case.created_at).where(Case.id.in_(dup_ids)))
        }
        if dup_ids
        else {}
    )
    photos = _photo_urls(session, [c.id for c in rows], base_url)
    categories = {
        c.id: c
        for c in session.scalars(select(Category).where(Category.id.in_({r.category_id for r in rows})))
    }
    unit_ids = {r.unit_id for r in rows if r.unit_id is not None}
    units = (
        {
            u.id: ((u.name_en or u.name) if lang == "en" else u.name)
            for u in session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))
        }
        if unit_ids
        else {}
    )
    notices = {i: service_notice(session, c, lang) for i, c in categories.items()}
    out = []
    for case in rows:
        category = categories[case.category_id]
        out.append(
            {
                "service_request_id": case.number,
                "status": "open" if case.status in OPEN_STATUSES else "closed",
                "status_notes": _status_notes(case, lang, rejected, originals),
                "service_name": category.name_en if lang == "en" else category.name_zh,
                "service_code": category.code,
                # Moderated text stays for staff; the public sees that it was hidden.
                "description": translate("open311_text_hidden", lang)
                if case.description_hidden
                else case.description,
                "agency_responsible": units.get(case.unit_id) if case.unit_id is not None else None,
                "service_notice": notices[category.id] or None,
                "requested_datetime": _iso(case.created_at),
                "updated_datetime": _iso(case.updated_at),
                "expected_datetime": _iso(case.resolve_due_at),
                "address": case.address or None,
                "address_id": case.grid_code,
                "zipcode": None,
                "lat": case.lat,
                "long": case.lng,
                "media_url": photos.get(case.id) or case.media_url or None,
            }
        )
    return out


def _iso(dt: datetime | None) -> str | None:
    """ISO 8601 with the offset, in Asia/Shanghai (e.g. 2026-11-23T10:00:00+08:00)."""
    return local(dt).isoformat(timespec="seconds") if dt is not None else None
