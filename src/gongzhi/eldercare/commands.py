"""`gongzhi eldercare …` commands: import and export the elder register (Excel)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated

import typer
from openpyxl import load_workbook
from rich.console import Console
from sqlalchemy.orm import Session

import gongzhi.eldercare.handlers
import gongzhi.eldercare.messages  # noqa: F401  (registers the module's i18n keys)
from gongzhi.auth import service as accounts
from gongzhi.auth.models import User
from gongzhi.clock import SystemClock
from gongzhi.config import get_settings
from gongzhi.db import database_from_settings
from gongzhi.eldercare import register_io
from gongzhi.errors import AppError
from gongzhi.i18n import translate

app = typer.Typer(help="智慧养老（老人登记导入导出）", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)
_MAX_SHOWN = 50


DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="数据库地址（默认取 GONGZHI_DATABASE_URL）", show_default=False),
]
AsUser = Annotated[
    str, typer.Option("--as", help="以该账号的身份与范围操作（登记权限、脱敏规则按其角色）"),
]


def _t(key: str, **params: object) -> str:
    return translate(key, get_settings().default_language, **params)


def _user(session: Session, username: str) -> User:
    user = accounts.get_user_by_username(session, username)
    if user is None or not user.is_active:
        err_console.print(_t("eldercare_cli_user", username=username), style="red", highlight=False, markup=False)
        raise typer.Exit(1)
    return user


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="Excel 文件（.xlsx，首行为表头）", show_default=False)],
    as_user: AsUser = "admin",
    database_url: DatabaseUrl = None,
) -> None:
    """导入老人登记表；任何一行有错则全部不写入，并逐行列出错误。"""
    try:
        data = file.read_bytes()
    except OSError as exc:
        err_console.print(str(exc), style="red", highlight=False, markup=False)
        raise typer.Exit(1) from None
    db = database_from_settings(database_url)
    try:
        with db.session() as session:
            user = _user(session, as_user)
            report = register_io.import_xlsx(session, actor=user, data=data, now=SystemClock().now(),
                                             lang=get_settings().default_language)
    except register_io.ImportRejected as exc:
        err_console.print(_t(exc.code, **exc.params), style="red", highlight=False, markup=False)
        for row in exc.rows[:_MAX_SHOWN]:
            err_console.print("  • " + _t("eldercare_cli_row", row=row.row, message=row.message), highlight=False,
                              markup=False)
        raise typer.Exit(1) from None
    except AppError as exc:
        err_console.print(_t(exc.code, **exc.params), style="red", highlight=False, markup=False)
        raise typer.Exit(1) from None
    finally:
        db.engine.dispose()
    console.print(_t("eldercare_cli_import_done", count=report.created), style="green", highlight=False)


@app.command("export")
def export(
    file: Annotated[Path, typer.Argument(help="输出的 .xlsx 文件", show_default=False)],
    as_user: AsUser = "admin",
    database_url: DatabaseUrl = None,
) -> None:
    """导出该账号可见的老人登记表（按其角色脱敏）。"""
    db = database_from_settings(database_url)
    try:
        with db.session() as session:
            user = _user(session, as_user)
            data = register_io.export_xlsx(session, viewer=user, now=SystemClock().now())
    finally:
        db.engine.dispose()
    file.write_bytes(data)
    rows = load_workbook(io.BytesIO(data), read_only=True).worksheets[0].max_row or 1
    console.print(_t("eldercare_cli_export_done", count=rows - 1, path=str(file)), style="green", highlight=False)
