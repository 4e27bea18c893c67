"""NEWS2 against the RCP 2017 chart: every band edge of every parameter, both SpO2 scales, the bands."""

from __future__ import annotations

import pytest

from gongzhi.eldercare.news2 import (
    band_for,
    consciousness_score,
    pulse_score,
    respiration_score,
    score_news2,
    score_partial,
    spo2_score,
    systolic_score,
    temperature_score,
)

NORMAL = dict(respiration_rate=16, spo2=97, on_oxygen=False, systolic_bp=120, pulse=70, consciousness="A",
              temperature=37.0)


@pytest.mark.parametrize(("rate", "score"), [
    (0, 3), (8, 3), (9, 1), (11, 1), (12, 0), (20, 0), (21, 2), (24, 2), (25, 3), (40, 3),
    (8.4, 3), (8.5, 1), (11.5, 0), (20.5, 2), (24.49, 2), (24.5, 3),
])
def test_respiration_edges(rate: float, score: int) -> None:
    assert respiration_score(rate) == score


@pytest.mark.parametrize(("spo2", "score"), [
    (80, 3), (91, 3), (92, 2), (93, 2), (94, 1), (95, 1), (96, 0), (100, 0), (91.5, 2), (95.5, 0),
])
def test_spo2_scale1_edges_ignore_oxygen(spo2: float, score: int) -> None:
    assert spo2_score(spo2, False, 1) == score
    assert spo2_score(spo2, True, 1) == score


@pytest.mark.parametrize(("spo2", "on_oxygen", "score"), [
    (83, False, 3), (83, True, 3), (84, False, 2), (85, True, 2), (86, False, 1), (87, True, 1),
    (88, False, 0), (88, True, 0), (92, False, 0), (92, True, 0),
    (93, True, 1), (94, True, 1), (95, True, 2), (96, True, 2), (97, True, 3), (100, True, 3),
    (93, False, 0), (97, False, 0), (100, False, 0),
])
def test_spo2_scale2_edges(spo2: float, on_oxygen: bool, score: int) -> None:
    assert spo2_score(spo2, on_oxygen, 2) == score


@pytest.mark.parametrize(("sbp", "score"), [
    (60, 3), (90, 3), (91, 2), (100, 2), (101, 1), (110, 1), (111, 0), (219, 0), (220, 3), (250, 3),
    (90.4, 3), (90.5, 2), (219.5, 3),
])
def test_systolic_edges(sbp: float, score: int) -> None:
    assert systolic_score(sbp) == score


@pytest.mark.parametrize(("pulse", "score"), [
    (30, 3), (40, 3), (41, 1), (50, 1), (51, 0), (90, 0), (91, 1), (110, 1), (111, 2), (130, 2), (131, 3),
    (180, 3), (40.5, 1), (90.5, 1), (90.49, 0), (130.5, 3),
])
def test_pulse_edges(pulse: float, score: int) -> None:
    assert pulse_score(pulse) == score


@pytest.mark.parametrize(("temp", "score"), [
    (34.0, 3), (35.0, 3), (35.1, 1), (36.0, 1), (36.1, 0), (38.0, 0), (38.1, 1), (39.0, 1), (39.1, 2), (41.0, 2),
    (35.04, 3), (35.05, 1), (36.05, 0), (38.05, 1), (39.05, 2), (38.04, 0),
])
def test_temperature_edges_round_to_one_decimal_half_up(temp: float, score: int) -> None:
    assert temperature_score(temp) == score


@pytest.mark.parametrize(("level", "score"), [("A", 0), ("C", 3), ("V", 3), ("P", 3), ("U", 3), ("a", 0)])
def test_consciousness(level: str, score: int) -> None:
    assert consciousness_score(level) == score


def test_oxygen_scores_two() -> None:
    assert score_news2(**{**NORMAL, "on_oxygen": True}).scores["on_oxygen"] == 2
    assert score_news2(**NORMAL).scores["on_oxygen"] == 0


def test_all_normal_is_zero_low() -> None:
    r = score_news2(**NORMAL)
    assert (r.total, r.band, r.missing) == (0, "low", ())
    assert r["total"] == 0 and r["band"] == "low"


def test_band_edges() -> None:
    # total 4 without a 3: low; total 5: medium; 6: medium; 7: high.
    four = score_news2(**{**NORMAL, "respiration_rate": 22, "pulse": 115})  # 2 + 2
    assert (four.total, four.band) == (4, "low")
    five = score_news2(**{**NORMAL, "respiration_rate": 22, "pulse": 115, "temperature": 38.5})
    assert (five.total, five.band) == (5, "medium")
    six = score_news2(**{**NORMAL, "respiration_rate": 22, "pulse": 115, "temperature": 39.5})
    assert (six.total, six.band) == (6, "medium")
    seven = score_news2(**{**NORMAL, "respiration_rate": 22, "pulse": 115, "temperature": 39.5, "spo2": 95})
    assert (seven.total, seven.band) == (7, "high")


def test_single_three_is_low_medium_below_five_only() -> None:
    r = score_news2(**{**NORMAL, "consciousness": "C"})
    assert (r.total, r.band) == (3, "low_medium")
    r = score_news2(**{**NORMAL, "pulse": 35, "spo2": 95})  # 3 + 1
    assert (r.total, r.band) == (4, "low_medium")
    r = score_news2(**{**NORMAL, "pulse": 35, "spo2": 94, "temperature": 38.5})  # 3 + 1 + 1
    assert (r.total, r.band) == (5, "medium")
    assert band_for(7, True) == "high"
    assert band_for(0, False) == "low"


def test_scale2_full_example() -> None:
    # COPD patient on oxygen at 97 %: 3 (SpO2) + 2 (oxygen) = 5, medium; on air at 97 % scores 0.
    r = score_news2(**{**NORMAL, "spo2": 97, "on_oxygen": True}, spo2_scale=2)
    assert (r.scores["spo2"], r.total, r.band) == (3, 5, "medium")
    r = score_news2(**{**NORMAL, "spo2": 90, "on_oxygen": False}, spo2_scale=2)
    assert (r.scores["spo2"], r.total) == (0, 0)
    r = score_news2(**{**NORMAL, "spo2": 90, "on_oxygen": False}, spo2_scale=1)
    assert (r.scores["spo2"], r.total, r.band) == (3, 3, "low_medium")


def test_worst_case() -> None:
    r = score_news2(respiration_rate=30, spo2=85, on_oxygen=True, systolic_bp=85, pulse=140, consciousness="U",
                    temperature=34.5)
    assert r.total == 3 + 3 + 2 + 3 + 3 + 3 + 3 == 20
    assert r.band == "high"


def test_partial_vitals_say_what_is_missing() -> None:
    r = score_partial(pulse=125, spo2=93, temperature=38.6)
    assert r.scores == {"spo2": 2, "pulse": 2, "temperature": 1}
    assert (r.total, r.band) == (5, "medium")
    assert r.missing == ("respiration_rate", "on_oxygen", "systolic_bp", "consciousness")
    assert not r.complete
    only = score_partial(pulse=38)
    assert (only.total, only.band, len(only.missing)) == (3, "low_medium", 6)


def test_bad_input_refused() -> None:
    with pytest.raises(ValueError):
        score_news2(**{**NORMAL, "consciousness": "X"})
    with pytest.raises(ValueError):
        score_news2(**{**NORMAL, "spo2_scale": 3})  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        pulse_score(float("nan"))
    with pytest.raises(ValueError):
        spo2_score(101, False)
