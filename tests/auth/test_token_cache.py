"""A live API token's owner is kept per process (auth.credentials cache token): every request after
the first reads no user or token row, and any change to the user or the token is seen at once."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session
from tests.factories import api_token, auth_header, build_area_tree, make_user, sql_statements

from gongzhi.auth import service
from gongzhi.auth.models import ApiToken, User
from gongzhi.clock import FrozenClock
from gongzhi.config import Settings
from gongzhi.db import cache_tokens


def _owner(session: Session, token: str, clock: FrozenClock, settings: Settings) -> User | None:
    return service.user_for_token(session, token, clock.now(), settings=settings)


def test_a_known_token_is_answered_without_reading_users_or_tokens(
    session: Session, clock: FrozenClock, settings: Settings
) -> None:
    build_area_tree(session)
    user = make_user(session, "gw_g1", "grid_worker", "G1", phone="13800000001")
    token = api_token(session, user, settings=settings)
    assert _owner(session, token, clock, settings) is user  # read once, kept
    session.expunge_all()  # a later request's session: nothing in its identity map
    cache_tokens(session)  # (read once per transaction by any request)
    with sql_statements(session) as sql:
        owner = _owner(session, token, clock, settings)
    assert sql == []
    assert owner is not None and owner.id == user.id and owner.role == "grid_worker"
    # A normal persistent row: clean, its phone as stored, and a change is written as an UPDATE.
    state = inspect(owner)
    assert state.persistent and not session.dirty and owner.phone == "13800000001"
    owner.display_name = "王网格"
    session.flush()
    session.expire_all()
    stored = session.get(User, user.id)
    assert stored is not None and stored.display_name == "王网格" and stored.role == "grid_worker"


def test_unknown_tokens_are_not_remembered(session: Session, clock: FrozenClock, settings: Settings) -> None:
    build_area_tree(session)
    make_user(session, "gw_g1", "grid_worker", "G1")
    cache_tokens(session)
    for guess in ("a" * 43, "b" * 43):
        with sql_statements(session) as sql:
            assert _owner(session, guess, clock, settings) is None
        assert any("api_tokens" in s for s in sql)  # a guess always goes to the database
    with sql_statements(session) as sql:
        assert _owner(session, "a" * 43, clock, settings) is None
    assert any("api_tokens" in s for s in sql)


def test_revoking_deactivating_or_changing_the_user_is_seen_by_the_next_lookup(
    session: Session, clock: FrozenClock, settings: Settings
) -> None:
    build_area_tree(session)
    user = make_user(session, "gw_g1", "grid_worker", "G1")
    keep, drop = api_token(session, user, settings=settings), api_token(session, user, settings=settings)
    assert _owner(session, keep, clock, settings) is user and _owner(session, drop, clock, settings) is user

    assert service.revoke_token(session, drop, clock.now(), settings=settings)
    session.expunge_all()
    assert _owner(session, drop, clock, settings) is None
    again = _owner(session, keep, clock, settings)
    assert again is not None

    again.role = "official"  # a new role (or area, or unit) is what the next request works with
    session.flush()
    session.expunge_all()
    changed = _owner(session, keep, clock, settings)
    assert changed is not None and changed.role == "official"

    changed.is_active = False
    session.flush()
    session.expunge_all()
    assert _owner(session, keep, clock, settings) is None


def test_a_rolled_back_change_leaves_the_token_working(
    session: Session, clock: FrozenClock, settings: Settings
) -> None:
    build_area_tree(session)
    user = make_user(session, "gw_g1", "grid_worker", "G1")
    token = api_token(session, user, settings=settings)
    assert _owner(session, token, clock, settings) is user
    with session.begin_nested() as savepoint:
        record = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()
        record.revoked_at = clock.now()
        session.flush()
        assert _owner(session, token, clock, settings) is None
        savepoint.rollback()
    session.expunge_all()
    owner = _owner(session, token, clock, settings)
    assert owner is not None and owner.id == user.id and owner.is_active


def test_an_expired_token_is_refused_even_when_kept(session: Session, clock: FrozenClock, settings: Settings) -> None:
    build_area_tree(session)
    user = make_user(session, "gw_g1", "grid_worker", "G1")
    token = api_token(session, user, now=clock.now(), settings=settings)
    assert _owner(session, token, clock, settings) is user
    record = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    clock.advance(record.expires_at - clock.now())
    assert _owner(session, token, clock, settings) is None


def test_logout_through_the_api_ends_the_kept_token(
    client: TestClient, session: Session, clock: FrozenClock, settings: Settings
) -> None:
    build_area_tree(session)
    user = make_user(session, "gw_g1", "grid_worker", "G1")
    token = api_token(session, user, now=clock.now(), settings=settings)
    assert client.get("/api/v1/auth/me", headers=auth_header(token)).status_code == 200  # kept now
    assert client.get("/api/v1/auth/me", headers=auth_header(token)).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=auth_header(token)).status_code == 204
    refused = client.get("/api/v1/auth/me", headers=auth_header(token))
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "token_invalid"
