"""Reading the time bank."""

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..auth.models import Role
from ..auth.permissions import in_scope
from ..core.errors import NotFound
from ..extensions import db
from ..shifts.models import Shift
from ..units.models import Unit
from .models import Correction, CorrectionStatus, LedgerEntry, LedgerHead


def balance_minutes(member_id: int) -> int:
    """The member's balance: the sum of all their entries (reversals net out)."""
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.minutes), 0)).where(
            LedgerEntry.member_id == member_id
        )
    )
    return int(total or 0)


def list_entries(member_id: int, *, limit: int = 500) -> list[LedgerEntry]:
    """The member's entries, newest first."""
    return list(
        db.session.scalars(
            sa.select(LedgerEntry)
            .where(LedgerEntry.member_id == member_id)
            .order_by(LedgerEntry.id.desc())
            .limit(limit)
        )
    )


def reversed_ids(entry_ids: list[int]) -> set[int]:
    if not entry_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(LedgerEntry.reverses_id).where(LedgerEntry.reverses_id.in_(entry_ids))
        )
    )


def credited_for_shift(member_id: int, shift_id: int) -> int:
    """Minutes the member holds for one shift (service, adjustments, reversals)."""
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.minutes), 0)).where(
            LedgerEntry.member_id == member_id, LedgerEntry.shift_id == shift_id
        )
    )
    return int(total or 0)


def head() -> LedgerHead | None:
    return db.session.get(LedgerHead, 1)


def get_correction(correction_id: int) -> Correction:
    correction = db.session.get(Correction, correction_id)
    if correction is None:
        raise NotFound("correction_not_found")
    return correction


def list_open_corrections(actor) -> list[Correction]:
    """Open correction requests for shifts in the coordinator's scope, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Correction)
            .join(Shift, Shift.id == Correction.shift_id)
            .join(Unit, Unit.id == Shift.community_id)
            .where(
                Correction.status == CorrectionStatus.OPEN,
                in_scope(Unit.path, actor, Role.COORDINATOR),
            )
            .options(joinedload(Correction.member), joinedload(Correction.shift))
            .order_by(Correction.created_at)
        )
    )


def list_member_corrections(member_id: int) -> list[Correction]:
    return list(
        db.session.scalars(
            sa.select(Correction)
            .where(Correction.member_id == member_id)
            .options(joinedload(Correction.shift))
            .order_by(Correction.id.desc())
        )
    )
