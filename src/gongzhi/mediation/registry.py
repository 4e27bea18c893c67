"""Risk registry (提前走访): households, people and places scored from their dispute history.

Each dispute a subject took part in counts with a recency weight 0.5 ** (age / half-life) and adds
  1                      for the dispute itself,
  + `unresolved`         while it is still open,
  + `escalation` × n     for each missed first-contact clock (at most 3),
  + `high` / `medium`    for its risk tier,
  + `failed`             when mediation failed;
and a subject with several disputes adds `repeat` for each after the first (times the mean weight).
Every term is kept as a reason, so the list says why each entry is on it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.audit import service as audit
from gongzhi.auth import pii
from gongzhi.auth.models import User
from gongzhi.errors import Forbidden, NotFound
from gongzhi.geo.models import Area
from gongzhi.i18n import translate
from gongzhi.mediation import service
from gongzhi.mediation.models import OPEN_STATUSES, Dispute, DisputeParty, RiskVisit

HALF_LIFE_DAYS = 90.0
LOOKBACK = timedelta(days=730)
VISIT_THRESHOLD = 2.5
VISIT_COOLDOWN = timedelta(days=7)
VISIT_LIST_SIZE = 30
W_UNRESOLVED = 1.5
W_ESCALATION = 1.0
W_HIGH = 2.0
W_MEDIUM = 0.5
W_FAILED = 1.0
W_REPEAT = 1.0


@dataclass
class Entry:
    kind: str  # household | person | place
    key: str
    label: str
    grid_id: int | None
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)
    disputes: int = 0
    last_visit_at: datetime | None = None
    dispute_ids: list[int] = field(default_factory=list)


@dataclass
class _Tally:
    n: int = 0
    weight: float = 0.0
    points: float = 0.0
    unresolved: int = 0
    escalations: int = 0
    high: int = 0
    failed: int = 0
    grid_id: int | None = None
    label: str = ""
    ids: list[int] = field(default_factory=list)


def recency(created_at: datetime, now: datetime) -> float:
    age_days = max((now - created_at).total_seconds() / 86400.0, 0.0)
    return float(0.5 ** (age_days / HALF_LIFE_DAYS))


def dispute_points(d: Dispute, now: datetime) -> float:
    w = recency(d.created_at, now)
    pts = 1.0
    if d.status in OPEN_STATUSES:
        pts += W_UNRESOLVED
    pts += W_ESCALATION * min(d.escalations, 3)
    pts += W_HIGH if d.risk == "high" else W_MEDIUM if d.risk == "medium" else 0.0
    if d.status == "failed":
        pts += W_FAILED
    return w * pts


def _add(t: _Tally, d: Dispute, now: datetime) -> None:
    if d.id in t.ids:
        return
    t.ids.append(d.id)
    t.n += 1
    t.weight += recency(d.created_at, now)
    t.points += dispute_points(d, now)
    t.unresolved += d.status in OPEN_STATUSES
    t.escalations += min(d.escalations, 3)
    t.high += d.risk == "high"
    t.failed += d.status == "failed"
    if t.grid_id is None:
        t.grid_id = d.grid_id


def _finish(kind: str, key: str, t: _Tally, lang: str) -> Entry:
    repeat = W_REPEAT * max(t.n - 1, 0) * (t.weight / t.n if t.n else 0.0)
    score = round(t.points + repeat, 2)
    reasons = [translate("mediation.registry.r.disputes", lang, n=t.n, w=f"{t.weight:.2f}")]
    if t.n > 1:
        reasons.append(translate("mediation.registry.r.repeat", lang, n=t.n - 1))
    if t.unresolved:
        reasons.append(translate("mediation.registry.r.unresolved", lang, n=t.unresolved))
    if t.escalations:
        reasons.append(translate("mediation.registry.r.escalated", lang, n=t.escalations))
    if t.high:
        reasons.append(translate("mediation.registry.r.high", lang, n=t.high))
    if t.failed:
        reasons.append(translate("mediation.registry.r.failed", lang, n=t.failed))
    return Entry(kind=kind, key=key, label=t.label, grid_id=t.grid_id, score=score, reasons=reasons, disputes=t.n,
                 dispute_ids=sorted(t.ids))


def scores(session: Session, user: User, now: datetime, *, lang: str = "zh", reveal: bool = False) -> list[Entry]:
    """Every household, person and place in the caller's scope with its score, highest first.

    Labels are masked unless `reveal` (a PII-reading role: the visitor needs the address); such a
    read is written to the data-access log."""
    if reveal and not pii.can_read_pii(user):
        reveal = False
    disputes = list(session.scalars(service.scoped_disputes(session, user)
                                    .where(Dispute.created_at >= now - LOOKBACK)))
    by_id = {d.id: d for d in disputes}
    tallies: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
    if by_id:
        rows = session.scalars(select(DisputeParty).where(DisputeParty.dispute_id.in_(sorted(by_id))))
        for p in rows:
            d = by_id[p.dispute_id]
            if p.household_key:
                t = tallies[("household", p.household_key)]
                t.label = t.label or (p.address if reveal else service.mask_address(p.address))
                _add(t, d, now)
            if p.person_key:
                t = tallies[("person", p.person_key)]
                t.label = t.label or (p.name if reveal else pii.mask_name(p.name))
                _add(t, d, now)
    grid_names = {a.id: a.name for a in session.scalars(
        select(Area).where(Area.id.in_(sorted({d.grid_id for d in disputes}))))} if disputes else {}
    for d in disputes:
        t = tallies[("place", str(d.grid_id))]
        t.label = grid_names.get(d.grid_id, "")
        _add(t, d, now)
    entries = [_finish(kind, key, t, lang) for (kind, key), t in tallies.items()]
    last = _last_visits(session, [e.key for e in entries])
    for e in entries:
        e.last_visit_at = last.get(e.key)
    entries.sort(key=lambda e: (-e.score, e.kind, e.key))
    if reveal and entries:
        audit.log_pii_read(session, actor_id=user.id, actor_name=service.name_of(user), subject_type="risk_registry",
                           subject_id=user.area_id or 0, fields=["name", "address"], now=now)
    return entries


def _last_visits(session: Session, keys: list[str]) -> dict[str, datetime]:
    out: dict[str, datetime] = {}
    if not keys:
        return out
    for key, at in session.execute(select(RiskVisit.subject_key, RiskVisit.visited_at)
                                   .where(RiskVisit.subject_key.in_(keys))):
        if key not in out or at > out[key]:
            out[key] = at
    return out


def visit_list(session: Session, user: User, now: datetime, *, lang: str = "zh", reveal: bool = False,
               threshold: float = VISIT_THRESHOLD, size: int = VISIT_LIST_SIZE) -> list[Entry]:
    """This week's proactive visits: entries above the threshold not visited in the last 7 days."""
    out = []
    for e in scores(session, user, now, lang=lang, reveal=reveal):
        if e.score < threshold:
            break
        if e.kind == "place":
            continue  # a whole grid is not a visit; it shows on the registry page
        if e.last_visit_at is not None and now - e.last_visit_at < VISIT_COOLDOWN:
            continue
        out.append(e)
        if len(out) >= size:
            break
    return out


def record_visit(session: Session, *, user: User, kind: str, key: str, note: str, now: datetime) -> RiskVisit:
    """A visit to an entry the caller can see (scope comes from the registry's own scoped query)."""
    entry = next((e for e in scores(session, user, now) if e.kind == kind and e.key == key), None)
    if entry is None:
        raise NotFound("mediation_registry_subject_unknown")
    if user.role not in ("grid_worker", "mediator", "admin", "official"):
        raise Forbidden("mediation_forbidden")
    visit = RiskVisit(subject_kind=kind, subject_key=key, grid_id=entry.grid_id, visited_at=now, visitor_id=user.id,
                      note=note.strip(), created_at=now)
    session.add(visit)
    session.flush()
    audit.append(session, kind="mediation.visit", subject_type="risk_registry", subject_id=key, actor_id=user.id,
                 actor_name=service.name_of(user), data={"kind": kind, "score": entry.score, "note": visit.note},
                 now=now)
    return visit
