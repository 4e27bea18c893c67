"""Accounts, units, logins, API tokens and web sessions. Flush only; the caller owns the transaction.

Functions that need settings take `settings=None` and fall back to `get_settings()`; the web
layer passes `app.state.settings`.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gongzhi.auth import messages as _messages  # noqa: F401  (registers the message keys)
from gongzhi.auth import passwords
from gongzhi.auth.models import ROLES, SUPERVISOR_ROLES, ApiToken, LoginThrottle, Unit, User, WebSession
from gongzhi.auth.pii import PII_READER_ROLES, normalize_id_number, normalize_phone
from gongzhi.auth.scope import area_path, in_scope, subtree_condition
from gongzhi.config import Settings, get_settings
from gongzhi.db import SnapshotCache, attach_row, lock_for_update, row_values, watch
from gongzhi.errors import Conflict, Forbidden, Invalid, NotFound, TooManyRequests, Unauthorized
from gongzhi.geo import service as geo
from gongzhi.geo.models import Area
from gongzhi.i18n import LANGUAGES

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
UNIT_CODE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
UNIT_KIND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PASSWORD_MIN = 8
# Argon2 takes any length; the cap only stops megabyte "passwords" from costing CPU.
PASSWORD_MAX = 1024
# Roles whose work involves the people of their area: they may look up accounts in their subtree.
USER_LOOKUP_ROLES = PII_READER_ROLES


def _settings(settings: Settings | None) -> Settings:
    return settings if settings is not None else get_settings()


def _check_length(field: str, value: str, maximum: int) -> None:
    if len(value) > maximum:
        raise Invalid("field_too_long", field=field, max=maximum)


def _area_by_code(session: Session, code: str) -> Area:
    area = session.scalar(select(Area).where(Area.code == code))
    if area is None:
        raise NotFound("area_not_found", area=code)
    return area


def _unit_not_found(code: str) -> NotFound:
    # The shared message says "{code}", which AppError's own first argument takes as a keyword:
    # set it afterwards, plus `unit` in case the catalogue text moves to that name.
    error = NotFound("unit_not_found", unit=code)
    error.params["code"] = code
    return error


def get_unit_by_code(session: Session, code: str) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.code == code))


# --- cache tokens ------------------------------------------------------------------------------
# Per-process caches of who handles what (cases' routing, a grid's worker, a unit's staff) are
# checked against these tokens (gongzhi.db.watch). Users bump only on the fields those caches
# read; a login (last_login_at) or a password change does not.

UNITS_TOKEN = "auth.units"
USERS_TOKEN = "auth.users"
watch(UNITS_TOKEN, Unit)
watch(
    USERS_TOKEN,
    User,
    fields=frozenset(
        {"username", "role", "area_id", "unit_id", "is_active", "language", "email", "display_name"}
    ),
)


@dataclass(frozen=True)
class Person:
    """What notices and case views need of a person: no personal data beyond email/language."""

    id: int
    username: str
    display_name: str
    language: str
    email: str
    is_active: bool


def person(user: User) -> Person:
    return Person(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        language=user.language,
        email=user.email,
        is_active=user.is_active,
    )


@dataclass(frozen=True)
class UnitRef:
    """An immutable snapshot of a unit (safe to cache and share between threads)."""

    id: int
    code: str
    name: str
    name_en: str
    webhook_url: str


def unit_ref(unit: Unit) -> UnitRef:
    return UnitRef(id=unit.id, code=unit.code, name=unit.name, name_en=unit.name_en, webhook_url=unit.webhook_url)


# --- units -------------------------------------------------------------------------------------


def create_unit(
    session: Session,
    *,
    code: str,
    name: str,
    kind: str,
    area_code: str,
    now: datetime,
    name_en: str = "",
    webhook_url: str = "",
) -> Unit:
    code, name, kind, name_en, webhook_url = (
        code.strip(),
        name.strip(),
        kind.strip(),
        name_en.strip(),
        webhook_url.strip(),
    )
    if not UNIT_CODE_RE.match(code):
        raise Invalid("unit_code_invalid")
    if not name:
        raise Invalid("unit_name_required")
    _check_length("name", name, 100)
    _check_length("name_en", name_en, 100)
    if not UNIT_KIND_RE.match(kind):
        raise Invalid("unit_kind_invalid")
    if webhook_url and not webhook_url.startswith(("http://", "https://")):
        raise Invalid("webhook_url_invalid")
    _check_length("webhook_url", webhook_url, 400)
    area = _area_by_code(session, area_code)
    if get_unit_by_code(session, code) is not None:
        raise Conflict("unit_code_taken", unit=code)
    unit = Unit(
        code=code,
        name=name,
        name_en=name_en,
        kind=kind,
        area_id=area.id,
        webhook_url=webhook_url,
        is_active=True,
        created_at=now,
    )
    _add_unique(session, unit, Conflict("unit_code_taken", unit=code))
    return unit


def _add_unique(session: Session, obj: Unit | User, conflict: Conflict) -> None:
    """Insert inside a savepoint so a parallel insert of the same key becomes a 409, not a 500."""
    try:
        with session.begin_nested():
            session.add(obj)
    except IntegrityError:
        raise conflict from None


# --- users -------------------------------------------------------------------------------------


def _check_password(password: str) -> None:
    if len(password) < PASSWORD_MIN:
        raise Invalid("password_too_short", min=PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        raise Invalid("password_too_long", max=PASSWORD_MAX)


def create_user(
    session: Session,
    *,
    username: str,
    role: str,
    password: str = "",
    now: datetime,
    area_code: str | None = None,
    unit_code: str | None = None,
    display_name: str = "",
    phone: str = "",
    id_number: str = "",
    email: str = "",
    language: str = "zh",
    password_hash: str | None = None,
) -> User:
    """Validate and add an account. Every role but `resident` needs an area; `dept_staff` a unit.

    Give `password`, or `password_hash` (an Argon2 hash made once for many accounts, e.g. bulk
    imports and the demo, where hashing each at ~0.5 s would take minutes).
    """
    username = username.strip()
    display_name, email = display_name.strip(), email.strip()
    if role not in ROLES:
        raise Invalid("user_role_invalid", role=role)
    if not USERNAME_RE.match(username):
        raise Invalid("username_invalid")
    if password_hash is None:
        _check_password(password)
    elif password or not password_hash.startswith("$argon2"):
        raise Invalid("password_hash_invalid")
    _check_length("display_name", display_name, 100)
    _check_length("email", email, 200)
    if email and not EMAIL_RE.match(email):
        raise Invalid("email_invalid")
    if language not in LANGUAGES:
        raise Invalid("language_invalid", language=language)
    stored_phone = ""
    if phone.strip():
        normalized = normalize_phone(phone)
        if normalized is None:
            raise Invalid("phone_invalid")
        stored_phone = normalized
    stored_id = ""
    if id_number.strip():
        normalized = normalize_id_number(id_number)
        if normalized is None:
            raise Invalid("id_number_invalid")
        stored_id = normalized

    area = _area_by_code(session, area_code) if area_code else None
    if area is None and role != "resident":
        raise Invalid("area_required")
    unit = None
    if unit_code:
        unit = get_unit_by_code(session, unit_code)
        if unit is None:
            raise _unit_not_found(unit_code)
    if unit is None and role == "dept_staff":
        raise Invalid("unit_required")
    # Case-insensitive: logins and the lock-out key are case-insensitive too.
    if get_user_by_username(session, username) is not None:
        raise Conflict("username_taken", username=username)

    user = User(
        username=username,
        display_name=display_name,
        password_hash=password_hash or passwords.hash_password(password),
        role=role,
        area_id=area.id if area else None,
        unit_id=unit.id if unit else None,
        phone=stored_phone,
        id_number=stored_id,
        email=email,
        language=language,
        is_active=True,
        created_at=now,
    )
    _add_unique(session, user, Conflict("username_taken", username=username))
    return user


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def get_user_by_username(session: Session, username: str) -> User | None:
    """Case-insensitive lookup."""
    key = username.strip().lower()
    return session.scalars(
        select(User).where(func.lower(User.username) == key).order_by(User.id).limit(1)
    ).first()


def list_users(
    session: Session, viewer: User, *, role: str | None = None, limit: int = 200, offset: int = 0
) -> list[User]:
    """Accounts in the viewer's area subtree; admins and officials only. Accounts without an area
    (residents registered without a grid) are outside every subtree and not listed."""
    if viewer.role not in SUPERVISOR_ROLES:
        raise Forbidden("forbidden")
    stmt = (
        select(User)
        .join(Area, User.area_id == Area.id)
        .where(subtree_condition(area_path(session, viewer)))
        .order_by(User.id)
        .limit(limit)
        .offset(offset)
    )
    if role is not None:
        stmt = stmt.where(User.role == role)
    return list(session.scalars(stmt))


def visible_user(session: Session, viewer: User, user_id: int) -> User:
    """The account if the viewer may see it: themself, or (staff roles) an account in their subtree.
    Anything else is a 404, so ids outside the scope do not reveal whether they exist."""
    if user_id == viewer.id:
        return viewer
    user = session.get(User, user_id)
    if user is None or viewer.role not in USER_LOOKUP_ROLES or user.area_id is None:
        raise NotFound("user_not_found")
    target_path = session.scalar(select(Area.path).where(Area.id == user.area_id))
    if not in_scope(area_path(session, viewer), target_path):
        raise NotFound("user_not_found")
    return user


def ensure_area_in_scope(session: Session, actor: User, area_code: str | None) -> None:
    """Accounts an admin creates must live in the admin's subtree (so an area is required)."""
    if not area_code:
        raise Invalid("area_required")
    target = _area_by_code(session, area_code)
    if not in_scope(area_path(session, actor), target.path):
        raise Forbidden("area_out_of_scope")


def users_with_role_in_area(session: Session, *, role: str | tuple[str, ...], area_id: int) -> list[User]:
    """Active users with one of the roles whose area is exactly `area_id` (not its subtree)."""
    roles = (role,) if isinstance(role, str) else role
    stmt = (
        select(User)
        .where(User.area_id == area_id, User.role.in_(roles), User.is_active.is_(True))
        .order_by(User.id)
    )
    return list(session.scalars(stmt))


def supervisors_above(session: Session, grid: Area, *, start_level: int) -> list[User]:
    """Admins/officials `start_level` areas above `grid` (1 = its community, 2 = the street, …),
    climbing until someone is found; past the top, the top's. Escalations of cases and disputes."""
    chain = geo.ancestors(session, grid)
    for area in chain[min(start_level, len(chain) - 1) :]:
        people = users_with_role_in_area(session, role=SUPERVISOR_ROLES, area_id=area.id)
        if people:
            return people
    return []


def users_with_unit(
    session: Session, *, unit_id: int, role: str | tuple[str, ...] | None = None
) -> list[User]:
    """Active users of a unit, optionally only those with one of `role`."""
    stmt = select(User).where(User.unit_id == unit_id, User.is_active.is_(True)).order_by(User.id)
    if role is not None:
        stmt = stmt.where(User.role.in_((role,) if isinstance(role, str) else role))
    return list(session.scalars(stmt))


def area_code_map(session: Session, area_ids: set[int]) -> dict[int, str]:
    if not area_ids:
        return {}
    rows = session.execute(select(Area.id, Area.code).where(Area.id.in_(area_ids)))
    return {area_id: code for area_id, code in rows}


# --- login -------------------------------------------------------------------------------------


def throttle_key(username: str) -> str:
    return username.strip().lower()[:100]


def _throttle_row(session: Session, key: str) -> LoginThrottle | None:
    # Locked on PostgreSQL so parallel failures count one by one.
    stmt = lock_for_update(select(LoginThrottle).where(LoginThrottle.key == key), session)
    return session.scalars(stmt).first()


def _minutes_left(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


def _record_failure(
    session: Session, key: str, row: LoginThrottle | None, now: datetime, s: Settings
) -> None:
    """Count one failure; lock the key when the count in the window reaches the limit.
    Raises TooManyRequests when this failure set the lock."""
    window = timedelta(minutes=s.login_window_minutes)
    if row is None:
        try:
            with session.begin_nested():
                row = LoginThrottle(key=key, failures=1, window_started_at=now, locked_until=None)
                session.add(row)
        except IntegrityError:
            # A parallel failed login created the row first; count on it.
            row = _throttle_row(session, key)
            if row is None:  # pragma: no cover - deleted in between by a success
                return
            row.failures += 1
    elif row.locked_until is not None or row.window_started_at + window <= now:
        # The lock has expired or the window has passed: start counting afresh.
        row.failures, row.window_started_at, row.locked_until = 1, now, None
    else:
        row.failures += 1
    if row.failures >= s.login_max_failures:
        row.locked_until = now + timedelta(minutes=s.login_lock_minutes)
        session.flush()
        raise TooManyRequests("login_locked", minutes=s.login_lock_minutes)
    session.flush()


def authenticate(
    session: Session, username: str, password: str, now: datetime, *, settings: Settings | None = None
) -> User:
    """Check a login and return the user.

    A failed attempt is recorded in `login_throttle` (flushed) BEFORE the error is raised, and
    the caller must still commit it: the API route catches the AppError and returns the error
    response itself so that the request transaction commits. A caller that lets the error
    propagate through a rolling-back transaction silently disables the lock-out.

    Errors: Unauthorized("login_failed") for an unknown user, a wrong password or an inactive
    account alike; TooManyRequests("login_locked", minutes=N) while the name is locked (even
    with the right password) and on the failure that sets the lock.
    """
    s = _settings(settings)
    key = throttle_key(username)
    row = _throttle_row(session, key)
    if row is not None and row.locked_until is not None and row.locked_until > now:
        raise TooManyRequests("login_locked", minutes=_minutes_left(row.locked_until, now))

    user = get_user_by_username(session, username) if key else None
    if user is None:
        passwords.burn_verify(password)
        ok = False
    else:
        ok = passwords.verify_password(user.password_hash, password) and user.is_active

    if not ok or user is None:
        _record_failure(session, key, row, now, s)
        raise Unauthorized("login_failed")

    if row is not None:
        session.delete(row)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = now
    session.flush()
    return user


# --- API tokens --------------------------------------------------------------------------------


def hash_token(token: str, *, settings: Settings | None = None) -> str:
    """HMAC-SHA256 keyed with the secret key: the database alone can neither reveal nor mint tokens."""
    key = _settings(settings).secret_key.encode()
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: str
    record: ApiToken


def issue_token_record(
    session: Session, user: User, now: datetime, name: str = "", *, settings: Settings | None = None
) -> IssuedToken:
    s = _settings(settings)
    token = secrets.token_urlsafe(32)
    record = ApiToken(
        user_id=user.id,
        token_hash=hash_token(token, settings=s),
        name=name.strip()[:100],
        created_at=now,
        expires_at=now + timedelta(days=s.token_days),
    )
    session.add(record)
    session.flush()
    return IssuedToken(token, record)


def issue_token(
    session: Session, user: User, now: datetime, name: str = "", *, settings: Settings | None = None
) -> str:
    """A new bearer token (shown once); only its keyed hash is stored. Expires after `token_days`."""
    return issue_token_record(session, user, now, name, settings=settings).token


def user_for_token(
    session: Session, token: str, now: datetime, *, settings: Settings | None = None
) -> User | None:
    """The active owner of a live token, else None. Read-only: runs inside GET transactions."""
    if not token:
        return None
    digest = hash_token(token, settings=settings)
    # Every API request asks this: a live token's owner is kept per process under the credentials
    # cache token, which any change to a user or a token (revoke, deactivate, role) moves.
    owner = _TOKEN_OWNERS.get(session, digest, lambda: _token_owner(session, digest, now))
    if owner is None or owner.expires_at <= now:
        return None
    return attach_row(session, User, owner.user)


@dataclass(frozen=True)
class _TokenOwner:
    expires_at: datetime
    user: Mapping[str, Any]  # the User row's column values


def _token_owner(session: Session, digest: str, now: datetime) -> _TokenOwner | None:
    found = session.connection().execute(_LIVE_TOKEN, {"token_hash": digest, "now": now}).first()
    if found is None:
        return None
    user = row_values(session, User, User.id == found.user_id)
    return _TokenOwner(found.expires_at, user) if user is not None else None


CREDENTIALS_TOKEN = "auth.credentials"
watch(CREDENTIALS_TOKEN, User, ApiToken)
_TOKEN_OWNERS: SnapshotCache[str, _TokenOwner | None] = SnapshotCache(CREDENTIALS_TOKEN, keep_none=False)


# Every API request runs these: built once, so a request pays for no statement construction or
# cache-key generation (the compiled form is cached per dialect by SQLAlchemy).
def _live_credential(model: type[ApiToken] | type[WebSession], *columns: Any) -> Select[Any]:
    """`columns` of a live (not revoked, not expired) token row of `model` and its active user, by hash."""
    return (
        select(*columns)
        .select_from(User)
        .join(model, model.user_id == User.id)
        .where(
            model.token_hash == bindparam("token_hash"),
            model.revoked_at.is_(None),
            model.expires_at > bindparam("now", type_=model.expires_at.type),
            User.is_active.is_(True),
        )
    )


_SESSION_USER = _live_credential(WebSession, User, WebSession)
_LIVE_TOKEN = _live_credential(ApiToken, ApiToken.user_id, ApiToken.expires_at)


def revoke_token(session: Session, token: str, now: datetime, *, settings: Settings | None = None) -> bool:
    """Revoke a token; False when it was unknown or already revoked."""
    record = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == hash_token(token, settings=settings))
    )
    if record is None or record.revoked_at is not None:
        return False
    record.revoked_at = now
    session.flush()
    return True


# --- web sessions ------------------------------------------------------------------------------


def start_web_session(
    session: Session, user: User, now: datetime, *, settings: Settings | None = None
) -> tuple[str, str]:
    """A browser session: returns (cookie token, CSRF token). Lasts `session_hours`."""
    s = _settings(settings)
    cookie_token = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            user_id=user.id,
            token_hash=hash_token(cookie_token, settings=s),
            csrf_token=csrf_token,
            created_at=now,
            expires_at=now + timedelta(hours=s.session_hours),
        )
    )
    session.flush()
    return cookie_token, csrf_token


def session_user(
    session: Session, cookie_token: str, now: datetime, *, settings: Settings | None = None
) -> tuple[User, WebSession] | None:
    """The active user and live session behind a cookie, else None. Read-only."""
    if not cookie_token:
        return None
    params = {"token_hash": hash_token(cookie_token, settings=settings), "now": now}
    row = session.execute(_SESSION_USER, params).first()
    if row is None:
        return None
    return row[0], row[1]


def end_web_session(
    session: Session, cookie_token: str, now: datetime, *, settings: Settings | None = None
) -> bool:
    record = session.scalar(
        select(WebSession).where(WebSession.token_hash == hash_token(cookie_token, settings=settings))
    )
    if record is None or record.revoked_at is not None:
        return False
    record.revoked_at = now
    session.flush()
    return True
