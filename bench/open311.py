"""Open311: latency of POST requests and of the largest GET requests answer (1000 requests), JSON and XML.

    .venv/bin/python bench/open311.py [--posts 300] [--reads 30] [--db sqlite|postgresql|both]

For each database: a fresh one (bench/intake.py's fresh_database and build_world: migrations,
reference data, a 4-grid street with units and grid workers), an Open311 client key, then the
real app in-process (gongzhi.app.create_app through Starlette's TestClient, sequential, so the
figures are server time plus the in-process client, without network). It files --posts
requests through POST /open311/v2/requests.json (form-encoded, random public services and
points in the grids), then reads GET requests.json and requests.xml (the default 90-day window,
capped at 1000) --reads times each. Prints median and p95 per operation.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

_spec = importlib.util.spec_from_file_location("bench_intake", Path(__file__).with_name("intake.py"))
assert _spec is not None and _spec.loader is not None
intake = importlib.util.module_from_spec(_spec)
sys.modules["bench_intake"] = intake  # its dataclasses look their module up while being defined
_spec.loader.exec_module(intake)


def _timed(fn: Callable[[], Any], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def _summary(name: str, ms: list[float]) -> str:
    p95 = sorted(ms)[max(0, int(len(ms) * 0.95) - 1)]
    return f"  {name:<34} n={len(ms):<5} median {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms"


def run(kind: str, posts: int, reads: int) -> None:
    from fastapi.testclient import TestClient

    from gongzhi.app import create_app
    from gongzhi.db import Database, make_engine
    from gongzhi.open311 import service

    with tempfile.TemporaryDirectory() as tmp, intake.fresh_database(kind, Path(tmp)) as url:
        world = intake.build_world(url)
        settings = intake._bench_settings(url)
        database = Database(make_engine(url))
        with database.session() as s:
            from gongzhi.clock import SystemClock

            key = service.add_client(s, name="bench", now=SystemClock().now(), rate_limit_per_hour=0).key
        app = create_app(settings=settings, database=database, start_worker=False)
        rnd = random.Random(7)
        boxes = list(intake.GRID_BOXES.values())
        with TestClient(app) as client:

            def post() -> None:
                x0, y0, x1, y1 = rnd.choice(boxes)
                r = client.post(
                    "/open311/v2/requests.json",
                    data={
                        "api_key": key,
                        "service_code": rnd.choice(world.categories),
                        "lat": str(rnd.uniform(y0 + 1e-4, y1 - 1e-4)),
                        "long": str(rnd.uniform(x0 + 1e-4, x1 - 1e-4)),
                        "description": "井盖松动，车辆经过时响声很大",
                        "email": "bench@example.com",
                    },
                )
                assert r.status_code == 200, r.text

            def get(fmt: str) -> Callable[[], None]:
                def call() -> None:
                    r = client.get(f"/open311/v2/requests.{fmt}")
                    assert r.status_code == 200

                return call

            print(f"{kind}:")
            print(_summary("POST requests.json", _timed(post, posts)))
            # Fill up to the 1000-result cap, then read the largest answer.
            _timed(post, max(0, 1000 - posts))
            n = len(client.get("/open311/v2/requests.json").json())
            print(_summary(f"GET requests.json ({n} results)", _timed(get("json"), reads)))
            print(_summary(f"GET requests.xml ({n} results)", _timed(get("xml"), reads)))
            print(_summary("GET services.xml", _timed(lambda: client.get("/open311/v2/services.xml"), reads)))
        database.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--reads", type=int, default=30)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    for kind in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        run(kind, args.posts, args.reads)


if __name__ == "__main__":
    main()
