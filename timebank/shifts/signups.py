"""Signing up for shifts: capacity never exceeded, a FIFO waitlist, rest rules, cancellation.

Capacity is claimed with a conditional UPDATE (`taken < capacity`) in the same transaction
as the sign-up row, backed by `CHECK (taken <= capacity)` and `UNIQUE (shift_id, member_id)`.
Rules that read before they write (overlaps, the daily limit) run while the shift row and
then the member's row are locked (FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE
serialises writers): always shift first, member second, so two transactions never wait on
each other in a circle.

The order of arrival is a per-shift counter (`Shift.queued`), taken by each sign-up with
`UPDATE … SET queued = queued + 1 … RETURNING` while the shift row is locked: the numbers
follow the order in which sign-ups actually went through, which the time a request read the
clock does not (on PostgreSQL, requests read `now` before waiting for the lock, and 40 at
once were told positions 1, 1, 1, 2, 4 …). A waitlisted member's position is 1 + the
waitlisted sign-ups of the shift with a lower number, counted under the same lock, so the
answers are 1, 2, 3 … and stay gap-free as people cancel and are promoted.

This module is the one writer of `Shift.taken` and of sign-ups: check-in admits walk-ins
(`confirm_walk_in`), mobilisation puts those who accept a call-out on its shift
(`confirm_from_callout`) and lets the absent off at a stand-down (`let_off_absent`), and a
cancelled shift cancels every sign-up (`cancel_all`).
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..core.clock import local, utcnow
from ..core.errors import Conflict, NotAllowed, NotFound, RuleViolation
from ..core.settings import setting
from ..extensions import db
from ..members.models import Member, MemberStatus
from ..members.skills import skill_label
from . import signals
from .models import Shift, Signup, SignupStatus

log = logging.getLogger(__name__)

ACTIVE = (SignupStatus.CONFIRMED, SignupStatus.WAITLISTED)


@dataclass
class SignupResult:
    signup: Signup
    position: int | None = None  # place on the waitlist, 1 = next in line

    @property
    def status(self) -> str:
        return self.signup.status


def _lock_shift(shift_id: int) -> Shift:
    return db.session.scalars(
        sa.select(Shift)
        .where(Shift.id == shift_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _lock_member(member_id: int) -> None:
    db.session.execute(sa.select(Member.id).where(Member.id == member_id).with_for_update())


def claim_place(shift_id: int) -> bool:
    """Take one free place of the shift (a conditional UPDATE: `taken < capacity`); False
    when none is left. Backed by CHECK (taken <= capacity)."""
    result = db.session.execute(
        sa.update(Shift)
        .where(Shift.id == shift_id, Shift.taken < Shift.capacity)
        .values(taken=Shift.taken + 1)
    )
    return result.rowcount == 1


def _take_queue_no(shift_id: int) -> int:
    """The next number in the shift's order of arrival (the shift row is locked)."""
    return db.session.execute(
        sa.update(Shift)
        .where(Shift.id == shift_id)
        .values(queued=Shift.queued + 1)
        .returning(Shift.queued)
    ).scalar_one()


def _release_place(shift_id: int) -> None:
    db.session.execute(
        sa.update(Shift).where(Shift.id == shift_id, Shift.taken > 0).values(taken=Shift.taken - 1)
    )


def conflict_with(member_id: int, shift: Shift) -> str | None:
    """Why `member_id` may not be confirmed on `shift` now: "overlapping_shift",
    "daily_limit" or None. Only published shifts with a confirmed sign-up count."""
    rows = db.session.execute(
        sa.select(Shift.starts_at, Shift.ends_at)
        .join(Signup, Signup.shift_id == Shift.id)
        .where(
            Signup.member_id == member_id,
            Signup.status == SignupStatus.CONFIRMED,
            Shift.status == "published",
            Shift.id != shift.id,
            Shift.starts_at < shift.ends_at + timedelta(days=1),
            Shift.ends_at > shift.starts_at - timedelta(days=1),
        )
    ).all()
    day = local(shift.starts_at).date()
    minutes = shift.minutes
    for starts_at, ends_at in rows:
        if starts_at < shift.ends_at and ends_at > shift.starts_at:
            return "overlapping_shift"
        if local(starts_at).date() == day:
            minutes += int((ends_at - starts_at).total_seconds() // 60)
    if minutes > setting("MAX_DAILY_MIN"):
        return "daily_limit"
    return None


def clashing_shift(member_id: int, shift: Shift) -> Shift | None:
    """The member's confirmed, published shift that overlaps `shift`, if any (the first)."""
    return db.session.scalar(
        sa.select(Shift)
        .join(Signup, Signup.shift_id == Shift.id)
        .where(
            Signup.member_id == member_id,
            Signup.status == SignupStatus.CONFIRMED,
            Shift.status == "published",
            Shift.id != shift.id,
            Shift.starts_at < shift.ends_at,
            Shift.ends_at > shift.starts_at,
        )
        .order_by(Shift.starts_at)
        .limit(1)
    )


def _refuse(code: str, member_id: int, shift: Shift):
    if code == "overlapping_shift":
        clash = clashing_shift(member_id, shift)
        if clash is None:  # not expected: conflict_with found it under the same lock
            raise Conflict(code, _l("You are confirmed on another shift at this time."))
        when = f"{local(clash.starts_at):%m-%d %H:%M}–{local(clash.ends_at):%H:%M}"
        raise Conflict(
            code,
            _l(
                "You are confirmed on another shift at this time: %(title)s, %(when)s.",
                title=clash.title,
                when=when,
            ),
        )
    raise RuleViolation(
        code,
        _l(
            "This would put you over %(hours)s hours of shifts on one day.",
            hours=setting("MAX_DAILY_MIN") // 60,
        ),
    )


def sign_up(member: Member, shift: Shift, *, now: datetime | None = None) -> SignupResult:
    """Sign `member` up: confirmed while places are free, else waitlisted (FIFO).

    Refusals: shift_cancelled, shift_started, missing_skills, daily_limit (422);
    already_signed_up, overlapping_shift (409); member_not_active (403).
    """
    now = now or utcnow()
    if member.status != MemberStatus.ACTIVE:
        raise NotAllowed("member_not_active", _l("Only approved members can sign up for shifts."))
    shift = _lock_shift(shift.id)
    if shift.is_cancelled:
        raise RuleViolation("shift_cancelled", _l("This shift is cancelled."))
    if shift.starts_at <= now:
        raise RuleViolation("shift_started", _l("This shift has started already."))
    missing = sorted(set(shift.skills) - set(member.skills or []))
    if missing:
        raise RuleViolation(
            "missing_skills",
            _l(
                "This shift needs skills you have not listed: %(skills)s.",
                skills="、".join(skill_label(s) for s in missing),
            ),
        )
    _lock_member(member.id)
    signup = db.session.scalar(
        sa.select(Signup).where(Signup.shift_id == shift.id, Signup.member_id == member.id)
    )
    if signup is not None and signup.status in ACTIVE:
        raise Conflict("already_signed_up", _l("You are signed up for this shift already."))
    problem = conflict_with(member.id, shift)
    if problem:
        _refuse(problem, member.id, shift)
    confirmed = claim_place(shift.id)
    queue_no = _take_queue_no(shift.id)
    if signup is None:
        signup = Signup(shift_id=shift.id, member_id=member.id)
        db.session.add(signup)
    signup.status = SignupStatus.CONFIRMED if confirmed else SignupStatus.WAITLISTED
    signup.queued_at, signup.queue_no = now, queue_no
    signup.confirmed_at = now if confirmed else None
    signup.cancelled_at, signup.is_late_cancel = None, False
    signup.reminded_24h_at = signup.reminded_1h_at = None
    db.session.flush()
    log.info("member %s %s on shift %s", member.id, signup.status, shift.id)
    return SignupResult(signup, None if confirmed else waitlist_position(signup))


def waitlist_position(signup: Signup) -> int | None:
    """Where a waitlisted sign-up stands: 1 + the waitlisted sign-ups that arrived before."""
    if signup.status != SignupStatus.WAITLISTED:
        return None
    ahead = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Signup)
        .where(
            Signup.shift_id == signup.shift_id,
            Signup.status == SignupStatus.WAITLISTED,
            Signup.queue_no < signup.queue_no,
        )
    )
    return ahead + 1


@dataclass
class CancelResult:
    signup: Signup
    late: bool
    promoted: Signup | None


def cancel_signup(member: Member, shift: Shift, *, now: datetime | None = None) -> CancelResult:
    """Cancel one's own sign-up. Within CANCEL_CUTOFF_MIN of the start it is kept as late.
    A freed place goes to the first waitlisted member who can take it, who is told."""
    now = now or utcnow()
    shift = _lock_shift(shift.id)
    signup = db.session.scalar(
        sa.select(Signup)
        .where(Signup.shift_id == shift.id, Signup.member_id == member.id)
        .execution_options(populate_existing=True)
    )
    if signup is None or signup.status not in ACTIVE:
        raise NotFound("not_signed_up", _l("You are not signed up for this shift."))
    if shift.starts_at <= now:
        raise RuleViolation("shift_started", _l("This shift has started already."))
    was_confirmed = signup.status == SignupStatus.CONFIRMED
    late = was_confirmed and now > shift.starts_at - timedelta(minutes=setting("CANCEL_CUTOFF_MIN"))
    signup.status, signup.cancelled_at, signup.is_late_cancel = SignupStatus.CANCELLED, now, late
    db.session.flush()
    promoted = None
    if was_confirmed:
        _release_place(shift.id)
        promoted = next(iter(promote_waitlisted(shift, now=now)), None)
    log.info("member %s cancelled on shift %s (late=%s)", member.id, shift.id, late)
    return CancelResult(signup, late, promoted)


def promote_waitlisted(shift: Shift, *, now: datetime | None = None) -> list[Signup]:
    """Fill free places from the waitlist, first come first served. A waitlisted member who
    is now confirmed on an overlapping shift (or would pass the daily limit) keeps their
    place in line and the next one is promoted. Each promoted member is told."""
    now = now or utcnow()
    shift = _lock_shift(shift.id)
    promoted: list[Signup] = []
    queue = list(
        db.session.scalars(
            sa.select(Signup)
            .where(Signup.shift_id == shift.id, Signup.status == SignupStatus.WAITLISTED)
            .order_by(Signup.queue_no)
        )
    )
    for candidate in queue:
        _lock_member(candidate.member_id)
        if conflict_with(candidate.member_id, shift):
            continue
        if not claim_place(shift.id):
            break
        claimed = (
            db.session.execute(
                sa.update(Signup)
                .where(Signup.id == candidate.id, Signup.status == SignupStatus.WAITLISTED)
                .values(status=SignupStatus.CONFIRMED, confirmed_at=now)
            ).rowcount
            == 1
        )
        if not claimed:
            _release_place(shift.id)
            continue
        db.session.refresh(candidate)
        promoted.append(candidate)
        signals.signup_promoted.send(candidate, shift=shift, now=now)
    return promoted


def _confirm(shift_id: int, member_id: int, now: datetime, *, walk_in: bool) -> Signup:
    """The member's sign-up on the shift set to confirmed (made if they had none), after a
    place was claimed for it."""
    signup = db.session.scalar(
        sa.select(Signup).where(Signup.shift_id == shift_id, Signup.member_id == member_id)
    )
    if signup is None:
        signup = Signup(shift_id=shift_id, member_id=member_id, queued_at=now)
        db.session.add(signup)
    signup.status, signup.confirmed_at, signup.is_walk_in = SignupStatus.CONFIRMED, now, walk_in
    db.session.flush()
    return signup


def confirm_walk_in(shift: Shift, member_id: int, *, now: datetime) -> bool:
    """A member scanned in without a sign-up: confirmed as a walk-in while the shift takes
    walk-ins and has a free place; False otherwise."""
    if not shift.walk_ins or not claim_place(shift.id):
        return False
    db.session.expire(shift, ["taken"])
    _confirm(shift.id, member_id, now, walk_in=True)
    return True


def confirm_from_callout(shift_id: int, member_id: int, *, now: datetime) -> Signup:
    """A member who accepted a call-out, confirmed on its emergency shift. The call-out's
    own head-count (`accepted < needed`, the shift's capacity) was claimed first; a shift
    already full all the same (walk-ins) is a 409."""
    if not claim_place(shift_id):
        raise Conflict("callout_filled", _l("Thank you — enough people have answered already."))
    return _confirm(shift_id, member_id, now, walk_in=False)


def let_off_absent(shift: Shift, *, now: datetime, arrived) -> int:
    """Cancel the confirmed sign-ups of members not in `arrived` (a subquery of member
    ids), never as late, and free their places: a stand-down makes nobody a no-show.
    Returns how many were let off."""
    let_off = db.session.execute(
        sa.update(Signup)
        .where(
            Signup.shift_id == shift.id,
            Signup.status == SignupStatus.CONFIRMED,
            Signup.member_id.not_in(arrived),
        )
        .values(status=SignupStatus.CANCELLED, cancelled_at=now, is_late_cancel=False)
    ).rowcount
    if let_off:
        db.session.execute(
            sa.update(Shift)
            .where(Shift.id == shift.id)
            .values(taken=sa.case((Shift.taken > let_off, Shift.taken - let_off), else_=0))
        )
        db.session.expire(shift, ["taken"])
    return let_off


def cancel_all(shift: Shift, *, now: datetime) -> None:
    """A cancelled shift: every confirmed and waitlisted sign-up is cancelled, no place is
    taken any more."""
    db.session.execute(
        sa.update(Signup)
        .where(Signup.shift_id == shift.id, Signup.status.in_(ACTIVE))
        .values(status=SignupStatus.CANCELLED, cancelled_at=now)
    )
    db.session.execute(sa.update(Shift).where(Shift.id == shift.id).values(taken=0))
    db.session.expire(shift, ["taken"])
