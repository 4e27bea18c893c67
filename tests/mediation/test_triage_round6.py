"""Round 6: the general causes behind blind15/16's misses and false alarms, and their neighbours.

Each family has a red-flag sentence and a harmless or negated twin. Sentences written for these
tests, not taken from any data set.
"""

from __future__ import annotations

import pytest

from gongzhi.mediation.data.build_redflag import FAMILIES, generate
from gongzhi.mediation.triage import TriageModel, corpus_model, triage
from gongzhi.mediation.triage_rules import FAMILY_TIER, find_flags, normalize


@pytest.fixture(scope="module")
def model() -> TriageModel:
    return corpus_model()


def _live(text: str) -> set[str]:
    return {f.family for f in find_flags(normalize(text)) if not f.negated}


def _high(text: str) -> set[str]:
    return {f for f in _live(text) if FAMILY_TIER[f] == "high"}


@pytest.mark.parametrize(
    ("text", "family"),
    [
        # Dares and being driven out of a place.
        ("他指着我说 你再上门一次试试 看你还能不能站着回去", "threat"),
        ("要是敢去举报 就让你在这一带待不下去", "threat"),
        ("那人说他认识人 叫我掂量着办", "threat"),
        ("他撂下话 大不了一命抵一命", "threat"),
        # A stick or tool swung at someone, whatever it is.
        ("他抄起一根拖把杆就朝我抡过来", "weapon"),
        # Harm from treatment.
        ("做完手术一直肚子疼 拍片发现止血钳留在肚子里", "injury"),
        ("接生的时候医生操作不当 孩子成了脑瘫", "injury"),
        # People living rough or alone, in the cold or not seen for days.
        ("捡破烂的老头睡在路边 夜里寒潮来了", "vulnerable"),
        ("对门独居老人好几天没出门了 敲门没反应", "vulnerable"),
        # Kept in, told in the passive.
        ("我表妹被她男人锁在家里半个月了 手机也被收走了", "confined"),
        # A crowd that acts: called in a group chat, or counted and on its way.
        ("工友群里接龙 明早七点都到项目部门口集合", "crowd"),
        ("三十多个业主约好明天一起去住建局", "crowd"),
        # Self-harm hinted at by settling affairs.
        ("我爸最近把东西都送人了 还挨个打电话道别", "self_harm"),
        ("老伴走了以后 我妈老说想去陪我老伴", "self_harm"),
    ],
)
def test_round6_red_flags(model: TriageModel, text: str, family: str) -> None:
    assert family in _live(text)
    assert triage(text, model=model).risk == "high"


@pytest.mark.parametrize(
    "text",
    [
        # Many people affected, not acting together: a medium fact, not a crowd.
        "公司拖欠二十多名员工的工资 大家在等仲裁结果",
        "培训班关门了 维权群里三百多人 都在网上登记",
        "十几个老人在公园里下棋",
        "三十户业主联名投诉了物业 还没回音",
        # Tools at work or on sale, knives in the kitchen.
        "他在院里修拖拉机 手里拿着扳手 说钱下个月给",
        "五金店门口摆着一排斧头锤子 挡了我家的门",
        "借了她家菜刀切菜 还回去的时候刀卷了",
        # Smashing things at home, stones into a yard, crops drowned, a hospital bill.
        "他喝多了在家摔东西 把碗都砸了 没碰我",
        "小孩往我家院子里扔石子 玻璃碎了一块",
        "暴雨把麦子淹死了一大片",
        "住院押金到现在还没退",
        "孩子是先天脑瘫 去康复中心排不上号",
        # Danger told as over; a rash after an injection.
        "走丢的孩子后来找回来了 家长跟超市吵起来",
        "孩子打完针起了红疹子 诊所说是过敏",
        # Twins of the dares and farewells.
        "他说你再来一趟 把发票带上",
        "老板说让我在这一行混不下去",
        "我妈把旧衣服都捐了 说家里放不下",
    ],
)
def test_round6_harmless_twins_raise_nothing(text: str) -> None:
    assert not _high(text)


def test_round6_negated_cues_do_not_count() -> None:
    assert "threat" not in _live("他倒没说让我在村里待不下去")
    assert "confined" not in _live("她没被锁在家里 是自己不想出门")
    assert "self_harm" not in _live("我爸没把东西都送人 就是搬家")


def test_a_head_count_without_action_is_medium(model: TriageModel) -> None:
    flags = _live("厂里拖欠二十多名工人的工资 在等仲裁")
    assert "crowd_size" in flags and "crowd" not in flags
    r = triage("厂里拖欠二十多名工人的工资 在等仲裁", model=model)
    assert any("未见聚集行动" in x for x in r.reasons)
    assert not any("群体性" in x for x in r.reasons)
    # A head count given as a fact of the case (the form's "people" field) still counts as a crowd.
    assert triage("厂里拖欠工人的工资 在等仲裁", people=25, model=model).risk == "high"


def test_round6_generator_families_are_paired() -> None:
    assert {"med_harm", "rough_sleeper", "farewell"} <= set(FAMILIES)
    rows = generate(["物业费的事"], per_family=40, negatives=0)
    for fam in ("med_harm", "rough_sleeper", "farewell"):
        pos = [t for t, h, f in rows if f == fam and h]
        neg = [t for t, h, f in rows if f == fam + "_twin" and not h]
        assert pos and len(pos) == len(neg)
