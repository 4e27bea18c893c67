"""`gongzhi eldercare import/export` against a throwaway SQLite database (the CLI commits for real)."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook
from tests import factories
from tests.eldercare.test_register_io import _book, _row
from typer.testing import CliRunner

from gongzhi.db import Database, make_engine, upgrade_schema
from gongzhi.eldercare.commands import app


def test_cli_import_then_export(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade_schema(url)
    db = Database(make_engine(url))
    with db.session() as s:
        factories.build_area_tree(s)
        factories.make_user(s, "admin", "admin", "D1")
        factories.make_user(s, "yisheng", "doctor", "C1")
        factories.make_user(s, "zhiyuan", "volunteer", "C1")
    db.engine.dispose()
    runner = CliRunner()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(_book([_row("19400101", "111"), _row("19410101", "222", 网格编码="NOPE")]))
    r = runner.invoke(app, ["import", str(bad), "--database-url", url])
    assert r.exit_code == 1 and "第 3 行" in r.output and "NOPE" in r.output
    good = tmp_path / "good.xlsx"
    good.write_bytes(_book([_row("19400101", "111"), _row("19410101", "222", 姓名="刘福")]))
    r = runner.invoke(app, ["import", str(good), "--database-url", url])
    assert r.exit_code == 0, r.output
    assert "2" in r.output
    out = tmp_path / "out.xlsx"
    r = runner.invoke(app, ["export", str(out), "--as", "zhiyuan", "--database-url", url])
    assert r.exit_code == 0, r.output
    rows = list(load_workbook(io.BytesIO(out.read_bytes())).worksheets[0].iter_rows(values_only=True))
    # The volunteer is nobody's buddy here: sees no one. The admin sees both, unmasked.
    assert len(rows) == 1
    r = runner.invoke(app, ["export", str(out), "--database-url", url])
    rows = list(load_workbook(io.BytesIO(out.read_bytes())).worksheets[0].iter_rows(values_only=True))
    assert sorted(str(r[0]) for r in rows[1:]) == ["刘福", "王桂兰"]
