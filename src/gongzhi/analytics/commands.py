"""`gongzhi analytics …`: the measures of an area for a month, and before/after a pilot start."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from gongzhi.analytics import compare as cmp
from gongzhi.analytics import measures as m
from gongzhi.analytics import periods
from gongzhi.clock import SystemClock
from gongzhi.config import get_settings
from gongzhi.db import database_from_settings
from gongzhi.errors import AppError
from gongzhi.geo import service as geo
from gongzhi.i18n import translate

app = typer.Typer(help="成效评估：指标、问卷、报告 / measures, surveys, reports", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="数据库地址（默认取 GONGZHI_DATABASE_URL）", show_default=False),
]
AreaOpt = Annotated[str, typer.Option("--area", help="区域编码（网格、社区、街道或区）", show_default=False)]
CodesOpt = Annotated[str, typer.Option("--codes", help="只看这些指标，逗号分隔（默认全部）")]
LangOpt = Annotated[str, typer.Option("--lang", help="zh / en（默认取配置）")]


def _lang(lang: str) -> str:
    return lang if lang in ("zh", "en") else get_settings().default_language


@contextmanager
def _session(database_url: str | None, lang: str) -> Iterator[Session]:
    """A read-only look: the session is rolled back, not committed; AppErrors become a red line."""
    db = database_from_settings(database_url)
    try:
        with db.engine.connect() as conn, Session(bind=conn) as session:
            yield session
    except AppError as exc:
        err_console.print(translate(exc.code, lang, **exc.params), style="red", highlight=False, markup=False)
        raise typer.Exit(1) from None
    finally:
        db.engine.dispose()


def _codes(text: str) -> list[str]:
    codes = [c.strip() for c in text.split(",") if c.strip()] if text else list(m.MEASURE_CODES)
    for code in codes:
        m.measure(code)
    return codes


def _fmt_number(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


@app.command("measures")
def measures_cmd(area: AreaOpt, month: Annotated[str, typer.Option("--month", help="YYYY-MM（默认本月）")] = "",
                 codes: CodesOpt = "", lang: LangOpt = "", database_url: DatabaseUrl = None) -> None:
    """某区域某月的全部指标（含分子、分母与样本数）。"""
    lang = _lang(lang)
    t = _translator(lang)
    with _session(database_url, lang) as session:
        now = SystemClock().now()
        place = geo.get_area(session, area)
        period = m.parse_period(month=month, now=now)
        results = m.compute_many(session, _codes(codes), place, period, now=now)
    table = Table(title=f"{place.name} {period.label()}")
    for header in ("analytics_cli_measure", "analytics_cli_value", "analytics_cli_num", "analytics_cli_den",
                   "analytics_cli_n"):
        table.add_column(t(header), justify="left" if header == "analytics_cli_measure" else "right")
    for code, r in results.items():
        table.add_row(m.MEASURES[code].name(lang), m.format_value(r, lang), _fmt_number(r.numerator),
                      _fmt_number(r.denominator), f"{r.n:,}")
    console.print(table)


@app.command("compare")
def compare_cmd(area: AreaOpt,
                pilot_start: Annotated[str, typer.Option("--pilot-start", help="试点开始日期 YYYY-MM-DD",
                                                          show_default=False)],
                codes: CodesOpt = "", lang: LangOpt = "", database_url: DatabaseUrl = None) -> None:
    """试点前后对比：前后各取相同天数，给出变化、相对变化、p 值与说明。"""
    lang = _lang(lang)
    t = _translator(lang)
    with _session(database_url, lang) as session:
        now = SystemClock().now()
        place = geo.get_area(session, area)
        day = periods.parse_day(pilot_start)
        found = cmp.compare_many(session, _codes(codes), place, day, now=now)
    first = found[0] if found else None
    title = place.name
    if first and first.before_period and first.after_period:
        title += f"  {first.before_period.label()} → {first.after_period.label()}"
    table = Table(title=title)
    for header in ("analytics_cli_measure", "analytics_cli_before", "analytics_cli_after", "analytics_cli_diff",
                   "analytics_cli_rel", "analytics_cli_improved", "analytics_cli_p", "analytics_cli_note"):
        table.add_column(t(header))
    for c in found:
        rel = "—" if c.relative_change is None else f"{c.relative_change:+.1%}"
        diff = "—" if c.difference is None else f"{c.difference:+,.1f}"
        better = {True: "✓", False: "✗", None: "—"}[c.improved]
        p = "—" if c.p_value is None else f"{c.p_value:.3g}"
        table.add_row(m.MEASURES[c.code].name(lang), m.format_value(c.before, lang), m.format_value(c.after, lang),
                      diff, rel, better, p, t(c.note_key.replace(".note.", ".short.")))
    console.print(table)


def _translator(lang: str) -> Callable[[str], str]:
    return lambda key: translate(key, lang)
