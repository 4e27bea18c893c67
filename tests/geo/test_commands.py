"""`gongzhi areas import|list` against a real SQLite file built by the migrations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from gongzhi.db import Database, make_engine, upgrade_schema
from gongzhi.geo.commands import app
from gongzhi.geo.models import Area

from .helpers import collection, feature, square, street_file

runner = CliRunner()


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'areas.db'}"
    upgrade_schema(url)
    return url


def _areas(url: str) -> dict[str, str]:
    db = Database(make_engine(url))
    try:
        with db.session(readonly=True) as s:
            return dict(s.execute(select(Area.code, Area.name)).all())  # type: ignore[arg-type]
    finally:
        db.engine.dispose()


def _write(tmp_path: Path, data: object, name: str = "areas.geojson") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_import_then_list_then_a_bad_file_changes_nothing(db_url: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", str(_write(tmp_path, street_file())), "--database-url", db_url])
    assert result.exit_code == 0, result.output
    assert "导入完成：新增 8 个，更新 0 个，未变 0 个区域" in result.output
    assert len(_areas(db_url)) == 8

    result = runner.invoke(app, ["list", "--level", "grid", "--database-url", db_url])
    assert result.exit_code == 0, result.output
    assert all(code in result.output for code in ("G1", "G2", "G3", "G4"))
    assert "网格" in result.output and "C1" in result.output

    bad = collection(
        feature("C1", "community", "S", name="不该写入"),
        feature("G9", "grid", "C1", square(120.3, 30.3)),
        feature("G10", "grid", "NOPE", square(120.4, 30.3)),
    )
    result = runner.invoke(
        app, ["import", str(_write(tmp_path, bad, "bad.geojson")), "--database-url", db_url]
    )
    assert result.exit_code == 1
    assert "导入失败：共 1 处错误，未写入任何数据" in result.output
    assert "features[2]（编码 G10）：未找到上级区域 NOPE" in result.output
    areas = _areas(db_url)
    assert len(areas) == 8 and "G9" not in areas
    assert areas["C1"] == "区域C1"


def test_unreadable_and_non_geojson_files_exit_1(db_url: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", str(tmp_path / "missing.geojson"), "--database-url", db_url])
    assert result.exit_code == 1 and "无法读取文件" in result.output
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", ', encoding="utf-8")
    result = runner.invoke(app, ["import", str(broken), "--database-url", db_url])
    assert result.exit_code == 1 and "文件不是有效的 JSON" in result.output
    result = runner.invoke(app, ["import", str(_write(tmp_path, [1, 2])), "--database-url", db_url])
    assert result.exit_code == 1 and "FeatureCollection" in result.output


def test_list_unknown_parent_exits_1(db_url: str) -> None:
    result = runner.invoke(app, ["list", "--parent", "NOPE", "--database-url", db_url])
    assert result.exit_code == 1
    assert "区域不存在：NOPE" in result.output
