"""The matching optimum against brute force, capacity, eligibility and the greedy baseline (no database)."""

from __future__ import annotations

import itertools
import random

import pytest

from gongzhi.mediation import matching
from gongzhi.mediation.matching import Need, Offer

TYPES = ["neighbor", "family", "labor", "land_housing"]
TIERS = ["village", "town", "city"]


def _world(rng: random.Random, n_needs: int, n_offers: int, cap: int = 1) -> tuple[list[Need], list[Offer]]:
    # Areas: 1 district > 2 street > 3,4 communities > grids 10+.
    needs = [
        Need(key=i, type=rng.choice(TYPES), tier=rng.choice(TIERS[:2]),
             areas=frozenset({1, 2, rng.choice([3, 4]), 10 + i}), lat=30.25 + rng.random() * 0.05,
             lng=120.2 + rng.random() * 0.05)
        for i in range(n_needs)
    ]
    offers = []
    for j in range(n_offers):
        tier = rng.choice(TIERS)
        area = {"village": rng.choice([3, 4]), "town": 2, "city": 1}[tier]
        offers.append(Offer(key=100 + j, tier=tier, area_id=area, specialties=frozenset(rng.sample(TYPES, 2)),
                            lat=30.25 + rng.random() * 0.05, lng=120.2 + rng.random() * 0.05,
                            load=rng.randint(0, cap - 1) if cap > 1 else 0, capacity=cap))
    return needs, offers


def _brute_force(needs: list[Need], offers: list[Offer]) -> tuple[int, float]:
    """Best (matched count, cost): every injective map of needs to slots, by permutations."""
    cost, _col_offer, _ = matching.slot_matrix(needs, offers)
    n, m = cost.shape
    best = (-1, float("inf"))
    size = min(n, m)
    for rows in itertools.combinations(range(n), size):
        for cols in itertools.permutations(range(m), size):
            c = [cost[r, k] for r, k in zip(rows, cols, strict=True)]
            served = sum(1 for x in c if x < 1e8)
            total = sum(x for x in c if x < 1e8)
            if served > best[0] or (served == best[0] and total < best[1] - 1e-9):
                best = (served, total)
    return best


@pytest.mark.parametrize("seed", range(12))
def test_assignment_is_optimal_against_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    needs, offers = _world(rng, rng.randint(2, 5), rng.randint(2, 5), cap=rng.choice([1, 2]))
    found = matching.assign(needs, offers)
    served, cost = _brute_force(needs, offers)
    assert len(found) == served
    assert matching.total_cost(found) == pytest.approx(cost, abs=1e-9)
    # Greedy is never better than the optimum.
    assert matching.total_cost(matching.greedy(needs, offers)) >= cost - 1e-9 or \
        len(matching.greedy(needs, offers)) < served


def test_capacity_is_respected_and_load_spreads() -> None:
    offers = [Offer(key=1, tier="village", area_id=3, specialties=frozenset({"neighbor"}), lat=None, lng=None,
                    load=1, capacity=3),
              Offer(key=2, tier="village", area_id=3, specialties=frozenset({"neighbor"}), lat=None, lng=None,
                    load=0, capacity=1)]
    needs = [Need(key=i, type="neighbor", tier="village", areas=frozenset({1, 2, 3}), lat=None, lng=None)
             for i in range(5)]
    found = matching.assign(needs, offers)
    per = {o.key: sum(1 for m in found if m.offer == o.key) for o in offers}
    assert per == {1: 2, 2: 1}  # 3 free slots in all; 2 disputes wait
    assert len(found) == 3
    # The second case given to mediator 1 in this batch carries its higher caseload term.
    loads = sorted(m.terms["caseload"] for m in found if m.offer == 1)
    assert loads == pytest.approx([2.0 * 1 / 3, 2.0 * 2 / 3])


def test_eligibility_area_tier_and_availability() -> None:
    need = Need(key=1, type="labor", tier="town", areas=frozenset({1, 2, 3}), lat=None, lng=None)
    village = Offer(key=10, tier="village", area_id=3, specialties=frozenset({"labor"}), lat=None, lng=None, load=0,
                    capacity=5)
    other_street = Offer(key=11, tier="town", area_id=99, specialties=frozenset({"labor"}), lat=None, lng=None,
                         load=0, capacity=5)
    away = Offer(key=12, tier="town", area_id=2, specialties=frozenset({"labor"}), lat=None, lng=None, load=0,
                 capacity=5, available=False)
    city = Offer(key=13, tier="city", area_id=1, specialties=frozenset(), lat=None, lng=None, load=0, capacity=5)
    assert matching.assign([need], [village, other_street, away]) == []
    found = matching.assign([need], [village, other_street, away, city])
    assert [m.offer for m in found] == [13]
    assert found[0].terms["tier"] == 5.0 and found[0].terms["specialty"] == 2.0


def test_specialist_preferred_and_reasons_add_up() -> None:
    need = Need(key=1, type="labor", tier="village", areas=frozenset({1, 2, 3}), lat=30.25, lng=120.2)
    general = Offer(key=1, tier="village", area_id=3, specialties=frozenset({"family"}), lat=30.25, lng=120.2,
                    load=0, capacity=5)
    specialist = Offer(key=2, tier="village", area_id=3, specialties=frozenset({"labor"}), lat=30.27, lng=120.2,
                       load=1, capacity=5)
    best = matching.best_single(need, [general, specialist])
    assert best is not None and best.offer == 2
    t = best.terms
    assert t["total"] == pytest.approx(t["specialty"] + t["tier"] + t["distance"] + t["caseload"])
    assert t["km"] == pytest.approx(2.22, abs=0.01)


def test_optimum_beats_greedy_when_order_matters() -> None:
    # Greedy gives the first dispute the only specialist; the optimum keeps it for the second.
    a = Offer(key=1, tier="village", area_id=3, specialties=frozenset({"family", "labor"}), lat=None, lng=None,
              load=0, capacity=1)
    b = Offer(key=2, tier="village", area_id=3, specialties=frozenset({"family"}), lat=None, lng=None, load=0,
              capacity=1)
    needs = [Need(key=1, type="family", tier="village", areas=frozenset({3}), lat=None, lng=None),
             Need(key=2, type="labor", tier="village", areas=frozenset({3}), lat=None, lng=None)]
    opt = matching.assign(needs, [a, b])
    greedy = matching.greedy(needs, [a, b])
    assert matching.total_cost(opt) == pytest.approx(0.0)
    assert matching.total_cost(greedy) == pytest.approx(2.0)
    assert {(m.need, m.offer) for m in opt} == {(1, 2), (2, 1)}


def test_a_dispute_nobody_may_take_does_not_occupy_a_slot() -> None:
    # Dispute 1 is in another street (no mediator may take it); it must not push dispute 2 off the
    # mediator's cheaper (first) slot.
    x = Offer(key=1, tier="village", area_id=3, specialties=frozenset({"family"}), lat=None, lng=None, load=0,
              capacity=2)
    needs = [Need(key=1, type="family", tier="village", areas=frozenset({99}), lat=None, lng=None),
             Need(key=2, type="family", tier="village", areas=frozenset({3}), lat=None, lng=None)]
    found = matching.assign(needs, [x])
    assert [(m.need, m.offer) for m in found] == [(2, 1)]
    assert found[0].cost == pytest.approx(0.0)
    served, cost = _brute_force(needs, [x])
    assert (len(found), matching.total_cost(found)) == (served, pytest.approx(cost))
