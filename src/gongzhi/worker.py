"""Background work: SLA sweeps, each module's sweep (device silence, elder alarm escalation, dispute
clocks, council notices, ballots, sensing episodes) and outbox delivery.

On SQLite one loop runs inside the server (app lifespan). On PostgreSQL run `gongzhi worker`
on as many machines as you like: the sweep and the outbox claim rows with SKIP LOCKED.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

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
    modules: dict[str, int] = field(default_factory=dict)  # module -> things its sweep did


def _module_sweeps() -> dict[str, Callable[[Session, datetime], int]]:
    from gongzhi.analytics import tasks as analytics_tasks
    from gongzhi.council import ballot_tasks
    from gongzhi.council import tasks as council_tasks
    from gongzhi.devices import tasks as devices_tasks
    from gongzhi.eldercare import tasks as eldercare_tasks
    from gongzhi.mediation import tasks as mediation_tasks
    from gongzhi.sensing import tasks as sensing_tasks

    return {
        "devices": devices_tasks.sweep,
        "eldercare": eldercare_tasks.sweep,
        "mediation": mediation_tasks.sweep,
        "council": council_tasks.sweep,
        "ballots": ballot_tasks.sweep,
        "sensing": sensing_tasks.sweep,
        "analytics": analytics_tasks.sweep,
    }


def run_once(database: Database, clock: Clock, settings: Settings) -> Pass:
    now = clock.now()
    with database.session() as session:
        swept = cases.sweep(session, now)
    done: dict[str, int] = {}
    # Elder alarms first: their deadlines are minutes, not days. Each module in its own
    # transaction, so one module's failure neither undoes nor blocks another's work.
    for name, sweep in _module_sweeps().items():
        try:
            with database.session() as session:
                done[name] = sweep(session, clock.now())
        except Exception:
            log.exception("module sweep failed", extra={"module": name})
    report = deliver_due(
        database,
        clock.now(),
        default_channels(settings),
        batch=settings.outbox_batch,
        max_attempts=settings.outbox_max_attempts,
    )
    return Pass(swept.escalated, swept.auto_closed, report.sent, report.retried, report.dead, done)


def run_loop(database: Database, clock: Clock, settings: Settings, stop: threading.Event) -> None:
    log.info("worker started", extra={"interval_s": settings.sweep_interval_seconds})
    while not stop.is_set():
        try:
            done = run_once(database, clock, settings)
            if any((done.escalated, done.auto_closed, done.sent, done.retried, done.dead, *done.modules.values())):
                log.info("worker pass", extra=done.__dict__)
        except Exception:  # a bad pass must not kill the loop; the next one retries
            log.exception("worker pass failed")
        stop.wait(settings.sweep_interval_seconds)
