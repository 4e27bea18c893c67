"""Device ingestion on PostgreSQL with Mosquitto: MQTT QoS 1 (one reading per message) and HTTP batches.

    .venv/bin/python bench/ingest.py [--messages 60000] [--devices 2000] [--consumers 2] [--publishers 1]
                                     [--http-seconds 10] [--http-batch 1000] [--http-clients 4]
                                     [--broker private|HOST:PORT]

It builds a fresh PostgreSQL database on 127.0.0.1:5432 (dropped at the end; admin URL from
GONGZHI_BENCH_PG_URL), runs the migrations and registers `--devices` devices of a bench kind.

MQTT. By default it starts a private Mosquitto (the local binary) on a free port, configured as a
production ingestion broker should be: no cap on queued messages (Mosquitto's default of 1000 queued
messages per client silently drops QoS 1 messages once consumers fall behind) and no global
in-flight cap (each consumer sets its MQTT 5 receive maximum). `--consumers` processes run the real
ingestion worker (`gongzhi.devices.mqtt.Consumer`, the code of `gongzhi devices ingest`: shared
subscription, batches, one transaction per batch, PUBACK only after commit) with a trivial counting
handler registered for the bench kind, so every reading is committed AND handed to a handler.
`--publishers` processes publish QoS 1 messages of one reading each, `{"ts": <now ms>, "values":
{"v": i}}`, round robin over the devices, as pre-encoded MQTT 3.1.1 packets on a raw socket (the
load generator must cost less than the ingestion it loads: with paho-mqtt it did not).
  * saturation: all messages published as fast as the publishers can; msg/s = messages / (last
    commit − first publish). Latency here includes the backlog, so it is printed but not the p99
    figure of record;
  * paced: messages published at 50% of the saturation rate for `--paced-seconds`; p99 of reading
    timestamp → commit (commit time taken right after COMMIT returns, in the consumer).

HTTP. The real app (`gongzhi.app.create_app`) served by uvicorn in a child process (one worker);
`--http-clients` threads each POST `/api/v1/{token}/telemetry` with a list of `--http-batch`
readings (`[{"ts": ms, "values": {"v": x}}, …]`) for `--http-seconds`. readings/s = readings
answered 200 / elapsed; the p99 reading-to-commit latency is the request's round trip (a 200 means
committed; each reading's ts is taken when its request is built).

Targets (issue 5): 10,000 msg/s MQTT, 50,000 readings/s HTTP batch. The ratio is printed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

HOST = "127.0.0.1"
PG_ADMIN_URL = os.environ.get("GONGZHI_BENCH_PG_URL", "postgresql://root@127.0.0.1:5432/postgres")
KIND = "bench_counter"
TARGET_MQTT = 10_000
TARGET_HTTP = 50_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def wait_port(port: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


# ----------------------------------------------------------------------------- database


def create_database() -> tuple[str, str]:
    import psycopg

    name = f"gongzhi_bench_ingest_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return name, PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def register_devices(url: str, count: int) -> tuple[list[str], list[str]]:
    from gongzhi.clock import SystemClock
    from gongzhi.db import Database, make_engine, upgrade_schema
    from gongzhi.devices import handlers, service

    upgrade_schema(url)
    handlers.register(KIND, lambda *_a: None)  # so the kind is known at registration
    db = Database(make_engine(url))
    codes, tokens = [], []
    now = SystemClock().now()
    with db.session() as s:
        for i in range(count):
            device, token = service.register_device(s, code=f"B{i:05d}", kind=KIND, now=now)
            codes.append(device.code)
            tokens.append(token)
    db.engine.dispose()
    return codes, tokens


def count_readings(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM device_readings").fetchone()
        return int(row[0]) if row else 0


# ----------------------------------------------------------------------------- MQTT


def start_broker(tmp: Path) -> tuple[subprocess.Popen[bytes], int]:
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    port = free_port()
    conf = tmp / "mosquitto.conf"
    conf.write_text(
        f"listener {port} {HOST}\nallow_anonymous true\npersistence false\n"
        "max_queued_messages 0\nmax_inflight_messages 0\n" + ("user root\n" if os.geteuid() == 0 else "")
    )
    proc = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    return proc, port


def consumer_main(url: str, host: str, port: int, client_id: str, group: str, prefix: str,
                  stop: Any, ready: Any, committed: Any, handled: Any, out: Any) -> None:
    import logging

    sys.path.insert(0, str(ROOT / "src"))
    logging.basicConfig(level=logging.ERROR)
    from gongzhi.clock import SystemClock
    from gongzhi.db import Database, make_engine
    from gongzhi.devices import handlers
    from gongzhi.devices.config import DeviceSettings
    from gongzhi.devices.mqtt import Consumer

    def counting(_s: Any, _d: Any, readings: Any, _now: Any) -> None:
        handled.value += len(readings)

    handlers.register(KIND, counting)
    lat: list[float] = []

    def on_commit(batch: Any, _done: Any) -> None:
        t = time.time()
        for _code, readings in batch:
            for r in readings:
                lat.append(t - r.ts.timestamp())
                committed.value += 1

    db = Database(make_engine(url, pool_size=2))
    settings = DeviceSettings(mqtt_host=host, mqtt_port=port, mqtt_batch_size=1000, mqtt_batch_ms=20)
    consumer = Consumer(db.session, SystemClock(), settings=settings, client_id=client_id, group=group,
                        prefix=prefix, on_commit=on_commit, session_expiry_s=60)
    consumer.connect()
    ready.set()
    while not stop.is_set():
        consumer.step(consumer.batch_s)
    consumer.close()
    out.put(lat)
    db.engine.dispose()


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _mqtt_str(text: str) -> bytes:
    raw = text.encode()
    return len(raw).to_bytes(2, "big") + raw


def publisher_main(host: str, port: int, prefix: str, codes: list[str], n: int, rate: float,
                   go: Any, done: Any) -> None:
    """The load generator: MQTT 3.1.1 QoS 1 PUBLISH packets written straight to a socket, in chunks,
    with PUBACKs counted by a reader thread. Not the system under test: paho-mqtt's Python packet
    handling cost the publisher more CPU per message than a consumer spends committing it, so on
    these 2 shared cores it, not ingestion, set the saturation figure. Each message's ts is the
    wall clock when it is encoded (kept strictly increasing per device, the dedupe key)."""
    sock = socket.create_connection((host, port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    body = _mqtt_str("MQTT") + bytes([4, 0x02]) + (60).to_bytes(2, "big") + _mqtt_str(f"bench-pub-{uuid.uuid4().hex[:8]}")
    sock.sendall(bytes([0x10]) + _varint(len(body)) + body)
    if sock.recv(4)[:1] != b"\x20":
        raise RuntimeError("broker refused the publisher's CONNECT")
    acked = {"n": 0}

    def read_acks() -> None:
        pending = b""
        while acked["n"] < n:
            chunk = sock.recv(65536)
            if not chunk:
                return
            pending += chunk
            whole = len(pending) // 4  # PUBACK: 0x40 0x02 id id
            acked["n"] += whole
            pending = pending[whole * 4:]

    reader = threading.Thread(target=read_acks, daemon=True)
    reader.start()
    topics = [_mqtt_str(f"{prefix}/{c}/telemetry") for c in codes]
    last_ts = [0] * len(topics)
    go.wait()
    t0 = time.time()
    chunk = 1 if rate else 200
    for start in range(0, n, chunk):
        if rate:
            delay = t0 + start / rate - time.time()
            if delay > 0:
                time.sleep(delay)  # pacing an open-loop load, not waiting for a result
        out = bytearray()
        now_ms = int(time.time() * 1000)
        for i in range(start, min(n, start + chunk)):
            d = i % len(topics)
            ts = last_ts[d] = max(now_ms, last_ts[d] + 1)
            payload = json.dumps({"ts": ts, "values": {"v": i}}).encode()
            packet_id = (i % 65535 + 1).to_bytes(2, "big")
            rest = topics[d] + packet_id + payload
            out += b"\x32" + _varint(len(rest)) + rest
        sock.sendall(out)
    reader.join(timeout=120)
    done.put(time.time() - t0)
    sock.sendall(b"\xe0\x00")  # DISCONNECT
    sock.close()


def run_mqtt(url: str, codes: list[str], host: str, port: int, args: argparse.Namespace, n: int, rate: float,
             label: str, *, preload: bool = False) -> dict[str, float]:
    """One MQTT measurement. preload: the messages wait in the broker (consumers' persistent sessions)
    before the consumers start, so the clock measures ingestion alone, not the publishers on this machine."""
    ctx = mp.get_context("spawn")
    run = uuid.uuid4().hex[:6]
    prefix, group = f"bench{run}/devices", f"bench{run}"
    out, pub_done = ctx.Queue(), ctx.Queue()
    committed = [ctx.Value("q", 0) for _ in range(args.consumers)]
    handled = [ctx.Value("q", 0) for _ in range(args.consumers)]

    def start_consumers(stop: Any) -> list[Any]:
        procs = []
        readies = []
        for i in range(args.consumers):
            ready = ctx.Event()
            p = ctx.Process(target=consumer_main, args=(url, host, port, f"bench-{run}-{i}", group, prefix,
                                                        stop, ready, committed[i], handled[i], out))
            p.start()
            procs.append(p)
            readies.append(ready)
        for ready in readies:
            ready.wait(60)
        return procs

    stop, go = ctx.Event(), ctx.Event()
    consumers = start_consumers(stop)
    if preload:  # sessions and subscriptions exist now; park them
        stop.set()
        for _ in consumers:
            out.get(timeout=60)
        for p in consumers:
            p.join(timeout=30)
        stop = ctx.Event()
    before = count_readings(url)
    per = n // args.publishers
    shards = [codes[i::args.publishers] for i in range(args.publishers)]
    pubs = [ctx.Process(target=publisher_main, args=(host, port, prefix, shards[i], per, rate / args.publishers, go,
                                                      pub_done)) for i in range(args.publishers)]
    for p in pubs:
        p.start()
    time.sleep(1.0)  # let the publishers connect before the clock starts
    total = per * args.publishers
    t0 = time.time()
    go.set()
    if preload:
        pub_times = [pub_done.get(timeout=300) for _ in pubs]
        t0 = time.time()
        consumers = start_consumers(stop)
    deadline = t0 + max(120, 5 * total / 1000)
    while sum(c.value for c in committed) < total and time.time() < deadline:
        time.sleep(0.005)
    elapsed = time.time() - t0
    if not preload:
        pub_times = [pub_done.get(timeout=60) for _ in pubs]
    stop.set()
    lat: list[float] = []
    for _ in consumers:
        lat.extend(out.get(timeout=60))
    for p in consumers + pubs:
        p.join(timeout=30)
    stored = count_readings(url) - before
    done = sum(c.value for c in committed)
    return {
        "label": label, "messages": total, "committed": done, "stored": stored,
        "handled": sum(h.value for h in handled), "seconds": elapsed,
        "msg_s": done / elapsed, "publish_s": max(pub_times), "p50_ms": pct(lat, 0.5) * 1000,
        "p99_ms": pct(lat, 0.99) * 1000,
    }


# ----------------------------------------------------------------------------- HTTP


SERVER = """
import sys, logging
sys.path.insert(0, {src!r})
import uvicorn
from gongzhi.app import create_app
from gongzhi.config import Settings
from gongzhi.devices import handlers
handlers.register({kind!r}, lambda *_a: None)
settings = Settings(database_url={url!r}, log_json=True, log_level="WARNING", embedded_worker=False)
logging.basicConfig(level=logging.WARNING)
uvicorn.run(create_app(settings=settings, start_worker=False), host={host!r}, port={port}, log_level="warning",
            access_log=False)
"""


def run_http(url: str, tokens: list[str], args: argparse.Namespace) -> dict[str, float]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVER.format(src=str(ROOT / "src"), kind=KIND, url=url,
                                                                   host=HOST, port=port)])
    try:
        wait_port(port, 60)
        before = count_readings(url)
        stop_at = time.time() + 1.0 + args.http_seconds
        results: list[tuple[float, float, int, int]] = []  # (start, latency, readings, status)
        lock = threading.Lock()

        def client(idx: int) -> None:
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            seq = idx * 10_000_000
            while time.time() < stop_at:
                token = tokens[seq % len(tokens)]
                base = int(time.time() * 1000)
                # Distinct (key, ts) per reading: one device, one key, consecutive milliseconds back in time.
                body = json.dumps([{"ts": base - j, "values": {"v": j}} for j in range(args.http_batch)])
                seq += 1
                start = time.time()
                conn.request("POST", f"/api/v1/{token}/telemetry", body, {"Content-Type": "application/json"})
                resp = conn.getresponse()
                resp.read()
                with lock:
                    results.append((start, time.time() - start, args.http_batch, resp.status))
            conn.close()

        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.http_clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        warm = stop_at - args.http_seconds
        measured = [r for r in results if r[0] >= warm]
        ok = [r for r in measured if r[3] == 200]
        span = max(r[0] + r[1] for r in measured) - warm if measured else float("nan")
        readings = sum(r[2] for r in ok)
        stored = count_readings(url) - before
        return {
            "requests": len(measured), "errors": len(measured) - len(ok), "readings": readings,
            "stored_total": stored, "seconds": span, "readings_s": readings / span,
            "p50_ms": pct([r[1] for r in ok], 0.5) * 1000, "p99_ms": pct([r[1] for r in ok], 0.99) * 1000,
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


# ----------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=60_000)
    parser.add_argument("--devices", type=int, default=2000)
    parser.add_argument("--consumers", type=int, default=2)
    parser.add_argument("--publishers", type=int, default=1)
    parser.add_argument("--paced-seconds", type=float, default=10.0)
    parser.add_argument("--http-seconds", type=float, default=10.0)
    parser.add_argument("--http-batch", type=int, default=1000)
    parser.add_argument("--http-clients", type=int, default=4)
    parser.add_argument("--broker", default="private")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-mqtt", action="store_true")
    args = parser.parse_args()

    print(f"machine: {os.cpu_count()} CPUs; PostgreSQL at {PG_ADMIN_URL.rsplit('@', 1)[-1]}")
    name, url = create_database()
    broker = None
    tmp = Path(tempfile.mkdtemp(prefix="gongzhi-bench-ingest-"))
    try:
        codes, tokens = register_devices(url, args.devices)
        print(f"database {name}: {len(codes)} devices registered")
        if not args.skip_mqtt:
            if args.broker == "private":
                broker, port = start_broker(tmp)
                host = HOST
                print(f"private mosquitto on {host}:{port} (max_queued_messages 0, max_inflight_messages 0)")
            else:
                host, _, p = args.broker.partition(":")
                port = int(p or 1883)
            sat = run_mqtt(url, codes, host, port, args, args.messages, 0.0, "saturation")
            print(f"\nMQTT saturation: {sat['committed']:.0f}/{sat['messages']:.0f} messages committed "
                  f"(stored {sat['stored']:.0f}, handed to handler {sat['handled']:.0f}) in {sat['seconds']:.2f} s "
                  f"(publishers done in {sat['publish_s']:.2f} s)")
            print(f"  {sat['msg_s']:,.0f} msg/s = {sat['msg_s']:,.0f} readings/s; target {TARGET_MQTT:,} msg/s; "
                  f"ratio {sat['msg_s'] / TARGET_MQTT:.2f}")
            print(f"  latency under backlog: p50 {sat['p50_ms']:.0f} ms, p99 {sat['p99_ms']:.0f} ms")
            drain = run_mqtt(url, codes, host, port, args, args.messages, 0.0, "drain", preload=True)
            print(f"MQTT drain of a {drain['messages']:.0f}-message backlog (publishers finished first, so only "
                  f"broker + consumers + PostgreSQL run): {drain['committed']:.0f} committed "
                  f"(stored {drain['stored']:.0f}, handed to handler {drain['handled']:.0f}) in {drain['seconds']:.2f} s")
            print(f"  {drain['msg_s']:,.0f} msg/s; target {TARGET_MQTT:,} msg/s; ratio {drain['msg_s'] / TARGET_MQTT:.2f}")
            rate = max(100.0, round(sat["msg_s"] * 0.5, -2))
            paced = run_mqtt(url, codes, host, port, args, int(rate * args.paced_seconds), rate, "paced")
            print(f"MQTT paced at {rate:,.0f} msg/s (50% of saturation) for {args.paced_seconds:.0f} s: "
                  f"{paced['committed']:.0f}/{paced['messages']:.0f} committed; reading→commit "
                  f"p50 {paced['p50_ms']:.1f} ms, p99 {paced['p99_ms']:.1f} ms")
        if not args.skip_http:
            h = run_http(url, tokens, args)
            print(f"\nHTTP batch ({args.http_clients} clients × {args.http_batch} readings/request, "
                  f"{args.http_seconds:.0f} s): {h['requests']:.0f} requests, {h['errors']:.0f} errors, "
                  f"{h['readings']:,.0f} readings in {h['seconds']:.2f} s")
            print(f"  {h['readings_s']:,.0f} readings/s; target {TARGET_HTTP:,}; ratio {h['readings_s'] / TARGET_HTTP:.2f}")
            print(f"  reading→commit (request round trip): p50 {h['p50_ms']:.0f} ms, p99 {h['p99_ms']:.0f} ms")
    finally:
        if broker is not None:
            broker.terminate()
            broker.wait(timeout=10)
        drop_database(name)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
