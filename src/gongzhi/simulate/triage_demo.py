"""Seed dispute triage into the demo: a mediator's corrections of the machine, kept as training examples.

The disputes themselves (and their triage) come from `mediation_demo`; this adds the overrides a
mediator made on descriptions the shipped corpus handles badly (clan, temple and choir quarrels
are `other`; a car hit by a falling flower pot is `neighbor`), so `gongzhi triage retrain` has
something to learn from and `gongzhi triage evaluate` / the model endpoint show a real history.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.auth.models import User
from gongzhi.mediation.triage_service import record_correction, retrain

# (text, type, risk) — what the mediator decided after talking to the parties.
CORRECTIONS: list[tuple[str, str, str]] = [
    ("族里修族谱 把我们这一房漏掉了 去找族长他也不管", "other", "low"),
    ("祠堂的钥匙被一房人拿着 清明别的房进不去", "other", "low"),
    ("庙会的摊位谁家先摆 两个村的人吵了几句", "other", "low"),
    ("腰鼓队和扇子舞队为了排练的场地闹别扭", "other", "low"),
    ("村里的篮球场被人占着停车 打球的和停车的天天吵", "other", "low"),
    ("楼上阳台的花盆掉下来砸坏了我停在楼下的车 他说不是他家的", "neighbor", "medium"),
    ("小区对面商场的大屏幕整夜亮着 晃得人睡不着", "environment", "low"),
    ("物业的清洗车天天早上六点冲地 水溅到一楼窗户上", "property_mgmt", "low"),
    ("帮一家饭店设计的菜单和招牌做完了 老板说不要了 设计费不给", "debt_contract", "medium"),
    ("河里挖沙的把河堤挖松了 我家的菜地塌下去一块", "environment", "medium"),
    ("在公园捡到一部手机还给失主 他说手机里的钱少了 要报警抓我", "other", "low"),
    ("征地款拖了两年没发 全组的人商量着一起去县里讨说法", "demolition", "high"),
]


def seed_triage(session: Session, now: datetime, *, username: str = "tiaojie1", run_retrain: bool = False) -> int:
    """Record the demo corrections (one a day, ending at `now`) by `username`; optionally retrain.

    Returns the number of corrections stored. Flushes only; the caller commits.
    """
    user = session.scalars(select(User).where(User.username == username)).one()
    start = now - timedelta(days=len(CORRECTIONS))
    for i, (text, type_, risk) in enumerate(CORRECTIONS):
        record_correction(
            session, text=text, type=type_, risk=risk, by_user_id=user.id, now=start + timedelta(days=i)
        )
    if run_retrain:
        retrain(session, now=now, by_user_id=user.id)
    return len(CORRECTIONS)
