"""The pure tally: weights per seat group, quorum at its boundary, each rule with abstentions, exact fractions."""

from __future__ import annotations

from fractions import Fraction as F

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.council import voting
from gongzhi.council.voting import GroupVotes, SeatGroupPresence

Q = (F(1, 2), F(3, 10), F(1, 5))


def groups(res: tuple[int, int, int, int], prop: tuple[int, int, int, int],
           org: tuple[int, int, int, int]) -> list[GroupVotes]:
    """(eligible, yes, no, abstain) per group, quotas 50/30/20."""
    return [GroupVotes(code, code, q, *counts)
            for code, q, counts in zip(("residents", "property", "social_org"), Q, (res, prop, org), strict=True)]


def test_each_group_weighs_its_quota_whatever_its_size() -> None:
    # 7 residents, 1 property manager, 3 social organisations: all vote yes -> each group's share is its quota.
    r = voting.tally(groups((7, 7, 0, 0), (1, 1, 0, 0), (3, 3, 0, 0)), "simple_majority")
    assert [s.yes for s in r.groups] == [F(1, 2), F(3, 10), F(1, 5)]
    assert [s.weight for s in r.groups] == [F(1, 14), F(3, 10), F(1, 15)]
    assert r.yes == 1 and r.passed
    # The lone property manager voting no outweighs 2 of 7 residents voting yes... but not 5 of 7.
    r = voting.tally(groups((7, 2, 0, 0), (1, 0, 1, 0), (3, 0, 0, 0)), "simple_majority")
    assert r.yes == F(1, 7) and r.no == F(3, 10) and not r.passed
    r = voting.tally(groups((7, 5, 0, 0), (1, 0, 1, 0), (3, 0, 0, 0)), "simple_majority")
    assert r.yes == F(5, 14) > r.no and r.passed


def test_simple_majority_ignores_abstentions_and_needs_strictly_more() -> None:
    tie = voting.tally(groups((2, 1, 1, 0), (2, 1, 1, 0), (2, 1, 1, 0)), "simple_majority")
    assert tie.yes == tie.no and not tie.passed
    # Mass abstention does not block a majority of those who took a side.
    r = voting.tally(groups((4, 1, 0, 3), (1, 0, 0, 1), (1, 0, 0, 1)), "simple_majority")
    assert r.yes == F(1, 8) and r.no == 0 and r.abstain == F(3, 8) + F(1, 2) and r.passed
    assert voting.tally(groups((4, 0, 0, 4), (1, 0, 0, 1), (1, 0, 0, 1)), "simple_majority").passed is False


def test_two_thirds_boundary_with_abstentions_excluded_and_included() -> None:
    # yes = 1/2 + 1/5 - ... build exactly 2/3 of yes+no: residents yes (1/2), property no (3/10)... 1/2 / 4/5 = 5/8 < 2/3
    r = voting.tally(groups((1, 1, 0, 0), (1, 0, 1, 0), (1, 0, 0, 1)), "two_thirds")
    assert r.yes / (r.yes + r.no) == F(5, 8) and not r.passed
    # Exactly 2/3: residents 2 yes 0 no of 2; property 3 members: 0 yes 1 no... craft weights: yes 2/5, no 1/5.
    exact = [GroupVotes("a", "a", F(3, 5), 3, 2, 1, 0), GroupVotes("b", "b", F(2, 5), 2, 0, 0, 2)]
    r = voting.tally(exact, "two_thirds", abstentions="excluded")
    assert r.yes == F(2, 5) and r.no == F(1, 5) and r.yes == F(2, 3) * (r.yes + r.no)
    assert r.passed  # "2/3 以上" includes the boundary
    assert r.conditions[-1].op == ">=" and r.conditions[-1].right == F(2, 5)
    # The same votes with abstentions in the base: 2/5 < 2/3 × 1 -> fails.
    r = voting.tally(exact, "two_thirds", abstentions="included")
    assert r.conditions[-1].right == F(2, 3) and not r.passed
    # One less yes weight than the boundary fails.
    below = [GroupVotes("a", "a", F(3, 5), 6, 3, 2, 0), GroupVotes("b", "b", F(2, 5), 2, 0, 0, 2)]
    r = voting.tally(below, "two_thirds")
    assert r.yes / (r.yes + r.no) == F(3, 5) and not r.passed


def test_majority_of_all_counts_absent_abstaining_and_silent_as_not_yes() -> None:
    # Residents all yes = exactly half of all seat weight: not more than half.
    r = voting.tally(groups((3, 3, 0, 0), (1, 0, 0, 1), (2, 0, 0, 0)), "majority_of_all")
    assert r.yes == F(1, 2) and not r.passed
    r = voting.tally(groups((3, 3, 0, 0), (1, 0, 0, 1), (2, 1, 0, 0)), "majority_of_all")
    assert r.yes == F(1, 2) + F(1, 10) and r.passed
    # A group nobody came for is absent: its quota is not handed to the others.
    r = voting.tally(groups((3, 3, 0, 0), (0, 0, 0, 0), (2, 2, 0, 0)), "majority_of_all")
    assert r.yes == F(7, 10) and r.passed and r.groups[1].not_voted == F(3, 10)
    r = voting.tally(groups((3, 1, 0, 0), (0, 0, 0, 0), (2, 2, 0, 0)), "simple_majority")
    assert r.yes == F(1, 6) + F(1, 5) and r.no == 0 and r.passed


def test_nothing_cast_never_passes() -> None:
    empty = groups((3, 0, 0, 0), (1, 0, 0, 0), (2, 0, 0, 0))
    for rule in voting.RULES:
        assert not voting.tally(empty, rule).passed


def test_quorum_strictly_more_than_half_at_the_boundary() -> None:
    # 4 residents, 2 property, 2 social: exactly half present is not a quorum.
    half = [SeatGroupPresence("r", "r", F(1, 2), 4, 4), SeatGroupPresence("p", "p", F(3, 10), 2, 0),
            SeatGroupPresence("s", "s", F(1, 5), 2, 0)]
    q = voting.quorum(half)
    assert q.present_weight == F(1, 2) and not q.met
    more = [SeatGroupPresence("r", "r", F(1, 2), 4, 4), SeatGroupPresence("p", "p", F(3, 10), 2, 0),
            SeatGroupPresence("s", "s", F(1, 5), 2, 1)]
    q = voting.quorum(more)
    assert q.present_weight == F(3, 5) and q.met
    assert [g.seat_weight for g in q.groups] == [F(1, 8), F(3, 20), F(1, 10)]
    # A configurable fraction: two-thirds.
    assert not voting.quorum(more, F(2, 3)).met
    # Vacant group: counts in the total, can never be present.
    vacant = [SeatGroupPresence("r", "r", F(1, 2), 3, 3), SeatGroupPresence("p", "p", F(3, 10), 0, 0),
              SeatGroupPresence("s", "s", F(1, 5), 1, 1)]
    assert voting.quorum(vacant).present_weight == F(7, 10)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError):
        voting.tally([GroupVotes("a", "a", F(1, 2), 1, 1)], "simple_majority")  # quotas do not add up to 1
    with pytest.raises(ValueError):
        voting.tally([GroupVotes("a", "a", F(1), 1, 1, 1)], "simple_majority")  # more votes than the roll
    with pytest.raises(ValueError):
        voting.quorum([SeatGroupPresence("a", "a", F(1), 1, 2)])


def test_percentages_are_exact() -> None:
    assert voting.pct(F(2, 3)) == "66.67%" and voting.pct(F(1, 2), 0) == "50%" and voting.pct(F(1, 8)) == "12.50%"
    assert voting.frac_text(F(3, 10)) == "3/10" and voting.frac_text(F(1)) == "1"


@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9), st.integers(0, 9), st.integers(0, 9)),
                min_size=3, max_size=3))
def test_group_shares_never_exceed_quotas(rows: list[tuple[int, int, int, int]]) -> None:
    gs = []
    for (code, q), (extra, y, n, a) in zip((("r", Q[0]), ("p", Q[1]), ("s", Q[2])), rows, strict=True):
        gs.append(GroupVotes(code, code, q, y + n + a + extra, y, n, a))
    r = voting.tally(gs, "simple_majority")
    for s in r.groups:
        assert s.yes + s.no + s.abstain + s.not_voted == s.quota
    assert r.yes + r.no + r.abstain + sum((s.not_voted for s in r.groups), F(0)) == 1
    assert r.passed == (r.yes > r.no)
