"""Editing a published shift: the fields given change, every other field stays as it was.

The API's PATCH passes only what was sent; the edit form passes all it shows. A shift's
kind can be corrected after publishing; whether its hours count as service follows the
new kind (lectures no, other kinds yes) unless it had been set against the old kind's
default, and it no longer changes once hours of the shift were credited (the ledger's
entries would no longer match the shift).
"""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..auth.models import Role
from ..auth.permissions import ensure_role
from ..core.clock import utcnow
from ..core.errors import Conflict, check
from ..extensions import db
from ..ledger.models import LedgerEntry
from . import signals
from . import validation as v
from .models import Shift
from .signups import promote_waitlisted


class _Keep:
    """The value of an argument not given: that field stays as it is."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = _Keep()
FIELDS = (
    "title",
    "kind",
    "starts_at",
    "ends_at",
    "capacity",
    "description",
    "skills",
    "walk_ins",
    "checkpoint_id",
    "counts_as_service",
)


def update_shift(
    actor,
    shift: Shift,
    *,
    title=KEEP,
    kind=KEEP,
    starts_at=KEEP,
    ends_at=KEEP,
    capacity=KEEP,
    description=KEEP,
    skills=KEEP,
    walk_ins=KEEP,
    checkpoint_id=KEEP,
    counts_as_service=KEEP,
    now: datetime | None = None,
    quiet: bool = False,
) -> Shift:
    """Edit a shift: each field given changes, the others stay. Members who signed up are
    told when the time changes (unless `quiet`: a series edited as a whole tells each member
    once, see shifts.series); a larger capacity promotes waitlisted members; capacity
    cannot drop below the confirmed count."""
    ensure_role(actor, Role.COORDINATOR, shift.community)
    now = now or utcnow()
    if shift.is_cancelled:
        raise Conflict("shift_cancelled", _l("This shift is cancelled."))
    given = dict(
        title=title,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        description=description,
        skills=skills,
        walk_ins=walk_ins,
        checkpoint_id=checkpoint_id,
        counts_as_service=counts_as_service,
    )
    values = _checked(shift, {f: value for f, value in given.items() if value is not KEEP}, now)
    changed = sorted(f for f, value in values.items() if getattr(shift, f) != value)
    time_changed = "starts_at" in changed or "ends_at" in changed
    grew = values["capacity"] > shift.capacity
    for field, value in values.items():
        setattr(shift, field, value)
    db.session.flush()
    if time_changed and not quiet:
        signals.shift_time_changed.send(shift, now=now)
    if grew:
        promote_waitlisted(shift, now=now)
    details = {"time_changed": time_changed, "changed": changed}
    record(actor, "shift.update", shift, unit_id=shift.community_id, now=now, details=details)
    return shift


def _checked(shift: Shift, sent: dict, now: datetime) -> dict:
    """The shift's values after the edit: the sent ones checked (every error at once),
    the others as they are."""
    new = {**{f: getattr(shift, f) for f in FIELDS}, **sent}
    errors: list = []
    title, description = v.texts(errors, new["title"], new["description"])
    kind = v.kind(errors, new["kind"])
    capacity = v.capacity(errors, new["capacity"])
    skills = v.skills(errors, new["skills"])
    cp = v.checkpoint(errors, new["checkpoint_id"], shift.community)
    walk_ins = v.flag(errors, "walk_ins", new["walk_ins"], shift.walk_ins)
    time_changed = (new["starts_at"], new["ends_at"]) != (shift.starts_at, shift.ends_at)
    v.times(errors, new["starts_at"], new["ends_at"], now if time_changed else None)
    if capacity is not None and capacity < shift.taken:
        errors.append(
            (
                "capacity",
                _l("%(n)s members are confirmed: the capacity cannot be lower.", n=shift.taken),
            )
        )
    counts = _counts_as_service(errors, shift, sent, kind)
    check(errors)
    return dict(
        title=title,
        description=description,
        kind=str(kind),
        capacity=capacity,
        skills=skills,
        checkpoint_id=cp.id if cp else None,
        walk_ins=walk_ins,
        starts_at=new["starts_at"],
        ends_at=new["ends_at"],
        counts_as_service=counts,
    )


def _counts_as_service(errors, shift: Shift, sent: dict, kind) -> bool:
    """Sent: as sent (refused once hours were credited, if it changes). Not sent: a new
    kind brings its own default when the shift had its old kind's default; a value set
    against that default stays, and so does any value once hours were credited."""
    current = shift.counts_as_service
    if "counts_as_service" in sent:
        value = v.flag(errors, "counts_as_service", sent["counts_as_service"], current)
        if value != current and _credited(shift):
            errors.append(
                (
                    "counts_as_service",
                    _l("Hours of this shift were credited already: this cannot change now."),
                )
            )
        return value
    if kind is None or kind == shift.kind or current != v.counts_by_default(shift.kind):
        return current
    return current if _credited(shift) else v.counts_by_default(kind)


def _credited(shift: Shift) -> bool:
    """Whether any ledger entry stems from this shift (a check-out writes one)."""
    return (
        db.session.scalar(
            sa.select(LedgerEntry.id).where(LedgerEntry.shift_id == shift.id).limit(1)
        )
        is not None
    )
