"""`gongzhi forecast segment-add / segments` against a throwaway SQLite database (the CLI commits)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from tests import factories
from typer.testing import CliRunner

from gongzhi.db import Database, make_engine, upgrade_schema
from gongzhi.devices import service as devices
from gongzhi.sensing.commands import app
from gongzhi.sensing.models import RoadSegment


def test_segment_add_then_list_and_refusals(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade_schema(url)
    db = Database(make_engine(url))
    with db.session() as s:
        areas = factories.build_area_tree(s)
        for code in ("TD-1", "TD-2"):
            devices.register_device(s, code=code, kind="traffic_detector", grid_id=areas["G1"].id, now=factories.T0)
        devices.register_device(s, code="SMK-1", kind="smoke_detector", grid_id=areas["G1"].id, now=factories.T0)
    runner = CliRunner()
    base = ["segment-add", "--code", "SEG-1", "--name", "文二路（学院路—教工路）", "--grid", "G1",
            "--capacity", "60", "--alternative", "绕行文三路", "--database-url", url]

    r = runner.invoke(app, [*base, "--detectors", "TD-1, SMK-1"])
    assert r.exit_code == 1 and "SMK-1" in r.output  # a smoke detector is not a traffic detector
    r = runner.invoke(app, [*base[:6], "G404", *base[7:], "--detectors", "TD-1"])
    assert r.exit_code == 1 and "G404" in r.output  # unknown grid
    with db.session(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(RoadSegment)) == 0  # nothing half-written

    r = runner.invoke(app, [*base, "--detectors", "TD-1,TD-2"])
    assert r.exit_code == 0, r.output
    assert "已登记路段 SEG-1" in r.output and "TD-1、TD-2" in r.output
    r = runner.invoke(app, [*base, "--detectors", "TD-1"])
    assert r.exit_code == 1 and "SEG-1 已存在" in r.output

    r = runner.invoke(app, ["segments", "--database-url", url])
    assert r.exit_code == 0 and "SEG-1" in r.output and "G1" in r.output and "无数据" in r.output
    db.engine.dispose()
