"""Reads of the party domain for pages: a check's sheets with each member's service in the
community they reported to (SPEC 7.4, the other side sees)."""

from dataclasses import dataclass

import sqlalchemy as sa

from ..auth.models import Role
from ..auth.permissions import assignments, has_role, in_scope, is_secretary, secretary_in_scope
from ..extensions import db
from ..members.models import Member
from ..units.models import Unit
from .models import Check, PartyMembership, PartyOrg, Sheet, SheetReview, SheetStatus


@dataclass(frozen=True)
class SheetRow:
    member_id: int
    name: str
    branch: str
    community: str
    status: str
    score: int | None
    grade: str | None
    service_minutes: int
    shifts_served: int
    no_shows: int
    callouts_answered: int
    callouts_asked: int


def sheet_rows(check: Check, *, limit: int = 500, offset: int = 0) -> list[SheetRow]:
    """The check's sheets, branch then name order, one query."""
    stmt = (
        sa.select(
            Sheet.member_id,
            Member.name,
            PartyOrg.name,
            Unit.name,
            Sheet.status,
            Sheet.score,
            Sheet.grade,
            Sheet.service_minutes,
            Sheet.shifts_served,
            Sheet.no_shows,
            Sheet.callouts_answered,
            Sheet.callouts_asked,
        )
        .join(Member, Member.id == Sheet.member_id)
        .join(PartyOrg, PartyOrg.id == Sheet.party_org_id)
        .join(Unit, Unit.id == Member.community_id)
        .where(Sheet.check_id == check.id)
        .order_by(PartyOrg.code, Member.name, Member.id)
        .limit(limit)
        .offset(offset)
    )
    return [SheetRow(*row) for row in db.session.execute(stmt)]


def branches_of(member_ids: list[int]) -> dict[int, str]:
    """The confirmed branch name of each member who has one (for community coordinators:
    which party branch a reported member belongs to)."""
    if not member_ids:
        return {}
    stmt = (
        sa.select(PartyMembership.member_id, PartyOrg.name)
        .join(PartyOrg, PartyOrg.id == PartyMembership.party_org_id)
        .where(PartyMembership.member_id.in_(member_ids), PartyMembership.status == "confirmed")
    )
    return dict(db.session.execute(stmt).all())


@dataclass(frozen=True)
class CheckRow:
    id: int
    period: str
    status: str
    org: str
    sheets: int
    final: int


def checks_in_scope(actor, *, limit: int = 100) -> list[CheckRow]:
    """The checks of the organisations in the actor's secretary scope, newest first, with
    how many sheets each has and how many are final (one query)."""
    final = sa.func.coalesce(sa.func.sum(sa.case((Sheet.status == SheetStatus.FINAL, 1))), 0)
    stmt = (
        sa.select(
            Check.id,
            Check.period,
            Check.status,
            PartyOrg.name,
            sa.func.count(Sheet.id),
            final,
        )
        .join(PartyOrg, PartyOrg.id == Check.party_org_id)
        .outerjoin(Sheet, sa.and_(Sheet.check_id == Check.id, Sheet.target == "member"))
        .where(secretary_in_scope(PartyOrg.path, actor))
        .group_by(Check.id, Check.period, Check.status, PartyOrg.name, Check.opened_at)
        .order_by(Check.opened_at.desc(), Check.id.desc())
        .limit(limit)
    )
    return [CheckRow(*row) for row in db.session.execute(stmt)]


@dataclass(frozen=True)
class ReviewRow:
    code: str
    decision: str
    reason: str | None
    correction: bool
    at: object
    by: str


def review_history(sheet: Sheet) -> list[ReviewRow]:
    """Every decision taken on the sheet, oldest first, with who took it."""
    stmt = (
        sa.select(
            SheetReview.code,
            SheetReview.decision,
            SheetReview.reason,
            SheetReview.correction,
            SheetReview.at,
            Member.name,
        )
        .join(Member, Member.id == SheetReview.by_id)
        .where(SheetReview.sheet_id == sheet.id)
        .order_by(SheetReview.at, SheetReview.id)
    )
    return [ReviewRow(*row) for row in db.session.execute(stmt)]


@dataclass(frozen=True)
class OrgSheetRow:
    id: int
    check_id: int
    period: str
    org: str
    kind: str
    status: str
    score: int | None
    grade: str | None
    lecture_months_missed: int | None
    events_handled: int


def _organised_orgs(actor):
    """A SQL condition on PartyOrg: organisations an organiser (or admin) acts on, as
    auth.permissions.organises_party_org says one at a time."""
    units = sa.select(Unit.id).where(in_scope(Unit.path, actor, Role.ORGANISER))
    at_root = any(
        ra.unit.parent_id is None and ra.role_enum.covers(Role.ORGANISER)
        for ra in assignments(actor)
    )
    return sa.or_(
        PartyOrg.unit_id.in_(units), sa.and_(PartyOrg.unit_id.is_(None), sa.literal(at_root))
    )


def may_list_org_sheets(actor) -> bool:
    return is_secretary(actor) or has_role(actor, Role.ORGANISER)


def org_sheet_rows(actor, *, limit: int = 50, offset: int = 0) -> tuple[list[OrgSheetRow], int]:
    """Organisations' own sheets the actor sees (their own organisation's and those they
    review), newest check first, then by code: one query for the page, one count."""
    stmt = (
        sa.select(
            Sheet.id,
            Sheet.check_id,
            Check.period,
            PartyOrg.name,
            PartyOrg.kind,
            Sheet.status,
            Sheet.score,
            Sheet.grade,
            Sheet.lecture_months_missed,
            Sheet.events_handled,
        )
        .join(Check, Check.id == Sheet.check_id)
        .join(PartyOrg, PartyOrg.id == Sheet.party_org_id)
        .where(
            Sheet.target == "organisation",
            sa.or_(secretary_in_scope(PartyOrg.path, actor), _organised_orgs(actor)),
        )
    )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    page = stmt.order_by(Check.opened_at.desc(), Check.id.desc(), PartyOrg.path, PartyOrg.id)
    rows = db.session.execute(page.limit(limit).offset(offset)).all()
    return [OrgSheetRow(*row) for row in rows], total or 0
