"""Is a people count unusual for this place at this hour of the week?

Counts are small and over-dispersed (a bus empties, a class lets out), so the test is a tail
probability under a negative binomial fitted by moments to the place's own history for that
hour of the week (Poisson when the history shows no over-dispersion), never a Gaussian z-score.
Until a place has enough history for the hour, its history for the same hour on any day is used.
"""

from __future__ import annotations

from dataclasses import dataclass

from scipy import stats


@dataclass(frozen=True)
class History:
    n: int
    total: float
    total_sq: float

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else 0.0

    @property
    def variance(self) -> float:
        if self.n < 2:
            return self.mean
        return max(0.0, (self.total_sq - self.total**2 / self.n) / (self.n - 1))

    def __add__(self, other: History) -> History:
        return History(self.n + other.n, self.total + other.total, self.total_sq + other.total_sq)


@dataclass(frozen=True)
class Verdict:
    count: float
    expected: float
    variance: float
    probability: float  # P(X >= count) under the baseline
    model: str  # "poisson" | "negative_binomial"
    history: int  # readings the baseline is made of


def tail_probability(count: float, history: History, *, floor: float = 0.5) -> Verdict:
    """P(X >= count) for X ~ the place's usual count; the mean is floored (an empty square at 3 am
    still sees the odd passer-by, so one person must not be a one-in-a-million event)."""
    mean = max(history.mean, floor)
    var = max(history.variance, mean)
    k = max(0, round(count))
    if var <= mean * 1.05:
        p = float(stats.poisson.sf(k - 1, mean))
        return Verdict(count, mean, mean, p, "poisson", history.n)
    # NB(r, p): mean r(1-p)/p, variance mean/p.
    prob = mean / var
    r = mean * prob / (1 - prob)
    p = float(stats.nbinom.sf(k - 1, r, prob))
    return Verdict(count, mean, var, p, "negative_binomial", history.n)
