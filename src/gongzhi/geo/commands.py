"""`gongzhi areas …`: import the area tree from GeoJSON and list it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from gongzhi.clock import SystemClock
from gongzhi.config import get_settings
from gongzhi.db import Database, database_from_settings
from gongzhi.errors import AppError
from gongzhi.geo import service
from gongzhi.geo.messages import LEVEL_LABEL_KEYS
from gongzhi.i18n import translate

app = typer.Typer(help="区域（区/街道/社区/网格）管理", no_args_is_help=True)

console = Console()
err_console = Console(stderr=True)
# A bad file can have thousands of problems; show the first ones and the count.
_MAX_PROBLEMS_SHOWN = 50

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="数据库地址（默认取 GONGZHI_DATABASE_URL）", show_default=False),
]


def _lang() -> str:
    return get_settings().default_language


def _t(key: str, **params: Any) -> str:
    return translate(key, _lang(), **params)


def _fail(message: str) -> typer.Exit:
    err_console.print(message, style="red", highlight=False, markup=False)
    return typer.Exit(1)


def _read_json(file: Path) -> dict[str, Any]:
    try:
        text = file.read_text(encoding="utf-8-sig")  # files saved by Windows tools often carry a BOM
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(_t("area_cli_file_unreadable", path=str(file), reason=str(exc))) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(_t("area_cli_bad_json", reason=str(exc))) from None
    if not isinstance(data, dict):
        raise _fail(_t("area_import_not_collection"))
    return data


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="GeoJSON 文件（FeatureCollection）", show_default=False)],
    database_url: DatabaseUrl = None,
) -> None:
    """从 GeoJSON 导入或更新区域；有任何错误则全部不写入。"""
    data = _read_json(file)
    db = database_from_settings(database_url)
    try:
        # The session commits only if the import returns; any error rolls everything back.
        with db.session() as session:
            summary = service.import_geojson(session, data, now=SystemClock().now())
    except service.ImportInvalid as exc:
        err_console.print(_t("area_cli_import_failed", count=len(exc.problems)), style="red", highlight=False)
        for problem in exc.problems[:_MAX_PROBLEMS_SHOWN]:
            line = _t("area_cli_problem", index=problem.index, area=problem.code or "-",
                      reason=problem.reason(_lang()))
            err_console.print(f"  • {line}", highlight=False, markup=False)
        if len(exc.problems) > _MAX_PROBLEMS_SHOWN:
            err_console.print(f"  … +{len(exc.problems) - _MAX_PROBLEMS_SHOWN}", highlight=False)
        raise typer.Exit(1) from None
    except AppError as exc:
        raise _fail(_t(exc.code, **exc.params)) from None
    finally:
        db.engine.dispose()
    done = _t("area_cli_import_done", created=summary.created, updated=summary.updated,
              unchanged=summary.unchanged)
    console.print(done, style="green", highlight=False)


@app.command("list")
def list_(
    level: Annotated[str | None, typer.Option("--level", help="只列该层级（district/street/…/grid）")] = None,
    parent: Annotated[str | None, typer.Option("--parent", help="只列该编码的直接下级")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """列出区域。"""
    db: Database = database_from_settings(database_url)
    try:
        with db.session(readonly=True) as session:
            areas = service.list_areas(session, level=level, parent=parent)
            parents = service.codes_by_id(session, (a.parent_id for a in areas))
    except AppError as exc:
        raise _fail(_t(exc.code, **exc.params)) from None
    finally:
        db.engine.dispose()
    if not areas:
        console.print(_t("area_cli_list_empty"))
        return
    table = Table(title=_t("area_cli_list_title", count=len(areas)))
    for key in ("area_cli_col_code", "area_cli_col_name", "area_cli_col_level", "area_cli_col_parent"):
        table.add_column(_t(key))
    table.add_column(_t("area_cli_col_households"), justify="right")
    table.add_column(_t("area_cli_col_geometry"), justify="center")
    for area in areas:
        table.add_row(
            area.code,
            area.name,
            _t(LEVEL_LABEL_KEYS[area.level]) if area.level in LEVEL_LABEL_KEYS else area.level,
            parents.get(area.parent_id, "") if area.parent_id else "",
            str(area.households),
            "✓" if area.geometry else "",
        )
    console.print(table)
