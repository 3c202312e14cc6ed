"""Reading role assignments within the viewer's scope."""

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..core.errors import NotFound
from ..extensions import db
from ..units.models import Unit
from .models import Role, RoleAssignment
from .permissions import in_scope


def get_assignment(assignment_id: int) -> RoleAssignment:
    ra = db.session.get(RoleAssignment, assignment_id)
    if ra is None:
        raise NotFound("role_not_found")
    return ra


def list_assignments(actor) -> list[RoleAssignment]:
    """Role assignments on units in the actor's organiser scope."""
    return list(
        db.session.scalars(
            sa.select(RoleAssignment)
            .join(Unit, Unit.id == RoleAssignment.unit_id)
            .where(in_scope(Unit.path, actor, Role.ORGANISER))
            .options(joinedload(RoleAssignment.member), joinedload(RoleAssignment.unit))
            .order_by(Unit.path, RoleAssignment.role)
        )
    )
