"""The `gongzhi` command: serve, demo, worker, db, areas, user, unit, audit."""

from __future__ import annotations

import threading

import typer
from rich.console import Console

from gongzhi.analytics.commands import app as analytics_app
from gongzhi.audit.commands import app as audit_app
from gongzhi.auth.commands import app as user_app
from gongzhi.auth.commands import unit_app
from gongzhi.config import get_settings
from gongzhi.db import database_from_settings, upgrade_schema
from gongzhi.devices.commands import app as devices_app
from gongzhi.eldercare.commands import app as eldercare_app
from gongzhi.geo.commands import app as areas_app
from gongzhi.mediation.triage_commands import app as triage_app
from gongzhi.open311.commands import app as open311_app
from gongzhi.sensing.commands import app as forecast_app

console = Console()
app = typer.Typer(help="共治 gongzhi：基层治理平台", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="数据库：迁移与基础数据")
app.add_typer(db_app, name="db")
app.add_typer(areas_app, name="areas")
app.add_typer(user_app, name="user")
app.add_typer(unit_app, name="unit")
app.add_typer(audit_app, name="audit")
app.add_typer(devices_app, name="devices")
app.add_typer(open311_app, name="open311")
app.add_typer(triage_app, name="triage")
app.add_typer(eldercare_app, name="eldercare")
app.add_typer(forecast_app, name="forecast")
app.add_typer(analytics_app, name="analytics")


def init_database() -> None:
    """Migrate to head and add any missing reference data (categories, SLA, calendar)."""
    from gongzhi.cases.seed import seed_reference_data

    settings = get_settings()
    upgrade_schema(settings.database_url)
    with database_from_settings().session() as session:
        seed_reference_data(session)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """运行数据库迁移并补齐基础数据。"""
    init_database()
    console.print("[green]数据库已是最新版本[/green]")


@app.command()
def serve(
    host: str = typer.Option(None),
    port: int = typer.Option(None),
    live_demo: bool = typer.Option(False, "--live-demo", help="演示：让演示街道的设备按时上报正常读数"),
) -> None:
    """启动 Web 界面与 API。"""
    import uvicorn

    from gongzhi.app import create_app, settle_heap
    from gongzhi.logs import configure

    settings = get_settings()
    configure(settings.log_level, settings.log_json)
    init_database()
    stop = threading.Event()
    if live_demo:
        from gongzhi.clock import SystemClock
        from gongzhi.simulate import live

        feed = threading.Thread(target=live.run, args=(database_from_settings(), SystemClock(), stop),
                                name="live-demo", daemon=True)
        feed.start()
    web_app = create_app(settings=settings)
    settle_heap()
    try:
        uvicorn.run(
            web_app,
            host=host or settings.host,
            port=port or settings.port,
            log_config=None,
            access_log=False,
        )
    finally:
        stop.set()


@app.command()
def worker(once: bool = typer.Option(False, help="只运行一轮后退出")) -> None:
    """后台任务：超时督办、自动关闭、消息投递（PostgreSQL 上可多实例并行）。"""
    from gongzhi.clock import SystemClock
    from gongzhi.devices.handlers import load_all
    from gongzhi.logs import configure
    from gongzhi.worker import run_loop, run_once

    settings = get_settings()
    configure(settings.log_level, settings.log_json)
    load_all()  # the silence sweep hands silent wearables and detectors to eldercare and sensing
    database = database_from_settings()
    if once:
        done = run_once(database, SystemClock(), settings)
        console.print(
            f"督办 {done.escalated} · 自动关闭 {done.auto_closed} · 投递 {done.sent} · "
            f"重试 {done.retried} · 失败 {done.dead}"
        )
        return
    stop = threading.Event()
    try:
        run_loop(database, SystemClock(), settings, stop)
    except KeyboardInterrupt:
        stop.set()


@app.command()
def demo(reset: bool = typer.Option(False, help="先删除现有的 SQLite 数据库文件")) -> None:
    """生成演示街道：4 个社区、约 20 个网格、各角色账号、约 500 个工单，并打印登录账号。"""
    from gongzhi.simulate.demo import run_demo

    run_demo(reset=reset, console=console)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
