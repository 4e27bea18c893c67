"""NEWS2 (National Early Warning Score 2), Royal College of Physicians, December 2017.

The bands below are the chart's, boundary for boundary. The chart records values the way a
nurse writes them down: temperature to one decimal place, every other parameter as a whole
number. A measured value between two printed bands (35.05 °C, pulse 90.5) is therefore first
rounded like that, half up (35.05 -> 35.1, 90.5 -> 91), and then scored; rounding is done on
the decimal text of the value, so 35.05 is not taken for 35.04999… by binary floating point.

`score_news2` needs all seven parameters (the chart). `score_partial` scores whichever are
present (a wrist band measures pulse, SpO2 and temperature only) and says which are missing;
its total is a lower bound of the full score, and its band is computed from that total.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

Band = Literal["low", "low_medium", "medium", "high"]
CONSCIOUSNESS = ("A", "C", "V", "P", "U")
PARAMETERS = (
    "respiration_rate",
    "spo2",
    "on_oxygen",
    "systolic_bp",
    "pulse",
    "consciousness",
    "temperature",
)


@dataclass(frozen=True)
class News2Result:
    total: int
    scores: dict[str, int]  # per parameter present
    band: Band
    spo2_scale: int
    missing: tuple[str, ...] = field(default=())

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def any_three(self) -> bool:
        return any(s == 3 for s in self.scores.values())

    def __getitem__(self, key: str) -> object:
        # Mapping-style access too (result["total"]), for callers that treat it as a dict.
        return self.as_dict()[key]

    def as_dict(self) -> dict[str, object]:
        return {
            "total": self.total,
            "scores": dict(self.scores),
            "band": self.band,
            "spo2_scale": self.spo2_scale,
            "missing": list(self.missing),
            "complete": self.complete,
        }


def _round(value: float, places: int) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("a vital sign must be a number")
    exp = Decimal(1).scaleb(-places)
    return Decimal(str(value)).quantize(exp, rounding=ROUND_HALF_UP)


def _finite(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number")
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{name} must be finite")
    if value < 0:
        raise ValueError(f"{name} must not be negative")


def respiration_score(rate: float) -> int:
    _finite("respiration_rate", rate)
    r = _round(rate, 0)
    if r <= 8:
        return 3
    if r <= 11:
        return 1
    if r <= 20:
        return 0
    if r <= 24:
        return 2
    return 3


def spo2_score(spo2: float, on_oxygen: bool | None, scale: int = 1) -> int:
    """Scale 1 ignores oxygen; scale 2 (hypercapnic respiratory failure) scores ≥93 only on oxygen.

    On scale 2 an unknown oxygen status (None) scores ≥93 as on air: the lower bound.
    """
    _finite("spo2", spo2)
    s = _round(spo2, 0)
    if s > 100:
        raise ValueError("spo2 must be at most 100")
    if scale == 1:
        if s <= 91:
            return 3
        if s <= 93:
            return 2
        if s <= 95:
            return 1
        return 0
    if scale != 2:
        raise ValueError("spo2_scale must be 1 or 2")
    if s <= 83:
        return 3
    if s <= 85:
        return 2
    if s <= 87:
        return 1
    if s <= 92 or not on_oxygen:
        return 0
    if s <= 94:
        return 1
    if s <= 96:
        return 2
    return 3


def oxygen_score(on_oxygen: bool) -> int:
    return 2 if on_oxygen else 0


def systolic_score(systolic_bp: float) -> int:
    _finite("systolic_bp", systolic_bp)
    b = _round(systolic_bp, 0)
    if b <= 90:
        return 3
    if b <= 100:
        return 2
    if b <= 110:
        return 1
    if b <= 219:
        return 0
    return 3


def pulse_score(pulse: float) -> int:
    _finite("pulse", pulse)
    p = _round(pulse, 0)
    if p <= 40:
        return 3
    if p <= 50:
        return 1
    if p <= 90:
        return 0
    if p <= 110:
        return 1
    if p <= 130:
        return 2
    return 3


def consciousness_score(consciousness: str) -> int:
    level = consciousness.strip().upper() if isinstance(consciousness, str) else consciousness
    if level not in CONSCIOUSNESS:
        raise ValueError("consciousness must be one of A, C, V, P, U")
    return 0 if level == "A" else 3  # new confusion (C) scores like V, P and U


def temperature_score(temperature: float) -> int:
    _finite("temperature", temperature)
    t = _round(temperature, 1)
    if t <= Decimal("35.0"):
        return 3
    if t <= Decimal("36.0"):
        return 1
    if t <= Decimal("38.0"):
        return 0
    if t <= Decimal("39.0"):
        return 1
    return 2


def band_for(total: int, any_three: bool) -> Band:
    """Clinical risk: 7+ high, 5–6 medium, a 3 in any single parameter low-medium, else low."""
    if total >= 7:
        return "high"
    if total >= 5:
        return "medium"
    if any_three:
        return "low_medium"
    return "low"


def score_partial(
    *,
    respiration_rate: float | None = None,
    spo2: float | None = None,
    on_oxygen: bool | None = None,
    systolic_bp: float | None = None,
    pulse: float | None = None,
    consciousness: str | None = None,
    temperature: float | None = None,
    spo2_scale: int = 1,
) -> News2Result:
    """Score the parameters given; `missing` lists the others (in the chart's order)."""
    if spo2_scale not in (1, 2):
        raise ValueError("spo2_scale must be 1 or 2")
    scores: dict[str, int] = {}
    if respiration_rate is not None:
        scores["respiration_rate"] = respiration_score(respiration_rate)
    if spo2 is not None:
        scores["spo2"] = spo2_score(spo2, on_oxygen, spo2_scale)
    if on_oxygen is not None:
        scores["on_oxygen"] = oxygen_score(bool(on_oxygen))
    if systolic_bp is not None:
        scores["systolic_bp"] = systolic_score(systolic_bp)
    if pulse is not None:
        scores["pulse"] = pulse_score(pulse)
    if consciousness is not None:
        scores["consciousness"] = consciousness_score(consciousness)
    if temperature is not None:
        scores["temperature"] = temperature_score(temperature)
    total = sum(scores.values())
    missing = tuple(p for p in PARAMETERS if p not in scores)
    return News2Result(
        total=total,
        scores=scores,
        band=band_for(total, any(s == 3 for s in scores.values())),
        spo2_scale=spo2_scale,
        missing=missing,
    )


def score_news2(
    *,
    respiration_rate: float,
    spo2: float,
    on_oxygen: bool,
    systolic_bp: float,
    pulse: float,
    consciousness: str,
    temperature: float,
    spo2_scale: int = 1,
) -> News2Result:
    """The full chart: every parameter required."""
    given = {
        "respiration_rate": respiration_rate,
        "spo2": spo2,
        "on_oxygen": on_oxygen,
        "systolic_bp": systolic_bp,
        "pulse": pulse,
        "consciousness": consciousness,
        "temperature": temperature,
    }
    absent = [k for k, v in given.items() if v is None]
    if absent:
        raise ValueError(f"missing parameters: {', '.join(absent)}")
    return score_partial(
        respiration_rate=respiration_rate,
        spo2=spo2,
        on_oxygen=bool(on_oxygen),
        systolic_bp=systolic_bp,
        pulse=pulse,
        consciousness=consciousness,
        temperature=temperature,
        spo2_scale=spo2_scale,
    )
