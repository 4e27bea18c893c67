"""Background work: SLA sweeps and outbox delivery.

On SQLite one loop runs inside the server (app lifespan). On PostgreSQL run `gongzhi worker`
on as many machines as you like: the sweep and the outbox claim rows with SKIP LOCKED.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from gongzhi.cases import service as cases
from gongzhi.clock import Clock
from gongzhi.config import Settings
from gongzhi.db import Database
from gongzhi.notify.channels import default_channels
from gongzhi.notify.sender import deliver_due

log = logging.getLogger("gongzhi.worker")


@dataclass(frozen=True)
class Pass:
    escalated: int
    auto_closed: int
    sent: int
    retried: int
    dead: int


def run_once(database: Database, clock: Clock, settings: Settings) -> Pass:
    now = clock.now()
    with database.session() as session:
        swept = cases.sweep(session, now)
    report = deliver_due(
        database,
        clock.now(),
        default_channels(settings),
        batch=settings.outbox_batch,
        max_attempts=settings.outbox_max_attempts,
    )
    return Pass(swept.escalated, swept.auto_closed, report.sent, report.retried, report.dead)


def run_loop(database: Database, clock: Clock, settings: Settings, stop: threading.Event) -> None:
    log.info("worker started", extra={"interval_s": settings.sweep_interval_seconds})
    while not stop.is_set():
        try:
            done = run_once(database, clock, settings)
            if any((done.escalated, done.auto_closed, done.sent, done.retried, done.dead)):
                log.info("worker pass", extra=done.__dict__)
        except Exception:  # a bad pass must not kill the loop; the next one retries
            log.exception("worker pass failed")
        stop.wait(settings.sweep_interval_seconds)
