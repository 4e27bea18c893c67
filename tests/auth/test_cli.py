"""`gongzhi user …` and `gongzhi unit …` against a temporary SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.factories import build_area_tree
from typer.testing import CliRunner

from gongzhi.auth import passwords
from gongzhi.auth.commands import app, unit_app
from gongzhi.auth.models import Unit, User
from gongzhi.config import get_settings
from gongzhi.db import Database, make_engine, upgrade_schema

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


def test_user_add_and_list(cli_db: Database) -> None:
    r = runner.invoke(app, ["list"])
    assert r.exit_code == 0 and "暂无账号" in r.output

    r = runner.invoke(
        app,
        [
            "add",
            "wang_gw",
            "--role",
            "grid_worker",
            "--area",
            "G1",
            "--password",
            "password123",
            "--name",
            "王伟",
            "--phone",
            "13812345678",
        ],
    )
    assert r.exit_code == 0, r.output
    assert "已创建账号 wang_gw（网格员）" in r.output

    with cli_db.session(readonly=True) as s:
        user = s.scalars(select(User).where(User.username == "wang_gw")).one()
        assert user.display_name == "王伟" and user.phone == "13812345678"
        assert passwords.verify_password(user.password_hash, "password123")

    r = runner.invoke(app, ["list"])
    assert r.exit_code == 0
    assert "wang_gw" in r.output and "138****5678" in r.output and "13812345678" not in r.output


def test_user_add_errors_exit_1_in_chinese(cli_db: Database) -> None:
    r = runner.invoke(
        app, ["add", "x_user", "--role", "grid_worker", "--area", "NOPE", "--password", "password123"]
    )
    assert r.exit_code == 1
    assert "区域不存在：NOPE" in r.output
    r = runner.invoke(app, ["add", "x_user", "--role", "king", "--area", "G1", "--password", "password123"])
    assert r.exit_code == 1 and "无效的角色：king" in r.output
    r = runner.invoke(app, ["add", "x_user", "--role", "grid_worker", "--area", "G1", "--password", "short"])
    assert r.exit_code == 1 and "密码至少需要 8 位" in r.output
    r = runner.invoke(
        app,
        [
            "add",
            "x_staff",
            "--role",
            "dept_staff",
            "--area",
            "S1",
            "--password",
            "password123",
            "--unit",
            "NOPE",
        ],
    )
    assert r.exit_code == 1 and "单位不存在：NOPE" in r.output
    with cli_db.session(readonly=True) as s:
        assert s.scalars(select(User)).first() is None


def test_password_prompt(cli_db: Database) -> None:
    r = runner.invoke(app, ["add", "res1", "--role", "resident"], input="password123\npassword123\n")
    assert r.exit_code == 0, r.output
    with cli_db.session(readonly=True) as s:
        user = s.scalars(select(User).where(User.username == "res1")).one()
        assert user.area_id is None and passwords.verify_password(user.password_hash, "password123")


def test_unit_add_then_dept_staff(cli_db: Database) -> None:
    r = runner.invoke(unit_app, ["add", "CG01", "--name", "城管中队", "--kind", "urban_mgmt", "--area", "S1"])
    assert r.exit_code == 0, r.output
    assert "已创建单位 CG01（城管中队）" in r.output
    r = runner.invoke(unit_app, ["add", "CG01", "--name", "重复", "--kind", "urban_mgmt", "--area", "S1"])
    assert r.exit_code == 1 and "单位编号已存在：CG01" in r.output
    r = runner.invoke(unit_app, ["list"])
    assert r.exit_code == 0 and "城管中队" in r.output

    r = runner.invoke(
        app,
        [
            "add",
            "cg_staff",
            "--role",
            "dept_staff",
            "--area",
            "S1",
            "--unit",
            "CG01",
            "--password",
            "password123",
        ],
    )
    assert r.exit_code == 0, r.output
    with cli_db.session(readonly=True) as s:
        unit = s.scalars(select(Unit).where(Unit.code == "CG01")).one()
        assert s.scalars(select(User.unit_id).where(User.username == "cg_staff")).one() == unit.id
