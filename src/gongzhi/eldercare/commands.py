"""`gongzhi eldercare …` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="智慧养老（老人登记导入导出）", no_args_is_help=True)
