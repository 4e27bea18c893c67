"""`gongzhi open311 …` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="Open311 客户端应用与 API key", no_args_is_help=True)
