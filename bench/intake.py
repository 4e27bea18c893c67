"""Intake: POST /api/v1/cases against a trivial endpoint of the same server, on SQLite and PostgreSQL.

    .venv/bin/python bench/intake.py [--seconds 10] [--concurrency 8] [--db sqlite|postgresql|both] [--paced]
                                     [--rounds 3]

For each database the script builds a fresh one (a temporary SQLite file; a PostgreSQL
database created on 127.0.0.1:5432 and dropped at the end), runs the migrations, seeds the
reference data, adds a small street (4 grids, a unit per kind, grid workers, department
staff) and a resident with a bearer token. It then serves the real app
(gongzhi.app.create_app, start_worker=False, JSON logs at INFO as `gongzhi serve` has them)
with uvicorn in a child process on 127.0.0.1 and a free port, and in one run measures with
C keep-alive connections for N seconds each (closed loop: each client sends its next
request when the last one is answered), in R interleaved rounds of N/R seconds (healthz, no-DB
route, intake, then again), so a machine whose speed drifts during the run skews no endpoint:

  * GET /healthz      the trivial endpoint of the targets: one pooled `SELECT 1`;
  * GET /lang/zh      a route that touches no database (a redirect setting a cookie),
                      to show what the DB round trip of /healthz costs;
  * POST /api/v1/cases as the resident, varied valid bodies: public categories, points
                      inside the grids, Chinese descriptions.

Targets: intake sustains >= 25% of /healthz's request rate, with p99 < 100 ms at that rate.
When the closed-loop p99 of intake exceeds 100 ms, or its rate stays under 25% (or with
--paced), intake is also measured open-loop at a fixed offered rate of 25% of the /healthz rate; latency there is counted from
each request's scheduled start, so a stalled server cannot hide its queue.

The load generator is a small asyncio HTTP/1.1 client (httpx costs several times more CPU
per request, and client and server share this machine). Requests only go to 127.0.0.1;
every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import math
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HOST = "127.0.0.1"
PG_ADMIN_URL = os.environ.get("GONGZHI_BENCH_PG_URL", "postgresql://root@127.0.0.1:5432/postgres")
TARGET_SHARE = 0.25
TARGET_P99_MS = 100.0
REQUEST_TIMEOUT_S = 10.0
WARMUP_S = 1.0

# (code, name, level, parent, box (min_lng, min_lat, max_lng, max_lat)); ~400 m grids with gaps.
AREAS: list[tuple[str, str, str, str | None, tuple[float, float, float, float] | None]] = [
    ("BD", "西湖区", "district", None, None),
    ("BS", "北山街道", "street", "BD", None),
    ("BC1", "宝石社区", "community", "BS", None),
    ("BC2", "保俶社区", "community", "BS", None),
    ("BG1", "宝石一网格", "grid", "BC1", (120.200, 30.250, 120.204, 30.254)),
    ("BG2", "宝石二网格", "grid", "BC1", (120.205, 30.250, 120.209, 30.254)),
    ("BG3", "保俶一网格", "grid", "BC2", (120.200, 30.255, 120.204, 30.259)),
    ("BG4", "保俶二网格", "grid", "BC2", (120.205, 30.255, 120.209, 30.259)),
]
GRID_BOXES = {code: box for code, _, level, _, box in AREAS if level == "grid" and box}
DESCRIPTIONS = [
    "小区门口路灯不亮已经三天，晚上出行不安全",
    "人行道砖块松动，老人容易绊倒",
    "垃圾桶满溢，气味很大，请尽快清运",
    "楼下有人占道摆摊，影响通行",
    "雨后路面积水严重，车辆无法通过",
    "井盖松动，踩上去会晃",
    "夜间施工噪声扰民，影响休息",
    "消防通道被车辆堵塞",
    "绿化带树枝断裂，可能砸到行人",
    "共享单车乱停乱放，堵住盲道",
]


def _square(box: tuple[float, float, float, float]) -> dict[str, Any]:
    x0, y0, x1, y1 = box
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def _bench_settings(url: str) -> Any:
    from gongzhi.config import Settings

    # Same construction in the parent (token) and the server child (hash check): same secret key.
    return Settings(database_url=url, embedded_worker=False, log_json=True, log_level="INFO")


# ---------------------------------------------------------------- databases


@contextlib.contextmanager
def fresh_database(kind: str, workdir: Path) -> Iterator[str]:
    """A new, empty database URL; removed afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'bench.db'}"
        return
    import psycopg

    if urlsplit(PG_ADMIN_URL).hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"只连接本机 PostgreSQL（127.0.0.1），而不是 {PG_ADMIN_URL}")
    name = f"gongzhi_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class World:
    token: str
    categories: list[str]


def build_world(url: str) -> World:
    """Migrations, reference data, the street, its people and a resident's token; committed."""
    from gongzhi.auth import service as accounts
    from gongzhi.cases import service as cases
    from gongzhi.cases.seed import seed_reference_data
    from gongzhi.db import Database, make_engine, upgrade_schema
    from gongzhi.geo import service as geo

    upgrade_schema(url)
    settings = _bench_settings(url)
    database = Database(make_engine(url))
    now = datetime.now(UTC)
    try:
        with database.session() as s:
            seed_reference_data(s)
            for code, name, level, parent, box in AREAS:
                geo.create_area(s, code=code, name=name, level=level, now=now, parent_code=parent,
                                geometry=_square(box) if box else None, households=300 if box else 0)
            # Intake from residents only takes public categories without required questions.
            categories = [
                c for c in cases.list_categories(s, public_only=True)
                if not any(a.get("required") for a in c.attributes)
            ]
            for i, kind in enumerate(sorted({c.unit_kind for c in categories})):
                unit = accounts.create_unit(s, code=f"U{i}", name=f"{kind} 处置单位", kind=kind, area_code="BS",
                                            now=now)
                accounts.create_user(s, username=f"staff{i}", role="dept_staff", password="bench-password",
                                     now=now, area_code="BS", unit_code=unit.code)
            for grid in GRID_BOXES:
                accounts.create_user(s, username=f"worker_{grid.lower()}", role="grid_worker",
                                     password="bench-password", now=now, area_code=grid)
            accounts.create_user(s, username="official", role="official", password="bench-password", now=now,
                                 area_code="BS")
            resident = accounts.create_user(s, username="resident", role="resident", password="bench-password",
                                            now=now, area_code="BG1", phone="13812345678", display_name="张三")
            token = accounts.issue_token(s, resident, now, name="bench", settings=settings)
            codes = [c.code for c in categories]
    finally:
        database.engine.dispose()
    return World(token=token, categories=codes)


# ---------------------------------------------------------------- the server (child process)


def serve_child(url: str) -> None:
    """Run in the child: the real app under uvicorn on 127.0.0.1, port chosen by the OS and printed."""
    import uvicorn

    from gongzhi.app import create_app, settle_heap
    from gongzhi.logs import configure

    settings = _bench_settings(url)
    configure(settings.log_level, settings.log_json)
    app = create_app(settings=settings, start_worker=False)
    settle_heap()  # as `gongzhi serve` does
    # proto=IPPROTO_TCP as `uvicorn.run(host=, port=)` (what `gongzhi serve` does) gets from getaddrinfo:
    # asyncio sets TCP_NODELAY only on such sockets. With proto 0 (uvicorn's own bind_socket(), used
    # for --workers) the body write waits on the client's delayed ACK: +40 ms per keep-alive response.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    print(sock.getsockname()[1], flush=True)
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])


@contextlib.contextmanager
def served(url: str, log_path: Path) -> Iterator[int]:
    with open(log_path, "ab") as log:
        child = subprocess.Popen(
            [sys.executable, __file__, "--serve-child", url],
            stdout=subprocess.PIPE, stderr=log, text=True,
        )
        try:
            assert child.stdout is not None
            port_line = child.stdout.readline().strip()
            if not port_line.isdigit():
                raise SystemExit(f"服务进程未能启动，见日志 {log_path}")
            port = int(port_line)
            _wait_healthy(port, deadline=time.monotonic() + 30)
            yield port
        finally:
            child.terminate()
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(timeout=5)


def _wait_healthy(port: int, deadline: float) -> None:
    import httpx

    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://{HOST}:{port}/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise SystemExit("服务在 30 秒内未就绪")


# ---------------------------------------------------------------- the load generator


class Conn:
    """One keep-alive HTTP/1.1 connection to the server; enough of the protocol for these responses."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.reader is None or self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        return self.reader, self.writer

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def send(self, raw: bytes) -> int:
        reader, writer = await self._open()
        writer.write(raw)
        status_line = await reader.readline()
        if not status_line:
            raise ConnectionError("connection closed by server")
        status = int(status_line.split(None, 2)[1])
        length, chunked, close = 0, False, False
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                close = True
        if chunked:
            while True:
                size = int((await reader.readline()).split(b";")[0], 16)
                await reader.readexactly(size + 2)
                if size == 0:
                    break
        elif length:
            await reader.readexactly(length)
        if close:
            self.close()
        return status


RequestMaker = Callable[[], bytes]


def get_request(port: int, path: str) -> RequestMaker:
    raw = f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept: application/json\r\n\r\n".encode()
    return lambda: raw


def intake_request(port: int, world: World, seed: int) -> RequestMaker:
    rng = random.Random(seed)
    head = (f"POST /api/v1/cases HTTP/1.1\r\nHost: {HOST}:{port}\r\nAuthorization: Bearer {world.token}\r\n"
            "Content-Type: application/json\r\nAccept: application/json\r\n")
    grids = list(GRID_BOXES.values())

    def make() -> bytes:
        x0, y0, x1, y1 = rng.choice(grids)
        inset = 0.0002  # stay clear of the edges
        body: dict[str, Any] = {
            "category": rng.choice(world.categories),
            "description": f"{rng.choice(DESCRIPTIONS)}（{rng.randint(1, 99999)}）",
            "lat": round(rng.uniform(y0 + inset, y1 - inset), 6),
            "lng": round(rng.uniform(x0 + inset, x1 - inset), 6),
        }
        if rng.random() < 0.5:
            body["address"] = f"北山街道{rng.randint(1, 200)}号"
        if rng.random() < 0.3:
            body["title"] = body["description"][:12]
        data = json.dumps(body, ensure_ascii=False).encode()
        return head.encode() + f"Content-Length: {len(data)}\r\n\r\n".encode() + data

    return make


@dataclass
class Result:
    db: str
    endpoint: str
    load: str
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    offered_rps: float | None = None

    @property
    def rps(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]  # nearest rank


async def closed_loop(port: int, make: RequestMaker, ok: Callable[[int], bool], *, concurrency: int,
                      seconds: float, result: Result) -> Result:
    """C clients, each sending its next request as soon as the last is answered; the first second is warm-up."""
    start = time.perf_counter()
    window_start = start + WARMUP_S
    end = window_start + seconds

    async def client() -> None:
        conn = Conn(port)
        try:
            while time.perf_counter() < end:
                raw = make()
                t0 = time.perf_counter()
                try:
                    status = await asyncio.wait_for(conn.send(raw), REQUEST_TIMEOUT_S)
                except (OSError, TimeoutError, ValueError, IndexError, asyncio.IncompleteReadError) as exc:
                    conn.close()
                    if t0 >= window_start:
                        result.errors += 1
                        result.statuses[type(exc).__name__] += 1
                    continue
                t1 = time.perf_counter()
                if window_start <= t1 <= end:
                    result.statuses[str(status)] += 1
                    if ok(status):
                        result.latencies_ms.append((t1 - t0) * 1000)
                    else:
                        result.errors += 1
        finally:
            conn.close()

    await asyncio.gather(*(client() for _ in range(concurrency)))
    result.seconds += seconds  # a result may gather several rounds
    return result


async def open_loop(port: int, make: RequestMaker, ok: Callable[[int], bool], *, rate: float, seconds: float,
                    pool_size: int, result: Result) -> Result:
    """Requests at a fixed offered rate whatever the server does; latency from each scheduled start."""
    idle: asyncio.Queue[Conn] = asyncio.Queue()
    for _ in range(pool_size):
        idle.put_nowait(Conn(port))
    total = int(rate * seconds)
    start = time.perf_counter() + 0.05

    async def one(scheduled: float, raw: bytes) -> None:
        conn = await idle.get()
        try:
            status = await asyncio.wait_for(conn.send(raw), REQUEST_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError, IndexError, asyncio.IncompleteReadError) as exc:
            conn.close()
            result.errors += 1
            result.statuses[type(exc).__name__] += 1
            return
        finally:
            idle.put_nowait(conn)
        done = time.perf_counter()
        last_done[0] = max(last_done[0], done)
        result.statuses[str(status)] += 1
        if ok(status):
            result.latencies_ms.append((done - scheduled) * 1000)
        else:
            result.errors += 1

    last_done = [start]
    tasks = []
    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(scheduled, make())))
    if tasks:
        _, pending = await asyncio.wait(tasks, timeout=REQUEST_TIMEOUT_S + 5)
        for task in pending:
            task.cancel()
            result.errors += 1
            result.statuses["unfinished"] += 1
    while not idle.empty():
        idle.get_nowait().close()
    # Achieved rate: over the time the answers actually took, when the server fell behind.
    result.seconds = max(seconds, last_done[0] - start)
    result.offered_rps = rate
    return result


# ---------------------------------------------------------------- one database, end to end


@dataclass
class DbReport:
    db: str
    results: list[Result]
    healthz: Result
    intake: Result
    paced: Result | None


def bench_database(kind: str, args: argparse.Namespace, workdir: Path) -> DbReport:
    print(f"\n== {kind}: 建库、迁移、种子数据 build, migrate, seed …", flush=True)
    with fresh_database(kind, workdir) as url:
        world = build_world(url)
        with served(url, workdir / f"server-{kind}.log") as port:
            print(f"   服务 serving http://{HOST}:{port} (uvicorn, 1 进程 process)", flush=True)
            c, n = args.concurrency, args.seconds
            is_2xx = lambda s: 200 <= s < 300  # noqa: E731
            is_redirect = lambda s: 300 <= s < 400  # noqa: E731
            is_201 = lambda s: s == 201  # noqa: E731

            phases: list[tuple[Result, RequestMaker, Callable[[int], bool]]] = [
                (Result(kind, "GET /healthz (SELECT 1)", f"{c} 并发 closed loop", 0.0),
                 get_request(port, "/healthz"), is_2xx),
                (Result(kind, "GET /lang/zh (无数据库 no DB)", f"{c} 并发 closed loop", 0.0),
                 get_request(port, "/lang/zh?next=/"), is_redirect),
                (Result(kind, "POST /api/v1/cases", f"{c} 并发 closed loop", 0.0),
                 intake_request(port, world, seed=1), is_201),
            ]
            # Interleaved rounds: a machine whose speed drifts (a shared VM) slows every endpoint
            # alike instead of whichever one happened to be measured in the slow minute.
            for i in range(args.rounds):
                print(f"   测量 measuring round {i + 1}/{args.rounds}: healthz, /lang/zh, intake …", flush=True)
                for result, make, ok in phases:
                    asyncio.run(closed_loop(port, make, ok, concurrency=c, seconds=n / args.rounds, result=result))
            healthz, no_db, intake = (result for result, _, _ in phases)
            results = [healthz, no_db, intake]
            paced = None
            share = intake.rps / healthz.rps if healthz.rps else 0.0
            if args.paced or not intake.pct(0.99) < TARGET_P99_MS or share < TARGET_SHARE:
                rate = max(1.0, TARGET_SHARE * healthz.rps)
                print(f"   测量 measuring POST /api/v1/cases at {rate:.0f}/s (open loop) …", flush=True)
                paced = Result(kind, "POST /api/v1/cases", f"定速 paced {rate:.0f}/s open loop", n)
                asyncio.run(open_loop(port, intake_request(port, world, seed=2), is_201, rate=rate, seconds=n,
                                      pool_size=max(4 * c, 32), result=paced))
                results.append(paced)
    return DbReport(kind, results, healthz, intake, paced)


# ---------------------------------------------------------------- report


def _fmt(x: float) -> str:
    return "—" if x != x else f"{x:.1f}"


def print_report(reports: list[DbReport], args: argparse.Namespace) -> None:
    import uvicorn

    # uvicorn's "auto" HTTP implementation: httptools when installed, else the pure-Python h11.
    http_impl = "httptools" if importlib.util.find_spec("httptools") else "h11"
    print(f"\n### 立案基准 Intake bench — {args.seconds:g} s × {args.concurrency} 并发 concurrency\n")
    print(f"机器 machine: {os.cpu_count()} CPU, Python {platform.python_version()}, uvicorn {uvicorn.__version__} "
          f"({http_impl}), 1 个服务进程 server process; 负载端同机 load generator on the same machine.\n")
    print("| 数据库 DB | 端点 endpoint | 负载 load | req/s | p50 ms | p95 ms | p99 ms | 错误 errors |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for rep in reports:
        for r in rep.results:
            print(f"| {r.db} | {r.endpoint} | {r.load} | {r.rps:.0f} | {_fmt(r.pct(0.5))} | {_fmt(r.pct(0.95))} "
                  f"| {_fmt(r.pct(0.99))} | {r.errors} |")
    print()
    for rep in reports:
        share = rep.intake.rps / rep.healthz.rps if rep.healthz.rps else 0.0
        rate_ok = share >= TARGET_SHARE
        if rep.paced is not None:
            p99, where = rep.paced.pct(0.99), f"定速 paced {rep.paced.offered_rps:.0f}/s"
        else:
            p99, where = rep.intake.pct(0.99), f"{args.concurrency} 并发 closed loop（已高于 25% 速率 above the 25% rate）"
        # The closed-loop p99 only stands in for the paced one when intake ran at >= 25% of the rate.
        p99_ok = p99 < TARGET_P99_MS and (rep.paced is not None or rate_ok)
        print(f"- **{rep.db}**: 立案 / 健康检查 intake / healthz = {rep.intake.rps:.0f} / {rep.healthz.rps:.0f} "
              f"= **{share:.0%}**（目标 target ≥ {TARGET_SHARE:.0%}）{'✅' if rate_ok else '❌'}；"
              f"p99 @ {where} = **{_fmt(p99)} ms**（目标 target < {TARGET_P99_MS:.0f} ms）{'✅' if p99_ok else '❌'}")
        if rep.results[1].rps:
            print(f"  - 对照 vs no-DB route: intake / GET /lang/zh = {rep.intake.rps / rep.results[1].rps:.0%}")
        for r in rep.results:
            bad = {k: v for k, v in r.statuses.items() if not k.startswith(("2", "3"))}
            if bad:
                print(f"  - {r.endpoint} [{r.load}] 非预期响应 unexpected: {dict(bad)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="每项测量时长（秒） seconds per measurement")
    parser.add_argument("--concurrency", type=int, default=8, help="并发客户端数 concurrent clients")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--paced", action="store_true", help="总是测量 25%% 定速 always run the paced intake")
    parser.add_argument("--rounds", type=int, default=3, help="交替轮数 interleaved rounds per measurement")
    parser.add_argument("--serve-child", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_child:
        serve_child(args.serve_child)
        return 0
    if not (0 < args.seconds <= 600 and 1 <= args.concurrency <= 256):
        parser.error("--seconds 须在 (0, 600]，--concurrency 须在 [1, 256]")

    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    reports = []
    with tempfile.TemporaryDirectory(prefix="gongzhi-bench-") as tmp:
        for kind in kinds:
            reports.append(bench_database(kind, args, Path(tmp)))
    print_report(reports, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
