"""`gongzhi demo`: build the demo street with 90 days of case history and print the logins.

Sits below the CLI in the import layers, so it builds the schema itself (upgrade_schema +
seed_reference_data) instead of calling gongzhi.cli.init_database.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from gongzhi.auth.models import Unit, User
from gongzhi.cases.models import OPEN_STATUSES, Case
from gongzhi.cases.seed import seed_reference_data
from gongzhi.clock import SHANGHAI, FrozenClock, SystemClock
from gongzhi.config import Settings, get_settings
from gongzhi.db import Database, make_engine, upgrade_schema
from gongzhi.geo.models import Area
from gongzhi.i18n import translate
from gongzhi.simulate import messages  # noqa: F401  (registers the module's i18n keys)
from gongzhi.simulate.casegen import GenerationStats, generate_cases
from gongzhi.simulate.district import DEMO_PASSWORD, District, build_district, demo_exists, load_district

DEMO_CASES = 500
DEMO_DAYS = 90


def sqlite_files(url: str) -> list[Path]:
    """The database file of a SQLite URL and its WAL/SHM/journal companions (none for other URLs)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or not parsed.database or parsed.database == ":memory:":
        return []
    main = Path(parsed.database)
    return [main, *(main.with_name(main.name + suffix) for suffix in ("-wal", "-shm", "-journal"))]


def run_demo(
    *,
    reset: bool,
    console: Console,
    settings: Settings | None = None,
    n: int = DEMO_CASES,
    days: int = DEMO_DAYS,
) -> None:
    """Build the demo into settings.database_url (idempotent unless `reset`), then print the logins."""
    s = settings or get_settings()
    lang = s.default_language

    def say(key: str, **params: object) -> None:
        console.print(translate(key, lang, **params), highlight=False, markup=False)

    started = time.perf_counter()
    if reset:
        files = sqlite_files(s.database_url)
        if not files:
            say("demo.reset_not_sqlite")
        for path in files:
            if path.exists():
                path.unlink()
                if path == files[0]:
                    say("demo.reset_done", path=str(path))

    with console.status(translate("demo.stage.schema", lang)):
        upgrade_schema(s.database_url)
    database = Database(make_engine(s.database_url))
    try:
        with database.session() as session:
            seed_reference_data(session)
            exists = demo_exists(session)
        if exists:
            say("demo.exists")
            print_logins(database, console, s)
            return
        stats = _generate(database, console, s, n=n, days=days)
        seconds = f"{time.perf_counter() - started:.1f}"
        say("demo.summary", cases=stats.cases, days=days, escalations=stats.escalations,
            auto_closed=stats.auto_closed, seconds=seconds)
        say("demo.statuses", statuses="，".join(
            f"{translate(f'case_status.{k}', lang)} {v}" for k, v in stats.statuses.items()))
        if stats.failures:
            say("demo.failures", count=len(stats.failures), first=stats.failures[0])
        print_logins(database, console, s)
    finally:
        database.engine.dispose()


def _generate(database: Database, console: Console, s: Settings, *, n: int, days: int) -> GenerationStats:
    lang = s.default_language
    end = SystemClock().now().replace(second=0, microsecond=0)
    start = end - timedelta(days=days)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(translate("demo.stage.district", lang), total=1)
        with database.session() as session:
            # Accounts and units exist a day before the first case.
            district = build_district(session, start - timedelta(days=1), s.demo_seed)
        progress.update(task, completed=1)

        span = (end - start).total_seconds()
        cases_task = progress.add_task(translate("demo.stage.cases", lang), total=100)

        def on_progress(now: datetime, created: int) -> None:
            label = translate("demo.stage.cases_at", lang, date=f"{now.astimezone(SHANGHAI):%Y-%m-%d}",
                              cases=created)
            done = 100 * (now - start).total_seconds() / span
            progress.update(cases_task, completed=done, description=label)

        stats = generate_cases(database, FrozenClock(end), n=n, days=days, seed=s.demo_seed,
                               district=district, on_progress=on_progress)
        steps = _module_steps(district, start=start, end=end, seed=s.demo_seed)
        modules_task = progress.add_task(translate("demo.stage.modules", lang, module=""), total=len(steps))
        for name, step in steps:
            progress.update(modules_task, description=translate("demo.stage.modules", lang, module=name))
            with database.session() as session:  # one transaction per module: each is whole or absent
                step(session)
            progress.advance(modules_task)
        return stats


def _module_steps(district: District, *, start: datetime, end: datetime,
                  seed: int) -> list[tuple[str, Callable[[Session], object]]]:
    """Each practice module's demo data, in dependency order (devices before the elders wearing them)."""
    from gongzhi.simulate.ballots_demo import seed_ballots_and_volunteers
    from gongzhi.simulate.citybrain_demo import seed_citybrain
    from gongzhi.simulate.council_demo import seed_council
    from gongzhi.simulate.devices_demo import seed_devices
    from gongzhi.simulate.eldercare_demo import seed_eldercare
    from gongzhi.simulate.mediation_demo import seed_mediation
    from gongzhi.simulate.open311_demo import seed_open311
    from gongzhi.simulate.pilot_demo import seed_pilots
    from gongzhi.simulate.reports_demo import seed_reports
    from gongzhi.simulate.stats_demo import seed_stats
    from gongzhi.simulate.survey_demo import seed_surveys
    from gongzhi.simulate.triage_demo import seed_triage

    return [
        ("设备 devices", lambda s: seed_devices(s, end, seed=seed)),
        ("城市大脑 city brain", lambda s: seed_citybrain(s, district, end)),
        ("智慧养老 eldercare", lambda s: seed_eldercare(s, district, end, seed=seed)),
        ("随手拍 reports", lambda s: seed_reports(s, end, seed)),
        ("Open311", lambda s: seed_open311(s, end)),
        ("议事会 council", lambda s: seed_council(s, end)),
        ("业主表决与志愿者 ballots & volunteers", lambda s: seed_ballots_and_volunteers(s, district, end)),
        ("数字枫桥 mediation", lambda s: seed_mediation(s, district, start=start, end=end)),
        ("分诊纠错 triage corrections", lambda s: seed_triage(s, end)),
        ("信访 petitions", lambda s: seed_stats(s, district, start, end, seed)),
        ("入户问卷 surveys", lambda s: seed_surveys(s, district, start, end, seed)),
        ("试点 pilots", lambda s: seed_pilots(s, district, start, end)),
    ]


# ---------------------------------------------------------------- the login table


def _showcase(session: Session) -> list[tuple[User, str]]:
    """One account per role, each with what to try first (accounts an admin removed are left out)."""
    district = load_district(session)
    grid_ids = [g.id for g in district.grids]

    def user(username: str) -> User | None:
        return session.scalars(select(User).where(User.username == username)).first()

    busiest_grid = session.execute(
        select(Case.grid_id, func.count()).where(Case.grid_id.in_(grid_ids), Case.status.in_(OPEN_STATUSES))
        .group_by(Case.grid_id).order_by(func.count().desc(), Case.grid_id).limit(1)
    ).first()
    worker_id = next((g.worker_id for g in district.grids if busiest_grid and g.id == busiest_grid[0]),
                     district.grids[0].worker_id)
    busiest_unit = session.execute(
        select(Case.unit_id, func.count()).where(Case.grid_id.in_(grid_ids), Case.status.in_(OPEN_STATUSES),
                                                 Case.unit_id.is_not(None))
        .group_by(Case.unit_id).order_by(func.count().desc(), Case.unit_id).limit(1)
    ).first()
    staff_unit = (district.unit_by_id(busiest_unit[0]) if busiest_unit and busiest_unit[0] is not None
                  else district.units["GZ-HW"])
    to_rate = session.scalar(
        select(Case.reporter_id).where(Case.grid_id.in_(grid_ids), Case.status == "resolved",
                                       Case.reporter_id.is_not(None)).order_by(Case.id).limit(1)
    )
    resident = session.get(User, to_rate) if to_rate is not None else user("jumin01")
    picks = [
        (user("admin"), "demo.try.admin"),
        (user("jiedao"), "demo.try.street"),
        (user("hemu"), "demo.try.community"),
        (session.get(User, worker_id), "demo.try.grid_worker"),
        (session.get(User, staff_unit.staff_ids[0]) if staff_unit.staff_ids else None, "demo.try.dept_staff"),
        (resident, "demo.try.resident"),
        (user("zhiyuan01"), "demo.try.volunteer"),
        (user("tiaojie1"), "demo.try.mediator"),
        (user("yisheng1"), "demo.try.doctor"),
        (user("yishi01"), "demo.try.council_member"),
        (_owner(session), "demo.try.owner"),
    ]
    return [(account, hint) for account, hint in picks if account is not None]


def _owner(session: Session) -> User | None:
    from gongzhi.council.ballot_models import Owner

    return session.scalars(select(User).join(Owner, Owner.user_id == User.id).order_by(User.id).limit(1)).first()


def login_rows(session: Session, lang: str = "zh") -> list[Sequence[str]]:
    """(username, role, name, area or unit, what to try) for the showcase accounts."""
    rows: list[Sequence[str]] = []
    for account, hint in _showcase(session):
        place = ""
        if account.unit_id is not None:
            place = session.get_one(Unit, account.unit_id).name
        elif account.area_id is not None:
            place = session.get_one(Area, account.area_id).name
        rows.append((account.username, translate(f"role.{account.role}", lang), account.display_name, place,
                     translate(hint, lang)))
    return rows


def print_logins(database: Database, console: Console, settings: Settings) -> None:
    lang = settings.default_language
    with database.session(readonly=True) as session:
        rows = login_rows(session, lang)
    table = Table(title=translate("demo.logins_title", lang), title_justify="left")
    for key in ("username", "role", "name", "area", "try"):
        table.add_column(translate(f"demo.col.{key}", lang), overflow="fold")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    for key, params in (
        ("demo.more_accounts", {}),
        ("demo.password", {"password": DEMO_PASSWORD}),
        ("demo.webhooks", {}),
        ("demo.serve", {"url": f"http://{settings.host}:{settings.port}"}),
    ):
        console.print(translate(key, lang, **params), highlight=False, markup=False)
    from gongzhi.simulate.open311_demo import demo_key_line

    console.print(demo_key_line(f"http://{settings.host}:{settings.port}", lang), highlight=False, markup=False)
