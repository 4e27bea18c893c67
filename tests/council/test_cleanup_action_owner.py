"""Council action items hand their case to the named owner through the public cases API."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

from sqlalchemy import select
from tests import factories
from tests.council.council_fixtures import Town, town_fixture  # noqa: F401  (the `town` fixture)
from tests.council.test_council_service import _run_meeting_with_decision

from gongzhi.audit.models import AuditEntry
from gongzhi.cases.models import Case
from gongzhi.council import service

SRC = Path(__file__).resolve().parents[2] / "src" / "gongzhi"


def test_a_person_named_by_the_decision_gets_the_case_without_the_category_unit(town: Town) -> None:
    _m, motion_id = _run_meeting_with_decision(town)
    owner = factories.make_user(town.session, "worker_c1", "grid_worker", area_code="C1", now=town.now)
    item = service.create_action_item(town.session, actor=town.secretary, motion_id=motion_id,
                                      title="统计各楼栋意见", due_on=date(2026, 12, 10), now=town.now,
                                      owner_user_id=owner.id)
    case = town.session.get_one(Case, item.case_id)
    assert (case.status, case.assignee_id, case.unit_id) == ("dispatched", owner.id, None)
    entries = town.session.scalars(select(AuditEntry).where(AuditEntry.subject_type == "case",
                                                             AuditEntry.subject_id == str(case.id),
                                                             AuditEntry.kind == "case.transition")).all()
    last = [e.data for e in entries if e.data.get("action") == "dispatch"][-1]
    assert last["assignee_id"] == owner.id and last["unit"] is None
    assert "同意上调物业费0.2元" in last["note"]


def test_feature_modules_use_only_the_public_cases_service() -> None:
    """Private helpers of cases.service (`_dispatch`, …) may change without notice; callers outside
    the cases package go through the public functions."""
    offenders = []
    for path in SRC.rglob("*.py"):
        if path.is_relative_to(SRC / "cases"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.value.id in ("cases", "case_service", "cases_service") and node.attr.startswith("_"):
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno} {node.value.id}.{node.attr}")
    assert offenders == []
