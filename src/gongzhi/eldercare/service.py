"""The rules of 智慧养老: the register, alarms, their escalation chain and acknowledgement.

Services flush, never commit. Alarms are deduplicated by a unique `open_key` ("elder:kind" while
the alarm is open, NULL once closed) written with INSERT … ON CONFLICT DO NOTHING: two readings
racing to raise the same alarm produce one row, and the loser updates its repeat count under the
row lock instead.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Select, Table, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

import gongzhi.eldercare.messages  # noqa: F401  (registers the module's i18n keys)
from gongzhi.audit import service as audit
from gongzhi.auth import pii
from gongzhi.auth import service as accounts
from gongzhi.auth.models import SUPERVISOR_ROLES, User
from gongzhi.auth.scope import area_path, subtree_area_ids
from gongzhi.cases import reference
from gongzhi.cases import service as cases
from gongzhi.cases.schemas import CaseIn
from gongzhi.clock import local
from gongzhi.db import is_postgres, lock_for_update
from gongzhi.eldercare.models import (
    OPEN_STATES,
    Alarm,
    AlarmCall,
    Consent,
    Contact,
    Elder,
    ElderCareConfig,
    Wearable,
)
from gongzhi.errors import Conflict, Forbidden, Invalid, NotFound
from gongzhi.geo.models import Area
from gongzhi.i18n import translate
from gongzhi.notify import service as notify

TOPIC = "eldercare.alarm"
# Alarms that page emergency services (120) at once, besides the chain.
EMERGENCY_KINDS = frozenset({"sos", "fall"})
# Alarms that need someone at the door: acknowledging one from the app files a visit case.
VISIT_KINDS = frozenset({"sos", "fall", "vitals", "inactivity", "silence"})
# Alarms the doctor is not called for.
NON_MEDICAL_KINDS = frozenset({"low_battery"})
STAFF_ROLES = ("doctor", "grid_worker", "volunteer", "admin", "official", "dept_staff")
REGISTRAR_ROLES = ("doctor", "grid_worker", "admin", "official")
CASE_CATEGORY = "elder_alarm"


# ---------------------------------------------------------------- configuration


_CONFIG_KEY = "gongzhi.eldercare.config"


def get_config(session: Session) -> ElderCareConfig:
    """The settings row (created by migration 0009); a missing row is recreated with defaults.

    Held for the session's life: every reading of a batch needs it, and the identity map alone
    would let it go (and read it again) between them.
    """
    held = session.info.get(_CONFIG_KEY)
    if isinstance(held, ElderCareConfig) and held in session:
        return held
    cfg = session.get(ElderCareConfig, 1)
    if cfg is None:
        cfg = ElderCareConfig(
            id=1, doctor_ack_seconds=120, family_ack_seconds=180, buddy_ack_seconds=180, grid_ack_seconds=300,
            emergency_channel="console", emergency_recipient="120:dispatch", inactivity_minutes=180,
            day_start_hour=8, day_end_hour=20, low_battery_percent=15.0, impact_g=2.5, still_readings=5,
            baseline_k=4.0, baseline_consecutive=3, base_url="http://127.0.0.1:8000",
        )
        session.add(cfg)
        session.flush()
    session.info[_CONFIG_KEY] = cfg
    return cfg


_CONFIG_LIMITS: dict[str, tuple[float, float]] = {
    "doctor_ack_seconds": (10, 3600), "family_ack_seconds": (10, 3600), "buddy_ack_seconds": (10, 3600),
    "grid_ack_seconds": (10, 3600), "inactivity_minutes": (10, 24 * 60), "day_start_hour": (0, 23),
    "day_end_hour": (1, 24), "low_battery_percent": (1, 90), "impact_g": (1.2, 16), "still_readings": (1, 100),
    "baseline_k": (1, 20), "baseline_consecutive": (1, 50),
}


def update_config(session: Session, *, actor: User, changes: dict[str, Any], now: datetime) -> ElderCareConfig:
    if actor.role != "admin":
        raise Forbidden("forbidden")
    cfg = get_config(session)
    for key, value in changes.items():
        if key in _CONFIG_LIMITS:
            lo, hi = _CONFIG_LIMITS[key]
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not lo <= value <= hi:
                raise Invalid("eldercare_config_invalid", detail=f"{key} ∉ [{lo}, {hi}]")
        elif key in ("emergency_channel", "emergency_recipient", "base_url"):
            if not isinstance(value, str) or not value:
                raise Invalid("eldercare_config_invalid", detail=key)
        else:
            raise Invalid("eldercare_config_invalid", detail=key)
    channel = changes.get("emergency_channel", cfg.emergency_channel)
    recipient = changes.get("emergency_recipient", cfg.emergency_recipient)
    if channel not in ("console", "email", "webhook"):
        raise Invalid("eldercare_config_invalid", detail="emergency_channel")
    # A recipient the outbox would refuse would make every SOS fail to commit: refuse it here instead.
    if (channel == "email" and ("@" not in recipient or any(c.isspace() for c in recipient))) or (
        channel == "webhook" and not recipient.startswith(("http://", "https://"))
    ) or any(c in recipient for c in "\r\n\x00"):
        raise Invalid("eldercare_config_invalid", detail="emergency_recipient")
    before = {k: getattr(cfg, k) for k in changes}
    for key, value in changes.items():
        setattr(cfg, key, value)
    if cfg.day_start_hour >= cfg.day_end_hour:
        raise Invalid("eldercare_config_invalid", detail="day_start_hour < day_end_hour")
    cfg.updated_at = now
    audit.append(session, kind="eldercare.config", subject_type="eldercare_config", subject_id=1,
                 actor_id=actor.id, actor_name=cases.actor_name(actor), data={"old": before, "new": changes}, now=now)
    session.flush()
    return cfg


# ---------------------------------------------------------------- register


@dataclass(frozen=True)
class ContactData:
    name: str
    relation: str = ""
    phone: str = ""
    username: str | None = None
    is_guardian: bool = False


@dataclass(frozen=True)
class ElderData:
    name: str
    id_number: str
    grid_code: str
    gender: str = ""
    phone: str = ""
    address: str = ""
    living_alone: bool = False
    conditions: tuple[str, ...] = ()
    medications: tuple[str, ...] = ()
    spo2_scale: int = 1
    doctor_username: str | None = None
    buddy_username: str | None = None
    contacts: tuple[ContactData, ...] = ()
    birth_date: date | None = None


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _user_with_role(session: Session, username: str | None, roles: tuple[str, ...], label: str) -> User | None:
    if not username:
        return None
    user = accounts.get_user_by_username(session, username)
    if user is None or not user.is_active:
        raise Invalid("eldercare_user_not_found", username=username)
    if user.role not in roles:
        raise Invalid("eldercare_user_wrong_role", username=username, role=label)
    return user


def _phone(value: str) -> str:
    if not value:
        return ""
    normal = pii.normalize_phone(value)
    if normal is None:
        raise Invalid("eldercare_phone_invalid", phone=value[:40])
    return normal


def _grid(session: Session, actor: User, code: str) -> Area:
    grid = session.scalar(select(Area).where(Area.code == code, Area.level == "grid"))
    if grid is None:
        raise Invalid("eldercare_grid_not_found", code=code[:40])
    if actor.role != "admin" and not grid.path.startswith(area_path(session, actor) or "\x00"):
        raise Forbidden("eldercare_grid_out_of_scope")
    return grid


def validate_elder(session: Session, actor: User, data: ElderData) -> tuple[dict[str, Any], list[Contact]]:
    """Check one elder's data (every rule, no writes): the row's values and its contacts."""
    if actor.role not in REGISTRAR_ROLES:
        raise Forbidden("forbidden")
    id_number = pii.normalize_id_number(data.id_number or "")
    if id_number is None:
        raise Invalid("eldercare_id_number_invalid")
    birth = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    if not data.name.strip() or len(data.name) > 60:
        raise Invalid("validation_error", detail="name")
    if data.spo2_scale not in (1, 2):
        raise Invalid("validation_error", detail="spo2_scale")
    grid = _grid(session, actor, data.grid_code)
    doctor = _user_with_role(session, data.doctor_username, ("doctor",), translate("eldercare.role.doctor"))
    buddy = _user_with_role(session, data.buddy_username, ("volunteer",), translate("eldercare.role.buddy"))
    contacts = []
    for i, c in enumerate(data.contacts, start=1):
        if not c.name.strip():
            raise Invalid("validation_error", detail=f"contact {i} name")
        user = accounts.get_user_by_username(session, c.username) if c.username else None
        if c.username and user is None:
            raise Invalid("eldercare_user_not_found", username=c.username)
        contacts.append(Contact(position=i, name=c.name.strip()[:60], relation=c.relation[:30],
                                phone=_phone(c.phone), user_id=user.id if user else None,
                                is_guardian=c.is_guardian))
    values = {
        "name": data.name.strip(), "id_number": id_number, "birth_date": birth, "gender": data.gender[:8],
        "phone": _phone(data.phone), "address": data.address[:300], "grid_id": grid.id,
        "living_alone": data.living_alone, "conditions": [str(x)[:60] for x in data.conditions],
        "medications": [str(x)[:60] for x in data.medications], "spo2_scale": data.spo2_scale,
        "doctor_id": doctor.id if doctor else None, "buddy_id": buddy.id if buddy else None,
    }
    return values, contacts


def create_elder(session: Session, *, actor: User, data: ElderData, now: datetime) -> Elder:
    values, contacts = validate_elder(session, actor, data)
    if session.scalar(select(Elder.id).where(Elder.id_number == values["id_number"])) is not None:
        raise Conflict("eldercare_id_number_taken")
    elder = Elder(**values, is_active=True, created_at=now, updated_at=now)
    session.add(elder)
    session.flush()
    for c in contacts:
        c.elder_id = elder.id
        session.add(c)
    audit.append(session, kind="eldercare.elder", subject_type="elder", subject_id=elder.id, actor_id=actor.id,
                 actor_name=cases.actor_name(actor), data={"action": "create", "grid_id": elder.grid_id}, now=now)
    session.flush()
    return elder


def update_elder(session: Session, *, actor: User, elder: Elder, data: ElderData, now: datetime) -> Elder:
    """Replace the record (same rules as registering); contacts are replaced in the new order.

    The ID number identifies the person and cannot change; the grid may (the elder moved), within
    the actor's area.
    """
    values, contacts = validate_elder(session, actor, data)
    if values["id_number"] != elder.id_number:
        raise Invalid("eldercare_id_number_fixed")
    before = {k: getattr(elder, k) for k in values if k != "birth_date"}
    for key, value in values.items():
        setattr(elder, key, value)
    elder.updated_at = now
    for old in contacts_of(session, elder.id):
        session.delete(old)
    session.flush()  # the old positions are free before the new contacts take them
    for c in contacts:
        c.elder_id = elder.id
        session.add(c)
    changed = sorted(k for k in before if before[k] != values[k])
    audit.append(session, kind="eldercare.elder", subject_type="elder", subject_id=elder.id, actor_id=actor.id,
                 actor_name=cases.actor_name(actor), data={"action": "update", "fields": changed}, now=now)
    session.flush()
    return elder


def scoped_elders(session: Session, user: User) -> Select[Elder]:
    """Elders the user may see: their area's subtree (staff), their own pairings (doctor, buddy),
    or the elders they are a family contact of."""
    stmt = select(Elder).where(Elder.is_active.is_(True))
    family = select(Contact.elder_id).where(Contact.user_id == user.id)
    if user.role in ("admin", "official", "grid_worker", "doctor", "dept_staff"):
        return stmt.where(or_(Elder.grid_id.in_(subtree_area_ids(area_path(session, user))),
                              Elder.doctor_id == user.id))
    if user.role == "volunteer":
        return stmt.where(or_(Elder.buddy_id == user.id, Elder.id.in_(family)))
    return stmt.where(Elder.id.in_(family))


def get_elder(session: Session, user: User, elder_id: int) -> Elder:
    elder = session.scalar(scoped_elders(session, user).where(Elder.id == elder_id))
    if elder is None:
        raise NotFound("eldercare_elder_not_found")
    return elder


def elder_for_case(session: Session, user: User, case_id: int) -> Elder | None:
    """The elder whose alarm opened this case (a home visit), if the user may see the elder's record."""
    alarm_of_case = select(Alarm.elder_id).where(Alarm.case_id == case_id)
    return session.scalar(scoped_elders(session, user).where(Elder.id.in_(alarm_of_case)).limit(1))


def contacts_of(session: Session, elder_id: int) -> list[Contact]:
    return list(session.scalars(select(Contact).where(Contact.elder_id == elder_id).order_by(Contact.position)))


def record_consent(
    session: Session, *, actor: User, elder: Elder, given_by: str, relation: str, scope: list[str], now: datetime
) -> Consent:
    if actor.role not in REGISTRAR_ROLES:
        raise Forbidden("forbidden")
    if not given_by.strip() or not scope:
        raise Invalid("validation_error", detail="given_by, scope")
    consent = Consent(elder_id=elder.id, given_by=given_by.strip()[:60], relation=relation[:30],
                      scope=[s[:40] for s in scope], given_at=now, recorded_by=actor.id)
    session.add(consent)
    audit.append(session, kind="eldercare.consent", subject_type="elder", subject_id=elder.id, actor_id=actor.id,
                 actor_name=cases.actor_name(actor), data={"given_by": consent.given_by, "scope": consent.scope},
                 now=now)
    session.flush()
    return consent


def bind_wearable(session: Session, *, actor: User, elder: Elder, device_code: str, now: datetime) -> Wearable:
    """Bind a band (by its device code in the devices registry) to the elder."""
    if actor.role not in REGISTRAR_ROLES:
        raise Forbidden("forbidden")
    code = device_code.strip()
    if not code or len(code) > 64:
        raise Invalid("validation_error", detail="device_code")
    existing = session.scalar(select(Wearable).where(Wearable.device_code == code))
    if existing is not None:
        if existing.elder_id == elder.id:
            return existing
        raise Conflict("eldercare_device_taken", code=code)
    band = Wearable(device_code=code, elder_id=elder.id, bound_at=now, still_count=0, deviation_streak=0,
                    pulse_window=[])
    session.add(band)
    audit.append(session, kind="eldercare.wearable", subject_type="elder", subject_id=elder.id, actor_id=actor.id,
                 actor_name=cases.actor_name(actor), data={"bind": code}, now=now)
    session.flush()
    return band


def wearables_of(session: Session, elder_id: int) -> list[Wearable]:
    return list(session.scalars(select(Wearable).where(Wearable.elder_id == elder_id).order_by(Wearable.id)))


# ---------------------------------------------------------------- masking


def elder_view(session: Session, viewer: User, elder: Elder, now: datetime, *, log_read: bool = True) -> dict[str, Any]:
    """The elder as the viewer may see them: name, ID number, phones and address masked unless the
    role needs them; an unmasked read is written to the data-access log."""
    full = pii.can_read_pii(viewer)
    grid = session.get(Area, elder.grid_id)
    contacts = contacts_of(session, elder.id)
    if full and log_read:
        audit.log_pii_read(session, actor_id=viewer.id, actor_name=cases.actor_name(viewer), subject_type="elder",
                           subject_id=elder.id, fields=["id_number", "phone", "address", "contacts"], now=now)
    doctor = session.get(User, elder.doctor_id) if elder.doctor_id else None
    buddy = session.get(User, elder.buddy_id) if elder.buddy_id else None
    return {
        "id": elder.id,
        "name": elder.name if full else pii.mask_name(elder.name),
        "id_number": elder.id_number if full else pii.mask_id_number(elder.id_number),
        "age": age_on(elder.birth_date, local(now).date()),
        "gender": elder.gender,
        "phone": elder.phone if full else pii.mask_phone(elder.phone),
        "address": elder.address if full else "",
        "grid_code": grid.code if grid else "",
        "grid_name": grid.name if grid else "",
        "living_alone": elder.living_alone,
        "conditions": list(elder.conditions),
        "medications": list(elder.medications) if full else [],
        "spo2_scale": elder.spo2_scale,
        "doctor": (doctor.display_name or doctor.username) if doctor else "",
        "buddy": (buddy.display_name or buddy.username) if buddy else "",
        "contacts": [
            {"position": c.position, "name": c.name if full else pii.mask_name(c.name), "relation": c.relation,
             "phone": c.phone if full else pii.mask_phone(c.phone), "is_guardian": c.is_guardian}
            for c in contacts
        ],
        "wearables": [w.device_code for w in wearables_of(session, elder.id)],
        "masked": not full,
    }


# ---------------------------------------------------------------- alarms


@dataclass(frozen=True)
class Target:
    role: str
    user_id: int | None
    name: str
    channel: str
    recipient: str
    ack_seconds: int


def chain_for(session: Session, elder: Elder, cfg: ElderCareConfig, kind: str = "") -> list[Target]:
    """Doctor, then each family contact in order, then the volunteer buddy, then the grid worker.

    A flat battery is no medical matter: its chain starts with the family.
    """
    chain: list[Target] = []
    if elder.doctor_id and kind not in NON_MEDICAL_KINDS:
        doctor = session.get(User, elder.doctor_id)
        if doctor is not None and doctor.is_active:
            chain.append(Target("doctor", doctor.id, doctor.display_name or doctor.username, "console",
                                f"user:{doctor.id}", cfg.doctor_ack_seconds))
    for c in contacts_of(session, elder.id):
        # A relative with an account gets the in-app message; otherwise the SMS gateway's
        # console queue addressed by phone ("sms:…", delivered by whatever gateway is configured).
        if c.user_id:
            chain.append(Target("family", c.user_id, c.name, "console", f"user:{c.user_id}", cfg.family_ack_seconds))
        elif c.phone:
            chain.append(Target("family", None, c.name, "console", f"sms:{c.phone}", cfg.family_ack_seconds))
    if elder.buddy_id:
        buddy = session.get(User, elder.buddy_id)
        if buddy is not None and buddy.is_active:
            chain.append(Target("buddy", buddy.id, buddy.display_name or buddy.username, "console",
                                f"user:{buddy.id}", cfg.buddy_ack_seconds))
    grid = session.get(Area, elder.grid_id)
    worker = reference.grid_worker(session, grid) if grid is not None else None
    if worker is not None:
        chain.append(Target("grid_worker", worker.id, worker.display_name or worker.username, "console",
                            f"user:{worker.id}", cfg.grid_ack_seconds))
    return chain


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _detail_text(alarm: Alarm, lang: str = "zh") -> str:
    """What happened, in the reader's language, from the alarm's structured detail."""
    d = alarm.detail or {}
    if "news2_total" in d:
        band = translate(f"eldercare.band.{d.get('news2_band', 'low')}", lang)
        return translate("eldercare.detail.news2", lang, total=d["news2_total"], band=band)
    if alarm.kind == "fall":
        return translate(f"eldercare.detail.fall_{'acc' if d.get('source') == 'acceleration' else 'flag'}", lang)
    if alarm.kind == "low_battery" and "battery" in d:
        return translate("eldercare.detail.battery", lang, percent=f"{float(d['battery']):.0f}")
    if alarm.kind == "baseline" and "pulse" in d:
        return translate("eldercare.detail.baseline", lang, pulse=f"{float(d['pulse']):.0f}",
                         median=f"{float(d.get('median', 0)):.0f}")
    if alarm.kind == "inactivity" and "minutes" in d:
        return translate("eldercare.detail.inactivity", lang, minutes=d["minutes"])
    if alarm.kind == "silence":
        return translate("eldercare.detail.silence", lang)
    return translate("eldercare.detail.sos", lang) if alarm.kind == "sos" else ""


def _call(session: Session, alarm: Alarm, elder: Elder, step: int, target: Target, cfg: ElderCareConfig,
          now: datetime) -> AlarmCall:
    """Notify one person through the outbox with a one-time acknowledgement link."""
    token = secrets.token_urlsafe(24)
    link = f"{cfg.base_url.rstrip('/')}/eldercare/ack/{token}"
    grid = session.get(Area, elder.grid_id)
    kind = translate(f"eldercare.kind.{alarm.kind}")
    deadline = now + timedelta(seconds=target.ack_seconds)
    msg = notify.enqueue(
        session, channel=target.channel, recipient=target.recipient,
        subject=translate("eldercare.notice.subject", elder=pii.mask_name(elder.name), kind=kind),
        body=translate("eldercare.notice.body", elder=elder.name, grid=grid.name if grid else "", kind=kind,
                       detail=_detail_text(alarm), minutes=max(1, target.ack_seconds // 60), link=link),
        topic=TOPIC, ref=f"elder_alarm:{alarm.id}", now=now,
        payload={"alarm_id": alarm.id, "step": step, "role": target.role, "ack_url": link,
                 "deadline": deadline.isoformat()},
    )
    call = AlarmCall(alarm_id=alarm.id, step=step, role=target.role, user_id=target.user_id, name=target.name,
                     channel=target.channel, recipient=target.recipient, called_at=now, deadline=deadline,
                     outbox=msg, token_hash=_hash_token(token), answered_at=None)
    session.add(call)
    alarm.step = step
    alarm.next_escalation_at = deadline
    return call


def _call_emergency(session: Session, alarm: Alarm, elder: Elder, cfg: ElderCareConfig, now: datetime) -> None:
    grid = session.get(Area, elder.grid_id)
    kind = translate(f"eldercare.kind.{alarm.kind}")
    msg = notify.enqueue(
        session, channel=cfg.emergency_channel, recipient=cfg.emergency_recipient,
        subject=translate("eldercare.notice.emergency_subject", elder=elder.name, kind=kind),
        body=translate("eldercare.notice.emergency_body", elder=elder.name,
                       age=age_on(elder.birth_date, local(now).date()), address=elder.address,
                       grid=grid.name if grid else "", kind=kind, detail=_detail_text(alarm)),
        topic="eldercare.emergency", ref=f"elder_alarm:{alarm.id}", now=now,
        payload={"alarm_id": alarm.id, "kind": alarm.kind, "elder_id": elder.id},
    )
    session.add(AlarmCall(alarm_id=alarm.id, step=-1, role="emergency", user_id=None, name="120",
                          channel=cfg.emergency_channel, recipient=cfg.emergency_recipient, called_at=now,
                          deadline=None, outbox=msg, token_hash=None))
    alarm.emergency_at = now


def _needs_emergency(kind: str, severity: str) -> bool:
    return kind in EMERGENCY_KINDS or severity == "emergency"


# Built once per dialect: INSERT … ON CONFLICT (open_key) DO NOTHING RETURNING id.
_ALARMS = cast(Table, Alarm.__table__)
_INSERT_ALARM: dict[str, Any] = {
    "postgresql": pg_insert(_ALARMS).on_conflict_do_nothing(index_elements=["open_key"]).returning(_ALARMS.c.id),
    "sqlite": sqlite_insert(_ALARMS).on_conflict_do_nothing(index_elements=["open_key"]).returning(_ALARMS.c.id),
}


def _insert_alarm(session: Session, values: dict[str, Any]) -> int | None:
    """The new alarm's id, or None when one of this elder and kind is open already."""
    stmt = _INSERT_ALARM["postgresql" if is_postgres(session) else "sqlite"]
    new_id: int | None = session.execute(stmt, values).scalar_one_or_none()
    return new_id


def _first_target(session: Session, elder: Elder, cfg: ElderCareConfig, kind: str) -> Target | None:
    """chain_for(...)[0] without building the whole chain when the elder has a doctor (the usual case)."""
    if elder.doctor_id and kind not in NON_MEDICAL_KINDS:
        doctor = session.get(User, elder.doctor_id)
        if doctor is not None and doctor.is_active:
            return Target("doctor", doctor.id, doctor.display_name or doctor.username, "console",
                          f"user:{doctor.id}", cfg.doctor_ack_seconds)
    chain = chain_for(session, elder, cfg, kind)
    return chain[0] if chain else None


_SEVERITY_RANK = {"normal": 0, "urgent": 1, "emergency": 2}


def raise_alarm(
    session: Session, *, elder: Elder, kind: str, now: datetime, detail: dict[str, Any] | None = None,
    severity: str = "normal",
) -> tuple[Alarm, bool]:
    """Open an alarm, or count a repeat of the open one. Returns (alarm, created).

    A new alarm calls the first person of the chain at once (and 120 for SOS, falls and NEWS2
    high); a repeat updates the open alarm and calls 120 only if it became an emergency.
    """
    cfg = get_config(session)
    key = f"{elder.id}:{kind}"
    detail = dict(detail or {})
    new_id = _insert_alarm(session, {
        "elder_id": elder.id, "kind": kind, "open_key": key, "status": "active", "severity": severity,
        "detail": detail, "repeat_count": 1, "raised_at": now, "last_event_at": now, "acknowledged_by": "",
        "ack_via": "", "closed_by": "", "note": "", "step": -1,
    })
    if new_id is not None:
        alarm = session.get_one(Alarm, new_id)
        first = _first_target(session, elder, cfg, kind)
        if first is not None:
            _call(session, alarm, elder, 0, first, cfg, now)
        if _needs_emergency(kind, severity):
            _call_emergency(session, alarm, elder, cfg, now)
        audit.append(session, kind="eldercare.alarm", subject_type="elder_alarm", subject_id=alarm.id,
                     actor_id=None, actor_name="system",
                     data={"action": "raise", "kind": kind, "elder_id": elder.id, "severity": severity}, now=now)
        session.flush()  # one flush for the alarm, its calls, messages and audit entry
        return alarm, True
    stmt = lock_for_update(select(Alarm).where(Alarm.open_key == key), session)
    alarm = session.scalars(stmt.execution_options(populate_existing=True)).one()
    alarm.repeat_count += 1
    alarm.last_event_at = now
    alarm.detail = {**(alarm.detail or {}), **detail}
    if _SEVERITY_RANK.get(severity, 0) > _SEVERITY_RANK.get(alarm.severity, 0):
        alarm.severity = severity
        if alarm.emergency_at is None and _needs_emergency(kind, severity):
            _call_emergency(session, alarm, elder, cfg, now)
    session.flush()
    return alarm, False


def escalate(session: Session, alarm: Alarm, now: datetime) -> bool:
    """The current step's deadline passed unanswered: call the next person. False when none is left.

    The caller holds the alarm's row lock.
    """
    cfg = get_config(session)
    elder = session.get_one(Elder, alarm.elder_id)
    chain = chain_for(session, elder, cfg, alarm.kind)
    nxt = alarm.step + 1
    if nxt >= len(chain):
        alarm.next_escalation_at = None
        alarm.detail = {**(alarm.detail or {}), "exhausted_at": now.isoformat()}
        audit.append(session, kind="eldercare.alarm", subject_type="elder_alarm", subject_id=alarm.id,
                     actor_id=None, actor_name="system", data={"action": "chain_exhausted"}, now=now)
        return False
    _call(session, alarm, elder, nxt, chain[nxt], cfg, now)
    audit.append(session, kind="eldercare.alarm", subject_type="elder_alarm", subject_id=alarm.id,
                 actor_id=None, actor_name="system", data={"action": "escalate", "step": nxt, "role": chain[nxt].role},
                 now=now)
    return True


def escalate_due(session: Session, now: datetime, *, batch: int = 200) -> int:
    """Escalate every active alarm whose acknowledgement deadline has passed (SKIP LOCKED on PostgreSQL)."""
    stmt = (
        select(Alarm)
        .where(Alarm.status == "active", Alarm.next_escalation_at.is_not(None), Alarm.next_escalation_at <= now)
        .order_by(Alarm.next_escalation_at, Alarm.id)
        .limit(batch)
    )
    stmt = lock_for_update(stmt, session, skip_locked=True)
    done = 0
    for alarm in session.scalars(stmt.execution_options(populate_existing=True)).all():
        escalate(session, alarm, now)
        done += 1
    session.flush()
    return done


# ---------------------------------------------------------------- responders


def _locked_alarm(session: Session, alarm_id: int) -> Alarm:
    stmt = lock_for_update(select(Alarm).where(Alarm.id == alarm_id), session)
    alarm = session.scalars(stmt.execution_options(populate_existing=True)).one_or_none()
    if alarm is None:
        raise NotFound("eldercare_alarm_not_found")
    return alarm


def scoped_alarms(session: Session, user: User) -> Select[Alarm]:
    """Alarms of the elders the user may see, or alarms the user was called for."""
    called = select(AlarmCall.alarm_id).where(AlarmCall.user_id == user.id)
    visible = scoped_elders(session, user).with_only_columns(Elder.id)
    return select(Alarm).where(or_(Alarm.elder_id.in_(visible), Alarm.id.in_(called)))


def get_alarm(session: Session, user: User, alarm_id: int) -> Alarm:
    alarm = session.scalar(scoped_alarms(session, user).where(Alarm.id == alarm_id))
    if alarm is None:
        raise NotFound("eldercare_alarm_not_found")
    return alarm


def _may_respond(session: Session, user: User, alarm: Alarm) -> bool:
    if user.role in SUPERVISOR_ROLES or user.role in ("doctor", "grid_worker"):
        return session.scalar(scoped_alarms(session, user).where(Alarm.id == alarm.id).with_only_columns(Alarm.id)) \
            is not None
    called = session.scalar(select(AlarmCall.id).where(AlarmCall.alarm_id == alarm.id, AlarmCall.user_id == user.id))
    return called is not None


def _bad_transition(alarm: Alarm) -> Conflict:
    return Conflict("eldercare_bad_transition", status=translate(f"eldercare.state.{alarm.status}"))


def _ack(session: Session, alarm: Alarm, *, who: str, user_id: int | None, via: str, call: AlarmCall | None,
         now: datetime) -> None:
    if alarm.status != "active":
        raise _bad_transition(alarm)
    alarm.status = "acknowledged"
    alarm.acknowledged_at = now
    alarm.acknowledged_by = who[:100]
    alarm.ack_via = via
    alarm.next_escalation_at = None  # the chain stops here
    if call is None and user_id is not None:
        call = session.scalar(select(AlarmCall).where(AlarmCall.alarm_id == alarm.id, AlarmCall.user_id == user_id)
                              .order_by(AlarmCall.step.desc()))
    if call is not None and call.answered_at is None:
        call.answered_at = now
    # Links not used are dead now: nobody else can acknowledge twice.
    session.execute(update(AlarmCall).where(AlarmCall.alarm_id == alarm.id).values(token_hash=None))
    audit.append(session, kind="eldercare.alarm", subject_type="elder_alarm", subject_id=alarm.id, actor_id=user_id,
                 actor_name=who[:100], data={"action": "acknowledge", "via": via}, now=now)


def acknowledge(session: Session, *, actor: User, alarm_id: int, now: datetime) -> Alarm:
    """From the app. For an alarm that needs a visit, a staff acknowledgement files the visit case."""
    alarm = _locked_alarm(session, alarm_id)
    if not _may_respond(session, actor, alarm):
        raise Forbidden("eldercare_not_responder")
    _ack(session, alarm, who=cases.actor_name(actor), user_id=actor.id, via="app", call=None, now=now)
    if alarm.kind in VISIT_KINDS and actor.role != "resident" and alarm.case_id is None:
        _open_case(session, alarm, actor, now)
    session.flush()
    return alarm


def acknowledge_by_token(session: Session, *, token: str, now: datetime) -> Alarm:
    """From the link in the message, without login: the token is one-time and names the person called."""
    if not token or len(token) > 200:
        raise NotFound("eldercare_ack_link_invalid")
    digest = _hash_token(token)
    call = session.scalar(select(AlarmCall).where(AlarmCall.token_hash == digest))
    if call is None or not hmac.compare_digest(call.token_hash or "", digest):
        raise NotFound("eldercare_ack_link_invalid")
    alarm = _locked_alarm(session, call.alarm_id)
    if alarm.status != "active":
        raise NotFound("eldercare_ack_link_invalid")
    who = call.name or call.recipient
    _ack(session, alarm, who=who, user_id=call.user_id, via="link", call=call, now=now)
    if alarm.kind in VISIT_KINDS and alarm.case_id is None and call.user_id is not None:
        user = session.get(User, call.user_id)
        if user is not None and user.role != "resident":
            _open_case(session, alarm, user, now)
    session.flush()
    return alarm


def peek_token(session: Session, token: str) -> tuple[AlarmCall, Alarm] | None:
    """What a link points at (for the confirmation page), without using it."""
    if not token or len(token) > 200:
        return None
    call = session.scalar(select(AlarmCall).where(AlarmCall.token_hash == _hash_token(token)))
    if call is None:
        return None
    alarm = session.get(Alarm, call.alarm_id)
    if alarm is None or alarm.status != "active":
        return None
    return call, alarm


def on_scene(session: Session, *, actor: User, alarm_id: int, now: datetime) -> Alarm:
    alarm = _locked_alarm(session, alarm_id)
    if not _may_respond(session, actor, alarm):
        raise Forbidden("eldercare_not_responder")
    if alarm.status == "active":
        _ack(session, alarm, who=cases.actor_name(actor), user_id=actor.id, via="app", call=None, now=now)
    if alarm.status != "acknowledged":
        raise _bad_transition(alarm)
    alarm.status = "on_scene"
    alarm.on_scene_at = now
    audit.append(session, kind="eldercare.alarm", subject_type="elder_alarm", subject_id=alarm.id, actor_id=actor.id,
                 actor_name=cases.actor_name(actor), data={"action": "on_scene"}, now=now)
    session.flush()
    return alarm


def close(session: Session, *, actor: User, alarm_id: int, outcome: str, note: str, now: datetime) -> Alarm:
    """Resolve (or mark a false alarm). Frees the elder's slot for a new alarm of this kind."""
    if outcome not in ("resolved", "false_alarm"):
        raise Invalid("validation_error", detail="outcome")
    alarm = _locked_alarm(session, alarm_id)
    if not _may_respond(session, actor, alarm):
        raise Forbidden("eldercare_not_responder")
    if alarm.status not in OPEN_STATES:
        raise _bad_transition(alarm)
    if alarm.status == "active":
        _ack(session, alarm, who=cases.actor_name(actor), user_id=actor.id, via="app", call=None, now=now)
    alarm.status = outcome
    alarm.closed_at = now
    alarm.closed_by = cases.actor_name(actor)[:100]
    alarm.note = note[:2000]
    alarm.open_key = None
    alarm.next_escalation_at = None
    audit.append(session, kind="eldercare.alarm", subject_type="elder_alarm", subject_id=alarm.id, actor_id=actor.id,
                 actor_name=cases.actor_name(actor), data={"action": outcome, "note": note[:500]}, now=now)
    session.flush()
    return alarm


def request_visit(session: Session, *, actor: User, alarm_id: int, now: datetime) -> Alarm:
    """A responder decides someone must go: file the visit case (once)."""
    alarm = _locked_alarm(session, alarm_id)
    if not _may_respond(session, actor, alarm) or actor.role == "resident":
        raise Forbidden("eldercare_not_responder")
    if alarm.status not in OPEN_STATES:
        raise _bad_transition(alarm)
    if alarm.case_id is None:
        _open_case(session, alarm, actor, now)
    session.flush()
    return alarm


def _open_case(session: Session, alarm: Alarm, actor: User, now: datetime) -> None:
    elder = session.get_one(Elder, alarm.elder_id)
    grid = session.get_one(Area, elder.grid_id)
    kind = translate(f"eldercare.kind.{alarm.kind}")
    data = CaseIn(
        category=CASE_CATEGORY, source="eldercare", grid_code=grid.code, external_ref=f"elder_alarm:{alarm.id}",
        title=f"{kind}：{pii.mask_name(elder.name)}",
        description=f"{kind}，{_detail_text(alarm) or kind}。老人档案 #{elder.id}，请上门查看。",
        address=elder.address[:300],
    )
    case = cases.create_case(session, actor=actor, data=data, now=now)
    alarm.case_id = case.id


def calls_of(session: Session, alarm_ids: list[int]) -> dict[int, list[AlarmCall]]:
    out: dict[int, list[AlarmCall]] = {i: [] for i in alarm_ids}
    if not alarm_ids:
        return out
    for call in session.scalars(select(AlarmCall).where(AlarmCall.alarm_id.in_(alarm_ids))
                                .order_by(AlarmCall.alarm_id, AlarmCall.called_at, AlarmCall.id)):
        out[call.alarm_id].append(call)
    return out


def open_alarms(session: Session, user: User) -> list[Alarm]:
    stmt = scoped_alarms(session, user).where(Alarm.status.in_(OPEN_STATES)).order_by(Alarm.raised_at.desc())
    return list(session.scalars(stmt.limit(500)))


def alarms_of(session: Session, elder_id: int, limit: int = 50) -> list[Alarm]:
    stmt = select(Alarm).where(Alarm.elder_id == elder_id).order_by(Alarm.raised_at.desc()).limit(limit)
    return list(session.scalars(stmt))


# ---------------------------------------------------------------- coverage


@dataclass(frozen=True)
class CoverageRow:
    community_id: int
    community: str
    registered: int
    covered: int

    @property
    def rate(self) -> float:
        return self.covered / self.registered if self.registered else 0.0


def coverage(session: Session, user: User, now: datetime, *, fresh_hours: int = 24) -> list[CoverageRow]:
    """Per community: elders with a working wearable (reported within `fresh_hours`, not silent)
    and an assigned doctor / registered elders."""
    elders = list(session.scalars(scoped_elders(session, user)))
    if not elders:
        return []
    since = now - timedelta(hours=fresh_hours)
    working = set(session.scalars(
        select(Wearable.elder_id).where(Wearable.elder_id.in_([e.id for e in elders]),
                                        Wearable.last_seen_at.is_not(None), Wearable.last_seen_at >= since,
                                        Wearable.silent_since.is_(None))
    ))
    grids = {a.id: a for a in session.scalars(select(Area).where(Area.id.in_({e.grid_id for e in elders})))}
    parents = {a.id: a for a in session.scalars(
        select(Area).where(Area.id.in_({g.parent_id for g in grids.values() if g.parent_id})))}
    counts: dict[int, list[int]] = {}
    for e in elders:
        grid = grids[e.grid_id]
        cid = grid.parent_id or grid.id
        row = counts.setdefault(cid, [0, 0])
        row[0] += 1
        if e.id in working and e.doctor_id is not None:
            row[1] += 1
    return sorted(
        (CoverageRow(cid, (parents.get(cid) or grids.get(cid) or Area(name="?")).name, r[0], r[1])
         for cid, r in counts.items()),
        key=lambda r: r.community,
    )


@dataclass(frozen=True)
class ResponseStats:
    """Alarm response (DOMAIN.md: raised → acknowledged, raised → on scene; target ≤ 10 min)."""

    alarms: int
    acknowledged: int
    ack_median_s: float | None
    ack_p90_s: float | None
    on_scene: int
    scene_median_s: float | None
    scene_p90_s: float | None
    scene_within_10min: float | None  # share of on-scene arrivals within 10 minutes


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def response_stats(session: Session, user: User, now: datetime, *, days: int = 30) -> ResponseStats:
    """Over the alarms raised in the last `days` in the user's scope (low battery left out)."""
    since = now - timedelta(days=days)
    rows = session.scalars(scoped_alarms(session, user).where(
        Alarm.raised_at >= since, Alarm.kind.not_in(NON_MEDICAL_KINDS))).all()
    ack = [(a.acknowledged_at - a.raised_at).total_seconds() for a in rows if a.acknowledged_at]
    scene = [(a.on_scene_at - a.raised_at).total_seconds() for a in rows if a.on_scene_at]
    return ResponseStats(
        alarms=len(rows), acknowledged=len(ack), ack_median_s=_quantile(ack, 0.5), ack_p90_s=_quantile(ack, 0.9),
        on_scene=len(scene), scene_median_s=_quantile(scene, 0.5), scene_p90_s=_quantile(scene, 0.9),
        scene_within_10min=sum(1 for x in scene if x <= 600) / len(scene) if scene else None,
    )


def count_elders(session: Session) -> int:
    return session.scalar(select(func.count(Elder.id))) or 0
