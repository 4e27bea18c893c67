"""Before/after comparison: hand-computed p-values on tiny inputs, windows, and one run on the database."""

from __future__ import annotations

import math
from datetime import date

import pytest
from sqlalchemy.orm import Session
from tests.analytics.test_measures import T0, _disputes, tree  # noqa: F401  (tree is a fixture)

from gongzhi.analytics import compare as cmp
from gongzhi.analytics import measures as m
from gongzhi.analytics.periods import Period, month
from gongzhi.errors import Invalid
from gongzhi.geo.models import Area


def z_test_p(x1: int, n1: int, x2: int, n2: int) -> float:
    """The pooled two-proportion z-test written out, with the normal tail from math.erfc."""
    pooled = (x1 + x2) / (n1 + n2)
    z = (x2 / n2 - x1 / n1) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return math.erfc(abs(z) / math.sqrt(2))


def test_two_proportion_z_test() -> None:
    # 30/100 → 15/100: pooled 0.225, se 0.059055, z = −2.5400, p = 0.01108.
    p, method = cmp.two_proportions(30, 100, 15, 100)
    assert method == "compare.method.two_proportion"
    assert p == pytest.approx(z_test_p(30, 100, 15, 100), rel=1e-9)
    assert p == pytest.approx(0.011085, abs=1e-5)


def test_fisher_exact_when_an_expected_cell_is_below_5() -> None:
    # [[1, 3], [4, 0]]: expected 2.5 per cell. Hypergeometric over C(8,4) = 70 tables:
    # P(k=1..4) = 5, 30, 30, 5 (/70); two-sided = P(1) + P(4) = 10/70.
    p, method = cmp.two_proportions(1, 4, 4, 4)
    assert method == "compare.method.fisher"
    assert p == pytest.approx(10 / 70)


def test_poisson_counts_conditional_binomial() -> None:
    # 10 in 30 days → 2 in 30 days: given 12, after ~ Bin(12, 1/2). Outcomes as unlikely as 2:
    # 0, 1, 2, 10, 11, 12 → (1 + 12 + 66 + 66 + 12 + 1) / 4096.
    p, method = cmp.poisson_counts(10, 30, 2, 30)
    assert method == "compare.method.poisson"
    assert p == pytest.approx(158 / 4096)
    # Unequal exposure: 2 in 10 days, then 0 in 30 days: after ~ Bin(2, 3/4); P(0) = 1/16 is the
    # only outcome that unlikely.
    assert cmp.poisson_counts(2, 10, 0, 30)[0] == pytest.approx(1 / 16)
    assert cmp.poisson_counts(0, 10, 0, 30) == (None, None)


def test_mann_whitney_exact() -> None:
    # Every after value below every before value: U = 9, the most extreme of C(6,3) = 20
    # equally likely rankings at each end → p = 2/20.
    p, method = cmp.mann_whitney([10, 20, 30], [1, 2, 3])
    assert method == "compare.method.mann_whitney"
    assert p == pytest.approx(0.1)
    assert cmp.mann_whitney([], [1.0]) == (None, None)


def test_compare_results_rate_significant() -> None:
    # The seed pilot: satisfaction 55% → 92% over 100 rated cases each.
    c = cmp.compare_results(m.rate("satisfaction", 55, 100), m.rate("satisfaction", 92, 100),
                            before_days=30, after_days=30)
    assert c.difference == pytest.approx(37.0)
    assert c.relative_change == pytest.approx(37 / 55)
    assert c.improved is True
    assert c.p_value == pytest.approx(z_test_p(55, 100, 92, 100))
    assert c.p_value is not None and c.p_value < 1e-8
    assert c.note_key == "compare.note.significant"


def test_compare_results_lower_is_better_and_small_samples() -> None:
    c = cmp.compare_results(m.count("petitions", 10), m.count("petitions", 2), before_days=30, after_days=30)
    assert (c.difference, c.improved) == (-8.0, True)
    assert c.relative_change == pytest.approx(-0.8)
    assert c.p_value == pytest.approx(158 / 4096)
    assert c.note_key == "compare.note.small_sample"  # 10 and 2 < 30 even though p < 0.05
    worse = cmp.compare_results(m.rate("complaint_rate", 30, 100), m.rate("complaint_rate", 36, 100),
                                before_days=30, after_days=30)
    assert worse.improved is False
    assert worse.note_key == "compare.note.not_significant"


def test_compare_results_without_data_or_test() -> None:
    none = cmp.compare_results(m.rate("satisfaction", 0, 0), m.rate("satisfaction", 5, 10),
                               before_days=30, after_days=30)
    assert (none.difference, none.relative_change, none.improved, none.p_value) == (None, None, None, None)
    assert none.note_key == "compare.note.no_data"
    zero = cmp.compare_results(m.count("petitions", 0), m.count("petitions", 3), before_days=30, after_days=30)
    assert zero.relative_change is None  # no change relative to nothing
    assert zero.difference == 3.0
    # Survey means: no raw answers, so no test; a big enough sample says so instead of "small".
    scores = cmp.compare_results(m.score("safety_score", 68.0, 120), m.score("safety_score", 89.0, 150),
                                 before_days=30, after_days=30)
    assert scores.p_value is None and scores.improved is True
    assert scores.note_key == "compare.note.no_test"
    durations = cmp.compare_results(m.duration("response_median", 900, 40), m.duration("response_median", 600, 40),
                                    before_days=30, after_days=30, durations=([10, 20, 30], [1, 2, 3]))
    assert durations.improved is True and durations.p_value == pytest.approx(0.1)
    assert durations.note_key == "compare.note.not_significant"


def test_default_windows_have_equal_days() -> None:
    # T0 is 23 November (Shanghai): after = 1–23 Nov (today included), before = the 23 days before.
    before, after = cmp.windows(date(2026, 11, 1), now=T0)
    assert after == Period(date(2026, 11, 1), date(2026, 11, 24))
    assert before == Period(date(2026, 10, 9), date(2026, 11, 1))
    assert before.days == after.days == 23
    # Given only the after window, before mirrors its length.
    before, after = cmp.windows(date(2026, 11, 1), now=T0, after=Period(date(2026, 11, 1), date(2026, 11, 11)))
    assert before == Period(date(2026, 10, 22), date(2026, 11, 1))


def test_windows_reject_future_pilots_and_overlaps() -> None:
    with pytest.raises(Invalid) as err:
        cmp.windows(date(2026, 11, 24), now=T0)
    assert err.value.code == "analytics_pilot_start_future"
    with pytest.raises(Invalid) as err:
        cmp.windows(date(2026, 11, 1), now=T0, before=month(2026, 11))
    assert err.value.code == "analytics_compare_windows"


def test_compare_on_the_database(session: Session, tree: dict[str, Area]) -> None:  # noqa: F811
    """10 disputes in October (9 Oct – 31 Oct window), 1 on 2 November (1–23 Nov window)."""
    _disputes(session, tree)
    c = cmp.compare(session, "dispute_count", tree["S1"], date(2026, 11, 1), now=T0)
    assert (c.before.value, c.after.value, c.difference) == (10.0, 1.0, -9.0)
    assert c.relative_change == pytest.approx(-0.9)
    assert c.improved is True
    # Equal 23-day windows: given 11, after ~ Bin(11, 1/2); as unlikely as 1: 0, 1, 10, 11 → 24/2048.
    assert c.p_value == pytest.approx(24 / 2048)
    assert c.note_key == "compare.note.small_sample"
    assert c.before_period == Period(date(2026, 10, 9), date(2026, 11, 1))
    many = cmp.compare_many(session, ["dispute_count", "mediation_success"], tree["S1"], date(2026, 11, 1),
                            before=month(2026, 10), now=T0)
    assert [x.code for x in many] == ["dispute_count", "mediation_success"]
    # mediation success: 4/8 in October → 1/1 after; Fisher (tiny table): [[4, 4], [1, 0]] → p = 1.
    assert many[1].before.value == 50.0 and many[1].after.value == 100.0
    assert many[1].method == "compare.method.fisher"
    assert many[1].p_value == pytest.approx(1.0)


def test_response_times_compared_with_a_rank_test_on_the_raw_durations(
    session: Session, tree: dict[str, Area]  # noqa: F811
) -> None:
    """October: five cases accepted after 600…1800 s; November: three after 60, 120, 180 s.
    Every November value ranks below every October one: U = 0. October's two 1800 s tie, so the
    normal approximation with tie and continuity correction applies:
    σ² = 5·3/12 · (9 − (2³−2)/(8·7)), z = (0 + 0.5 − 7.5)/σ, p = 2Φ(z) ≈ 0.0358."""
    from datetime import timedelta

    from tests.analytics.test_measures import _case_data, local, make_case

    _case_data(session, tree)
    for day, seconds in ((3, 60), (4, 120), (5, 180)):
        at = local(2026, 11, day, 9)
        case = make_case(session, "G1", at, source="staff")
        case.accepted_at, case.status = at + timedelta(seconds=seconds), "accepted"
    session.flush()
    c = cmp.compare(session, "response_median", tree["C1"], date(2026, 11, 1), before=month(2026, 10),
                    after=Period(date(2026, 11, 1), date(2026, 11, 23)), now=T0)
    assert (c.before.value, c.after.value) == (1200.0, 120.0)
    assert c.improved is True and c.method == "compare.method.mann_whitney"
    sigma = math.sqrt(5 * 3 / 12 * (9 - 6 / 56))
    assert c.p_value == pytest.approx(math.erfc(7.0 / sigma / math.sqrt(2)))
    assert c.note_key == "compare.note.small_sample"
