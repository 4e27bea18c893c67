"""Imports every module's tables so metadata is complete (Alembic, tests)."""

from gongzhi.analytics import models as analytics_models
from gongzhi.analytics import pilot_models as analytics_pilot_models
from gongzhi.audit import models as audit_models
from gongzhi.auth import models as auth_models
from gongzhi.cases import models as cases_models
from gongzhi.cases import stats_models as cases_stats_models
from gongzhi.council import ballot_models as council_ballot_models
from gongzhi.council import models as council_models
from gongzhi.council import volunteer_models as council_volunteer_models
from gongzhi.db import Base
from gongzhi.devices import models as devices_models
from gongzhi.eldercare import models as eldercare_models
from gongzhi.geo import models as geo_models
from gongzhi.mediation import models as mediation_models
from gongzhi.mediation import triage_models as mediation_triage_models
from gongzhi.notify import models as notify_models
from gongzhi.open311 import models as open311_models
from gongzhi.sensing import models as sensing_models

__all__ = [
    "Base",
    "analytics_models",
    "analytics_pilot_models",
    "audit_models",
    "auth_models",
    "cases_models",
    "cases_stats_models",
    "council_ballot_models",
    "council_models",
    "council_volunteer_models",
    "devices_models",
    "eldercare_models",
    "geo_models",
    "mediation_models",
    "mediation_triage_models",
    "notify_models",
    "open311_models",
    "sensing_models",
]
