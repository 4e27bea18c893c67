"""Account rules, logins, tokens and sessions at the service level (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.factories import DEFAULT_PASSWORD, build_area_tree, id_number, make_unit, make_user
from tests.factories import T0 as TZERO

from gongzhi.auth import passwords, service
from gongzhi.auth.models import ROLES, ApiToken, LoginThrottle, User
from gongzhi.auth.scope import area_path, subtree_area_ids
from gongzhi.clock import FrozenClock
from gongzhi.config import Settings
from gongzhi.errors import AppError, Conflict, Forbidden, Invalid, NotFound, TooManyRequests, Unauthorized
from gongzhi.geo.models import Area


@pytest.fixture
def areas(session: Session, clock: FrozenClock) -> dict[str, Area]:
    return build_area_tree(session, clock.now())


def _user_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


# --- area tree factory ---------------------------------------------------------------------------


def test_area_tree_paths_and_scope_helpers(session: Session, areas: dict[str, Area]) -> None:
    d1, s1, c1, g1, g3 = (areas[c] for c in ("D1", "S1", "C1", "G1", "G3"))
    assert g1.path == f"/{d1.id}/{s1.id}/{c1.id}/{g1.id}/"
    assert g1.parent_id == c1.id and g1.level == "grid" and g1.geometry is not None
    in_c1 = set(session.scalars(subtree_area_ids(c1.path)))
    assert in_c1 == {c1.id, g1.id, areas["G2"].id}
    assert g3.id not in in_c1
    assert set(session.scalars(subtree_area_ids(None))) == set()


# --- create_user --------------------------------------------------------------------------------


def test_create_user_stores_normalized_fields(
    session: Session, areas: dict[str, Area], clock: FrozenClock
) -> None:
    ident = id_number(seq="001")
    user = service.create_user(
        session,
        username="Wang.Wei",
        role="grid_worker",
        password="s3cret-pass",
        now=clock.now(),
        area_code="G1",
        display_name=" 王伟 ",
        phone="+86 138 1234 5678",
        id_number=ident.lower(),
        email="ww@example.cn",
        language="en",
    )
    assert user.id is not None
    assert user.area_id == areas["G1"].id
    assert user.display_name == "王伟"
    assert user.phone == "13812345678"
    assert user.id_number == ident.upper()
    assert user.created_at == clock.now() and user.is_active and user.last_login_at is None
    assert "s3cret-pass" not in user.password_hash
    assert passwords.verify_password(user.password_hash, "s3cret-pass")


def test_resident_needs_no_area(session: Session, clock: FrozenClock) -> None:
    user = service.create_user(
        session, username="res1", role="resident", password="password1", now=clock.now()
    )
    assert user.area_id is None


@pytest.mark.parametrize(
    ("kwargs", "error", "code"),
    [
        ({"role": "king"}, Invalid, "user_role_invalid"),
        ({"username": "ab"}, Invalid, "username_invalid"),
        ({"username": "a" * 65}, Invalid, "username_invalid"),
        ({"username": "has space"}, Invalid, "username_invalid"),
        ({"username": "王伟"}, Invalid, "username_invalid"),
        ({"password": "short7!"}, Invalid, "password_too_short"),
        ({"password": "x" * 1025}, Invalid, "password_too_long"),
        ({"area_code": "NOPE"}, NotFound, "area_not_found"),
        ({"unit_code": "NOPE"}, NotFound, "unit_not_found"),
        ({"area_code": None}, Invalid, "area_required"),
        ({"role": "dept_staff"}, Invalid, "unit_required"),
        ({"phone": "12345"}, Invalid, "phone_invalid"),
        ({"phone": "23812345678"}, Invalid, "phone_invalid"),
        ({"id_number": "330106198001011230"}, Invalid, "id_number_invalid"),
        ({"id_number": "33010619800101"}, Invalid, "id_number_invalid"),
        ({"email": "not-an-email"}, Invalid, "email_invalid"),
        ({"language": "fr"}, Invalid, "language_invalid"),
        ({"display_name": "名" * 101}, Invalid, "field_too_long"),
    ],
)
def test_create_user_rejects(
    session: Session,
    areas: dict[str, Area],
    clock: FrozenClock,
    kwargs: dict[str, object],
    error: type[AppError],
    code: str,
) -> None:
    fields: dict[str, object] = {
        "username": "valid_name",
        "role": "grid_worker",
        "password": "password1",
        "area_code": "G1",
    }
    fields.update(kwargs)
    before = _user_count(session)
    with pytest.raises(error) as exc:
        service.create_user(session, now=clock.now(), **fields)  # type: ignore[arg-type]
    assert exc.value.code == code
    assert _user_count(session) == before


@pytest.mark.parametrize("role", [r for r in ROLES if r != "resident"])
def test_every_role_but_resident_needs_an_area(session: Session, clock: FrozenClock, role: str) -> None:
    with pytest.raises(Invalid) as exc:
        service.create_user(session, username="u_" + role, role=role, password="password1", now=clock.now())
    assert exc.value.code == "area_required"


def test_id_number_check_digit_is_verified(
    session: Session, areas: dict[str, Area], clock: FrozenClock
) -> None:
    good = id_number(seq="002")
    bad = good[:17] + ("1" if good[17] != "1" else "2")
    with pytest.raises(Invalid, match="id_number_invalid"):
        make_user(session, "bad_id", "resident", id_number=bad)
    assert make_user(session, "good_id", "resident", id_number=good).id_number == good


def test_dept_staff_with_unit(session: Session, areas: dict[str, Area], clock: FrozenClock) -> None:
    unit = make_unit(session, "CG01", "urban_mgmt", "S1", name="城管中队")
    user = make_user(session, "cg_staff", "dept_staff", "S1", "CG01")
    assert user.unit_id == unit.id


def test_username_unique_case_insensitively(session: Session, areas: dict[str, Area]) -> None:
    make_user(session, "Alice", "resident")
    with pytest.raises(Conflict) as exc:
        make_user(session, "alice", "resident")
    assert exc.value.code == "username_taken"
    assert service.get_user_by_username(session, "ALICE") is not None


def test_create_unit_rules(session: Session, areas: dict[str, Area], clock: FrozenClock) -> None:
    unit = make_unit(session, "PCS1", "police", "S1", webhook_url="https://hooks.example/pcs1")
    assert unit.area_id == areas["S1"].id and unit.kind == "police" and unit.is_active
    assert service.get_unit_by_code(session, "PCS1") is unit
    with pytest.raises(Conflict, match="unit_code_taken"):
        make_unit(session, "PCS1", "police", "S1")
    with pytest.raises(NotFound, match="area_not_found"):
        make_unit(session, "PCS2", "police", "XX")
    with pytest.raises(Invalid, match="unit_kind_invalid"):
        make_unit(session, "PCS3", "Police Station", "S1")
    with pytest.raises(Invalid, match="webhook_url_invalid"):
        make_unit(session, "PCS4", "police", "S1", webhook_url="ftp://x")
    with pytest.raises(Invalid, match="unit_code_invalid"):
        make_unit(session, "bad code", "police", "S1")


# --- lookups and scope ---------------------------------------------------------------------------


def test_list_users_is_scoped_to_the_viewer_subtree(session: Session, areas: dict[str, Area]) -> None:
    official_c1 = make_user(session, "off_c1", "official", "C1")
    gw1 = make_user(session, "gw_g1", "grid_worker", "G1")
    gw2 = make_user(session, "gw_g2", "grid_worker", "G2")
    gw3 = make_user(session, "gw_g3", "grid_worker", "G3")
    admin_s1 = make_user(session, "admin_s1", "admin", "S1")
    make_user(session, "res_nowhere", "resident")

    seen = {u.username for u in service.list_users(session, official_c1)}
    assert seen == {"off_c1", "gw_g1", "gw_g2"}
    assert {u.id for u in service.list_users(session, admin_s1)} >= {gw1.id, gw2.id, gw3.id, official_c1.id}
    assert "res_nowhere" not in {u.username for u in service.list_users(session, admin_s1)}
    assert [u.username for u in service.list_users(session, admin_s1, role="grid_worker", limit=2)] == [
        "gw_g1",
        "gw_g2",
    ]
    with pytest.raises(Forbidden):
        service.list_users(session, gw1)
    assert area_path(session, gw1) == areas["G1"].path


def test_visible_user(session: Session, areas: dict[str, Area]) -> None:
    gw1 = make_user(session, "gw_g1", "grid_worker", "G1")
    res_g1 = make_user(session, "res_g1", "resident", "G1")
    res_g3 = make_user(session, "res_g3", "resident", "G3")
    volunteer = make_user(session, "vol_g1", "volunteer", "G1")
    assert service.visible_user(session, gw1, res_g1.id) is res_g1
    for viewer, target in ((gw1, res_g3), (res_g1, gw1), (volunteer, res_g1)):
        with pytest.raises(NotFound, match="user_not_found"):
            service.visible_user(session, viewer, target.id)
    assert service.visible_user(session, res_g3, res_g3.id) is res_g3
    with pytest.raises(NotFound):
        service.visible_user(session, gw1, 999_999)


def test_users_with_role_in_area_exact_area_and_active_only(session: Session, areas: dict[str, Area]) -> None:
    gw = make_user(session, "gw_g1", "grid_worker", "G1")
    make_user(session, "gw_g2", "grid_worker", "G2")
    off = make_user(session, "off_g1", "official", "G1")
    admin_c1 = make_user(session, "admin_c1", "admin", "C1")
    gone = make_user(session, "gw_gone", "grid_worker", "G1")
    gone.is_active = False
    session.flush()
    assert service.users_with_role_in_area(session, role="grid_worker", area_id=areas["G1"].id) == [gw]
    assert service.users_with_role_in_area(session, role=("admin", "official"), area_id=areas["G1"].id) == [
        off
    ]
    assert service.users_with_role_in_area(session, role=("admin", "official"), area_id=areas["C1"].id) == [
        admin_c1
    ]


# --- login ---------------------------------------------------------------------------------------


def test_authenticate_success_sets_last_login(
    session: Session, areas: dict[str, Area], clock: FrozenClock
) -> None:
    user = make_user(session, "gw_g1", "grid_worker", "G1")
    assert service.authenticate(session, "GW_G1", DEFAULT_PASSWORD, clock.now()) is user
    assert user.last_login_at == clock.now()


def test_authenticate_rehashes_old_parameters(
    session: Session, areas: dict[str, Area], clock: FrozenClock
) -> None:
    user = make_user(session, "gw_g1", "grid_worker", "G1")
    user.password_hash = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1).hash(DEFAULT_PASSWORD)
    old = user.password_hash
    service.authenticate(session, "gw_g1", DEFAULT_PASSWORD, clock.now())
    assert user.password_hash != old and not passwords.needs_rehash(user.password_hash)
    assert passwords.verify_password(user.password_hash, DEFAULT_PASSWORD)


def test_failures_are_recorded_and_lock(
    session: Session, areas: dict[str, Area], clock: FrozenClock, settings: Settings
) -> None:
    make_user(session, "gw_g1", "grid_worker", "G1")
    for _ in range(settings.login_max_failures - 1):
        with pytest.raises(Unauthorized, match="login_failed"):
            service.authenticate(session, "gw_g1", "wrong-password", clock.now(), settings=settings)
    row = session.get(LoginThrottle, "gw_g1")
    assert row is not None and row.failures == settings.login_max_failures - 1 and row.locked_until is None
    with pytest.raises(TooManyRequests) as exc:
        service.authenticate(session, "GW_G1", "wrong-password", clock.now(), settings=settings)
    assert exc.value.params == {"minutes": settings.login_lock_minutes}
    with pytest.raises(TooManyRequests):
        service.authenticate(session, "gw_g1", DEFAULT_PASSWORD, clock.now(), settings=settings)
    clock.advance(timedelta(minutes=settings.login_lock_minutes))
    assert (
        service.authenticate(session, "gw_g1", DEFAULT_PASSWORD, clock.now(), settings=settings).username
        == "gw_g1"
    )
    assert session.get(LoginThrottle, "gw_g1") is None


def test_failures_outside_the_window_do_not_add_up(
    session: Session, areas: dict[str, Area], clock: FrozenClock, settings: Settings
) -> None:
    make_user(session, "gw_g1", "grid_worker", "G1")
    for _ in range(settings.login_max_failures - 1):
        with pytest.raises(Unauthorized):
            service.authenticate(session, "gw_g1", "wrong-password", clock.now(), settings=settings)
    clock.advance(timedelta(minutes=settings.login_window_minutes))
    with pytest.raises(Unauthorized):
        service.authenticate(session, "gw_g1", "wrong-password", clock.now(), settings=settings)
    row = session.get(LoginThrottle, "gw_g1")
    assert row is not None and row.failures == 1


def test_inactive_user_cannot_log_in(session: Session, areas: dict[str, Area], clock: FrozenClock) -> None:
    user = make_user(session, "gw_g1", "grid_worker", "G1")
    user.is_active = False
    with pytest.raises(Unauthorized, match="login_failed"):
        service.authenticate(session, "gw_g1", DEFAULT_PASSWORD, clock.now())


# --- tokens and sessions ---------------------------------------------------------------------------


def test_token_lifecycle(
    session: Session, areas: dict[str, Area], clock: FrozenClock, settings: Settings
) -> None:
    user = make_user(session, "gw_g1", "grid_worker", "G1")
    token = service.issue_token(session, user, clock.now(), name="phone app", settings=settings)
    record = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    assert token not in record.token_hash and len(record.token_hash) == 64
    assert record.expires_at == clock.now() + timedelta(days=settings.token_days)
    assert service.user_for_token(session, token, clock.now(), settings=settings) is user
    assert service.user_for_token(session, token + "x", clock.now(), settings=settings) is None
    assert service.user_for_token(session, "", clock.now(), settings=settings) is None
    # Lookups write nothing (they run in read-only GET transactions).
    assert not session.dirty and not session.new

    later = clock.advance(timedelta(days=settings.token_days) - timedelta(seconds=1))
    assert service.user_for_token(session, token, later, settings=settings) is user
    expired = clock.advance(timedelta(seconds=1))
    assert service.user_for_token(session, token, expired, settings=settings) is None


def test_revoked_token_and_inactive_user(
    session: Session, areas: dict[str, Area], clock: FrozenClock
) -> None:
    user = make_user(session, "gw_g1", "grid_worker", "G1")
    t1 = service.issue_token(session, user, clock.now())
    t2 = service.issue_token(session, user, clock.now())
    assert service.revoke_token(session, t1, clock.now())
    assert not service.revoke_token(session, t1, clock.now())
    assert service.user_for_token(session, t1, clock.now()) is None
    assert service.user_for_token(session, t2, clock.now()) is user
    user.is_active = False
    session.flush()
    assert service.user_for_token(session, t2, clock.now()) is None


def test_token_hash_is_keyed_with_the_secret(
    session: Session, areas: dict[str, Area], clock: FrozenClock
) -> None:
    user = make_user(session, "gw_g1", "grid_worker", "G1")
    token = service.issue_token(session, user, clock.now())
    other = Settings(secret_key="another-secret")
    assert service.user_for_token(session, token, clock.now(), settings=other) is None


def test_web_session_lifecycle(
    session: Session, areas: dict[str, Area], clock: FrozenClock, settings: Settings
) -> None:
    user = make_user(session, "gw_g1", "grid_worker", "G1")
    cookie, csrf = service.start_web_session(session, user, clock.now(), settings=settings)
    assert cookie != csrf and len(csrf) >= 32
    found = service.session_user(session, cookie, clock.now(), settings=settings)
    assert found is not None
    assert found[0] is user and found[1].csrf_token == csrf
    expired = clock.now() + timedelta(hours=settings.session_hours)
    assert service.session_user(session, cookie, expired, settings=settings) is None
    assert service.end_web_session(session, cookie, clock.now(), settings=settings)
    assert service.session_user(session, cookie, clock.now(), settings=settings) is None


def test_users_with_unit(session: Session, areas: dict[str, Area]) -> None:
    make_unit(session, "CG01", "urban_mgmt", "S1")
    make_unit(session, "PCS1", "police", "S1")
    staff = make_user(session, "cg_staff", "dept_staff", "S1", "CG01")
    mediator = make_user(session, "cg_mediator", "mediator", "S1", "CG01")
    make_user(session, "pcs_staff", "dept_staff", "S1", "PCS1")
    make_user(session, "cg_gone", "dept_staff", "S1", "CG01").is_active = False
    session.flush()
    unit_id = staff.unit_id
    assert unit_id is not None
    assert service.users_with_unit(session, unit_id=unit_id, role="dept_staff") == [staff]
    assert service.users_with_unit(session, unit_id=unit_id) == [staff, mediator]


def test_create_user_with_a_precomputed_hash(session: Session) -> None:
    from gongzhi.auth import passwords
    from gongzhi.errors import Invalid

    build_area_tree(session)
    shared = passwords.hash_password("demo-password-1")
    a = service.create_user(session, username="bulk1", role="resident", password_hash=shared, now=TZERO)
    b = service.create_user(session, username="bulk2", role="resident", password_hash=shared, now=TZERO)
    assert a.password_hash == b.password_hash == shared
    assert service.authenticate(session, "bulk2", "demo-password-1", TZERO).id == b.id
    for bad in ({"password_hash": "plain"}, {"password_hash": shared, "password": "also-a-password"}):
        with pytest.raises(Invalid) as err:
            service.create_user(session, username="bulk3", role="resident", now=TZERO, **bad)  # type: ignore[arg-type]
        assert err.value.code == "password_hash_invalid"
