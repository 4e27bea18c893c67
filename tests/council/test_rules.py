"""Civil Code art. 278 evaluation: every condition at and around its boundary, against a brute check."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongzhi.council.rules import (
    MATTERS,
    QUALIFIED_MATTERS,
    BallotRuleError,
    evaluate_owner_ballot,
)
from gongzhi.errors import AppError

ORDINARY = [m for m in MATTERS if m not in QUALIFIED_MATTERS]
QUALIFIED = sorted(QUALIFIED_MATTERS)


def ev(matter: str, total_area: object, total_owners: object, votes: list[tuple[object, str]]):  # type: ignore[no-untyped-def]
    return evaluate_owner_ballot(matter, total_area=total_area, total_owners=total_owners, votes=votes)


def met(result, name: str) -> bool:  # type: ignore[no-untyped-def]
    return bool(result.condition(name).met)


def test_matter_classes_match_the_article() -> None:
    assert {"raise_maintenance_fund", "rebuild", "change_common_use"} == QUALIFIED_MATTERS
    assert len(MATTERS) == 9
    # Using (not raising) the fund and hiring a manager are ordinary majority matters.
    assert "use_maintenance_fund" in ORDINARY and "hire_property_manager" in ORDINARY


# ---------------------------------------------------------------- participation ≥ 2/3, boundary included


@pytest.mark.parametrize("matter", MATTERS)
def test_participation_owner_count_boundary(matter: str) -> None:
    # 9 owners of 10 m² each; everyone who votes says yes, so only participation decides.
    at = ev(matter, 90, 9, [(10, "yes")] * 6)  # 6/9 = 2/3 exactly: enough
    below = ev(matter, 90, 9, [(10, "yes")] * 5)  # 5/9 < 2/3
    assert met(at, "participation_owners") and met(at, "participation_area") and at.passed
    assert not met(below, "participation_owners") and not below.passed


@pytest.mark.parametrize("matter", MATTERS)
def test_participation_area_boundary_with_owner_count_met(matter: str) -> None:
    # 3 owners; two take part (2/3 of owners) holding exactly 2/3 of the area, then a hair less.
    at = ev(matter, 300, 3, [(100, "yes"), (100, "yes")])
    assert met(at, "participation_area") and at.passed
    below = ev(matter, Fraction(300) + Fraction(1, 1000), 3, [(100, "yes"), (100, "yes")])
    assert not met(below, "participation_area") and met(below, "participation_owners")
    assert not below.passed
    above = ev(matter, Fraction(300) - Fraction(1, 1000), 3, [(100, "yes"), (100, "yes")])
    assert met(above, "participation_area") and above.passed


def test_participation_needs_both_area_and_owners() -> None:
    # Big owners with 80% of the area but only 2 of 10 owners.
    r = ev("other_major", 1000, 10, [(400, "yes"), (400, "yes")])
    assert met(r, "participation_area") and not met(r, "participation_owners") and not r.passed
    # Many small owners: 8 of 10 owners, 40% of the area.
    r = ev("other_major", 1000, 10, [(50, "yes")] * 8)
    assert not met(r, "participation_area") and met(r, "participation_owners") and not r.passed


# ---------------------------------------------------------------- ordinary matters: > 1/2, boundary excluded


@pytest.mark.parametrize("matter", ORDINARY)
def test_ordinary_majority_excludes_exact_half(matter: str) -> None:
    # 4 owners all vote, equal areas: 2 yes is exactly half of owners and of area → fails.
    half = ev(matter, 400, 4, [(100, "yes"), (100, "yes"), (100, "no"), (100, "no")])
    assert not met(half, "approval_area") and not met(half, "approval_owners") and not half.passed
    more = ev(matter, 400, 4, [(100, "yes"), (100, "yes"), (100, "yes"), (100, "no")])
    assert met(more, "approval_area") and met(more, "approval_owners") and more.passed


@pytest.mark.parametrize("matter", ORDINARY)
def test_ordinary_area_half_plus_a_hair(matter: str) -> None:
    # 3 yes owners of 4 (owners met); area yes exactly half, then half + 0.01 m².
    votes_at = [(Fraction(50), "yes"), (Fraction(25), "yes"), (Fraction(25), "yes"), (Fraction(100), "no")]
    r = ev(matter, 200, 4, votes_at)
    assert met(r, "approval_owners") and not met(r, "approval_area") and not r.passed
    votes_over = [("50.01", "yes"), ("25", "yes"), ("25", "yes"), ("99.99", "no")]
    r = ev(matter, 200, 4, votes_over)
    assert met(r, "approval_area") and r.passed
    assert r.condition("approval_area").numerator == Fraction("100.01")


@pytest.mark.parametrize("matter", ORDINARY)
def test_ordinary_owners_half_with_area_met(matter: str) -> None:
    # 2 of 4 participating owners say yes (exactly half) with 90% of the area: fails on owners.
    r = ev(matter, 400, 4, [(180, "yes"), (180, "yes"), (20, "no"), (20, "no")])
    assert met(r, "approval_area") and not met(r, "approval_owners") and not r.passed


# ---------------------------------------------------------------- qualified matters: ≥ 3/4, boundary included


@pytest.mark.parametrize("matter", QUALIFIED)
def test_qualified_three_quarters_boundary_included(matter: str) -> None:
    at = ev(matter, 400, 4, [(100, "yes"), (100, "yes"), (100, "yes"), (100, "no")])
    assert met(at, "approval_area") and met(at, "approval_owners") and at.passed
    # 5 of 8 owners vote yes... 2/3 participation with 6 of 8 voting; 4 yes of 6 = 2/3 < 3/4.
    below = ev(matter, 800, 8, [(100, "yes")] * 4 + [(100, "no")] * 2)
    assert not met(below, "approval_owners") and not below.passed


@pytest.mark.parametrize("matter", QUALIFIED)
def test_qualified_area_just_below_three_quarters(matter: str) -> None:
    # Owners 3 of 4 yes (met); area yes = 299.99 of 400 participating (just below 3/4).
    r = ev(matter, 400, 4, [("99.99", "yes"), (100, "yes"), (100, "yes"), ("100.01", "no")])
    assert met(r, "approval_owners") and not met(r, "approval_area") and not r.passed


def test_same_votes_pass_ordinary_but_fail_qualified() -> None:
    votes = [(100, "yes")] * 2 + [(100, "no")] + [(100, "abstain")] * 0
    # 2 of 3 yes: > 1/2 but < 3/4.
    assert ev("use_maintenance_fund", 300, 3, votes).passed
    assert not ev("raise_maintenance_fund", 300, 3, votes).passed


# ---------------------------------------------------------------- abstentions


def test_abstainers_count_as_participants_and_against_approval() -> None:
    # 6 owners: 2 yes, 2 abstain. Participation 4/6 = 2/3 met only because abstainers took part.
    votes = [(100, "yes"), (100, "yes"), (100, "abstain"), (100, "abstain")]
    r = ev("elect_committee", 600, 6, votes)
    assert met(r, "participation_owners") and met(r, "participation_area")
    # Approval: 2 yes of 4 participating = exactly half → fails (abstentions are in the denominator).
    assert r.condition("approval_owners").denominator == 4
    assert not met(r, "approval_owners") and not r.passed
    # Without the abstainers participation fails instead.
    r2 = ev("elect_committee", 600, 6, votes[:2])
    assert not met(r2, "participation_owners")


def test_all_abstain() -> None:
    r = ev("management_statute", 300, 3, [(100, "abstain")] * 3)
    assert met(r, "participation_area") and met(r, "participation_owners")
    assert not met(r, "approval_area") and not r.passed


def test_nobody_votes() -> None:
    r = ev("other_major", 300, 3, [])
    assert not r.passed
    assert all(not c.met for c in r.conditions)
    assert r.condition("approval_area").denominator == 0


# ---------------------------------------------------------------- figures and number types


def test_result_figures() -> None:
    r = ev("rebuild", "1000.5", 10, [("120.25", "yes")] * 7 + [(Decimal("90.1"), "no")])
    assert [c.name for c in r.conditions] == [
        "participation_area", "participation_owners", "approval_area", "approval_owners",
    ]
    pa = r.condition("participation_area")
    assert pa.numerator == Fraction("841.75") + Fraction("90.1")
    assert pa.denominator == Fraction("1000.5") and pa.threshold == Fraction(2, 3) and pa.inclusive
    ao = r.condition("approval_owners")
    assert (ao.numerator, ao.denominator, ao.threshold) == (7, 8, Fraction(3, 4))
    assert r.yes_owners == 7 and r.no_owners == 1 and r.abstain_owners == 0
    assert r.outcome == ("passed" if r.passed else "failed")
    assert r.qualified


def test_floats_are_read_as_typed() -> None:
    # 0.1 + 0.2 in binary is not 0.3; read through Decimal(str(x)) it is, so the boundary holds.
    r = ev("other_major", 0.3, 2, [(0.1, "yes"), (0.1, "no")])
    assert r.condition("participation_area").numerator == Fraction(2, 10)
    assert met(r, "participation_area")  # 0.2 / 0.3 = 2/3 exactly
    assert ev("other_major", "0.3", 2, [("0.1", "yes"), ("0.1", "no")]).conditions == r.conditions


def test_fraction_areas_exact_thirds() -> None:
    third = Fraction(1, 3)
    r = ev("rules_of_procedure", 1, 3, [(third, "yes"), (third, "yes")])
    assert met(r, "participation_area") and r.passed


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"matter": "buy_a_yacht"}, "ballot_matter_unknown"),
        ({"votes": [(10, "maybe")]}, "ballot_choice_unknown"),
        ({"votes": [(10, "YES")]}, "ballot_choice_unknown"),
        ({"votes": [(10, ["yes"])]}, "ballot_choice_unknown"),
        ({"votes": [(10, None)]}, "ballot_choice_unknown"),
        ({"votes": [(None, "yes")]}, "ballot_area_invalid"),
        ({"votes": [(Fraction(-1, 3), "yes")]}, "ballot_area_negative"),
        ({"votes": [(-1, "yes")]}, "ballot_area_negative"),
        ({"votes": [("abc", "yes")]}, "ballot_area_invalid"),
        ({"votes": [(float("nan"), "yes")]}, "ballot_area_invalid"),
        ({"votes": [(True, "yes")]}, "ballot_area_invalid"),
        ({"votes": [("10",)]}, "ballot_vote_malformed"),
        ({"votes": ["yes"]}, "ballot_vote_malformed"),
        ({"total_area": 0}, "ballot_total_area_invalid"),
        ({"total_area": -5}, "ballot_area_negative"),
        ({"total_area": Decimal("Infinity")}, "ballot_area_invalid"),
        ({"total_owners": 0}, "ballot_total_owners_invalid"),
        ({"total_owners": 2.5}, "ballot_total_owners_invalid"),
        ({"total_owners": True}, "ballot_total_owners_invalid"),
        ({"votes": [(10, "yes")] * 4}, "ballot_votes_exceed_owners"),
        ({"votes": [(60, "yes"), (50, "no")]}, "ballot_votes_exceed_area"),
    ],
)
def test_bad_input_raises_clear_error(kwargs: dict[str, object], code: str) -> None:
    args: dict[str, object] = {"matter": "other_major", "total_area": 100, "total_owners": 3, "votes": []}
    args.update(kwargs)
    matter = args.pop("matter")
    with pytest.raises(BallotRuleError) as info:
        evaluate_owner_ballot(matter, **args)  # type: ignore[arg-type]
    assert info.value.code == code
    assert isinstance(info.value, ValueError) and isinstance(info.value, AppError)
    assert str(info.value)  # a readable English message for plain Python callers


# ---------------------------------------------------------------- property: agrees with a brute check


def brute(matter: str, total_area: Fraction, total_owners: int, votes: list[tuple[Fraction, str]]) -> bool:
    """The article read literally, counting owners one by one (no shortcuts shared with the code)."""
    part = [(a, c) for a, c in votes]
    part_area = Fraction(0)
    for a, _ in part:
        part_area += a
    yes_area = Fraction(0)
    yes_n = 0
    for a, c in part:
        if c == "yes":
            yes_area += a
            yes_n += 1
    n = len(part)
    if not (part_area * 3 >= total_area * 2 and n * 3 >= total_owners * 2):
        return False
    if n == 0:
        return False
    if matter in ("raise_maintenance_fund", "rebuild", "change_common_use"):
        return yes_area * 4 >= part_area * 3 and yes_n * 4 >= n * 3 and part_area > 0
    return yes_area * 2 > part_area and yes_n * 2 > n


@st.composite
def ballots(draw: st.DrawFn) -> tuple[str, Fraction, int, list[tuple[Fraction, str]]]:
    matter = draw(st.sampled_from(MATTERS))
    total_owners = draw(st.integers(min_value=1, max_value=16))
    # Small integer areas in tenths make exact boundaries frequent.
    owner_areas = [Fraction(draw(st.integers(min_value=1, max_value=12)), 2) for _ in range(total_owners)]
    voters = draw(st.lists(st.sampled_from(range(total_owners)), unique=True, max_size=total_owners))
    votes = [(owner_areas[i], draw(st.sampled_from(("yes", "no", "abstain")))) for i in voters]
    return matter, sum(owner_areas, Fraction(0)), total_owners, votes


@settings(max_examples=600, deadline=None)
@given(ballots())
def test_agrees_with_brute_check(case: tuple[str, Fraction, int, list[tuple[Fraction, str]]]) -> None:
    matter, total_area, total_owners, votes = case
    r = evaluate_owner_ballot(matter, total_area=total_area, total_owners=total_owners, votes=votes)
    assert r.passed == brute(matter, total_area, total_owners, votes)
    assert r.passed == all(c.met for c in r.conditions)
    # The same ballot with areas given as decimal strings gives the same figures.
    as_text = [(str(float(a)), c) for a, c in votes]
    r2 = evaluate_owner_ballot(matter, total_area=str(float(total_area)), total_owners=total_owners, votes=as_text)
    assert r2.conditions == r.conditions


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(MATTERS),
    st.integers(min_value=3, max_value=60),
    st.data(),
)
def test_exact_boundaries_equal_areas(matter: str, owners: int, data: st.DataObject) -> None:
    # Everyone holds 1 m²; pick participation and yes counts at, just below and just above each line.
    voting = data.draw(st.integers(min_value=0, max_value=owners))
    yes = data.draw(st.integers(min_value=0, max_value=voting))
    votes = [(1, "yes")] * yes + [(1, "no")] * (voting - yes)
    r = evaluate_owner_ballot(matter, total_area=owners, total_owners=owners, votes=votes)
    participation = 3 * voting >= 2 * owners
    # Qualified: ≥ 3/4 of those voting (nobody voting approves nothing); ordinary: > 1/2.
    approval = (voting > 0 and 4 * yes >= 3 * voting) if matter in QUALIFIED_MATTERS else 2 * yes > voting
    assert met(r, "participation_owners") == participation
    assert met(r, "participation_area") == participation
    assert met(r, "approval_owners") == approval
    assert r.passed == (participation and approval)
