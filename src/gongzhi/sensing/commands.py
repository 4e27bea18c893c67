"""`gongzhi forecast …`: detector forecasts from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from gongzhi.sensing import handlers  # noqa: F401  (the CLI's ingestion hands readings to these rules)
from gongzhi.sensing.backtest import BacktestError, iter_report, run

app = typer.Typer(help="交通预测：回测（滚动预测起点）", no_args_is_help=True)
err_console = Console(stderr=True)


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
