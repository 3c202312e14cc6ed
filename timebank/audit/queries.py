"""Reading the audit log within the viewer's scope: filtered, newest first, keyset-paged."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..auth.models import Role
from ..auth.permissions import has_role, in_scope
from ..core.clock import LOCAL_TZ
from ..extensions import db
from ..members.models import Member
from ..units.models import Unit
from .models import AuditEntry

PAGE_SIZE = 50
#: The CSV export reads the log in batches of this many entries.
EXPORT_BATCH = 1000


@dataclass
class AuditFilter:
    """Local days [day_from, day_to], a person (name or phone of who acted or of the member
    acted on), a unit and everything under it, an action code."""

    day_from: date | None = None
    day_to: date | None = None
    person: str = ""
    unit: Unit | None = None
    action: str = ""


def list_entries(
    actor, wanted: AuditFilter | None = None, *, before: int | None = None, size: int = PAGE_SIZE
):
    """One page, newest first, of entries older than id `before`; returns (entries, the
    `before` of the next page or None)."""
    q = _filtered(actor, wanted or AuditFilter())
    if before is not None:
        q = q.where(AuditEntry.id < before)
    rows = list(
        db.session.scalars(
            q.options(joinedload(AuditEntry.actor), joinedload(AuditEntry.unit))
            .order_by(AuditEntry.id.desc())
            .limit(size + 1)
        )
    )
    more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1].id if more and rows else None)


def numbered_page(actor, *, action: str | None = None, page: int = 1, per_page: int = 50):
    """The API's numbered pages: (entries, total), actions by prefix, newest first."""
    q = _filtered(actor, AuditFilter())
    if action:
        q = q.where(AuditEntry.action.startswith(action.strip(), autoescape=True))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(q.subquery()))
    rows = db.session.scalars(
        q.options(joinedload(AuditEntry.actor), joinedload(AuditEntry.unit))
        .order_by(AuditEntry.id.desc())
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    )
    return list(rows), total


def iter_entries(actor, wanted: AuditFilter):
    """Every entry that matches, newest first, a batch at a time (for the export)."""
    before = None
    while True:
        rows, before = list_entries(actor, wanted, before=before, size=EXPORT_BATCH)
        yield rows
        if before is None:
            return


def _filtered(actor, wanted: AuditFilter):
    q = sa.select(AuditEntry).outerjoin(Unit, Unit.id == AuditEntry.unit_id)
    scoped = in_scope(Unit.path, actor, Role.ORGANISER)
    if _is_root_admin(actor):
        q = q.where(sa.or_(scoped, AuditEntry.unit_id.is_(None)))
    else:
        q = q.where(scoped)
    if wanted.day_from:
        q = q.where(AuditEntry.created_at >= datetime.combine(wanted.day_from, time(), LOCAL_TZ))
    if wanted.day_to:
        end = datetime.combine(wanted.day_to + timedelta(days=1), time(), LOCAL_TZ)
        q = q.where(AuditEntry.created_at < end)
    if wanted.unit is not None:
        q = q.where(Unit.path.startswith(wanted.unit.path, autoescape=True))
    if wanted.action:
        q = q.where(AuditEntry.action == wanted.action)
    if wanted.person:
        q = q.where(_about_person(wanted.person))
    return q


def _about_person(text: str):
    """The entry was made by, or is about, a member whose name or phone contains `text`."""
    people = sa.select(Member.id).where(
        sa.or_(
            Member.name.contains(text, autoescape=True),
            Member.phone.contains(text, autoescape=True),
        )
    )
    return sa.or_(
        AuditEntry.actor_id.in_(people),
        sa.and_(AuditEntry.target_type == "Member", AuditEntry.target_id.in_(people)),
    )


def _is_root_admin(actor) -> bool:
    return (
        any(ra.role_enum == Role.ADMIN and ra.unit.parent_id is None for ra in actor.roles)
        if has_role(actor, Role.ADMIN)
        else False
    )
