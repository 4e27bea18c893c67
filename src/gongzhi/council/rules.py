"""Civil Code art. 278: when does an owners' ballot (业主表决) pass?

Article 278 (with art. 1259 on "以上" and "过半数"):
- participation: owners holding two-thirds or more of the exclusive floor area **and**
  two-thirds or more of all owners take part (≥ 2/3, the boundary itself counts);
- raising the maintenance fund, rebuilding, changing the use of common parts: three-quarters
  or more of the participating area **and** three-quarters or more of the participating
  owners say yes (≥ 3/4, boundary included);
- every other matter: more than half of the participating area **and** more than half of
  the participating owners say yes (> 1/2, boundary excluded).

An owner who abstains has taken part (counts in participation and in the approval
denominators, never in the yes numerators). Everything is computed with `Fraction`: areas
are accepted as int, Fraction, Decimal or str, and a float only through `Decimal(str(x))`
(its shortest repr, i.e. what was typed: 85.37 stays 85.37, never 85.3700000000000045…).
Counting owners is the caller's job: an owner who holds several units is one owner whose
area is the sum of the units (see ballots.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import Enum
from fractions import Fraction
from typing import Any, Final

from gongzhi.council import ballot_messages  # noqa: F401  (registers the i18n keys)
from gongzhi.errors import Invalid

# In the article's order (DOMAIN.md).
MATTERS: Final = (
    "rules_of_procedure",
    "management_statute",
    "elect_committee",
    "hire_property_manager",
    "use_maintenance_fund",
    "raise_maintenance_fund",
    "rebuild",
    "change_common_use",
    "other_major",
)
# Matters that need the qualified (three-quarters) approval.
QUALIFIED_MATTERS: Final = frozenset({"raise_maintenance_fund", "rebuild", "change_common_use"})
CHOICES: Final = ("yes", "no", "abstain")
_CHOICE_SET: Final = frozenset(CHOICES)

PARTICIPATION: Final = Fraction(2, 3)
QUALIFIED: Final = Fraction(3, 4)
MAJORITY: Final = Fraction(1, 2)

CONDITION_NAMES: Final = ("participation_area", "participation_owners", "approval_area", "approval_owners")


class BallotRuleError(Invalid, ValueError):
    """Bad input to the evaluation: a 422 in the API, and a ValueError for plain Python callers."""

    def __str__(self) -> str:
        from gongzhi.i18n import translate

        return translate(self.code, "en", **self.params)


@dataclass(frozen=True)
class Condition:
    """One condition of the article: numerator / denominator against threshold.

    `inclusive` says whether reaching the threshold exactly is enough (≥, "以上") or the
    share must exceed it (>, "过半数"). With a zero denominator (nobody took part) the
    condition is not met.
    """

    name: str
    numerator: Fraction
    denominator: Fraction
    threshold: Fraction
    inclusive: bool
    met: bool

    @property
    def share(self) -> Fraction | None:
        return None if self.denominator == 0 else self.numerator / self.denominator

    @property
    def needed(self) -> Fraction:
        """The numerator at the boundary (threshold × denominator)."""
        return self.threshold * self.denominator


@dataclass(frozen=True)
class BallotEvaluation:
    matter: str
    passed: bool
    conditions: list[Condition]
    total_area: Fraction
    total_owners: int
    participating_area: Fraction
    participating_owners: int
    yes_area: Fraction
    yes_owners: int
    no_area: Fraction
    no_owners: int
    abstain_area: Fraction
    abstain_owners: int
    qualified: bool = field(default=False)

    @property
    def outcome(self) -> str:
        return "passed" if self.passed else "failed"

    def condition(self, name: str) -> Condition:
        for c in self.conditions:
            if c.name == name:
                return c
        raise KeyError(name)


def _meets(numerator: Fraction, denominator: Fraction, threshold: Fraction, inclusive: bool) -> bool:
    if denominator <= 0:
        return False
    # Cross-multiplied: no division, exact either way.
    lhs, rhs = numerator, threshold * denominator
    return lhs >= rhs if inclusive else lhs > rhs


def exact_area(value: object, what: str = "area") -> Fraction:
    """An area as an exact Fraction; floats via their shortest repr. Negative or non-finite is an error."""
    if isinstance(value, bool):
        raise BallotRuleError("ballot_area_invalid", what=what, value=repr(value))
    try:
        if isinstance(value, Fraction):
            result = value
        elif isinstance(value, int):
            result = Fraction(value)
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise BallotRuleError("ballot_area_invalid", what=what, value=repr(value))
            result = Fraction(Decimal(str(value)))
        elif isinstance(value, Decimal):
            if not value.is_finite():
                raise BallotRuleError("ballot_area_invalid", what=what, value=str(value))
            result = Fraction(value)
        elif isinstance(value, str):
            text = value.strip()
            if not text or text.lower().lstrip("+-") in ("nan", "inf", "infinity", "snan"):
                raise BallotRuleError("ballot_area_invalid", what=what, value=repr(value))
            result = Fraction(text)
        else:
            raise BallotRuleError("ballot_area_invalid", what=what, value=repr(value))
    except (ValueError, ZeroDivisionError, InvalidOperation, OverflowError) as exc:
        if isinstance(exc, BallotRuleError):
            raise
        raise BallotRuleError("ballot_area_invalid", what=what, value=repr(value)) from None
    if result < 0:
        raise BallotRuleError("ballot_area_negative", what=what, value=str(result))
    return result


def _owner_count(value: object) -> int:
    if isinstance(value, bool):
        raise BallotRuleError("ballot_total_owners_invalid", value=repr(value))
    if isinstance(value, int):
        count = value
    else:
        try:
            exact = exact_area(value, "total_owners")
        except BallotRuleError:
            raise BallotRuleError("ballot_total_owners_invalid", value=repr(value)) from None
        if exact.denominator != 1:
            raise BallotRuleError("ballot_total_owners_invalid", value=repr(value))
        count = int(exact)
    if count < 1:
        raise BallotRuleError("ballot_total_owners_invalid", value=repr(value))
    return count


def _matter_code(matter: object) -> str:
    code = matter.value if isinstance(matter, Enum) else matter
    if not isinstance(code, str) or code not in MATTERS:
        raise BallotRuleError("ballot_matter_unknown", matter=str(code))
    return code


def _vote_parts(index: int, vote: object) -> tuple[object, object]:
    if isinstance(vote, Mapping):
        if "area" in vote and "choice" in vote:
            return vote["area"], vote["choice"]
        raise BallotRuleError("ballot_vote_malformed", index=index)
    if isinstance(vote, str | bytes):
        raise BallotRuleError("ballot_vote_malformed", index=index)
    if hasattr(vote, "area") and hasattr(vote, "choice") and not isinstance(vote, tuple | list):
        record: Any = vote
        return record.area, record.choice
    pair: Any = vote
    try:
        area, choice = pair
    except (TypeError, ValueError):
        raise BallotRuleError("ballot_vote_malformed", index=index) from None
    return area, choice


def _choice(index: int, choice: object) -> str:
    code = choice.value if isinstance(choice, Enum) else choice
    if not isinstance(code, str) or code not in CHOICES:
        raise BallotRuleError("ballot_choice_unknown", index=index, choice=str(code))
    return code


def evaluate_owner_ballot(
    matter: object,
    *,
    total_area: object,
    total_owners: object,
    votes: Iterable[Any],
) -> BallotEvaluation:
    """Apply art. 278 to one ballot.

    matter: a code from MATTERS. total_area: the exclusive floor area of every owner of the
    building/estate; total_owners: how many owners there are. votes: one `(area, choice)` per
    participating owner, choice ∈ yes/no/abstain (a mapping with area/choice keys or an object
    with those attributes works too). Raises BallotRuleError (a ValueError) on bad input:
    unknown matter or choice, negative or non-numeric area, a non-positive total, or votes
    exceeding the totals. Returns all four conditions, met or not; `passed` needs all of them.
    """
    code = _matter_code(matter)
    total = exact_area(total_area, "total_area")
    if total <= 0:
        raise BallotRuleError("ballot_total_area_invalid")
    owners = _owner_count(total_owners)

    # Sum numerators per denominator, then add the few distinct denominators: exact, and far
    # cheaper than adding thousands of Fractions one by one (each addition reduces by a gcd).
    sums: dict[str, dict[int, int]] = {c: {} for c in CHOICES}
    counts: dict[str, int] = dict.fromkeys(CHOICES, 0)
    for index, vote in enumerate(votes, start=1):
        # Fast paths for the usual shapes (a 2-tuple; an int or Fraction area); the rest is checked fully.
        raw_area, raw_choice = vote if type(vote) is tuple and len(vote) == 2 else _vote_parts(index, vote)
        choice = raw_choice if type(raw_choice) is str and raw_choice in _CHOICE_SET else _choice(index, raw_choice)
        area: Fraction
        if type(raw_area) is Fraction and raw_area >= 0:
            area = raw_area
        elif type(raw_area) is int and raw_area >= 0:
            area = Fraction(raw_area)
        else:
            area = exact_area(raw_area, f"vote {index} area")
        by_den = sums[choice]
        by_den[area.denominator] = by_den.get(area.denominator, 0) + area.numerator
        counts[choice] += 1
    areas = {c: sum((Fraction(n, d) for d, n in sums[c].items()), Fraction(0)) for c in CHOICES}

    part_area = sum(areas.values(), Fraction(0))
    part_owners = sum(counts.values())
    if part_owners > owners:
        raise BallotRuleError("ballot_votes_exceed_owners", count=part_owners, total=owners)
    if part_area > total:
        raise BallotRuleError("ballot_votes_exceed_area", area=str(part_area), total=str(total))

    qualified = code in QUALIFIED_MATTERS
    approval, inclusive = (QUALIFIED, True) if qualified else (MAJORITY, False)
    specs = (
        ("participation_area", part_area, total, PARTICIPATION, True),
        ("participation_owners", Fraction(part_owners), Fraction(owners), PARTICIPATION, True),
        ("approval_area", areas["yes"], part_area, approval, inclusive),
        ("approval_owners", Fraction(counts["yes"]), Fraction(part_owners), approval, inclusive),
    )
    conditions = [
        Condition(name=name, numerator=num, denominator=den, threshold=thr, inclusive=inc,
                  met=_meets(num, den, thr, inc))
        for name, num, den, thr, inc in specs
    ]
    return BallotEvaluation(
        matter=code,
        passed=all(c.met for c in conditions),
        conditions=conditions,
        total_area=total,
        total_owners=owners,
        participating_area=part_area,
        participating_owners=part_owners,
        yes_area=areas["yes"],
        yes_owners=counts["yes"],
        no_area=areas["no"],
        no_owners=counts["no"],
        abstain_area=areas["abstain"],
        abstain_owners=counts["abstain"],
        qualified=qualified,
    )
