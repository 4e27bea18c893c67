"""Time gongzhi.council.rules.evaluate_owner_ballot on a large estate (run: .venv/bin/python bench/ballots_rules.py)."""

from __future__ import annotations

import random
import time
from fractions import Fraction

from gongzhi.council.rules import evaluate_owner_ballot


def main(owners: int = 10_000, turnout: float = 0.8, repeat: int = 5) -> None:
    rng = random.Random(1)
    areas = [Fraction(rng.randint(5000, 15099), 100) for _ in range(owners)]
    votes = [(a, rng.choice(("yes", "no", "abstain"))) for a in areas[: int(owners * turnout)]]
    total = sum(areas, Fraction(0))
    for label, given in (("Fraction areas", votes), ("decimal-string areas", [(f"{float(a):.2f}", c) for a, c in votes])):
        started = time.perf_counter()
        for _ in range(repeat):
            evaluate_owner_ballot("rebuild", total_area=total, total_owners=owners, votes=given)
        ms = (time.perf_counter() - started) / repeat * 1000
        print(f"{label}: {len(votes)} votes of {owners} owners evaluated in {ms:.1f} ms")


if __name__ == "__main__":
    main()
