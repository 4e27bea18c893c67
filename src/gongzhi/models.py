"""Imports every module's tables so metadata is complete (Alembic, tests)."""

from gongzhi.audit import models as audit_models
from gongzhi.auth import models as auth_models
from gongzhi.cases import models as cases_models
from gongzhi.db import Base
from gongzhi.geo import models as geo_models
from gongzhi.notify import models as notify_models

__all__ = ["Base", "audit_models", "auth_models", "cases_models", "geo_models", "notify_models"]
