"""Mediator matching: a cost per (dispute, mediator) from explainable terms, assigned at minimum total cost.

A mediator may take a dispute when they are available, their area covers the dispute's grid and
their tier is at least the tier the risk needs. The cost adds:
  specialty  0 when the dispute's type is one of their specialties, else `no_specialty`;
  tier       `tier_up` per tier above the needed one (a city mediator can take a village case,
             but only when the village pool is full or empty);
  distance   `per_km` per kilometre, capped at `max_km`;
  caseload   `load` × (cases held + the k-th new one) / capacity, so each extra case costs more.
Capacity is respected by giving each mediator one column per free caseload slot (the k-th column
carries the k-th slot's caseload term) and solving the rectangular assignment problem with SciPy's
linear_sum_assignment (minimum total cost). A dispute nobody may take stays waiting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from gongzhi.cases.reports import EARTH_RADIUS_M, distance_m

TIER_RANK = {"village": 0, "town": 1, "city": 2}
_INELIGIBLE = 1e9
_UNSERVED = 1e6  # far above any real pairing (a few units), far below _INELIGIBLE


@dataclass(frozen=True)
class Weights:
    no_specialty: float = 2.0
    tier_up: float = 5.0
    per_km: float = 0.3
    max_km: float = 10.0
    load: float = 2.0


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True)
class Need:
    """A dispute waiting for a mediator. `areas`: the ids of its grid and every area above it."""

    key: int
    type: str
    tier: str
    areas: frozenset[int]
    lat: float | None
    lng: float | None


@dataclass(frozen=True)
class Offer:
    """A mediator: tier, the area they serve, specialties, where they are, cases held and the limit."""

    key: int
    tier: str
    area_id: int
    specialties: frozenset[str]
    lat: float | None
    lng: float | None
    load: int
    capacity: int
    available: bool = True


@dataclass(frozen=True)
class Match:
    need: int
    offer: int
    cost: float
    terms: dict[str, float]


def distance_km(lat1: float | None, lng1: float | None, lat2: float | None, lng2: float | None) -> float:
    """Great-circle distance; 0 when either place is unknown (no distance term then)."""
    if lat1 is None or lng1 is None or lat2 is None or lng2 is None:
        return 0.0
    return distance_m(lat1, lng1, lat2, lng2) / 1000.0


def eligible(need: Need, offer: Offer) -> bool:
    return (
        offer.available
        and offer.area_id in need.areas
        and TIER_RANK[offer.tier] >= TIER_RANK[need.tier]
        and offer.load < offer.capacity
    )


def cost_terms(need: Need, offer: Offer, *, extra: int = 0, w: Weights = DEFAULT_WEIGHTS) -> dict[str, float]:
    """The terms of one pairing (the reasons shown for a match). `extra`: cases given earlier in this batch."""
    km = distance_km(need.lat, need.lng, offer.lat, offer.lng)
    terms = {
        "specialty": 0.0 if need.type in offer.specialties else w.no_specialty,
        "tier": w.tier_up * (TIER_RANK[offer.tier] - TIER_RANK[need.tier]),
        "distance": w.per_km * min(km, w.max_km),
        "caseload": w.load * (offer.load + extra) / max(offer.capacity, 1),
    }
    terms["total"] = sum(terms.values())
    terms["km"] = round(km, 2)
    terms["load"] = float(offer.load)
    return terms


def best_single(need: Need, offers: Sequence[Offer], w: Weights = DEFAULT_WEIGHTS) -> Match | None:
    """Immediate assignment (high risk): the cheapest eligible mediator now."""
    best: Match | None = None
    for offer in offers:
        if not eligible(need, offer):
            continue
        terms = cost_terms(need, offer, w=w)
        if best is None or terms["total"] < best.cost - 1e-12:
            best = Match(need.key, offer.key, terms["total"], terms)
    return best


def _haversine_matrix(
    lat1: NDArray[np.float64], lng1: NDArray[np.float64], lat2: NDArray[np.float64], lng2: NDArray[np.float64]
) -> NDArray[np.float64]:
    p1, p2 = np.radians(lat1)[:, None], np.radians(lat2)[None, :]
    dl = np.radians(lng2)[None, :] - np.radians(lng1)[:, None]
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    km: NDArray[np.float64] = np.nan_to_num(2 * (EARTH_RADIUS_M / 1000.0) * np.arcsin(np.minimum(1.0, np.sqrt(a))), nan=0.0)
    return km


def slot_matrix(
    needs: Sequence[Need], offers: Sequence[Offer], w: Weights = DEFAULT_WEIGHTS
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    """Cost matrix needs × free slots, the offer index and the slot number (k) of each column."""
    n, m = len(needs), len(offers)
    free = np.array([max(o.capacity - o.load, 0) if o.available else 0 for o in offers], dtype=np.int64)
    col_offer = np.repeat(np.arange(m, dtype=np.int64), free)
    starts = np.concatenate(([0], np.cumsum(free)[:-1])) if m else np.zeros(0, dtype=np.int64)
    col_k = np.arange(col_offer.size, dtype=np.int64) - starts[col_offer] if col_offer.size else col_offer
    if n == 0 or col_offer.size == 0:
        return np.zeros((n, col_offer.size)), col_offer, col_k

    nan = float("nan")
    n_lat = np.array([x.lat if x.lat is not None else nan for x in needs], dtype=np.float64)
    n_lng = np.array([x.lng if x.lng is not None else nan for x in needs], dtype=np.float64)
    o_lat = np.array([o.lat if o.lat is not None else nan for o in offers], dtype=np.float64)
    o_lng = np.array([o.lng if o.lng is not None else nan for o in offers], dtype=np.float64)
    dist = w.per_km * np.minimum(_haversine_matrix(n_lat, n_lng, o_lat, o_lng), w.max_km)

    need_rank = np.array([TIER_RANK[x.tier] for x in needs])[:, None]
    offer_rank = np.array([TIER_RANK[o.tier] for o in offers])[None, :]
    tier = w.tier_up * (offer_rank - need_rank).astype(np.float64)

    types = sorted({x.type for x in needs} | {t for o in offers for t in o.specialties})
    t_index = {t: i for i, t in enumerate(types)}
    has = np.zeros((len(types), m), dtype=bool)
    for j, o in enumerate(offers):
        for t in o.specialties:
            has[t_index[t], j] = True
    spec = np.where(has[[t_index[x.type] for x in needs]], 0.0, w.no_specialty)

    area_ids = sorted({o.area_id for o in offers})
    a_index = {a: i for i, a in enumerate(area_ids)}
    covers = np.zeros((n, len(area_ids)), dtype=bool)
    for i, x in enumerate(needs):
        for a in x.areas:
            k = a_index.get(a)
            if k is not None:
                covers[i, k] = True
    ok = covers[:, [a_index[o.area_id] for o in offers]] & (offer_rank >= need_rank)

    base = np.where(ok, spec + tier + dist, _INELIGIBLE)  # n × m
    load = np.array([o.load for o in offers], dtype=np.float64)
    cap = np.array([max(o.capacity, 1) for o in offers], dtype=np.float64)
    slot_load = w.load * (load[col_offer] + col_k) / cap[col_offer]
    full = base[:, col_offer] + slot_load[None, :]
    # Ineligible stays exactly _INELIGIBLE (no slot term), so no slot looks cheaper to the impossible.
    return np.where(full >= _INELIGIBLE, _INELIGIBLE, full), col_offer, col_k


def assign(needs: Sequence[Need], offers: Sequence[Offer], w: Weights = DEFAULT_WEIGHTS) -> list[Match]:
    """Minimum-total-cost assignment respecting each mediator's free caseload slots.

    More disputes than slots: the solver picks which to serve (the cheapest overall); the rest wait.
    """
    cost, col_offer, col_k = slot_matrix(needs, offers, w)
    if cost.size == 0:
        return []
    # One "stays waiting" column per dispute: a dispute nobody may take (or that loses the competition
    # for scarce slots) goes there instead of occupying a real slot. Its cost exceeds any real total,
    # so the solver first serves as many disputes as possible, then minimises the cost of serving them.
    n = cost.shape[0]
    wait = np.full((n, n), _UNSERVED)
    rows, cols = linear_sum_assignment(np.hstack([cost, wait]))
    out = []
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        if c >= cost.shape[1] or cost[r, c] >= _INELIGIBLE:
            continue
        offer = offers[int(col_offer[c])]
        terms = cost_terms(needs[r], offer, extra=int(col_k[c]), w=w)
        out.append(Match(needs[r].key, offer.key, float(cost[r, c]), terms))
    return out


def greedy(needs: Sequence[Need], offers: Sequence[Offer], w: Weights = DEFAULT_WEIGHTS) -> list[Match]:
    """Baseline: each dispute in turn takes its cheapest free slot (what a dispatcher does by hand)."""
    cost, col_offer, col_k = slot_matrix(needs, offers, w)
    if cost.size == 0:
        return []
    taken = np.zeros(cost.shape[1], dtype=bool)
    out = []
    for r in range(cost.shape[0]):
        row = np.where(taken, np.inf, cost[r])
        c = int(np.argmin(row))
        if not np.isfinite(row[c]) or row[c] >= _INELIGIBLE:
            continue
        taken[c] = True
        offer = offers[int(col_offer[c])]
        out.append(Match(needs[r].key, offer.key, float(cost[r, c]), cost_terms(needs[r], offer, extra=int(col_k[c]), w=w)))
    return out


def total_cost(matches: Sequence[Match]) -> float:
    return float(sum(m.cost for m in matches))
