"""`gongzhi open311 …` commands: API keys per client application."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from gongzhi.auth.commands import command_session
from gongzhi.clock import SystemClock, local
from gongzhi.i18n import translate
from gongzhi.open311 import service

app = typer.Typer(help="Open311 客户端应用与 API key", no_args_is_help=True)
key_app = typer.Typer(help="API key：发放、列出、吊销", no_args_is_help=True)
app.add_typer(key_app, name="key")
console = Console()


@key_app.command("add")
def add_key(
    name: Annotated[str, typer.Option("--name", help="客户端应用名称")],
    contact: Annotated[str, typer.Option("--contact", help="联系人或联系方式")] = "",
    limit: Annotated[int, typer.Option("--limit", help="每小时最多提交的请求数（0 不限）")] = 600,
) -> None:
    """为客户端应用发放 API key（只显示一次，库中只存其哈希）。"""
    with command_session() as session:
        issued = service.add_client(
            session,
            name=name,
            contact=contact,
            rate_limit_per_hour=limit,
            now=SystemClock().now(),
            actor_name="cli",
        )
        client_id, key = issued.client.id, issued.key
    typer.echo(translate("cli_open311_key_added", "zh", name=name, id=client_id))
    typer.echo(key)


@key_app.command("list")
def list_keys() -> None:
    """列出客户端应用（只显示 key 的前几位）。"""
    with command_session() as session:
        clients = service.list_clients(session)
        if not clients:
            typer.echo(translate("cli_open311_no_clients", "zh"))
            return
        table = Table("编号", "名称", "key 前缀", "每小时限额", "创建", "最近使用", "状态")
        for c in clients:
            table.add_row(
                str(c.id),
                c.name,
                c.key_prefix + "…",
                str(c.rate_limit_per_hour or "不限"),
                f"{local(c.created_at):%Y-%m-%d %H:%M}",
                f"{local(c.last_used_at):%Y-%m-%d %H:%M}" if c.last_used_at else "-",
                "已吊销" if c.revoked_at else "有效",
            )
    console.print(table)


@key_app.command("revoke")
def revoke_key(client_id: Annotated[int, typer.Argument(help="客户端应用编号（key list 中的编号）")]) -> None:
    """吊销客户端应用的 API key；之后用它提交的请求得到 403。"""
    with command_session() as session:
        service.revoke_client(session, client_id=client_id, now=SystemClock().now(), actor_name="cli")
    typer.echo(translate("cli_open311_key_revoked", "zh", id=client_id))
