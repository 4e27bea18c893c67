"""Area scope: the building blocks every module uses to build its own scoped queries.

An area's `path` lists the ids from the root down ("/1/4/17/"), so "B lies in A's subtree"
is "B.path starts with A.path". A user's scope is the subtree of their area. Each module
writes one readable-statement helper for its own tables with these, e.g.

    viewer_path = area_path(session, viewer)
    stmt = select(Case).where(Case.grid_id.in_(subtree_area_ids(viewer_path)))

and every route that returns rows goes through it, so none can forget the caller's area.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, false, select
from sqlalchemy.orm import Session

from gongzhi.auth.models import User
from gongzhi.geo.models import Area


def area_path(session: Session, user: User) -> str | None:
    """The path of the user's area, or None for a user without one."""
    if user.area_id is None:
        return None
    return session.scalar(select(Area.path).where(Area.id == user.area_id))


def in_scope(viewer_path: str | None, target_path: str | None) -> bool:
    """True when the target area lies in the viewer's subtree (the viewer's own area included)."""
    if not viewer_path or not target_path:
        return False
    return target_path.startswith(viewer_path)


def subtree_condition(viewer_path: str | None) -> ColumnElement[bool]:
    """WHERE clause on Area: the area is in the subtree of `viewer_path` (nothing when None)."""
    if not viewer_path:
        return false()
    return Area.path.startswith(viewer_path, autoescape=True)


def subtree_area_ids(viewer_path: str | None) -> Select[int]:
    """Sub-select of the ids of every area in the subtree; use with `column.in_(...)`."""
    return select(Area.id).where(subtree_condition(viewer_path))
