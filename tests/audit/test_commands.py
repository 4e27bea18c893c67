"""`gongzhi audit verify` on a real SQLite file: exit 0 when intact, 1 naming the first bad entry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from gongzhi.audit import service
from gongzhi.audit.commands import app
from gongzhi.clock import FrozenClock
from gongzhi.config import get_settings
from gongzhi.db import Database, database_from_settings, upgrade_schema


@pytest.fixture
def cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'audit-cli.db'}"
    monkeypatch.setenv("GONGZHI_DATABASE_URL", url)
    get_settings.cache_clear()
    upgrade_schema(url)
    db = database_from_settings()
    yield db
    db.engine.dispose()
    get_settings.cache_clear()


def test_verify_command(cli_database: Database, clock: FrozenClock) -> None:
    runner = CliRunner()
    with cli_database.session() as s:
        for n in range(4):
            service.append(s, kind="case.transition", subject_type="case", subject_id=n, actor_id=1,
                           actor_name="管理员", data={"n": n}, now=clock.now())

    ok = runner.invoke(app, ["verify"])
    assert ok.exit_code == 0, ok.output
    assert "审计日志完整" in ok.output and "4 条" in ok.output

    with cli_database.session() as s:
        s.execute(text("UPDATE audit_entries SET data = '{\"n\": 99}' WHERE seq = 2"))
    broken = runner.invoke(app, ["verify", "--batch", "1"])
    assert broken.exit_code == 1
    assert "第一条有问题的记录序号为 2" in broken.output and "第 2 条审计记录的内容已被篡改" in broken.output

    with cli_database.session() as s:
        s.execute(text("DELETE FROM audit_entries WHERE seq = 2"))
    missing = runner.invoke(app, ["verify"])
    assert missing.exit_code == 1 and "第 2 条审计记录已被删除" in missing.output
