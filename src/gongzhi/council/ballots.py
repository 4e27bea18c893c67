"""Owners' ballots (业主表决): the owner register, ballots, votes and the art. 278 result.

Rules, and where they are decided:
- An owner holds one or more units; their area is the sum of their units' exclusive floor areas,
  and they count once as an owner (rules.py counts what it is given; this module sums).
- A ballot covers an estate or one building of it. Opening it freezes the electorate: each
  owner with a unit in scope and their summed area (BallotElector). Totals come from there.
- One vote per owner per ballot. Casting locks the ballot row first (PostgreSQL; SQLite has
  one writer), then looks for a vote; the unique (ballot, owner) constraint backs it up, so two
  concurrent attempts count exactly once and the loser gets a 409.
- A second vote is refused whichever channel it comes from (online after paper, paper after
  online). Only staff may replace a vote, with `correct_vote`, which needs a reason and writes
  an audit entry with the old and new choice. Silent replacement would let a paper slip found
  later quietly override what the owner did online.
- Closing (by staff, or the sweep at `closes_at`) evaluates art. 278 and stores the figures.

Services flush, never commit; `now` comes from the caller.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gongzhi.audit import service as audit
from gongzhi.auth.models import User
from gongzhi.auth.scope import area_path, in_scope
from gongzhi.council import ballot_messages  # noqa: F401  (registers the i18n keys)
from gongzhi.council.ballot_models import (
    Ballot,
    BallotElector,
    BallotVote,
    Building,
    Estate,
    Owner,
    PropertyUnit,
)
from gongzhi.council.rules import CHOICES, MATTERS, BallotEvaluation, Condition, evaluate_owner_ballot
from gongzhi.db import lock_for_update
from gongzhi.errors import Conflict, Forbidden, Invalid, NotFound
from gongzhi.geo import service as geo
from gongzhi.geo.models import Area
from gongzhi.i18n import translate
from gongzhi.notify import service as notify

# Who runs ballots for an estate: the community's officials and admins, and its grid workers.
MANAGER_ROLES = frozenset({"admin", "official", "grid_worker"})
# Staff who may look at a ballot's figures and register (not vote).
VIEWER_ROLES = MANAGER_ROLES | {"council_member", "dept_staff"}
_AREA_RE = re.compile(r"^\d{1,9}(\.\d{1,2})?$")


# ---------------------------------------------------------------- small helpers


def parse_area(value: object) -> int:
    """A unit's floor area in m² (positive, at most two decimals) → hundredths of m²."""
    text = str(value).strip() if not isinstance(value, bool) else ""
    if isinstance(value, float):
        text = str(Decimal(str(value)))
    if not _AREA_RE.match(text):
        raise Invalid("ballot_unit_area_invalid", value=str(value))
    try:
        centi = int(Decimal(text) * 100)
    except InvalidOperation:
        raise Invalid("ballot_unit_area_invalid", value=str(value)) from None
    if centi <= 0:
        raise Invalid("ballot_unit_area_invalid", value=str(value))
    return centi


def area_m2(centi: int) -> Fraction:
    return Fraction(centi, 100)


def area_text(centi: int) -> str:
    return f"{Decimal(centi) / 100:.2f}"


def fraction_text(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def _actor_name(user: User | None) -> str:
    if user is None:
        return translate("system_actor")
    return user.display_name or user.username


def _log(session: Session, ballot: Ballot, actor: User | None, kind: str, now: datetime,
         data: dict[str, Any]) -> None:
    audit.append(session, kind=f"ballot.{kind}", subject_type="ballot", subject_id=ballot.id,
                 actor_id=actor.id if actor else None, actor_name=_actor_name(actor), data=data, now=now)


# ---------------------------------------------------------------- scope


def _related(session: Session, user: User, community: Area) -> bool:
    """Staff above the community (street, district) or inside it (its grid workers)."""
    path = area_path(session, user)
    return in_scope(path, community.path) or in_scope(community.path, path)


def can_manage(session: Session, user: User, estate: Estate) -> bool:
    if user.role not in MANAGER_ROLES or not user.is_active:
        return False
    return _related(session, user, geo.get_area_by_id(session, estate.community_id))


def scoped_estates(session: Session, user: User) -> Select[Estate]:
    """The one query every estate read goes through: staff see estates of communities they are
    above or inside; residents see the estates where they are a registered owner."""
    if user.role in VIEWER_ROLES:
        path = area_path(session, user)
        if not path:
            return select(Estate).where(Estate.id.is_(None))
        community = select(Area.path).where(Area.id == Estate.community_id).scalar_subquery()
        return select(Estate).where(
            or_(community.startswith(path, autoescape=True),
                func.substr(path, 1, func.length(community)) == community)
        )
    owned = select(Owner.estate_id).where(Owner.user_id == user.id)
    return select(Estate).where(Estate.id.in_(owned))


def get_estate(session: Session, user: User, estate_id: int) -> Estate:
    estate = session.scalar(scoped_estates(session, user).where(Estate.id == estate_id))
    if estate is None:
        raise NotFound("ballot_estate_not_found")
    return estate


def _managed_estate(session: Session, user: User, estate_id: int) -> Estate:
    estate = get_estate(session, user, estate_id)
    if not can_manage(session, user, estate):
        raise Forbidden("forbidden")
    return estate


def owner_of_user(session: Session, estate_id: int, user: User) -> Owner | None:
    return session.scalar(select(Owner).where(Owner.estate_id == estate_id, Owner.user_id == user.id))


# ---------------------------------------------------------------- the register


def create_estate(session: Session, *, actor: User, code: str, name: str, community_code: str,
                  now: datetime) -> Estate:
    if actor.role not in MANAGER_ROLES:
        raise Forbidden("forbidden")
    community = geo.get_area(session, community_code)
    if community.level not in ("community", "village"):
        raise Invalid("ballot_estate_area_not_community")
    if not _related(session, actor, community):
        raise Forbidden("ballot_scope_forbidden")
    code, name = code.strip(), name.strip()
    if not code or len(code) > 40 or not name or len(name) > 100:
        raise Invalid("validation_error", detail="code/name")
    if session.scalar(select(Estate.id).where(Estate.code == code)) is not None:
        raise Conflict("ballot_estate_code_taken", code=code)
    estate = Estate(code=code, name=name, community_id=community.id, created_at=now)
    session.add(estate)
    session.flush()
    return estate


def add_building(session: Session, *, actor: User, estate_id: int, name: str, now: datetime) -> Building:
    estate = _managed_estate(session, actor, estate_id)
    name = name.strip()
    if not name or len(name) > 60:
        raise Invalid("validation_error", detail="name")
    if session.scalar(select(Building.id).where(Building.estate_id == estate.id, Building.name == name)):
        raise Conflict("ballot_building_taken", name=name)
    building = Building(estate_id=estate.id, name=name, created_at=now)
    session.add(building)
    session.flush()
    return building


def add_owner(session: Session, *, actor: User, estate_id: int, name: str, now: datetime, phone: str = "",
              username: str | None = None) -> Owner:
    estate = _managed_estate(session, actor, estate_id)
    name = name.strip()
    if not name or len(name) > 100:
        raise Invalid("validation_error", detail="name")
    user_id = _link_user(session, estate.id, username) if username else None
    owner = Owner(estate_id=estate.id, name=name, phone=phone.strip()[:32], user_id=user_id, created_at=now)
    session.add(owner)
    session.flush()
    return owner


def _link_user(session: Session, estate_id: int, username: str) -> int:
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise NotFound("user_not_found", username=username)
    if user.role != "resident":
        raise Invalid("ballot_owner_user_not_resident")
    if session.scalar(select(Owner.id).where(Owner.estate_id == estate_id, Owner.user_id == user.id)):
        raise Conflict("ballot_owner_user_taken")
    return user.id


def add_unit(session: Session, *, actor: User, building_id: int, number: str, area: object, owner_id: int,
             now: datetime) -> PropertyUnit:
    building = session.get(Building, building_id)
    if building is None:
        raise NotFound("ballot_building_not_found")
    estate = _managed_estate(session, actor, building.estate_id)
    owner = session.get(Owner, owner_id)
    if owner is None or owner.estate_id != estate.id:
        raise NotFound("ballot_owner_not_found")
    number = number.strip()
    if not number or len(number) > 40:
        raise Invalid("validation_error", detail="number")
    centi = parse_area(area)
    if session.scalar(select(PropertyUnit.id).where(PropertyUnit.building_id == building.id,
                                                    PropertyUnit.number == number)):
        raise Conflict("ballot_unit_taken", number=number)
    unit = PropertyUnit(building_id=building.id, number=number, area_centi=centi, owner_id=owner.id,
                        created_at=now)
    session.add(unit)
    session.flush()
    return unit


# Columns of the register spreadsheet: building, unit number, floor area (m²), owner, phone, resident account.
REGISTER_HEADER = ("楼栋", "房号", "面积", "业主", "电话", "账号")
REGISTER_MAX_ROWS = 20_000


@dataclass(frozen=True)
class RegisterImport:
    units: int
    owners_created: int
    buildings_created: int


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_register_xlsx(data: bytes) -> list[tuple[str, ...]]:
    """Rows of the first sheet as text (a header row naming 楼栋/building is skipped)."""
    return read_register_sheet(data)[0]


def read_register_sheet(data: bytes) -> tuple[list[tuple[str, ...]], list[int]]:
    """Rows of the first sheet as text, and each row's number as the spreadsheet shows it (blank
    rows and a header naming 楼栋/building are skipped, so errors must name the sheet's own row)."""
    from io import BytesIO
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, OSError, ValueError, KeyError):
        raise Invalid("ballot_register_file_invalid") from None
    try:
        sheet = book.worksheets[0]
        rows: list[tuple[str, ...]] = []
        numbers: list[int] = []
        for sheet_row, raw in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = tuple(_cell(v) for v in raw[:6])
            if not any(cells):
                continue
            if not rows and cells and cells[0].lower() in ("楼栋", "building"):
                continue
            rows.append(cells)
            numbers.append(sheet_row)
            if len(rows) > REGISTER_MAX_ROWS:
                raise Invalid("ballot_register_too_long", max=REGISTER_MAX_ROWS)
        return rows, numbers
    finally:
        book.close()


def import_register(session: Session, *, actor: User, estate_id: int, rows: Sequence[Sequence[str]],
                    now: datetime, row_numbers: Sequence[int] | None = None, lang: str = "zh") -> RegisterImport:
    """Add units (and their buildings and owners) from register rows, all or nothing: every row is
    checked first and, if any is bad, one error lists each bad row (numbered as the sheet numbers it
    when `row_numbers` is given) and nothing is written. An owner is matched by resident account,
    else by name and phone, so one owner's several units count once."""
    estate = _managed_estate(session, actor, estate_id)
    buildings = {b.name: b for b in session.scalars(select(Building).where(Building.estate_id == estate.id))}
    owners = list(session.scalars(select(Owner).where(Owner.estate_id == estate.id)))
    by_user = {o.user_id: o for o in owners if o.user_id is not None}
    by_name = {(o.name, o.phone): o for o in owners}
    existing = {(bname, number) for bname, number in session.execute(
        select(Building.name, PropertyUnit.number).join(PropertyUnit, PropertyUnit.building_id == Building.id)
        .where(Building.estate_id == estate.id))}
    users: dict[str, User] = {}
    parsed: list[tuple[str, str, int, str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    problems: list[tuple[int, str]] = []
    for index, row in enumerate(rows):
        cells = [str(c).strip() for c in row] + [""] * (6 - len(row))
        bname, number, area, name, phone, username = cells[:6]
        row_no = row_numbers[index] if row_numbers is not None else index + 1

        def bad(reason: str, row_no: int = row_no, **params: object) -> None:
            problems.append((row_no, translate(f"ballot_register_reason.{reason}", lang, **params)))

        if not bname or len(bname) > 60 or not number or len(number) > 40:
            bad("unit")
            continue
        if not name or len(name) > 100:
            bad("owner")
            continue
        digits = "".join(ch for ch in phone if ch.isdigit())
        if phone and (len(phone) > 32 or not 7 <= len(digits) <= 15):
            bad("phone", value=phone[:40])
            continue
        try:
            centi = parse_area(area)
        except Invalid:
            bad("area", value=area[:40])
            continue
        if (bname, number) in existing or (bname, number) in seen:
            bad("duplicate", unit=f"{bname}-{number}")
            continue
        seen.add((bname, number))
        if username and username not in users:
            user = session.scalar(select(User).where(User.username == username))
            if user is None or user.role != "resident":
                bad("account", value=username[:60])
                continue
            users[username] = user
        parsed.append((bname, number, centi, name, phone, username))
    if problems:
        sep = "；" if lang == "zh" else "; "
        raise Invalid("ballot_register_row_invalid", row=problems[0][0], count=len(problems),
                      rows=sep.join(translate("ballot_register_row_item", lang, row=r, reason=why)
                                    for r, why in problems[:50]))
    made_owners = made_buildings = 0
    for bname, number, centi, name, phone, username in parsed:
        building = buildings.get(bname)
        if building is None:
            building = Building(estate_id=estate.id, name=bname, created_at=now)
            session.add(building)
            buildings[bname] = building
            made_buildings += 1
        user_id = users[username].id if username else None
        owner = by_user.get(user_id) if user_id is not None else by_name.get((name, phone))
        if owner is None:
            owner = Owner(estate_id=estate.id, name=name, phone=phone, user_id=user_id, created_at=now)
            session.add(owner)
            if user_id is not None:
                by_user[user_id] = owner
            by_name[(name, phone)] = owner
            made_owners += 1
        session.flush()
        session.add(PropertyUnit(building_id=building.id, number=number, area_centi=centi, owner_id=owner.id,
                                 created_at=now))
    session.flush()
    audit.append(session, kind="ballot.register_imported", subject_type="estate", subject_id=estate.id,
                 actor_id=actor.id, actor_name=_actor_name(actor), now=now,
                 data={"units": len(parsed), "owners_created": made_owners, "buildings_created": made_buildings})
    return RegisterImport(units=len(parsed), owners_created=made_owners, buildings_created=made_buildings)


@dataclass(frozen=True)
class OwnerRow:
    id: int
    name: str
    phone: str  # masked
    linked: bool
    units: tuple[str, ...]
    area_centi: int


def owner_rows(session: Session, estate: Estate, building_id: int | None = None) -> list[OwnerRow]:
    """Owners with their units and summed area (in a building, only that building's units)."""
    from gongzhi.auth.pii import mask_phone

    stmt = (
        select(Owner, PropertyUnit, Building.name)
        .join(PropertyUnit, PropertyUnit.owner_id == Owner.id)
        .join(Building, Building.id == PropertyUnit.building_id)
        .where(Owner.estate_id == estate.id)
        .order_by(Owner.id, Building.name, PropertyUnit.number)
    )
    if building_id is not None:
        stmt = stmt.where(Building.id == building_id)
    rows: dict[int, tuple[Owner, list[str], int]] = {}
    for owner, unit, bname in session.execute(stmt):
        _, units, total = rows.get(owner.id, (owner, [], 0))
        units.append(f"{bname}-{unit.number}")
        rows[owner.id] = (owner, units, total + unit.area_centi)
    return [
        OwnerRow(id=o.id, name=o.name, phone=mask_phone(o.phone), linked=o.user_id is not None,
                 units=tuple(units), area_centi=total)
        for o, units, total in rows.values()
    ]


# ---------------------------------------------------------------- ballots


def scoped_ballots(session: Session, user: User) -> Select[Ballot]:
    estates = scoped_estates(session, user).with_only_columns(Estate.id)
    stmt = select(Ballot).where(Ballot.estate_id.in_(estates))
    if user.role not in VIEWER_ROLES:
        stmt = stmt.where(Ballot.status != "draft")  # owners see a ballot once it opens
    return stmt


def get_ballot(session: Session, user: User, ballot_id: int, *, for_update: bool = False) -> Ballot:
    stmt = scoped_ballots(session, user).where(Ballot.id == ballot_id)
    if for_update:
        stmt = lock_for_update(stmt, session)
    ballot = session.scalar(stmt)
    if ballot is None:
        raise NotFound("ballot_not_found")
    return ballot


def _managed_ballot(session: Session, user: User, ballot_id: int) -> tuple[Ballot, Estate]:
    ballot = get_ballot(session, user, ballot_id, for_update=True)
    estate = session.get(Estate, ballot.estate_id)
    assert estate is not None
    if not can_manage(session, user, estate):
        raise Forbidden("forbidden")
    return ballot, estate


def create_ballot(session: Session, *, actor: User, estate_id: int, matter: str, title: str, now: datetime,
                  description: str = "", building_id: int | None = None,
                  closes_at: datetime | None = None) -> Ballot:
    estate = _managed_estate(session, actor, estate_id)
    if matter not in MATTERS:
        raise Invalid("ballot_matter_unknown", matter=matter)
    title = title.strip()
    if not title or len(title) > 200:
        raise Invalid("ballot_title_invalid")
    if building_id is not None:
        building = session.get(Building, building_id)
        if building is None or building.estate_id != estate.id:
            raise NotFound("ballot_building_not_found")
    if closes_at is not None and closes_at <= now:
        raise Invalid("ballot_window_invalid")
    ballot = Ballot(estate_id=estate.id, building_id=building_id, matter=matter, title=title,
                    description=description.strip(), status="draft", closes_at=closes_at, total_area_centi=0,
                    total_owners=0, result={}, created_by_id=actor.id, created_at=now)
    session.add(ballot)
    session.flush()
    _log(session, ballot, actor, "created", now, {"matter": matter, "title": title, "building_id": building_id})
    return ballot


def open_ballot(session: Session, *, actor: User, ballot_id: int, now: datetime,
                closes_at: datetime | None = None) -> Ballot:
    """Freeze the electorate and open for votes; linked owners are notified."""
    ballot, estate = _managed_ballot(session, actor, ballot_id)
    if ballot.status != "draft":
        raise Conflict("ballot_not_draft")
    if closes_at is not None:
        ballot.closes_at = closes_at
    if ballot.closes_at is not None and ballot.closes_at <= now:
        raise Invalid("ballot_window_invalid")
    stmt = (
        select(PropertyUnit.owner_id, func.sum(PropertyUnit.area_centi))
        .join(Building, Building.id == PropertyUnit.building_id)
        .where(Building.estate_id == estate.id)
        .group_by(PropertyUnit.owner_id)
        .order_by(PropertyUnit.owner_id)
    )
    if ballot.building_id is not None:
        stmt = stmt.where(Building.id == ballot.building_id)
    electorate = [(int(owner_id), int(total)) for owner_id, total in session.execute(stmt)]
    if not electorate:
        raise Conflict("ballot_no_owners")
    session.add_all(BallotElector(ballot_id=ballot.id, owner_id=o, area_centi=a) for o, a in electorate)
    ballot.total_owners = len(electorate)
    ballot.total_area_centi = sum(a for _, a in electorate)
    ballot.status = "open"
    ballot.opens_at = ballot.opened_at = now
    session.flush()
    _log(session, ballot, actor, "opened", now, {
        "total_owners": ballot.total_owners, "total_area": area_text(ballot.total_area_centi),
        "closes_at": ballot.closes_at.isoformat() if ballot.closes_at else None,
    })
    _notify_owners(session, ballot, estate, "ballot.opened", now)
    return ballot


def _notify_owners(session: Session, ballot: Ballot, estate: Estate, topic: str, now: datetime) -> None:
    users = session.scalars(
        select(User).join(BallotElector, BallotElector.ballot_id == ballot.id)
        .join(Owner, (Owner.id == BallotElector.owner_id) & (Owner.user_id == User.id))
        .where(User.is_active.is_(True))
    )
    key = topic.replace(".", "_")
    for user in users:
        params = {
            "title": ballot.title, "estate": estate.name,
            "matter": translate(f"ballot.matter.{ballot.matter}", user.language),
            "result": translate(f"ballot.result.{'passed' if ballot.passed else 'failed'}", user.language),
        }
        notify.enqueue(session, channel="console", recipient=f"user:{user.id}",
                       subject=translate(f"notice.{key}.subject", user.language, **params),
                       body=translate(f"notice.{key}.body", user.language, **params),
                       topic=topic, ref=f"ballot:{ballot.id}", now=now)


def _check_open(ballot: Ballot, now: datetime) -> None:
    if ballot.status != "open" or (ballot.closes_at is not None and now >= ballot.closes_at):
        raise Conflict("ballot_not_open", status=translate(f"ballot.status.{ballot.status}"))


def _check_choice(choice: str) -> str:
    if choice not in CHOICES:
        raise Invalid("ballot_choice_unknown", index=1, choice=choice)
    return choice


def _elector(session: Session, ballot: Ballot, owner_id: int) -> BallotElector | None:
    return session.scalar(select(BallotElector).where(BallotElector.ballot_id == ballot.id,
                                                      BallotElector.owner_id == owner_id))


def _existing_vote(session: Session, ballot: Ballot, owner_id: int) -> BallotVote | None:
    return session.scalar(select(BallotVote).where(BallotVote.ballot_id == ballot.id,
                                                   BallotVote.owner_id == owner_id))


def _insert_vote(session: Session, vote: BallotVote) -> None:
    try:
        # A savepoint: a concurrent insert that slipped past the lock fails here, cleanly.
        with session.begin_nested():
            session.add(vote)
            session.flush()
    except IntegrityError:
        raise Conflict("ballot_already_voted", channel="?") from None


def cast_online(session: Session, *, user: User, ballot_id: int, choice: str, now: datetime) -> BallotVote:
    """An owner votes as the resident linked to their owner record. Caller must not hold other
    ballot locks; this takes the ballot row lock and keeps it to commit."""
    choice = _check_choice(choice)
    ballot = get_ballot(session, user, ballot_id, for_update=True)
    _check_open(ballot, now)
    owner = owner_of_user(session, ballot.estate_id, user)
    elector = _elector(session, ballot, owner.id) if owner is not None else None
    if owner is None or elector is None:
        raise Forbidden("ballot_not_an_owner")
    existing = _existing_vote(session, ballot, owner.id)
    if existing is not None:
        raise Conflict("ballot_already_voted", channel=translate(f"ballot.channel.{existing.channel}"))
    vote = BallotVote(ballot_id=ballot.id, owner_id=owner.id, choice=choice, channel="online",
                      area_centi=elector.area_centi, voter_user_id=user.id, recorded_by_id=None, paper_ref="",
                      cast_at=now, corrections=0)
    _insert_vote(session, vote)
    _log(session, ballot, user, "vote", now, {"owner_id": owner.id, "channel": "online", "choice": choice})
    return vote


def record_paper(session: Session, *, actor: User, ballot_id: int, owner_id: int, choice: str, paper_ref: str,
                 now: datetime) -> BallotVote:
    """Staff enter a signed paper ballot (who recorded it and when is kept on the vote and in the chain)."""
    choice = _check_choice(choice)
    paper_ref = paper_ref.strip()
    if not paper_ref or len(paper_ref) > 60:
        raise Invalid("ballot_paper_ref_required")
    ballot, _ = _managed_ballot(session, actor, ballot_id)
    _check_open(ballot, now)
    elector = _elector(session, ballot, owner_id)
    if elector is None:
        raise NotFound("ballot_owner_not_found")
    existing = _existing_vote(session, ballot, owner_id)
    if existing is not None:
        raise Conflict("ballot_already_voted", channel=translate(f"ballot.channel.{existing.channel}"))
    vote = BallotVote(ballot_id=ballot.id, owner_id=owner_id, choice=choice, channel="paper",
                      area_centi=elector.area_centi, voter_user_id=None, recorded_by_id=actor.id,
                      paper_ref=paper_ref, cast_at=now, corrections=0)
    _insert_vote(session, vote)
    _log(session, ballot, actor, "vote", now,
         {"owner_id": owner_id, "channel": "paper", "choice": choice, "paper_ref": paper_ref})
    return vote


def correct_vote(session: Session, *, actor: User, ballot_id: int, owner_id: int, choice: str, reason: str,
                 now: datetime, paper_ref: str = "") -> BallotVote:
    """Replace an owner's vote (e.g. a signed paper ballot that supersedes the online vote), with a reason."""
    choice = _check_choice(choice)
    reason = reason.strip()
    if not reason or len(reason) > 500:
        raise Invalid("ballot_correction_reason_required")
    ballot, _ = _managed_ballot(session, actor, ballot_id)
    _check_open(ballot, now)
    vote = _existing_vote(session, ballot, owner_id)
    if vote is None:
        raise Conflict("ballot_no_vote_to_correct")
    before = {"choice": vote.choice, "channel": vote.channel, "paper_ref": vote.paper_ref}
    vote.choice = choice
    if paper_ref.strip():
        vote.channel, vote.paper_ref = "paper", paper_ref.strip()[:60]
    vote.recorded_by_id = actor.id
    vote.corrections += 1
    vote.corrected_at = now
    session.flush()
    _log(session, ballot, actor, "vote_corrected", now, {
        "owner_id": owner_id, "before": before,
        "after": {"choice": vote.choice, "channel": vote.channel, "paper_ref": vote.paper_ref}, "reason": reason,
    })
    return vote


def evaluate(session: Session, ballot: Ballot) -> BallotEvaluation | None:
    """The art. 278 figures from the votes so far (None for a draft: no electorate yet)."""
    if ballot.status == "draft":
        return None
    votes = session.execute(select(BallotVote.area_centi, BallotVote.choice).where(BallotVote.ballot_id == ballot.id))
    return evaluate_owner_ballot(
        ballot.matter, total_area=area_m2(ballot.total_area_centi), total_owners=ballot.total_owners,
        votes=[(area_m2(a), c) for a, c in votes],
    )


def _condition_json(c: Condition) -> dict[str, Any]:
    return {"name": c.name, "numerator": fraction_text(c.numerator), "denominator": fraction_text(c.denominator),
            "threshold": fraction_text(c.threshold), "inclusive": c.inclusive, "met": c.met}


def close_ballot(session: Session, *, actor: User | None, ballot_id: int, now: datetime) -> Ballot:
    """Close and evaluate (actor None: the sweep at closes_at)."""
    if actor is None:
        stmt = lock_for_update(select(Ballot).where(Ballot.id == ballot_id), session)
        found = session.scalar(stmt)
        if found is None:
            raise NotFound("ballot_not_found")
        ballot = found
        estate = session.get(Estate, ballot.estate_id)
        assert estate is not None
    else:
        ballot, estate = _managed_ballot(session, actor, ballot_id)
    if ballot.status == "closed":
        raise Conflict("ballot_already_closed")
    if ballot.status != "open":
        raise Conflict("ballot_not_open", status=translate(f"ballot.status.{ballot.status}"))
    result = evaluate(session, ballot)
    assert result is not None
    ballot.status = "closed"
    ballot.closed_at = now
    ballot.passed = result.passed
    ballot.result = {"passed": result.passed, "conditions": [_condition_json(c) for c in result.conditions],
                     "votes": {"yes": result.yes_owners, "no": result.no_owners, "abstain": result.abstain_owners}}
    session.flush()
    _log(session, ballot, actor, "closed", now, ballot.result)
    _notify_owners(session, ballot, estate, "ballot.closed", now)
    return ballot


def sweep(session: Session, now: datetime, *, batch: int = 50) -> int:
    """Close open ballots whose closing time has passed; returns how many were closed."""
    stmt = lock_for_update(
        select(Ballot.id).where(Ballot.status == "open", Ballot.closes_at.is_not(None), Ballot.closes_at <= now)
        .order_by(Ballot.closes_at).limit(batch), session, skip_locked=True,
    )
    done = 0
    for ballot_id in list(session.scalars(stmt)):
        close_ballot(session, actor=None, ballot_id=ballot_id, now=now)
        done += 1
    return done


# ---------------------------------------------------------------- reads for pages and the API


@dataclass(frozen=True)
class VoterRow:
    owner_id: int
    name: str
    area_centi: int
    choice: str | None
    channel: str | None
    paper_ref: str
    corrections: int


def voter_rows(session: Session, ballot: Ballot) -> list[VoterRow]:
    """The electorate with each owner's vote (for staff recording paper ballots)."""
    stmt = (
        select(BallotElector, Owner.name, BallotVote)
        .join(Owner, Owner.id == BallotElector.owner_id)
        .outerjoin(BallotVote, (BallotVote.ballot_id == BallotElector.ballot_id)
                   & (BallotVote.owner_id == BallotElector.owner_id))
        .where(BallotElector.ballot_id == ballot.id)
        .order_by(Owner.name, Owner.id)
    )
    return [
        VoterRow(owner_id=e.owner_id, name=name, area_centi=e.area_centi, choice=v.choice if v else None,
                 channel=v.channel if v else None, paper_ref=v.paper_ref if v else "",
                 corrections=v.corrections if v else 0)
        for e, name, v in session.execute(stmt)
    ]


def my_vote(session: Session, user: User, ballot: Ballot) -> tuple[Owner | None, BallotVote | None, bool]:
    """(the user's owner record, their vote, whether they are in the electorate)."""
    owner = owner_of_user(session, ballot.estate_id, user)
    if owner is None:
        return None, None, False
    entitled = ballot.status == "draft" or _elector(session, ballot, owner.id) is not None
    return owner, _existing_vote(session, ballot, owner.id), entitled


def list_ballots(session: Session, user: User, *, limit: int = 100) -> Sequence[Ballot]:
    stmt = scoped_ballots(session, user).order_by(Ballot.created_at.desc(), Ballot.id.desc()).limit(limit)
    return list(session.scalars(stmt))
