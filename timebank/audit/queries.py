"""Reading the audit log within the viewer's scope."""

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..auth.models import Role
from ..auth.permissions import has_role, in_scope
from ..extensions import db
from ..units.models import Unit
from .models import AuditEntry


def list_entries(actor, *, action: str | None = None, page: int = 1, per_page: int = 50):
    """Newest first. Organisers see entries of units in their scope; system-wide entries
    (no unit) only admins of a district see. Returns (entries, total)."""
    q = sa.select(AuditEntry).outerjoin(Unit, Unit.id == AuditEntry.unit_id)
    scoped = in_scope(Unit.path, actor, Role.ORGANISER)
    if _is_root_admin(actor):
        q = q.where(sa.or_(scoped, AuditEntry.unit_id.is_(None)))
    else:
        q = q.where(scoped)
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


def _is_root_admin(actor) -> bool:
    return (
        any(ra.role_enum == Role.ADMIN and ra.unit.parent_id is None for ra in actor.roles)
        if has_role(actor, Role.ADMIN)
        else False
    )
