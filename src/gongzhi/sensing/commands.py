"""`gongzhi forecast …`: detector forecasts from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from gongzhi.clock import SystemClock
from gongzhi.config import get_settings
from gongzhi.db import database_from_settings
from gongzhi.errors import AppError
from gongzhi.geo import service as geo
from gongzhi.i18n import translate
from gongzhi.sensing import (
    handlers,  # noqa: F401  (the CLI's ingestion hands readings to these rules)
    traffic,
)
from gongzhi.sensing import messages as _messages  # noqa: F401  (registers the texts)
from gongzhi.sensing.backtest import BacktestError, iter_report, run

app = typer.Typer(help="交通预测：回测（滚动预测起点）、路段登记", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)
DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="数据库地址（默认取 GONGZHI_DATABASE_URL）", show_default=False),
]


def _t(key: str, **params: object) -> str:
    return translate(key, get_settings().default_language, **params)


@app.command()
def backtest(
    input: Annotated[Path, typer.Option("--input", help="CSV: timestamp,sensor_id,value")],
    output: Annotated[Path, typer.Option("--output", help="写出 timestamp,sensor_id,predicted")],
    train_until: Annotated[str, typer.Option("--train-until", help="此时刻之后的每一行都给出预测 (ISO 8601)")],
    horizon_minutes: Annotated[int, typer.Option("--horizon-minutes", help="预测提前量（分钟）")] = 30,
) -> None:
    """滚动起点回测：每个预测只用 timestamp − horizon 及以前的数据；打印模型、持续法、周均值的 MAE/RMSE。"""
    if not input.is_file():
        err_console.print(f"[red]找不到输入文件 input not found: {input}[/red]")
        raise typer.Exit(2)
    try:
        result = run(input, output, horizon_minutes=horizon_minutes, train_until=train_until)
    except BacktestError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    for line in iter_report(result):
        print(line)


@app.command("segment-add")
def segment_add(
    code: Annotated[str, typer.Option("--code", help="路段编号，如 SEG-WENER-01")],
    name: Annotated[str, typer.Option("--name", help="路段名称，如 文二路（学院路—教工路）")],
    grid: Annotated[str, typer.Option("--grid", help="所在网格编码")],
    detectors: Annotated[str, typer.Option("--detectors", help="交通检测器设备编码，逗号分隔")],
    capacity: Annotated[float, typer.Option("--capacity", help="通行能力：每个检测器每 5 分钟车辆数")],
    alternative: Annotated[str, typer.Option("--alternative", help="拥堵时推送的绕行建议")] = "",
    database_url: DatabaseUrl = None,
) -> None:
    """登记一个由交通检测器覆盖的路段：之后每次刷新都会计算它当前与 30 分钟后的拥堵程度。"""
    db = database_from_settings(database_url)
    try:
        with db.session() as session:
            area = geo.get_area(session, grid.strip())
            segment = traffic.create_segment(
                session, code=code.strip(), name=name, grid_id=area.id, detector_codes=detectors.split(","),
                capacity=capacity, alternative=alternative, now=SystemClock().now())
            done = _t("sensing.cli.segment_added", code=segment.code, name=segment.name,
                      detectors="、".join(segment.detector_codes))
    except AppError as exc:
        err_console.print(_t(exc.code, **exc.params), style="red", highlight=False, markup=False)
        raise typer.Exit(1) from None
    finally:
        db.engine.dispose()
    console.print(done, style="green", highlight=False, markup=False)


@app.command("segments")
def segments(database_url: DatabaseUrl = None) -> None:
    """列出登记的路段及其最近一次计算的拥堵程度。"""
    db = database_from_settings(database_url)
    try:
        with db.session(readonly=True) as session:
            rows = traffic.all_segments(session)
            lang = get_settings().default_language
            table = Table(*(_t(f"sensing.cli.col.{c}") for c in
                            ("code", "name", "grid", "detectors", "capacity", "levels", "alternative")))
            for r, grid_code in rows:
                levels = " / ".join(translate(f"sensing.level.{lv}", lang) for lv in (r.level_now, r.level_next))
                table.add_row(r.code, r.name, grid_code, "、".join(r.detector_codes), f"{r.capacity:g}", levels,
                              r.alternative)
    finally:
        db.engine.dispose()
    if not rows:
        console.print(_t("sensing.cli.no_segments"), highlight=False, markup=False)
        return
    console.print(table)
