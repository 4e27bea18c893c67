"""Bump GeoState.grid_version in the same flush as any change to an Area row.

A session event rather than calls in geo/service.py, so every writer is covered: the
importer, the admin pages, the CLI and test factories that add Area rows directly.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import event, update
from sqlalchemy.orm import Session

from gongzhi.db import watch
from gongzhi.geo.models import Area, GeoState

GRID = "grid"


def _grid(obj: object) -> bool:
    # Only grids are in the point→grid index; renaming a community need not rebuild it.
    return isinstance(obj, Area) and obj.level == GRID


def _areas_changed(session: Session) -> bool:
    if any(_grid(o) for o in session.new) or any(_grid(o) for o in session.deleted):
        return True
    return any(_grid(o) and session.is_modified(o) for o in session.dirty)


@event.listens_for(Session, "before_flush")
def _bump_grid_version(session: Session, _context: Any, _instances: Any) -> None:
    if not _areas_changed(session):
        return
    session.execute(update(GeoState).where(GeoState.id == 1).values(grid_version=uuid.uuid4().hex))


# Every area row (not only grids): routing climbs the area tree from a case's grid.
AREAS_TOKEN = "geo.areas"
watch(AREAS_TOKEN, Area)
