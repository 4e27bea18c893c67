"""`gongzhi audit …` commands (the lead mounts `app` on the main CLI)."""

from __future__ import annotations

import typer
from rich.console import Console

from gongzhi.audit import service
from gongzhi.db import database_from_settings
from gongzhi.i18n import translate

app = typer.Typer(help="审计日志")


@app.callback()
def _group() -> None:
    """审计日志：哈希链校验。"""
    # A callback keeps `audit` a command group even while it has a single subcommand.


@app.command()
def verify(
    batch: int = typer.Option(service.VERIFY_BATCH, min=1, help="每批读取的记录数"),
) -> None:
    """逐条重算审计日志的哈希链，报告第一条被篡改或删除的记录。"""
    console = Console(soft_wrap=True)  # one report line per line, also when piped into logs
    database = database_from_settings()
    try:
        with database.session(readonly=True) as session:
            report = service.verify(session, batch=batch)
    finally:
        database.engine.dispose()

    if report.ok:
        console.print("[green]✔[/green] " + translate(
            service.INTACT, "zh", checked=report.checked, head_seq=report.head_seq))
        return
    console.print("[bold red]✘[/bold red] " + translate("audit_chain_broken", "zh", seq=report.first_bad_seq))
    console.print("  " + translate(report.reason_code, "zh", seq=report.first_bad_seq))
    console.print("  " + translate("audit_checked_before_break", "zh", checked=report.checked,
                                   head_seq=report.head_seq))
    raise typer.Exit(code=1)
