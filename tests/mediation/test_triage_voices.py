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
    # Every blind set scored before round 6 (blind, blind2 … blind16) is training data now, with the
    # round-6 voice files; the development set heldout.jsonl and the newest sets stay out.
    assert {f"heldout_blind{i}.jsonl" for i in (11, 12, 13, 14, 15, 16)} <= names
    assert {"voices_r6_a.jsonl", "voices_r6_b.jsonl"} <= names
    present = {p.name for p in T.DATA_DIR.glob("heldout*.jsonl")}
    measuring = sorted(present - names)
    assert "heldout.jsonl" in measuring and "heldout.jsonl" not in names
    # The held-out sets of record (scored once, docs/triage.md) stay out until newer ones exist.
    assert {"heldout_blind17.jsonl", "heldout_blind18.jsonl", "heldout_blind19.jsonl"} <= set(measuring)
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


# Round 5: general causes behind blind14's misses, in sentences written for these tests.
@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("他们把我婆婆关在后屋里 好几天不让出来", "confined"),
        ("老板把我身份证和手机都收了 说干不满一年不准走", "confined"),
        ("小舅子放话 你要敢分家产 就别想活着回去", "threat"),
        ("你今天不签字 就走不出这个院", "threat"),
        ("今晚十点全体工人厂门口集合 一起去把老板的办公室堵了", "crowd"),
        ("我怀孕七个月了 房东把水电都断了 一个人在出租屋", "vulnerable"),
        ("对门独居的大爷八十七岁了 这个冬天没暖气 人冻得直哆嗦", "vulnerable"),
        ("屋里断水断电，已经四天没人去看。", "vulnerable"),
        ("网友把我家庭住址挂到网上 还有人说要来找我", "threat"),
    ],
)
def test_round5_red_flags(model: TriageModel, text: str, family: str) -> None:
    assert family in _live(text)
    assert triage(text, model=model).risk == "high"


@pytest.mark.parametrize(
    "text",
    [
        "物业说不交停车费就不让出去 这合理吗",
        "保安不让走正门 得绕一大圈",
        "他说别想太多 明天再谈",
        "钥匙锁在车里了 开锁师傅要两百",
        "小区门口集合去跳广场舞 音乐太吵",
        "学校收了他的手机 家长有意见",
        "跟厂里反映了好几天没人管 宿舍还是没热水",
        "邻居装修把我家墙震裂了 要他赔",
        "有人把我照片p了发到业主群里骂我",
    ],
)
def test_round5_harmless_twins_raise_nothing(text: str) -> None:
    assert not _live(text) - {"scuffle"}


def test_round5_negated_confinement_does_not_count() -> None:
    assert "confined" not in _live("没有不让她出门 是她自己不想出去")
    assert "confined" not in _live("我没被关 也没人收我手机 就是工资没给")
