"""`gongzhi devices …` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="设备管理（登记、令牌、Mosquitto 授权文件）", no_args_is_help=True)
