"""Pure tally functions: seat weights, quorum and the three vote rules, in exact fractions.

No database here: callers pass counts per seat group and get back the figures and the
explanation. Every quantity is a `fractions.Fraction`; floats never enter.

Two different weights, on purpose:

* **Seat weight (quorum).** A group's quota is shared by its seats, i.e. the members in term:
  a member's seat weight = quota / members in term in the group. Present seat weight =
  Σ quota × present / in-term. A group with nobody in term has vacant seats: its quota stays
  in the total (1) but can never be present.
* **Vote weight (tally).** So that each group's share of the vote equals its quota however many of
  its members came, a member's vote weight = quota / members of the group who are present and in
  term when the motion opens (the motion's roll). A group with nobody on the roll casts nothing;
  its quota is **not** handed to the other groups (that would let a group exceed its quota), so it
  is simply absent: it does not count among votes cast, and under `majority_of_all` it counts as
  "not yes".

Rules (`yes`, `no`, `abstain` below are weighted sums over the groups):

* `simple_majority`: yes > no. Abstentions are not votes cast and count for nothing.
* `two_thirds`: yes ≥ 2/3 × base, the boundary included ("三分之二以上" includes itself). The base
  is yes + no when `abstentions="excluded"` (the default) or yes + no + abstain when
  `abstentions="included"` (an abstention then works like a no).
* `majority_of_all`: yes > 1/2 of all seat weight (1): absent members, vacant groups, members on the
  roll who did not vote and abstentions all count as "not yes" (Loomio's "eligible voters").

Nothing cast (base 0) never passes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

Rule = Literal["simple_majority", "two_thirds", "majority_of_all"]
Abstentions = Literal["excluded", "included"]
Choice = Literal["yes", "no", "abstain"]
RULES: tuple[Rule, ...] = ("simple_majority", "two_thirds", "majority_of_all")
CHOICES: tuple[Choice, ...] = ("yes", "no", "abstain")
ABSTENTIONS: tuple[Abstentions, ...] = ("excluded", "included")
ONE = Fraction(1)
HALF = Fraction(1, 2)
TWO_THIRDS = Fraction(2, 3)


def pct(value: Fraction, places: int = 2) -> str:
    """'33.33%' from an exact fraction, rounded half up with integer arithmetic (no float)."""
    scale = 10**places
    scaled = value * 100 * scale
    n = (scaled.numerator * 2 + scaled.denominator) // (2 * scaled.denominator)
    sign = "-" if n < 0 else ""
    whole, frac = divmod(abs(n), scale)
    return f"{sign}{whole}.{frac:0{places}d}%" if places else f"{sign}{whole}%"


def frac_text(value: Fraction) -> str:
    """'1/3' or '1' for a fraction; exact, for explanations next to the percentage."""
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def member_weight(quota: Fraction, members: int) -> Fraction:
    """A member's weight in a group of `members` (0 when the group is empty)."""
    if members < 0:
        raise ValueError("members must not be negative")
    return quota / members if members else Fraction(0)


def check_quotas(quotas: Sequence[Fraction]) -> None:
    """Quotas are positive and add up to exactly 1."""
    if any(q <= 0 for q in quotas):
        raise ValueError("every quota must be positive")
    if sum(quotas, Fraction(0)) != ONE:
        raise ValueError("quotas must add up to 100%")


# ---------------------------------------------------------------- quorum


@dataclass(frozen=True)
class SeatGroupPresence:
    code: str
    name: str
    quota: Fraction
    in_term: int  # seats filled: members whose term covers the moment
    present: int  # of those, present


@dataclass(frozen=True)
class GroupPresence:
    code: str
    name: str
    quota: Fraction
    in_term: int
    present: int
    seat_weight: Fraction  # of one member
    present_weight: Fraction  # of the group's present members


@dataclass(frozen=True)
class QuorumResult:
    present_weight: Fraction
    threshold: Fraction  # quorum needs present_weight strictly above this
    met: bool
    groups: tuple[GroupPresence, ...]


def quorum(groups: Sequence[SeatGroupPresence], threshold: Fraction = HALF) -> QuorumResult:
    """Quorum: present seat weight > threshold × total seat weight (1), strictly."""
    if not 0 <= threshold < 1:
        raise ValueError("the quorum threshold is a fraction in [0, 1)")
    rows = []
    for g in groups:
        if g.present > g.in_term or g.present < 0:
            raise ValueError("present must lie between 0 and the members in term")
        seat = member_weight(g.quota, g.in_term)
        rows.append(GroupPresence(g.code, g.name, g.quota, g.in_term, g.present, seat, seat * g.present))
    present = sum((r.present_weight for r in rows), Fraction(0))
    return QuorumResult(present, threshold, present > threshold, tuple(rows))


# ---------------------------------------------------------------- tally


@dataclass(frozen=True)
class GroupVotes:
    """One seat group's counts for one motion. `eligible`: members on the motion's roll."""

    code: str
    name: str
    quota: Fraction
    eligible: int
    yes: int = 0
    no: int = 0
    abstain: int = 0

    @property
    def voted(self) -> int:
        return self.yes + self.no + self.abstain


@dataclass(frozen=True)
class GroupShare:
    code: str
    name: str
    quota: Fraction
    eligible: int
    weight: Fraction  # of one member's vote
    yes: Fraction
    no: Fraction
    abstain: Fraction
    not_voted: Fraction  # weight of members on the roll who did not vote (plus the whole quota if nobody is on it)
    counts: tuple[int, int, int]  # raw yes, no, abstain


@dataclass(frozen=True)
class Condition:
    """One test the rule applies: `left` `op` `right`, with an i18n key and its parameters."""

    key: str
    left: Fraction
    op: str  # ">" or ">="
    right: Fraction
    holds: bool
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TallyResult:
    rule: Rule
    abstentions: Abstentions
    yes: Fraction
    no: Fraction
    abstain: Fraction
    cast: Fraction  # yes + no + abstain
    total: Fraction  # all seat weight (1)
    passed: bool
    conditions: tuple[Condition, ...]
    groups: tuple[GroupShare, ...]


def _shares(groups: Sequence[GroupVotes]) -> list[GroupShare]:
    out = []
    for g in groups:
        if min(g.yes, g.no, g.abstain, g.eligible) < 0:
            raise ValueError("counts must not be negative")
        if g.voted > g.eligible:
            raise ValueError(f"group {g.code}: more votes than members on the roll")
        w = member_weight(g.quota, g.eligible)
        not_voted = g.quota if g.eligible == 0 else w * (g.eligible - g.voted)
        out.append(GroupShare(g.code, g.name, g.quota, g.eligible, w, w * g.yes, w * g.no, w * g.abstain,
                              not_voted, (g.yes, g.no, g.abstain)))
    return out


def _cond(key: str, left: Fraction, op: str, right: Fraction, **params: Fraction) -> Condition:
    holds = left > right if op == ">" else left >= right
    shown = {k: f"{pct(v)} ({frac_text(v)})" for k, v in params.items()}
    shown |= {"left": f"{pct(left)} ({frac_text(left)})", "right": f"{pct(right)} ({frac_text(right)})"}
    return Condition(key, left, op, right, holds, shown)


def tally(groups: Sequence[GroupVotes], rule: Rule, *, abstentions: Abstentions = "excluded") -> TallyResult:
    """Weighted result of one motion (see the module docstring for the rules)."""
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}")
    if abstentions not in ABSTENTIONS:
        raise ValueError(f"unknown abstentions mode {abstentions!r}")
    check_quotas([g.quota for g in groups])
    shares = _shares(groups)
    zero = Fraction(0)
    yes = sum((s.yes for s in shares), zero)
    no = sum((s.no for s in shares), zero)
    abstain = sum((s.abstain for s in shares), zero)
    cast = yes + no + abstain
    conditions: list[Condition]
    if rule == "simple_majority":
        conditions = [
            _cond("council.cond.cast_nonzero", yes + no, ">", zero),
            _cond("council.cond.yes_gt_no", yes, ">", no, yes=yes, no=no, abstain=abstain),
        ]
    elif rule == "two_thirds":
        base = yes + no + (abstain if abstentions == "included" else zero)
        key = "council.cond.two_thirds_incl" if abstentions == "included" else "council.cond.two_thirds_excl"
        conditions = [
            _cond("council.cond.cast_nonzero", base, ">", zero),
            _cond(key, yes, ">=", TWO_THIRDS * base, yes=yes, no=no, abstain=abstain, base=base),
        ]
    else:
        conditions = [_cond("council.cond.majority_of_all", yes, ">", HALF * ONE, yes=yes, total=ONE)]
    passed = all(c.holds for c in conditions)
    return TallyResult(rule, abstentions, yes, no, abstain, cast, ONE, passed, tuple(conditions), tuple(shares))
