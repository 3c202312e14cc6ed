"""Reads of the party domain for pages: a check's sheets with each member's service in the
community they reported to (SPEC 7.4, the other side sees)."""

from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from ..members.models import Member
from ..units.models import Unit
from .models import Check, PartyMembership, PartyOrg, Sheet


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
