"""Round 4: residents' own voice in the corpus, veiled threats, danger told through symptoms,
harmless uses of red-flag words. Sentences written for these tests, not taken from any data set."""

from __future__ import annotations

import json

import pytest

from gongzhi.mediation import triage as T
from gongzhi.mediation.data.build_corpus import HANDWRITTEN, handwritten
from gongzhi.mediation.triage import TriageModel, corpus_model, triage
from gongzhi.mediation.triage_rules import find_flags, normalize


@pytest.fixture(scope="module")
def model() -> TriageModel:
    return corpus_model()


def _live(text: str) -> set[str]:
    return {f.family for f in find_flags(normalize(text)) if not f.negated}


@pytest.mark.parametrize(
    "text",
    [
        "对方走的时候丢下一句 记住你家门牌了 晚上小心点",
        "包工头说谁去劳动局告他 谁也跑不了",
        "那人在电话里说你闺女在哪个学校他都知道 让我掂量掂量",
        "催债的说再拖下去 后果自负",
    ],
)
def test_veiled_threats_are_high(model: TriageModel, text: str) -> None:
    assert triage(text, model=model).risk == "high"


@pytest.mark.parametrize(
    "text",
    [
        "孩子一个人在家三天了 爹妈都在外地 邻居说娃饿得直哭",
        "楼上漏水漏到我家 我家两岁的娃夜里高烧 屋里又停了暖气",
    ],
)
def test_a_child_in_danger_told_through_symptoms_is_high(model: TriageModel, text: str) -> None:
    assert "vulnerable" in _live(text)
    assert triage(text, model=model).risk == "high"


@pytest.mark.parametrize(
    "text",
    [
        "在网上买的水果刀 刀刃有缺口 商家不给退",
        "我爸去县里看病 回来说村医开的药不对",
        "骑车被开门杀 车蹭花了 对方挺客气",
    ],
)
def test_harmless_uses_of_red_flag_words_raise_nothing(text: str) -> None:
    assert not _live(text) & {"weapon", "threat", "petition"}


def test_negated_veiled_threat_does_not_count() -> None:
    assert "threat" not in _live("他说话是难听 但没说让我出门小心点")


def test_handwritten_rows_are_in_the_corpus_but_the_measuring_sets_are_not() -> None:
    rows = handwritten()
    names = set(HANDWRITTEN)
    # The sets used to measure (heldout.jsonl for retraining, the newest blind sets) stay out.
    measuring = ("heldout.jsonl", *(f"heldout_blind{i}.jsonl" for i in (11, 12, 13, 14)))
    assert not names & set(measuring)
    corpus = [json.loads(line) for line in T.CORPUS_PATH.read_text(encoding="utf-8").splitlines() if line.strip()]
    written = [r for r in corpus if r.get("source") == "handwritten"]
    assert len(written) == len(rows) > 0
    assert all(r["weight"] == 3.0 and r["type"] in T.TYPES and r["risk"] in T.TIER_NAMES for r in written)
    measured = {e.text for name in measuring for e in T.load_examples(T.DATA_DIR / name)}
    assert not measured & {r["text"] for r in corpus}


def test_load_examples_reads_weight_and_source() -> None:
    ex = T.load_examples(T.CORPUS_PATH)
    assert {e.source for e in ex} == {"generated", "handwritten"}
    assert {e.weight for e in ex if e.source == "generated"} == {1.0}
