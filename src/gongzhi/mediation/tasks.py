"""Background work: batch matching of waiting disputes, first-contact clocks, follow-up reminders.

`sweep(session, now)` claims due disputes with FOR UPDATE SKIP LOCKED on PostgreSQL, so several
workers can run it at once; each claimed row is handled by exactly one of them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.auth import service as accounts
from gongzhi.auth.models import User
from gongzhi.clock import local
from gongzhi.db import lock_for_update
from gongzhi.geo import service as geo
from gongzhi.i18n import translate
from gongzhi.mediation import service
from gongzhi.mediation.models import Dispute

BATCH = 2000


def _supervisors(session: Session, dispute: Dispute, level: int) -> list[User]:
    """Officials at `level` above the grid (1 = community, 2 = street, …), climbing until someone is found."""
    return accounts.supervisors_above(session, geo.get_area_by_id(session, dispute.grid_id), start_level=level)


def escalate(session: Session, dispute: Dispute, now: datetime) -> None:
    """A missed first-contact clock: one level up the area tree is told, and a fresh clock starts."""
    dispute.escalations += 1
    due = dispute.first_contact_due_at or now
    mediator = service.mediator_user(session, dispute)
    service.log_event(session, dispute, None, "escalated", now, level=dispute.escalations,
                 status=dispute.status, due=due.isoformat())
    people = _supervisors(session, dispute, dispute.escalations)
    if mediator is not None:
        people.append(mediator)
    for person in people:
        service.notify_user(
            session, person, "notice.mediation_overdue", now, f"dispute:{dispute.id}",
            number=service.dispute_number(dispute), risk=translate(f"mediation.risk.{dispute.risk}", person.language),
            due=f"{local(due):%m-%d %H:%M}", mediator=service.name_of(mediator) if mediator else "—",
        )
    dispute.updated_at = now


def sweep(session: Session, now: datetime) -> int:
    """Things done: disputes matched + clocks escalated + follow-up reminders sent."""
    service.ensure_mediator_profiles(session, now)
    stmt = (
        select(Dispute)
        .where(Dispute.next_check_at.is_not(None), Dispute.next_check_at <= now)
        .order_by(Dispute.next_check_at, Dispute.id)
        .limit(BATCH)
    )
    due = list(session.scalars(lock_for_update(stmt, session, skip_locked=True)))
    done = service.assign_batch(session, [d for d in due if d.status == "waiting"], now)
    for d in due:
        if d.status in ("waiting", "assigned"):
            if d.escalate_at is not None and now >= d.escalate_at:
                escalate(session, d, now)
                done += 1
                # Each further miss climbs again: a fresh clock of the same length starts now.
                d.escalate_at = now + service.FIRST_CONTACT[d.risk]
            # Waiting: retry matching at the next sweep; assigned: look again when the clock runs out.
            d.next_check_at = now if d.status == "waiting" else d.escalate_at
        elif d.concluded_at is not None and d.followup_done_at is None:
            mediator = service.mediator_user(session, d)
            if mediator is not None:
                service.notify_user(session, mediator, "notice.mediation_followup", now, f"dispute:{d.id}",
                                    number=service.dispute_number(d))
                done += 1
            d.next_check_at = None
        else:
            d.next_check_at = None
    session.flush()
    return done
