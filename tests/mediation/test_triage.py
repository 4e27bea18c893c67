"""Dispute triage without a database: types, tiers, red flags, negation, facts, reasons, speed path."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongzhi.mediation import triage as T
from gongzhi.mediation.triage import TYPES, TriageModel, corpus_model, triage
from gongzhi.mediation.triage_rules import cn_number, find_flags, money_in_text, normalize, people_in_text


@pytest.fixture(scope="module")
def model() -> TriageModel:
    return corpus_model()


# Sentences written for these tests, not taken from the corpus or the held-out set.
TYPE_CASES = [
    ("family", "我跟老公过不下去了 想离婚 他不同意 孩子归谁也谈不拢"),
    ("neighbor", "楼上那户每天晚上拖椅子 咯吱咯吱响 敲门跟他说他还不高兴"),
    ("land_housing", "我家宅基地和邻居家挨着 他翻修房子把墙基往我家这边挪了一截"),
    ("property_mgmt", "物业公司收了物业费 小区电梯坏了一个礼拜都不来修"),
    ("labor", "在饭店当服务员干了四个月 老板一直拖欠工资不给"),
    ("consumer", "在网上买了一台洗衣机 送来就是坏的 商家不给退货"),
    ("traffic", "骑电瓶车在十字路口被一辆小轿车撞了 车子撞坏了 对方不肯赔"),
    ("medical", "我妈在卫生院做了手术以后伤口一直感染 医院说跟手术没关系"),
    ("demolition", "我们村要拆迁 我家评估的补偿款比别人家少了一大截"),
    ("environment", "村边的工厂天天往河里排污水 河里的鱼都死光了"),
    ("debt_contract", "朋友前年找我借了五万块钱 打了借条 现在一直拖着不还"),
    ("other", "有人在村里的微信群里造谣说我家闺女的坏话 要他出来道歉"),
]


@pytest.mark.parametrize(("expected", "text"), TYPE_CASES, ids=[c[0] for c in TYPE_CASES])
def test_each_type_is_recognised(model: TriageModel, expected: str, text: str) -> None:
    r = triage(text, model=model)
    assert r.type == expected
    assert set(r.type_scores) == set(TYPES)
    assert abs(sum(r.type_scores.values()) - 1) < 0.01
    assert r.confidence == pytest.approx(max(r.type_scores.values()), abs=1e-3)
    assert 0 < r.confidence <= 1


@pytest.mark.parametrize(
    ("a", "b", "type_a", "type_b"),
    [
        ("楼上装修噪音太大 吵得睡不着", "邻居砌院墙占了我家宅基地", "neighbor", "land_housing"),
        ("物业费年年涨 电梯也不修", "在超市买的牛奶过期了 不给退", "property_mgmt", "consumer"),
        ("厂里拖欠我三个月工资", "朋友借了我三万块钱不还", "labor", "debt_contract"),
        ("拆迁补偿款太低 安置房还没盖好", "两家为宅基地的地界吵起来了", "demolition", "land_housing"),
    ],
)
def test_neighbouring_types_are_told_apart(model: TriageModel, a: str, b: str, type_a: str, type_b: str) -> None:
    assert triage(a, model=model).type == type_a
    assert triage(b, model=model).type == type_b


def test_low_tier_for_a_first_quarrel(model: TriageModel) -> None:
    r = triage("邻居家的狗天天叫 跟他说了两句 他不太高兴", model=model)
    assert r.risk == "low"
    assert any("低风险" in x for x in r.reasons)


def test_medium_tier_for_money_at_stake(model: TriageModel) -> None:
    r = triage("老板欠我工资两万三一直不给", model=model)
    assert r.risk == "medium"
    assert any("23,000" in x and "中风险" in x for x in r.reasons)


def test_high_tier_for_a_threat(model: TriageModel) -> None:
    r = triage("他扬言要弄死我们一家", model=model)
    assert r.risk == "high"
    assert any("暴力威胁" in x and "弄死" in x for x in r.reasons)


RED_FLAGS = [
    ("threat", "暴力威胁", "他说再不还钱就砍死我", "砍死"),
    ("weapon", "凶器", "对方提着一把菜刀在门口转", "菜刀"),
    ("weapon", "凶器", "他拎了一桶汽油过来", "汽油"),
    ("weapon", "凶器", "几个人拿着棍子来的", "棍子"),
    ("self_harm", "自伤自杀", "我妈说再不解决就去跳楼", "跳楼"),
    ("self_harm", "自伤自杀", "他在地里喝了农药", "喝了农药"),
    ("self_harm", "自伤自杀", "工钱拿不到我真的不想活了", "不想活"),
    ("injury", "伤人", "我爸被他打伤了", "打伤"),
    ("injury", "伤人", "两个人打得头上流血", "流血"),
    ("injury", "伤人", "我老婆被推倒现在住院了", "住院"),
    ("crowd", "群体性", "几十个人堵在厂门口", "几十个人"),
    ("crowd", "群体性", "十几个工人一起去找老板", "十几个工人"),
    ("petition", "集体上访", "业主们说下礼拜要集体上访", "集体上访"),
    ("petition", "集体上访", "村民准备去市里拉横幅", "横幅"),
    ("vulnerable", "弱势人员", "八十多岁的老人被儿子赶出了家门", "赶出"),
    ("vulnerable", "弱势人员", "孕妇被他推倒在地上", "孕妇"),
]


@pytest.mark.parametrize(("family", "name", "text", "cue"), RED_FLAGS, ids=[f"{f[0]}-{f[3]}" for f in RED_FLAGS])
def test_each_red_flag_family_raises_to_high(model: TriageModel, family: str, name: str, text: str, cue: str) -> None:
    r = triage(text, model=model)
    assert r.risk == "high"
    flagged = [x for x in r.reasons if x.startswith("红旗")]
    assert any(name in x and cue in x for x in flagged), r.reasons
    assert family in {f.family for f in find_flags(normalize(text)) if not f.negated}


NEGATED = [
    "两个人吵了几句 他没动手",
    "他没有威胁我 就是说话难听",
    "他说他不会打人的 让我放心",
    "他并没有拿刀 只是站在门口骂",
    "刀倒是没拿 就是嗓门大",
    "还好我儿子没受伤",
    "没有人受伤 也没有人住院",
    "他从来没有打人 也没有拿棍子",
    "我不会去跳楼的 就是想讨个说法",
    "大家也没说要去上访",
]


@pytest.mark.parametrize("text", NEGATED)
def test_negations_do_not_raise_the_tier(model: TriageModel, text: str) -> None:
    r = triage(text, model=model)
    assert r.risk != "high", r.reasons
    assert not any(x.startswith("红旗") for x in r.reasons)
    assert any(x.startswith("否定表述不计入风险") for x in r.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "他没动手，但是拿刀吓唬我",  # a clause boundary ends the negation's scope
        "他没动手 后来拿着菜刀追我",
        "没想到他拿刀砍我",  # 没想到 is not a negation
        "他说不给钱就砍了他",  # 不给 … 就 …: the threat stands
        "他不修 几十个人堵在门口",  # 不 negates 修, not the crowd
        "会不会打起来我不知道 他已经拿着铁棍了",
        "我女儿受不了了要跳河",  # 受不了 is "cannot bear", not a negation of 跳河
        "对门的人拿着剪刀追着我孙子跑",
    ],
)
def test_negation_scope_is_short_and_stops_at_clause_boundaries(model: TriageModel, text: str) -> None:
    assert triage(text, model=model).risk == "high"


def test_negator_far_before_the_cue_does_not_count() -> None:
    flags = find_flags(normalize("他从来没有跟我们村里的任何人商量过就拿刀来了"))
    assert any(f.family == "weapon" and not f.negated for f in flags)


def test_scuffle_without_injury_is_medium(model: TriageModel) -> None:
    r = triage("两个人为停车的事推搡了几下", model=model)
    assert r.risk == "medium"
    assert any("肢体冲突" in x for x in r.reasons)


@pytest.mark.parametrize(
    ("kwargs", "tier", "reason"),
    [
        ({"amount": Decimal("8000")}, "medium", "申报金额约 8,000 元"),
        ({"amount": Decimal("2000000")}, "high", "申报金额约 2,000,000 元"),
        ({"people": 12}, "high", "申报人数 12 人"),
        ({"people": 10}, "high", "申报人数 10 人"),
        ({"people": 3}, "medium", "申报人数 3 人"),
        ({"repeats": 1}, "medium", "此前已发生过 1 次"),
    ],
)
def test_structured_facts_raise_the_tier(model: TriageModel, kwargs: dict[str, object], tier: str, reason: str) -> None:
    text = "邻居家的狗天天叫 跟他说了两句"
    assert triage(text, model=model).risk == "low"
    r = triage(text, model=model, **kwargs)  # type: ignore[arg-type]
    assert r.risk == tier
    assert any(reason in x for x in r.reasons), r.reasons


def test_small_facts_do_not_raise(model: TriageModel) -> None:
    r = triage("邻居家的狗天天叫 跟他说了两句", amount=Decimal(200), people=2, repeats=0, model=model)
    assert r.risk == "low"


def test_facts_never_lower_a_red_flag(model: TriageModel) -> None:
    r = triage("他拿着菜刀站在我家门口", amount=Decimal(0), people=1, repeats=0, model=model)
    assert r.risk == "high"


def test_head_count_in_the_text_counts(model: TriageModel) -> None:
    r = triage("二十多户业主一起去找开发商", model=model)
    assert r.risk == "high"


def test_reasons_name_the_type_words(model: TriageModel) -> None:
    r = triage("物业公司乱收物业费 还不给开发票", model=model)
    assert r.type == "property_mgmt"
    assert r.reasons[0].startswith("类型「物业」")
    assert "物业" in r.reasons[0]


@given(
    st.sampled_from([c[1] for c in TYPE_CASES] + NEGATED),
    st.one_of(st.none(), st.decimals(min_value=0, max_value=10_000_000, places=0)),
    st.one_of(st.none(), st.integers(min_value=0, max_value=500)),
    st.integers(min_value=0, max_value=20),
)
@settings(max_examples=60, deadline=None)
def test_facts_only_ever_raise(text: str, amount: Decimal | None, people: int | None, repeats: int) -> None:
    m = corpus_model()
    plain = triage(text, model=m)
    with_facts = triage(text, amount=amount, people=people, repeats=repeats, model=m)
    rank = {"low": 0, "medium": 1, "high": 2}
    assert rank[with_facts.risk] >= rank[plain.risk]
    assert with_facts.type == plain.type


@pytest.mark.parametrize(
    ("text", "value"),
    [("欠了我三万多块", 30000), ("借了2万5千元", 25000), ("工钱两万五", 25000), ("一共9800元", 9800),
     ("八千块钱", 8000), ("1.5万块", 15000), ("没提钱", None)],
)
def test_money_in_text(text: str, value: int | None) -> None:
    got = money_in_text(normalize(text))
    assert (got if got is None else int(got)) == value


@pytest.mark.parametrize(
    ("text", "value"), [("十几个工人", 10), ("二十多户", 20), ("三十几个人", 30), ("几十个人", 20), ("两个人", 2)]
)
def test_people_in_text(text: str, value: int) -> None:
    assert people_in_text(text) == value


def test_chinese_numbers() -> None:
    assert cn_number("三千五") == 3500
    assert cn_number("十二") == 12
    assert cn_number("两万") == 20000
    assert cn_number("abc") is None


def test_fast_path_matches_scikit_learn() -> None:
    """The hand-applied vocabulary/IDF/coefficients give scikit-learn's own probabilities."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    examples = T.load_examples(T.CORPUS_PATH)[::6]
    fitted = T._fit_inner(examples, TfidfVectorizer, LogisticRegression)
    vec = TfidfVectorizer(analyzer=T.analyze, sublinear_tf=True, min_df=2, dtype=np.float64)
    x = vec.fit_transform([e.text for e in examples])
    lr = LogisticRegression(C=10.0, max_iter=3000).fit(x, [e.type for e in examples], sample_weight=[e.weight for e in examples])
    probes = [c[1] for c in TYPE_CASES]
    want = lr.predict_proba(vec.transform([normalize(p) for p in probes]))
    for probe, row in zip(probes, want, strict=True):
        idx, vals, _ = fitted.vector(normalize(probe))
        got = fitted._proba(fitted.type_clf, idx, vals)
        order = [fitted.type_clf.classes.index(str(c)) for c in lr.classes_]
        np.testing.assert_allclose(got[order], row, atol=1e-4)


def test_shipped_heldout_meets_the_targets(model: TriageModel) -> None:
    """The figure `gongzhi triage evaluate --corpus-only` reports: macro-F1 ≥ 0.85, high recall ≥ 0.95."""
    result = T.evaluate(T.load_examples(T.HELDOUT_PATH), model)
    assert result["n"] >= 150
    assert result["type_macro_f1"] >= 0.85
    assert result["high_recall"] >= 0.95
