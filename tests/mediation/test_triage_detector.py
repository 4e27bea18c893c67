"""The recall-oriented high-risk detector and the semantic red-flag families (round 2)."""

from __future__ import annotations

import dataclasses

import pytest

from gongzhi.mediation.data.build_redflag import FAMILIES, generate
from gongzhi.mediation.triage import HIGH_TARGET_RECALL, TriageModel, corpus_model, triage
from gongzhi.mediation.triage_rules import find_flags, normalize


@pytest.fixture(scope="module")
def model() -> TriageModel:
    return corpus_model()


def _live_flags(text: str) -> list[str]:
    return [f.family for f in find_flags(normalize(text)) if not f.negated]


# One phrasing per new family member; written for these tests.
NEW_FAMILY_CASES = [
    ("threat", "他说再来要账就扎死我"),
    ("threat", "那边放话说谁敢动这块地就把他埋了"),
    ("threat", "他說要殺了我全家"),  # traditional characters
    ("weapon", "隔壁拎着把剪刀在楼道里比划"),
    ("injury", "我爸让他们打得缝了七针"),
    ("injury", "有个大爷头被开了瓢"),
    ("self_harm", "我姐说活着没啥意思 想一了百了"),
    ("crowd", "对方叫了一帮人堵在厂门口"),
    ("vulnerable", "她八十多了一个人住 拆迁的把电给掐了"),
]


@pytest.mark.parametrize(("family", "text"), NEW_FAMILY_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(NEW_FAMILY_CASES)])
def test_new_family_members_raise_to_high(model: TriageModel, family: str, text: str) -> None:
    assert family in _live_flags(text)
    assert triage(text, model=model).risk == "high"


NEGATED_NEW = [
    "他倒没说要把我埋了 就是骂得难听",
    "打是打了 但没缝针 也没去医院",
    "他没拿剪刀砸我 就是吵了几句",
    "我们不会一了百了的 就是想讨个说法",
    "对方没有一帮人来 就他一个",
    "人没晕过去 就是吓着了",
]


@pytest.mark.parametrize("text", NEGATED_NEW)
def test_negated_new_cues_do_not_count(text: str) -> None:
    # The rules see these cues as negated, and the detector only ever sees the text with them cut out.
    assert _live_flags(text) == [] or set(_live_flags(text)) <= {"scuffle"}


def test_negated_new_cues_do_not_make_a_quarrel_high(model: TriageModel) -> None:
    text = "邻居为了晾衣服的事跟我吵 他倒没说要把我埋了 也没拿剪刀"
    assert triage(text, model=model).risk != "high"


def test_detector_catches_a_phrasing_outside_the_lexicon(model: TriageModel) -> None:
    text = "对方说见我一次就让我躺着出去一次"
    assert _live_flags(text) == []  # no rule fires: only the detector can see it
    base = triage(text, model=dataclasses.replace(model, high=None))
    got = triage(text, model=model)
    assert got.risk == "high"
    assert any("高风险识别器" in r for r in got.reasons)
    assert base.risk != "high" or not any("高风险识别器" in r for r in base.reasons)


def test_detector_only_raises(model: TriageModel) -> None:
    # A red flag is high with or without the detector; a plain quarrel stays below high.
    assert triage("他拿着菜刀追我", model=model).risk == "high"
    assert triage("楼上晚上拖椅子有点吵 想请人去说说", model=model).risk != "high"


def test_operating_point_is_chosen_for_recall_on_the_validation_split(model: TriageModel) -> None:
    assert model.high is not None
    assert model.high.val_recall >= HIGH_TARGET_RECALL - 0.01
    assert 0.0 < model.high.threshold < 1.0
    assert 0.5 < model.high.val_precision <= 1.0


def test_generator_is_deterministic_and_paired() -> None:
    ctx = ["楼上漏水到我家", "老板拖欠工资", "物业不修电梯"]
    a = generate(ctx, per_family=50, negatives=40)
    assert a == generate(ctx, per_family=50, negatives=40)
    for fam in FAMILIES:
        pos = [t for t, h, f in a if f == fam]
        twins = [t for t, h, f in a if f == fam + "_twin"]
        assert pos and all(h for _t, h, f in a if f == fam)
        # Every positive has its harmless twin built from the same frame.
        assert len(pos) == len(twins)
    assert not any(h for _t, h, f in a if f.endswith("_twin"))
