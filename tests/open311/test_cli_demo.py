"""`gongzhi open311 key …` against a temporary SQLite file, and the demo seeding."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.factories import build_area_tree
from typer.testing import CliRunner

from gongzhi.audit.models import AuditEntry
from gongzhi.auth import service as accounts
from gongzhi.clock import FrozenClock
from gongzhi.config import get_settings
from gongzhi.db import Database, make_engine, upgrade_schema
from gongzhi.open311.commands import app
from gongzhi.open311.models import Open311Client, Open311Request
from gongzhi.simulate.district import build_district
from gongzhi.simulate.open311_demo import DEMO_KEY, demo_key_line, seed_open311

runner = CliRunner()


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade_schema(url)
    monkeypatch.setenv("GONGZHI_DATABASE_URL", url)
    get_settings.cache_clear()
    db = Database(make_engine(url))
    with db.session() as s:
        build_area_tree(s)
    yield db
    db.engine.dispose()
    get_settings.cache_clear()


def test_key_add_list_revoke(cli_db: Database) -> None:
    r = runner.invoke(app, ["key", "list"])
    assert r.exit_code == 0 and "还没有客户端应用" in r.output

    r = runner.invoke(app, ["key", "add", "--name", "城市通", "--limit", "100"])
    assert r.exit_code == 0, r.output
    key = r.output.strip().splitlines()[-1]
    assert key.startswith("o311_") and len(key) > 30
    with cli_db.session(readonly=True) as s:
        (client,) = s.scalars(select(Open311Client)).all()
        # Stored hashed: the key itself is nowhere in the row.
        assert client.key_hash == accounts.hash_token(key) and key not in client.key_hash
        assert client.rate_limit_per_hour == 100
        assert (
            s.scalars(select(AuditEntry).where(AuditEntry.kind == "open311.key")).one().data["action"]
            == "add"
        )

    r = runner.invoke(app, ["key", "list"])
    assert r.exit_code == 0 and "城市通" in r.output and key[:12] in r.output and key not in r.output

    r = runner.invoke(app, ["key", "revoke", str(client.id)])
    assert r.exit_code == 0 and "已吊销" in r.output
    r = runner.invoke(app, ["key", "revoke", str(client.id)])
    assert r.exit_code == 1 and "已吊销" in r.output
    r = runner.invoke(app, ["key", "revoke", "999"])
    assert r.exit_code == 1 and "999" in r.output
    with cli_db.session(readonly=True) as s:
        assert s.get_one(Open311Client, client.id).revoked_at is not None


def test_demo_client_files_requests_readable_through_the_api(
    session: Session, client: TestClient, clock: FrozenClock
) -> None:
    build_district(session, clock.now(), 7)
    assert seed_open311(session, clock.now()) == DEMO_KEY
    assert seed_open311(session, clock.now()) == DEMO_KEY  # idempotent
    session.flush()
    assert len(session.scalars(select(Open311Client)).all()) == 1
    filed = session.scalars(select(Open311Request)).all()
    assert len(filed) >= 4
    items = client.get("/open311/v2/requests.json").json()
    assert {i["service_code"] for i in items} >= {"streetlight", "garbage"}
    assert all(i["agency_responsible"] or i["status"] == "open" for i in items)
    assert "demo-device" not in str(items)
    assert DEMO_KEY in demo_key_line("http://127.0.0.1:8000")
    # The demo key files requests over HTTP too.
    lat, lng = items[0]["lat"], items[0]["long"]
    r = client.post(
        "/open311/v2/requests.json",
        data={"api_key": DEMO_KEY, "service_code": "other", "lat": lat, "long": lng, "description": "测试"},
    )
    assert r.status_code == 200, r.text
