"""The monthly learning coverage (SPEC 7, rule 5): lecture points in scope that held no
lecture in the month, the month's lectures with their attendance, and the party members
with no study in the month's quarter.

Who sees it: secretaries (lecture points and members of their subtree) and organisers
and admins (those of their units); nobody else. Each list is one query for its page and
one count, whatever the size of the scope (no query per point, lecture or member).
"""

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..auth.models import Role
from ..auth.permissions import has_role, in_scope, is_secretary, secretary_in_scope
from ..checkin.models import Attendance
from ..core.errors import NotFound, check
from ..extensions import db
from ..members.models import Member, MemberStatus
from ..shifts.models import Shift, ShiftStatus
from ..units.models import Unit
from .learning import LOCAL, month_bounds
from .models import LecturePoint, MembershipStatus, PartyMembership, PartyOrg

MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
MONTH_MESSAGE = _l("Give a month as YYYY-MM, e.g. 2026-03.")
#: Rows per page of each list, and the last page anyone may ask for.
PER_PAGE = 50
MAX_PAGE = 10_000


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return month_bounds(self.year, self.month)

    @property
    def quarter(self) -> int:
        return (self.month - 1) // 3 + 1

    @property
    def quarter_bounds(self) -> tuple[datetime, datetime]:
        first = 3 * (self.quarter - 1) + 1
        starts, _ = month_bounds(self.year, first)
        _, ends = month_bounds(self.year, first + 2)
        return starts, ends


def parse_month(value, *, now: datetime) -> Month:
    """`YYYY-MM` (years 2000–2100), or this month in Beijing time when absent; 400
    `validation_failed` on anything else."""
    if value is None or value == "":
        local = now.astimezone(LOCAL)
        return Month(local.year, local.month)
    match = MONTH.fullmatch(value) if isinstance(value, str) else None
    ok = bool(match) and 2000 <= int(match.group(1)) <= 2100 and 1 <= int(match.group(2)) <= 12
    check([] if ok else [("month", MONTH_MESSAGE)])
    return Month(int(match.group(1)), int(match.group(2)))


def page_number(value) -> int:
    """A page from 1 to MAX_PAGE; anything else (absent, junk, huge) is clamped."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE)


def may_view(actor) -> bool:
    """Secretaries anywhere, organisers and admins (each then sees their own scope)."""
    return is_secretary(actor) or has_role(actor, Role.ORGANISER)


@dataclass(frozen=True)
class Scope:
    """SQL conditions for the actor's lecture points and members."""

    points: object
    members: object


def scope_of(actor) -> Scope:
    """The actor's lecture points and party members: a secretary's are those of the
    organisations of their subtree (points owned by one of them or by its unit; members
    whose confirmed branch lies there); an organiser's are those of their units (points of
    a community in scope or of an organisation whose unit is; members of a community in
    scope). Both, for someone who is both. 404 for anyone else."""
    if not may_view(actor):
        raise NotFound("not_found", _l("Not found."))
    orgs = sa.select(PartyOrg.id).where(secretary_in_scope(PartyOrg.path, actor))
    org_units = sa.select(PartyOrg.unit_id).where(
        secretary_in_scope(PartyOrg.path, actor), PartyOrg.unit_id.is_not(None)
    )
    units = sa.select(Unit.id).where(in_scope(Unit.path, actor, Role.ORGANISER))
    unit_orgs = sa.select(PartyOrg.id).where(PartyOrg.unit_id.in_(units))
    branch = sa.select(PartyMembership.member_id).where(
        PartyMembership.status == MembershipStatus.CONFIRMED,
        PartyMembership.party_org_id.in_(orgs),
    )
    return Scope(
        points=sa.or_(
            LecturePoint.party_org_id.in_(orgs),
            LecturePoint.community_id.in_(org_units),
            LecturePoint.community_id.in_(units),
            LecturePoint.party_org_id.in_(unit_orgs),
        ),
        members=sa.and_(
            Member.is_party_member.is_(True),
            Member.status == MemberStatus.ACTIVE,
            sa.or_(Member.id.in_(branch), Member.community_id.in_(units)),
        ),
    )


@dataclass(frozen=True)
class Page:
    rows: list
    total: int
    page: int
    per_page: int = PER_PAGE


def _page(stmt: sa.Select, page: int, per_page: int = PER_PAGE) -> Page:
    """One query for the page's rows and one count of the whole list."""
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
    )
    rows = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(rows, total or 0, page, per_page)


def _lectures_in(starts: datetime, ends: datetime):
    return sa.and_(
        Shift.kind == "lecture",
        Shift.status == ShiftStatus.PUBLISHED,
        Shift.starts_at >= starts,
        Shift.starts_at < ends,
    )


def silent_points(scope: Scope, month: Month, page: int = 1) -> Page:
    """Lecture points in scope with no lecture in the month, by name: `id, name, kind,
    community` (the unit's name, or None)."""
    starts, ends = month.bounds
    held = (
        sa.exists()
        .where(Shift.checkpoint_id == LecturePoint.checkpoint_id)
        .where(_lectures_in(starts, ends))
    )
    stmt = (
        sa.select(LecturePoint.id, LecturePoint.name, LecturePoint.kind, Unit.name)
        .outerjoin(Unit, Unit.id == LecturePoint.community_id)
        .where(scope.points, ~held)
        .order_by(LecturePoint.name, LecturePoint.id)
    )
    return _page(stmt, page)


def lectures(scope: Scope, month: Month, page: int = 1) -> Page:
    """The month's lectures at points in scope, in time order, with how many attended:
    `shift_id, title, starts_at, point, capacity, attended`."""
    starts, ends = month.bounds
    attended = (
        sa.select(sa.func.count())
        .where(Attendance.shift_id == Shift.id)
        .correlate(Shift)
        .scalar_subquery()
    )
    stmt = (
        sa.select(
            Shift.id, Shift.title, Shift.starts_at, LecturePoint.name, Shift.capacity, attended
        )
        .join(LecturePoint, LecturePoint.checkpoint_id == Shift.checkpoint_id)
        .where(scope.points, _lectures_in(starts, ends))
        .order_by(Shift.starts_at, Shift.id)
    )
    return _page(stmt, page)


def members_without_study(scope: Scope, month: Month, page: int = 1) -> Page:
    """Party members in scope with no lecture attended (checked out) in the month's
    quarter, by name: `id, name, community`."""
    starts, ends = month.quarter_bounds
    studied = (
        sa.exists()
        .where(Attendance.member_id == Member.id, Attendance.checked_out_at.is_not(None))
        .where(Shift.id == Attendance.shift_id, _lectures_in(starts, ends))
    )
    stmt = (
        sa.select(Member.id, Member.name, Unit.name)
        .join(Unit, Unit.id == Member.community_id)
        .where(scope.members, ~studied)
        .order_by(Member.name, Member.id)
    )
    return _page(stmt, page)


def coverage_of(actor, month_value, *, pages: dict, now: datetime) -> dict:
    """The three lists for the actor and the month (`pages`: each list's page number)."""
    scope = scope_of(actor)
    month = parse_month(month_value, now=now)
    return {
        "month": month,
        "points": silent_points(scope, month, page_number(pages.get("points"))),
        "lectures": lectures(scope, month, page_number(pages.get("lectures"))),
        "members": members_without_study(scope, month, page_number(pages.get("members"))),
    }
