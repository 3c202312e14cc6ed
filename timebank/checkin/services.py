"""Scanning members in and out, manual attendance, and the review of auto-closed ones.

A scan is applied once per client-made `scan_id`. The shift, the member, their attendance
and their sign-up are read in one statement; the decision (check-in, check-out or
duplicate) is then written under the attendance's own constraints, so two scans of one
member never both apply: a check-in is an INSERT … ON CONFLICT (member, shift) DO NOTHING,
a check-out a conditional UPDATE on the open attendance that credits the ledger only when
it matched. When another scan of the member got there first, the transaction is rolled
back and the scan decided again on what that one wrote. The scan row is stored last, with
its answer, under a UNIQUE constraint on `scan_id`: when that id was stored first by
another request (a retry, twenty retries at once), this request's transaction is rolled
back and the stored answer is replayed: the decision made here is undone, never applied
twice.
"""

import functools
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import load_only, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from ..auth.models import Role
from ..auth.permissions import ensure_role
from ..core.clock import utcnow
from ..core.db import dialect
from ..core.errors import Conflict, NotFound, ValidationFailed, check
from ..core.metrics import SCANS
from ..core.settings import setting
from ..core.validation import lat_lon
from ..extensions import db
from ..integrations.geo import distance_m, within_m
from ..ledger import chain
from ..ledger.services import credit_service
from ..members.models import Member, MemberStatus
from ..shifts.models import Checkpoint, Shift, Signup, SignupStatus
from . import tokens
from .credit import credited_minutes
from .models import Attendance, Method, Scan

log = logging.getLogger(__name__)

#: Offline scans are accepted this late.
MAX_LATE = timedelta(hours=24)
#: A device clock this far ahead is tolerated.
CLOCK_SKEW = timedelta(minutes=5)
#: Scans further than this from the shift's times are refused.
SHIFT_MARGIN = timedelta(hours=12)
#: Times one scan is decided when other scans of the same member keep getting there first.
ATTEMPTS = 3


class _Raced(Exception):
    """Another scan of the member wrote the attendance after this one read it."""


@dataclass
class ScanAnswer:
    status: int  # 201 applied, 200 a replay of a success, 422 refused
    body: dict

    @property
    def ok(self) -> bool:
        return self.status < 400


def qr_secrets() -> list[str]:
    return [current_app.config["SECRET_KEY"], *current_app.config.get("SECRET_KEY_FALLBACKS", [])]


def member_qr(member: Member, *, now: datetime | None = None) -> tuple[str, datetime]:
    """The member's current QR payload and when it expires."""
    return tokens.make_token(
        member.id,
        secret=current_app.config["SECRET_KEY"],
        rotate_s=setting("QR_ROTATE_S"),
        now=now or utcnow(),
    )


def _validate(scan_id, scanned_at, lat, lon, now):
    errors: list = []
    try:
        scan_id = str(uuid.UUID(str(scan_id)))
    except (TypeError, ValueError):
        errors.append(("scan_id", _("Must be a UUID made by the scanner.")))
    if scanned_at is None:
        scanned_at = now
    elif not isinstance(scanned_at, datetime) or scanned_at.tzinfo is None:
        errors.append(("scanned_at", _("Give a date and time with its offset.")))
    elif scanned_at > now + CLOCK_SKEW:
        errors.append(("scanned_at", _("This time is in the future: check the device clock.")))
    lat, lon = lat_lon(lat, lon, errors)
    check(errors)
    return scan_id, scanned_at, lat, lon


@functools.cache
def _insert_or_nothing(dialect: str, table: sa.Table, *keys: str):
    """INSERT … ON CONFLICT (keys) DO NOTHING RETURNING id into `table`, made once."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(table).on_conflict_do_nothing(index_elements=list(keys)).returning(table.c.id)


def _store(scan_id, shift, staff, scanned_at, lat, lon, now, answer, member_id, attendance_id):
    """Insert the scan row with its answer; None when this scan_id is stored already."""
    return (
        db.session.connection()
        .execute(
            _insert_or_nothing(dialect(), Scan.__table__, "scan_id"),
            {
                "scan_id": scan_id,
                "shift_id": shift.id,
                "staff_id": staff.id,
                "scanned_at": scanned_at,
                "received_at": now,
                "lat": lat,
                "lon": lon,
                "outcome": _outcome(answer),
                "status_code": answer.status,
                "response": answer.body,
                "member_id": member_id,
                "attendance_id": attendance_id,
            },
        )
        .scalar()
    )


def _outcome(answer: ScanAnswer) -> str:
    return answer.body.get("action") or answer.body["error"]["code"]


def _replay(scan_id: str) -> ScanAnswer:
    scan = db.session.scalars(
        sa.select(Scan).where(Scan.scan_id == scan_id).execution_options(populate_existing=True)
    ).one()
    status = 200 if (scan.status_code or 201) < 400 else scan.status_code
    return ScanAnswer(status, scan.response or {})


def record_scan(
    staff,
    shift_id: int,
    *,
    qr_payload,
    scan_id,
    scanned_at=None,
    lat=None,
    lon=None,
    override_reason=None,
    now: datetime | None = None,
) -> ScanAnswer:
    """Apply one scan of a member's QR code at shift `shift_id` by `staff` (staff in scope).

    Answers check_in, check_out (with the minutes credited) or duplicate; or refuses with
    qr_invalid, qr_expired, scan_too_old, not_signed_up, outside_geofence, member_not_active
    or shift_cancelled. Scans up to 24 h old (offline) are checked against their scan time.
    Raises NotFound for an unknown shift and NotAllowed for staff out of its scope.

    Call it in a transaction of its own (a request): a scan_id applied before rolls the
    transaction back, undoing what this call decided, and answers what was stored then.
    """
    now = now or utcnow()
    scan_id, scanned_at, lat, lon = _validate(scan_id, scanned_at, lat, lon, now)
    checked = tokens.check_token(
        qr_payload, secrets=qr_secrets(), rotate_s=setting("QR_ROTATE_S"), at=scanned_at
    )
    reason = (override_reason or "").strip()[:255]
    for _attempt in range(ATTEMPTS):
        shift, member, attendance, signup_status = _load(shift_id, checked.member_id)
        ensure_role(staff, Role.STAFF, shift.community)
        try:
            answer, member_id, attendance_id = _decide(
                staff, shift, checked, member, attendance, signup_status,
                scanned_at, lat, lon, reason, now,
            )  # fmt: skip
            break
        except _Raced:  # another scan of the member wrote first: decide on what it wrote
            db.session.rollback()
    else:
        raise Conflict("scan_conflict", _("Other scans of this member keep arriving: retry."))
    stored = _store(
        scan_id, shift, staff, scanned_at, lat, lon, now, answer, member_id, attendance_id
    )
    if stored is None:  # this scan_id was applied by an earlier request: undo, then replay
        db.session.rollback()
        return _replay(scan_id)
    SCANS.labels(_outcome(answer)).inc()
    log.info("scan %s at shift %s by %s: %s", scan_id, shift.id, staff.id, _outcome(answer))
    return answer


@functools.cache
def _load_statement():
    member_id = sa.bindparam("member_id", type_=sa.Integer)
    return (
        sa.select(Shift, Checkpoint, Member, Attendance, Signup.status)
        .select_from(Shift)
        .outerjoin(Checkpoint, Checkpoint.id == Shift.checkpoint_id)
        .outerjoin(Member, Member.id == member_id)
        .outerjoin(
            Attendance, (Attendance.shift_id == Shift.id) & (Attendance.member_id == member_id)
        )
        .outerjoin(Signup, (Signup.shift_id == Shift.id) & (Signup.member_id == member_id))
        .options(load_only(Member.name, Member.status, Member.community_id))
        .where(Shift.id == sa.bindparam("shift_id", type_=sa.Integer))
        .execution_options(populate_existing=True)
    )


def _load(shift_id: int, member_id: int | None):
    """(shift with its checkpoint, member, their attendance at it, their sign-up's status)
    in one statement; all but the shift may be None. NotFound without the shift."""
    row = db.session.execute(
        _load_statement(), {"shift_id": shift_id, "member_id": member_id}
    ).first()
    if row is None:
        raise NotFound("shift_not_found")
    shift, checkpoint, member, attendance, signup_status = row
    # the checkpoint read as an entity of its own (cheaper than a joined eager load)
    set_committed_value(shift, "checkpoint", checkpoint)
    return shift, member, attendance, signup_status


def _refuse(code: str, message: str, member: Member | None = None) -> ScanAnswer:
    body = {"error": {"code": code, "message": message}}
    if member is not None:
        body["member"] = {"id": member.id, "name": member.name}
    return ScanAnswer(422, body)


def _decide(
    staff, shift, checked, member, attendance, signup_status, scanned_at, lat, lon,
    override_reason, now,
):  # fmt: skip
    if scanned_at < now - MAX_LATE:
        return _refuse("scan_too_old", _("Scans are accepted up to 24 hours late.")), None, None
    if checked.error == "qr_invalid":
        return _refuse("qr_invalid", _("This is not a valid member code.")), None, None
    if checked.error == "qr_expired":
        return (
            _refuse(
                "qr_expired",
                _("This code has expired: ask the member to show the live code on their phone."),
            ),
            None,
            None,
        )
    if member is None or member.status != MemberStatus.ACTIVE:
        return _refuse("member_not_active", _("This member is not active.")), None, None
    if shift.is_cancelled:
        return _refuse("shift_cancelled", _("This shift is cancelled."), member), member.id, None
    if not (shift.starts_at - SHIFT_MARGIN <= scanned_at <= shift.ends_at + SHIFT_MARGIN):
        return (
            _refuse("scan_outside_shift", _("This scan is far from the shift's time."), member),
            member.id,
            None,
        )
    flagged = False
    if lat is not None and shift.checkpoint is not None:
        cp = shift.checkpoint
        if not within_m((lat, lon), (cp.lat, cp.lon), cp.radius_m):
            if not override_reason:
                metres = distance_m((lat, lon), (cp.lat, cp.lon))
                return (
                    _refuse(
                        "outside_geofence",
                        _(
                            "The scanner is %(m)s m from %(name)s (allowed: %(r)s m). "
                            "Give a reason to override.",
                            m=int(metres),
                            name=cp.name,
                            r=cp.radius_m,
                        ),
                        member,
                    ),
                    member.id,
                    None,
                )
            flagged = True
    answer, attendance_id = _attend(
        staff, shift, member, attendance, signup_status, scanned_at, now, flagged,
        override_reason,
    )  # fmt: skip
    return answer, member.id, attendance_id


def _admit(shift: Shift, member: Member, signup_status: str | None, now) -> bool:
    """A confirmed sign-up, or a walk-in given a free place."""
    if signup_status == SignupStatus.CONFIRMED:
        return True
    if not shift.walk_ins:
        return False
    shifts = Shift.__table__
    claimed = (
        db.session.execute(
            sa.update(shifts)
            .where(shifts.c.id == shift.id, shifts.c.taken < shifts.c.capacity)
            .values(taken=shifts.c.taken + 1)
        ).rowcount
        == 1
    )
    if not claimed:
        return False
    db.session.expire(shift, ["taken"])
    signup = db.session.scalar(
        sa.select(Signup).where(Signup.shift_id == shift.id, Signup.member_id == member.id)
    )
    if signup is None:
        signup = Signup(shift_id=shift.id, member_id=member.id, queued_at=now)
        db.session.add(signup)
    signup.status, signup.confirmed_at, signup.is_walk_in = SignupStatus.CONFIRMED, now, True
    db.session.flush()
    return True


def _body(action, member, attendance) -> dict:
    return {
        "action": action,
        "member": {"id": member.id, "name": member.name},
        "attendance_id": attendance.id,
        "checked_in_at": attendance.checked_in_at.isoformat(),
        "checked_out_at": (
            attendance.checked_out_at.isoformat() if attendance.checked_out_at else None
        ),
        "credited_minutes": attendance.credited_minutes if action == "check_out" else None,
    }


def _attend(staff, shift, member, attendance, signup_status, at, now, flagged, override_reason):
    """Check in, check out or duplicate. Raises _Raced when another scan of the member
    wrote the attendance after it was read (nothing of this one is then kept)."""
    method = Method.OFFLINE_SCAN if now - at > timedelta(minutes=1) else Method.SCAN
    duplicate = timedelta(seconds=setting("SCAN_DUPLICATE_S"))
    if attendance is None:
        if not _admit(shift, member, signup_status, now):
            return _refuse(
                "not_signed_up",
                _("%(name)s is not signed up for this shift.", name=member.name),
                member,
            ), None
        attendance = _insert_attendance(
            member_id=member.id,
            shift_id=shift.id,
            checked_in_at=at,
            check_in_method=str(method),
            checked_in_by_id=staff.id,
            outside_geofence_override=flagged,
            override_reason=override_reason if flagged else None,
            created_at=now,
        )
        return ScanAnswer(201, _body("check_in", member, attendance)), attendance.id
    if flagged:
        attendance.outside_geofence_override = True
        attendance.override_reason = override_reason
    if not attendance.is_open or abs(at - attendance.checked_in_at) < duplicate:
        return ScanAnswer(201, _body("duplicate", member, attendance)), attendance.id
    if at > attendance.checked_in_at:
        if not close_attendance(attendance, at, method=method, by=staff, now=now):
            raise _Raced
        return ScanAnswer(201, _body("check_out", member, attendance)), attendance.id
    # An earlier scan arriving late (offline, out of order): it was the check-in, and the
    # scan recorded first was the check-out.
    checked_out = attendance.checked_in_at
    attendance.checked_in_at, attendance.check_in_method = at, method
    if not close_attendance(
        attendance, checked_out, method=attendance.check_in_method, by=staff, now=now
    ):
        raise _Raced
    return ScanAnswer(201, _body("check_in", member, attendance)), attendance.id


def _insert_attendance(**values) -> Attendance:
    """A new attendance in one plain INSERT, then taken into the session as a loaded object
    (on a check-in the ORM's unit of work would cost more than the statement). Raises
    _Raced when another scan of the member checked them in first (UNIQUE (member, shift))."""
    table = Attendance.__table__
    row = {c.key: None for c in table.columns if c.key != "id"}
    row.update(auto_closed=False, **values)
    stmt = _insert_or_nothing(dialect(), table, "member_id", "shift_id")
    row["id"] = db.session.connection().execute(stmt, row).scalar()
    if row["id"] is None:
        raise _Raced
    attendance = Attendance(**row)
    make_transient_to_detached(attendance)
    db.session.add(attendance)
    return attendance


@functools.cache
def _close_statement():
    """UPDATE of the attendance `open_id` while it is open; the values from the parameters."""
    table = Attendance.__table__
    return sa.update(table).where(
        table.c.id == sa.bindparam("open_id"), table.c.checked_out_at.is_(None)
    )


def close_attendance(
    attendance: Attendance, at: datetime, *, method, by=None, now, auto=False
) -> bool:
    """Close an open attendance at `at` and credit the ledger; False if it was closed
    already (a conditional UPDATE: two closers never both credit).

    The ledger's head is locked first, before the attendance's row: a scan closing one
    attendance and the auto-close job closing a whole shift's take their locks in the
    same order and never wait on each other in a circle."""
    chain.lock_head()
    shift = attendance.shift
    minutes = credited_minutes(
        shift.starts_at,
        shift.ends_at,
        attendance.checked_in_at,
        at,
        grace_before_min=setting("GRACE_BEFORE_MIN"),
        grace_after_min=setting("GRACE_AFTER_MIN"),
    )
    if not shift.counts_as_service:
        minutes = 0
    values = dict(
        checked_in_at=attendance.checked_in_at,
        check_in_method=str(attendance.check_in_method),
        checked_out_at=at,
        check_out_method=str(method),
        checked_out_by_id=by.id if by else None,
        credited_minutes=minutes,
        auto_closed=auto,
        review="pending" if auto else None,
    )
    matched = (
        db.session.execute(_close_statement(), {**values, "open_id": attendance.id}).rowcount == 1
    )
    if not matched:  # closed by someone else meanwhile: read what they wrote
        db.session.refresh(attendance)
        return False
    for key, value in values.items():  # what was just written, without reading it back
        set_committed_value(attendance, key, value)
    credit_service(attendance, actor=by, now=now, first=True)
    return True


def validate_manual(shift, checked_in_at, checked_out_at, reason, now=None):
    errors: list = []
    for field, value in (("checked_in_at", checked_in_at), ("checked_out_at", checked_out_at)):
        if not isinstance(value, datetime) or value.tzinfo is None:
            errors.append((field, _("Give a date and time.")))
    if not errors and checked_out_at <= checked_in_at:
        errors.append(("checked_out_at", _("The end must be after the start.")))
    if not errors and now is not None and checked_out_at > now + CLOCK_SKEW:
        errors.append(("checked_out_at", _("This time has not come yet.")))
    if not errors and not (
        shift.starts_at - SHIFT_MARGIN <= checked_in_at
        and checked_out_at <= shift.ends_at + SHIFT_MARGIN
    ):
        errors.append(("checked_in_at", _("These times are far from the shift's.")))
    if not (reason or "").strip():
        errors.append(("reason", _("Give a reason.")))
    if errors:
        raise ValidationFailed(errors)
