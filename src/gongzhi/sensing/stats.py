"""City-brain figures for the dashboards (issue 8): detour advisories in force and open alert episodes.

Both are lists at an instant `now`, for the grids of an area; each item is a JSON-able dict (ids,
a label in the asked language — Chinese by default —, UTC ISO times, grid code, a url to an
existing page: an episode's case `/cases/{id}`, else the city-brain board `/citybrain`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

import gongzhi.sensing.messages  # noqa: F401  (registers sensing.level.* used in labels)
from gongzhi.clock import local_time, utc
from gongzhi.config import Settings, get_settings
from gongzhi.geo.service import codes_by_id
from gongzhi.i18n import register, translate
from gongzhi.sensing.models import Advisory, Episode, RoadSegment

register({
    "sensing.stats.kind.crowd": ("异常聚集", "Crowd"),
    "sensing.stats.kind.smoke": ("烟雾报警", "Smoke alarm"),
    "sensing.stats.kind.gas": ("燃气报警", "Gas alarm"),
    "sensing.stats.kind.door_forced": ("门禁被强行打开", "Door forced"),
    "sensing.stats.kind.door_open": ("夜间门禁未关", "Door left open"),
    "sensing.stats.advisory_label": ("{segment}：{level}（约为通行能力的 {percent}%）",
                                     "{segment}: {level} (about {percent}% of capacity)"),
    "sensing.stats.alert_label": ("{kind}：{place}", "{kind}: {place}"),
})

ALERT_KINDS = ("crowd", "smoke", "gas")
BOARD_URL = "/citybrain"


def active_advisories(session: Session, grid_ids: Sequence[int], now: datetime, *, limit: int = 20,
                      lang: str = "zh") -> tuple[int, list[dict[str, Any]]]:
    """Detour advisories in force at `now` in the grids: issued_at <= now and not closed by then
    (closed_at NULL or later than now). (count, the `limit` most recently issued first)."""
    if not grid_ids:
        return 0, []
    where = (Advisory.grid_id.in_(list(grid_ids)), Advisory.issued_at <= now,
             or_(Advisory.closed_at.is_(None), Advisory.closed_at > now))
    total = int(session.scalar(select(func.count(Advisory.id)).where(*where)) or 0)
    rows = session.execute(
        select(Advisory, RoadSegment).join(RoadSegment, RoadSegment.id == Advisory.segment_id).where(*where)
        .order_by(Advisory.issued_at.desc(), Advisory.id.desc()).limit(limit)
    ).all()
    codes = codes_by_id(session, {a.grid_id for a, _ in rows})
    items = []
    for a, seg in rows:
        level = translate(f"sensing.level.{a.level}", lang)
        items.append({
            "id": a.id, "segment_code": seg.code, "segment": seg.name, "level": a.level, "level_label": level,
            "ratio": a.ratio, "alternative": a.alternative, "grid_id": a.grid_id, "grid_code": codes.get(a.grid_id, ""),
            "issued_at": utc(a.issued_at).isoformat(), "issued_local": local_time(a.issued_at),
            "label": translate("sensing.stats.advisory_label", lang, segment=seg.name, level=level,
                               percent=round(a.ratio * 100)),
            "url": BOARD_URL,
        })
    return total, items


def open_alerts(session: Session, grid_ids: Sequence[int], now: datetime, *, limit: int = 20,
                kinds: Sequence[str] = ALERT_KINDS, lang: str = "zh",
                settings: Settings | None = None) -> tuple[int, list[dict[str, Any]]]:
    """Alert episodes (crowd, smoke, gas by default) open at `now` in the grids: opened_at <= now, not
    closed by then, and not gone quiet — a repeat within `episode_quiet_minutes` (60) of now, the rule
    by which service.open_episode treats an episode as over even before the sweep closes it.
    (count, the `limit` most recently opened first)."""
    if not grid_ids or not kinds:
        return 0, []
    quiet = timedelta(minutes=(settings or get_settings()).episode_quiet_minutes)
    where = (Episode.grid_id.in_(list(grid_ids)), Episode.kind.in_(list(kinds)), Episode.opened_at <= now,
             or_(Episode.closed_at.is_(None), Episode.closed_at > now), Episode.last_at >= now - quiet)
    total = int(session.scalar(select(func.count(Episode.id)).where(*where)) or 0)
    rows = list(session.scalars(select(Episode).where(*where)
                                .order_by(Episode.opened_at.desc(), Episode.id.desc()).limit(limit)))
    codes = codes_by_id(session, {e.grid_id for e in rows})
    items = []
    for e in rows:
        kind = translate(f"sensing.stats.kind.{e.kind}", lang)
        items.append({
            "id": e.id, "kind": e.kind, "kind_label": kind, "place": e.place, "device_code": e.device_code,
            "count": e.count, "grid_id": e.grid_id, "grid_code": codes.get(e.grid_id, "") if e.grid_id else "",
            "opened_at": utc(e.opened_at).isoformat(), "opened_local": local_time(e.opened_at),
            "last_at": utc(e.last_at).isoformat(), "case_id": e.case_id,
            "label": translate("sensing.stats.alert_label", lang, kind=kind, place=e.place),
            "url": f"/cases/{e.case_id}" if e.case_id else BOARD_URL,
        })
    return total, items
