"""Command line: `gongzhi user add|list` and `gongzhi unit add|list` (wired by gongzhi.cli)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.auth import service
from gongzhi.auth.models import Unit, User
from gongzhi.auth.pii import mask_phone
from gongzhi.clock import SystemClock
from gongzhi.db import database_from_settings
from gongzhi.errors import AppError
from gongzhi.geo.models import Area
from gongzhi.i18n import translate

app = typer.Typer(help="账号管理", no_args_is_help=True)
unit_app = typer.Typer(help="单位管理", no_args_is_help=True)


@contextmanager
def command_session() -> Iterator[Session]:
    """One transaction for the command; an AppError rolls it back and exits 1 with the Chinese message.
    Every module's CLI uses it (`from gongzhi.auth.commands import command_session`)."""
    database = database_from_settings()
    try:
        with database.session() as session:
            yield session
    except AppError as exc:
        typer.echo(translate(exc.code, "zh", **exc.params), err=True)
        raise typer.Exit(1) from None
    finally:
        database.engine.dispose()


@app.command("add")
def add_user(
    username: Annotated[str, typer.Argument(help="用户名")],
    role: Annotated[str, typer.Option("--role", help="角色：resident, grid_worker, admin …")],
    password: Annotated[
        str, typer.Option("--password", prompt="密码", hide_input=True, confirmation_prompt=True, help="密码")
    ],
    area: Annotated[str | None, typer.Option("--area", help="所属区域编号（居民以外必填）")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="所属单位编号（部门人员必填）")] = None,
    name: Annotated[str, typer.Option("--name", help="姓名")] = "",
    phone: Annotated[str, typer.Option("--phone", help="电话")] = "",
) -> None:
    """创建账号。"""
    with command_session() as session:
        user = service.create_user(
            session,
            username=username,
            role=role,
            password=password,
            now=SystemClock().now(),
            area_code=area,
            unit_code=unit,
            display_name=name,
            phone=phone,
        )
        user_id, user_role = user.id, user.role
    role_label = translate(f"role.{user_role}", "zh")
    typer.echo(translate("cli_user_created", "zh", username=username, role=role_label, id=user_id))


@app.command("list")
def list_users() -> None:
    """列出全部账号（电话已脱敏）。"""
    with command_session() as session:
        rows = session.execute(
            select(User, Area.code, Unit.code)
            .outerjoin(Area, User.area_id == Area.id)
            .outerjoin(Unit, User.unit_id == Unit.id)
            .order_by(User.id)
        ).all()
        if not rows:
            typer.echo(translate("cli_no_users", "zh"))
            return
        table = Table("编号", "用户名", "姓名", "角色", "区域", "单位", "电话", "状态")
        for user, area_code, unit_code in rows:
            table.add_row(
                str(user.id),
                user.username,
                user.display_name,
                translate(f"role.{user.role}", "zh"),
                area_code or "",
                unit_code or "",
                mask_phone(user.phone),
                "启用" if user.is_active else "停用",
            )
    Console(width=160).print(table)


@unit_app.command("add")
def add_unit(
    code: Annotated[str, typer.Argument(help="单位编号")],
    name: Annotated[str, typer.Option("--name", help="单位名称")],
    kind: Annotated[str, typer.Option("--kind", help="单位类型，如 municipal, police, property")],
    area: Annotated[str, typer.Option("--area", help="管辖区域编号")],
    name_en: Annotated[str, typer.Option("--name-en", help="英文名称")] = "",
    webhook: Annotated[str, typer.Option("--webhook", help="回调地址")] = "",
) -> None:
    """创建单位。"""
    with command_session() as session:
        unit = service.create_unit(
            session,
            code=code,
            name=name,
            kind=kind,
            area_code=area,
            now=SystemClock().now(),
            name_en=name_en,
            webhook_url=webhook,
        )
        unit_id, unit_code, unit_name = unit.id, unit.code, unit.name
    typer.echo(translate("cli_unit_created", "zh", code=unit_code, name=unit_name, id=unit_id))


@unit_app.command("list")
def list_units() -> None:
    """列出全部单位。"""
    with command_session() as session:
        rows = session.execute(
            select(Unit, Area.code).join(Area, Unit.area_id == Area.id).order_by(Unit.id)
        ).all()
        if not rows:
            typer.echo(translate("cli_no_units", "zh"))
            return
        table = Table("编号", "单位编号", "名称", "类型", "管辖区域", "状态")
        for unit, area_code in rows:
            table.add_row(
                str(unit.id), unit.code, unit.name, unit.kind, area_code, "启用" if unit.is_active else "停用"
            )
    Console(width=160).print(table)
