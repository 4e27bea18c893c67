"""`gongzhi devices …` commands."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from gongzhi.auth.commands import command_session
from gongzhi.clock import SystemClock, local
from gongzhi.db import database_from_settings
from gongzhi.devices import mosquitto, service
from gongzhi.devices.config import get_device_settings
from gongzhi.devices.models import Device
from gongzhi.errors import AppError
from gongzhi.geo.models import Area

app = typer.Typer(help="设备管理（登记、令牌、Mosquitto 授权文件）", no_args_is_help=True)
console = Console()


@app.command("add")
def add(
    code: Annotated[str, typer.Argument(help="设备编号（字母、数字、_.-）")],
    kind: Annotated[str, typer.Option("--kind", help="wearable, traffic_detector, people_counter, smoke_detector, gas_detector, door_lock")],
    grid: Annotated[str | None, typer.Option("--grid", help="所在网格编码")] = None,
    lat: Annotated[float | None, typer.Option("--lat")] = None,
    lng: Annotated[float | None, typer.Option("--lng")] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="归属，如 elder:12")] = None,
    interval: Annotated[int | None, typer.Option("--interval", help="预期上报间隔（秒）")] = None,
    name: Annotated[str, typer.Option("--name", help="名称")] = "",
) -> None:
    """登记设备，打印其访问令牌（只显示这一次）。"""
    now = SystemClock().now()
    with command_session() as session:
        grid_id = None
        if grid is not None:
            grid_id = session.scalar(select(Area.id).where(Area.code == grid))
            if grid_id is None:
                raise AppError("not_found")
        device, token = service.register_device(
            session, code=code, kind=kind, grid_id=grid_id, lat=lat, lng=lng, owner_ref=owner,
            expected_interval_s=interval, name=name, now=now,
        )
        console.print(f"已登记 {device.code}（{device.kind}）")
        console.print(f"访问令牌 token: {token}")
        console.print(f"HTTP: POST /api/v1/{token}/telemetry    MQTT: 用户名 {device.code}，密码为令牌，主题 "
                      f"gongzhi/devices/{device.code}/telemetry")


@app.command("list")
def list_all(kind: Annotated[str | None, typer.Option("--kind")] = None) -> None:
    """列出设备。"""
    with command_session() as session:
        stmt = select(Device).order_by(Device.code)
        if kind:
            stmt = stmt.where(Device.kind == kind)
        table = Table("编号", "类型", "启用", "最近上报", "失联自")
        for d in session.scalars(stmt):
            table.add_row(
                d.code, d.kind, "是" if d.enabled else "否",
                local(d.last_seen_at).strftime("%Y-%m-%d %H:%M:%S") if d.last_seen_at else "—",
                local(d.silent_since).strftime("%Y-%m-%d %H:%M:%S") if d.silent_since else "—",
            )
        console.print(table)


@app.command("rotate")
def rotate(code: Annotated[str, typer.Argument()]) -> None:
    """更换设备访问令牌（旧令牌立即失效；MQTT 需重新生成授权文件）。"""
    with command_session() as session:
        token = service.rotate_token(session, service.require_device(session, code), now=SystemClock().now())
        console.print(f"新令牌 token: {token}")


@app.command("disable")
def disable(code: Annotated[str, typer.Argument()]) -> None:
    """停用设备。"""
    with command_session() as session:
        service.set_enabled(session, service.require_device(session, code), False, now=SystemClock().now())
        console.print(f"已停用 {code}")


@app.command("enable")
def enable(code: Annotated[str, typer.Argument()]) -> None:
    """启用设备。"""
    with command_session() as session:
        service.set_enabled(session, service.require_device(session, code), True, now=SystemClock().now())
        console.print(f"已启用 {code}")


@app.command("mosquitto-auth")
def mosquitto_auth(
    passwd: Annotated[Path, typer.Option("--passwd", help="Mosquitto password_file 路径")],
    acl: Annotated[Path, typer.Option("--acl", help="Mosquitto acl_file 路径")],
    ingest_user: Annotated[str, typer.Option("--ingest-user", help="接入进程的 MQTT 用户名")] = "gongzhi-ingest",
    ingest_password: Annotated[
        str, typer.Option("--ingest-password", envvar="GONGZHI_DEVICES_MQTT_PASSWORD", help="接入进程的 MQTT 密码")
    ] = "",
) -> None:
    """生成 Mosquitto 密码文件（$7$ PBKDF2-SHA512）与 ACL：每台设备只能发布到自己的主题，接入用户可读全部。"""
    if not ingest_password:
        typer.echo("需要 --ingest-password 或环境变量 GONGZHI_DEVICES_MQTT_PASSWORD", err=True)
        raise typer.Exit(2)
    with command_session() as session:
        count = mosquitto.write_files(
            session, passwd=passwd, acl=acl, ingest_user=ingest_user, ingest_password=ingest_password
        )
    console.print(f"已写入 {passwd}（{count} 台设备 + {ingest_user}）与 {acl}；向 mosquitto 发送 SIGHUP 以重新加载")


@app.command("ingest")
def ingest(
    client_id: Annotated[str | None, typer.Option("--client-id", help="MQTT 客户端 ID（每个进程不同，重启时保持不变）")] = None,
    metrics_port: Annotated[int | None, typer.Option("--metrics-port", help="在此端口提供 /metrics")] = None,
) -> None:
    """MQTT 接入：共享订阅 gongzhi/devices/+/telemetry，批量提交后才确认（QoS 1）。可多进程并行。"""
    from gongzhi.config import get_settings
    from gongzhi.devices.mqtt import Consumer
    from gongzhi.logs import configure

    settings = get_settings()
    configure(settings.log_level, settings.log_json)
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr="127.0.0.1")
    from gongzhi.devices.handlers import load_all

    console.print(f"处理器 handlers: {', '.join(load_all()) or '—'}")
    database = database_from_settings()
    consumer = Consumer(database.session, SystemClock(), settings=get_device_settings(), client_id=client_id)
    stop = threading.Event()
    try:
        consumer.run(stop)
    except KeyboardInterrupt:
        stop.set()
        consumer.close()
