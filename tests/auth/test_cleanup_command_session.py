"""One CLI transaction helper for every module: an AppError rolls back and exits 1 in Chinese."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from sqlalchemy import select
from tests.factories import build_area_tree
from typer.testing import CliRunner

from gongzhi.auth.commands import command_session
from gongzhi.config import get_settings
from gongzhi.db import Database, make_engine, upgrade_schema
from gongzhi.errors import Invalid
from gongzhi.geo.models import Area


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


def test_app_error_rolls_back_and_exits_1_in_chinese(cli_db: Database) -> None:
    demo = typer.Typer()

    @demo.command()
    def rename(fail: bool = False) -> None:
        with command_session() as session:
            area = session.scalars(select(Area).where(Area.code == "G1")).one()
            area.name = "改过的名字"
            session.flush()
            if fail:
                raise Invalid("area_not_found", area="nope")

    result = CliRunner().invoke(demo, ["--fail"])
    assert result.exit_code == 1 and "区域不存在：nope" in result.output and "Traceback" not in result.output
    with cli_db.session() as s:
        assert s.scalars(select(Area.name).where(Area.code == "G1")).one() != "改过的名字"
    assert CliRunner().invoke(demo, []).exit_code == 0
    with cli_db.session() as s:
        assert s.scalars(select(Area.name).where(Area.code == "G1")).one() == "改过的名字"


def test_module_clis_share_it() -> None:
    from gongzhi.devices import commands as devices_cli
    from gongzhi.open311 import commands as open311_cli

    assert devices_cli.command_session is command_session
    assert open311_cli.command_session is command_session
