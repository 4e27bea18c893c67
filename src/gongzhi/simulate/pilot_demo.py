"""A pilot in the demo street, so the before/after report has something to show.

Modelled on the seed case studies: a street where property-management disputes (物业纠纷) and
complaints piled up and satisfaction was low tries a joint mediation room, a monthly council
and faster dispatch. It starts 45 days before the end of the simulated window, so both the
before and the after side hold 45 days of generated data.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.analytics import pilots
from gongzhi.analytics.periods import local_day, local_midnight
from gongzhi.analytics.pilot_models import Pilot
from gongzhi.auth.models import User
from gongzhi.geo import service as geo
from gongzhi.simulate.district import District

NAME = "物业纠纷多元调处与满意度提升试点"
DAYS_BEFORE_END = 45
PROBLEM = (
    "街道内老旧小区物业服务纠纷集中：物业费调整、停车位、电梯维修资金使用等问题反复投诉，"
    "邻里和业主与物业之间的矛盾多次激化；工单响应慢、办结后回访满意率不高，居民安全感一般。"
)
ACTIONS = (
    "在街道和各社区设立物业纠纷联合调解室，司法所、物业公司和业委会代表每周坐班，纠纷当日受理、24 小时内首次联系",
    "每月召开居民议事会（居民 50%、物业 30%、社会组织 20% 席位），物业费和维修资金事项公开表决",
    "网格员对物业类工单 15 分钟内签收、限时办结，超时自动督办",
    "办结工单 72 小时内电话回访，不满意的重新派单并计入责任单位考核",
    "每季度开展满意度和安全感问卷调查，结果在社区公示",
)
MEASURES = ("satisfaction", "dispute_count", "mediation_success", "resolution_rate", "response_median",
            "complaint_rate", "petitions", "safety_score")
TARGETS = {"satisfaction": 92.0, "mediation_success": 95.0, "resolution_rate": 98.0, "response_median": 900.0}


def seed_pilots(session: Session, district: District, start: datetime, end: datetime) -> list[int]:
    """Create the demo pilot once (a second run finds it); returns the ids of the demo pilots."""
    existing = session.scalars(select(Pilot.id).where(Pilot.name == NAME)).all()
    if existing:
        return list(existing)
    street = geo.get_area_by_id(session, district.street_id)
    official = session.get_one(User, district.street_official_id)
    first_day = max(local_day(end) - timedelta(days=DAYS_BEFORE_END), local_day(start))
    data = pilots.PilotData(name=NAME, area_code=street.code, start_date=first_day, problem=PROBLEM,
                            actions=ACTIONS, measure_codes=MEASURES, targets=TARGETS)
    pilot = pilots.create_pilot(session, actor=official, data=data, now=min(local_midnight(first_day), end))
    return [pilot.id]
