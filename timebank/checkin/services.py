"""Scanning members in and out, manual attendance, and the review of auto-closed ones.

A scan is applied once per client-made `scan_id`. The shift, the member, their attendance
and their sign-up are read in one statement; the decision (check-in, check-out or
duplicate) is then written under the attendance's own constraints, so two scans of one
member never both apply: a check-in is an INSERT … ON CONFLICT (member, shift) DO NOTHING,
a check-out a conditional UPDATE on the open attendance that credits the ledger only when
it matched. When another scan of the member got there first, the transaction is rolled
back and the scan decided again on what that one wrote. The scan row is stored with its
answer, under a UNIQUE constraint on `scan_id` (on PostgreSQL by the statement that
checks in or closes, otherwise last): when that id was stored first by another request
(a retry, twenty retries at once), this request's transaction is rolled back and the
stored answer is replayed: the decision made here is undone, never applied twice. The
statements themselves are in timebank.checkin.statements.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from ..auth.models import Role
from ..auth.permissions import ensure_role
from ..core.clock import utcnow
from ..core.db import dialect
from ..core.errors import Conflict, NotFound, check
from ..core.metrics import SCANS
from ..core.settings import setting
from ..core.validation import lat_lon
from ..extensions import db
from ..ledger import chain
from ..ledger.services import credit_service
from ..members.models import Member, MemberStatus
from ..shifts.models import Shift, SignupStatus
from ..shifts.signups import confirm_walk_in
from . import statements, tokens
from .credit import credited_minutes
from .geofence import audit_override, outside_geofence
from .models import Attendance, Method, Review, Scan
from .scan_times import ScanTime, read_scan_time

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


class _Applied(Exception):
    """This scan_id was stored by an earlier request (a retry): its answer is replayed."""


@dataclass
class _ScanRow:
    """The scan's own row, stored with its answer once the answer is known. On PostgreSQL
    the statement that applies a check-in or a check-out stores it too (one round trip
    less); otherwise, and for every other answer, `_store` inserts it on its own."""

    scan_id: str
    shift_id: int
    staff_id: int
    scanned_at: datetime
    received_at: datetime
    lat: float | None
    lon: float | None
    #: When the scanner said it lost the network (stored as sent with `offline: true`).
    offline_since: datetime | None = None
    #: An offline scan, accepted as one (not a column of the scan row).
    offline: bool = False
    stored: bool = False

    def values(self, answer: "ScanAnswer", member_id, attendance_id) -> dict:
        return {
            "scan_id": self.scan_id,
            "shift_id": self.shift_id,
            "staff_id": self.staff_id,
            "scanned_at": self.scanned_at,
            "received_at": self.received_at,
            "lat": self.lat,
            "lon": self.lon,
            "offline_since": self.offline_since,
            "outcome": _outcome(answer),
            "status_code": answer.status,
            "response": answer.body,
            "member_id": member_id,
            "attendance_id": attendance_id,
        }

    def riding(self, answer: "ScanAnswer", member_id) -> dict:
        """values() as the parameters of a statement it rides along with (prefixed; the
        attendance id is that statement's own)."""
        values = self.values(answer, member_id, None)
        del values["attendance_id"]
        return {f"sc_{k}": v for k, v in values.items()}


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


def _validate(scan_id, scanned_at, offline, offline_since, lat, lon, now):
    errors: list = []
    try:
        scan_id = str(uuid.UUID(str(scan_id)))
    except (TypeError, ValueError):
        errors.append(("scan_id", _("Must be a UUID made by the scanner.")))
    when = read_scan_time(scanned_at, offline, offline_since, now, errors)
    lat, lon = lat_lon(lat, lon, errors)
    check(errors)
    return scan_id, when, lat, lon


def _store(row: _ScanRow, answer: ScanAnswer, member_id, attendance_id) -> bool:
    """Insert the scan row with its answer; False when this scan_id is stored already."""
    stored = (
        db.session.connection()
        .execute(
            statements.insert_or_nothing(dialect(), Scan.__table__, "scan_id"),
            row.values(answer, member_id, attendance_id),
        )
        .scalar()
    )
    return stored is not None


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
    offline=False,
    offline_since=None,
    now: datetime | None = None,
) -> ScanAnswer:
    """Apply one scan of a member's QR code at shift `shift_id` by `staff` (staff in scope).

    Answers check_in, check_out (with the minutes credited) or duplicate; or refuses with
    qr_invalid, qr_expired, scan_too_old, not_signed_up, outside_geofence, member_not_active
    or shift_cancelled. A scan's time is read as SPEC 3.11 says (timebank.checkin.scan_times):
    back-dated scans only as offline scans, up to 24 h old, checked against their scan time
    and flagged for review. An accepted geofence override is audited.
    Raises NotFound for an unknown shift and NotAllowed for staff out of its scope.

    Call it in a transaction of its own (a request): a scan_id applied before rolls the
    transaction back, undoing what this call decided, and answers what was stored then.
    """
    now = now or utcnow()
    scan_id, when, lat, lon = _validate(scan_id, scanned_at, offline, offline_since, lat, lon, now)
    checked = tokens.check_token(
        qr_payload, secrets=qr_secrets(), rotate_s=setting("QR_ROTATE_S"), at=when.at
    )
    reason = (override_reason or "").strip()[:255]
    row = _ScanRow(
        scan_id, shift_id, staff.id, when.at, now, lat, lon, when.offline_since, when.offline
    )
    try:
        for _attempt in range(ATTEMPTS):
            shift, member, attendance, signup_status, new_id = _load(shift_id, checked.member_id)
            ensure_role(staff, Role.STAFF, shift.community)
            try:
                answer, member_id, attendance_id = _decide(
                    staff, shift, checked, member, attendance, signup_status,
                    when, lat, lon, reason, now, row, new_id,
                )  # fmt: skip
                break
            except _Raced:  # another scan of the member wrote first: decide on what it wrote
                db.session.rollback()
        else:
            raise Conflict("scan_conflict", _("Other scans of this member keep arriving: retry."))
        if not row.stored and not _store(row, answer, member_id, attendance_id):
            raise _Applied
    except _Applied:  # this scan_id was applied by an earlier request: undo, then replay
        db.session.rollback()
        return _replay(scan_id)
    SCANS.labels(_outcome(answer)).inc()
    log.info("scan %s at shift %s by %s: %s", scan_id, shift.id, staff.id, _outcome(answer))
    return answer


def _load(shift_id: int, member_id: int | None):
    """(shift with its checkpoint, member, their attendance at it, their sign-up's status,
    the id a new attendance would take on PostgreSQL) in one statement; all but the shift
    may be None. NotFound without the shift."""
    row = db.session.execute(
        statements.load_statement(dialect()), {"shift_id": shift_id, "member_id": member_id}
    ).first()
    if row is None:
        raise NotFound("shift_not_found")
    shift, checkpoint, member, attendance, signup_status, *drawn = row
    # the checkpoint read as an entity of its own (cheaper than a joined eager load)
    set_committed_value(shift, "checkpoint", checkpoint)
    return shift, member, attendance, signup_status, drawn[0] if drawn else None


def _refuse(code: str, message: str, member: Member | None = None) -> ScanAnswer:
    body = {"error": {"code": code, "message": message}}
    if member is not None:
        body["member"] = {"id": member.id, "name": member.name}
    return ScanAnswer(422, body)


def _decide(
    staff, shift, checked, member, attendance, signup_status, when: ScanTime, lat, lon,
    override_reason, now, row, new_id,
):  # fmt: skip
    if when.at < now - MAX_LATE:
        return _refuse("scan_too_old", _("Scans are accepted up to 24 hours late.")), None, None
    if checked.error == "qr_invalid":
        return _refuse("qr_invalid", _("This is not a valid member code.")), None, None
    if checked.error == "qr_expired" or when.refused:
        return _refuse("qr_expired", _expired_message(when)), None, None
    if member is None or member.status != MemberStatus.ACTIVE:
        return _refuse("member_not_active", _("This member is not active.")), None, None
    if shift.is_cancelled:
        return _refuse("shift_cancelled", _("This shift is cancelled."), member), member.id, None
    if not (shift.starts_at - SHIFT_MARGIN <= when.at <= shift.ends_at + SHIFT_MARGIN):
        return (
            _refuse("scan_outside_shift", _("This scan is far from the shift's time."), member),
            member.id,
            None,
        )
    metres = outside_geofence(shift, lat, lon)
    if metres is not None and not override_reason:
        cp = shift.checkpoint
        message = _(
            "The scanner is %(m)s m from %(name)s (allowed: %(r)s m). Give a reason to override.",
            m=int(metres),
            name=cp.name,
            r=cp.radius_m,
        )
        return _refuse("outside_geofence", message, member), member.id, None
    flagged = metres is not None
    answer, attended = _attend(
        staff, shift, member, attendance, signup_status, when.at, now, flagged,
        override_reason, row, new_id,
    )  # fmt: skip
    if flagged and answer.ok:
        audit_override(
            staff, shift, attended, override_reason, metres, now,
            scan_id=row.scan_id, action=answer.body["action"],
        )  # fmt: skip
    return answer, member.id, attended.id if attended is not None else None


def _expired_message(when: ScanTime) -> str:
    if when.refused:
        return _(
            "This scan was made too long ago: only a scanner that was offline may send "
            "scans late. Scan the member's live code again."
        )
    return _("This code has expired: ask the member to show the live code on their phone.")


def _admit(shift: Shift, member: Member, signup_status: str | None, now) -> bool:
    """A confirmed sign-up, or a walk-in given a free place (timebank.shifts.signups)."""
    if signup_status == SignupStatus.CONFIRMED:
        return True
    return confirm_walk_in(shift, member.id, now=now)


def _body(action, member, attendance, closing: dict | None = None) -> dict:
    """The answer of an applied scan; `closing`: the values a close is about to write."""
    closing = closing or {}
    checked_in_at = closing.get("checked_in_at", attendance.checked_in_at)
    checked_out_at = closing.get("checked_out_at", attendance.checked_out_at)
    minutes = closing.get("credited_minutes", attendance.credited_minutes)
    return {
        "action": action,
        "member": {"id": member.id, "name": member.name},
        "attendance_id": attendance.id,
        "checked_in_at": checked_in_at.isoformat(),
        "checked_out_at": checked_out_at.isoformat() if checked_out_at else None,
        "credited_minutes": minutes if action == "check_out" else None,
    }


def _attend(
    staff, shift, member, attendance, signup_status, at, now, flagged, override_reason, row,
    new_id,
):  # fmt: skip
    """Check in, check out or duplicate: the answer and the attendance (None when refused).
    Raises _Raced when another scan of the member wrote the attendance after it was read
    (nothing of this one is then kept), _Applied when the scan row, written along with a
    check-in or check-out, found its scan_id stored already."""
    method = Method.OFFLINE_SCAN if row.offline else Method.SCAN
    duplicate = timedelta(seconds=setting("SCAN_DUPLICATE_S"))
    if attendance is None:
        if not _admit(shift, member, signup_status, now):
            return _refuse(
                "not_signed_up",
                _("%(name)s is not signed up for this shift.", name=member.name),
                member,
            ), None
        answer, attendance = _check_in(
            member,
            row,
            new_id,
            member_id=member.id,
            shift_id=shift.id,
            checked_in_at=at,
            check_in_method=str(method),
            checked_in_by_id=staff.id,
            outside_geofence_override=flagged,
            override_reason=override_reason if flagged else None,
            offline=row.offline,
            created_at=now,
        )
        return answer, attendance
    if not attendance.is_open or abs(at - attendance.checked_in_at) < duplicate:
        if flagged:
            attendance.outside_geofence_override = True
            attendance.override_reason = override_reason
        return ScanAnswer(201, _body("duplicate", member, attendance)), attendance
    flags = {
        "outside_geofence_override": flagged or attendance.outside_geofence_override,
        "override_reason": override_reason if flagged else attendance.override_reason,
        "offline": row.offline or attendance.offline,
    }
    if at > attendance.checked_in_at:
        answer = _check_out(
            attendance, at, "check_out", member, row, method=method, by=staff, now=now, **flags
        )
        return answer, attendance
    # An earlier scan arriving late (offline, out of order): it was the check-in, and the
    # scan recorded first was the check-out.
    answer = _check_out(
        attendance, attendance.checked_in_at, "check_in", member, row, method=method,
        by=staff, now=now, checked_in_at=at, check_in_method=str(method), **flags,
    )  # fmt: skip
    return answer, attendance


def _check_in(member, row: _ScanRow, new_id, **values) -> tuple[ScanAnswer, Attendance]:
    """A new attendance in one plain INSERT, then taken into the session as a loaded object
    (on a check-in the ORM's unit of work would cost more than the statement). With an id
    drawn beforehand (PostgreSQL) the scan row is written by the same statement. Raises
    _Raced when another scan of the member checked them in first (UNIQUE (member, shift)),
    _Applied when the scan row's scan_id was stored already."""
    table = Attendance.__table__
    row_values = {c.key: None for c in table.columns if c.key != "id"}
    row_values.update(auto_closed=False, **values)
    alone = new_id is None
    if alone:
        stmt = statements.insert_or_nothing(dialect(), table, "member_id", "shift_id")
        new_id = db.session.connection().execute(stmt, row_values).scalar()
        if new_id is None:
            raise _Raced
    attendance = Attendance(id=new_id, **row_values)
    answer = ScanAnswer(201, _body("check_in", member, attendance))
    if not alone:
        params = {"at_id": new_id, **{f"at_{k}": v for k, v in row_values.items()}}
        inserted, stored = (
            db.session.connection()
            .execute(statements.check_in_and_store(), {**params, **row.riding(answer, member.id)})
            .one()
        )
        if inserted is None:
            raise _Raced
        if stored is None:
            raise _Applied
        row.stored = True
    make_transient_to_detached(attendance)
    db.session.add(attendance)
    return answer, attendance


def _check_out(attendance, at, action, member, row: _ScanRow, *, method, by, now, **changes):
    """Close the attendance for a scan (`changes`: other columns written with the close)
    and credit the ledger; the answer. On PostgreSQL the chain head is locked, the
    attendance closed and the scan row written by one statement. Raises _Raced when
    another closer got there first, _Applied when the scan_id was stored already."""
    values = _closing(attendance, at, method=method, by=by, auto=False, **changes)
    if dialect() == "postgresql":
        answer = ScanAnswer(201, _body(action, member, attendance, values))
        params = {
            "open_id": attendance.id,
            **{f"at_{k}": v for k, v in values.items()},
            **row.riding(answer, member.id),
        }
        result = db.session.execute(statements.close_and_store(), params).first()
        if result is not None:  # None: no chain head row yet (see chain.lock_head)
            last_id, last_hash, closed, stored = result
            if closed is None:  # closed by another scan meanwhile: decide on what it wrote
                db.session.refresh(attendance)
                raise _Raced
            if stored is None:
                raise _Applied
            row.stored = True
            chain.hold_head(last_id, last_hash)
            _credit(attendance, values, by, now)
            return answer
    chain.lock_head()
    if not _close(attendance, values):
        raise _Raced
    _credit(attendance, values, by, now)
    return ScanAnswer(201, _body(action, member, attendance))


def _closing(attendance: Attendance, at: datetime, *, method, by, auto, **changes) -> dict:
    """The values closing `attendance` at `at` writes; `changes` are written with them.
    Auto-closed attendances and those scanned offline (unless a coordinator entered the
    times) wait for a coordinator's review."""
    values = {
        "checked_in_at": attendance.checked_in_at,
        "check_in_method": str(attendance.check_in_method),
        "offline": attendance.offline,
        **changes,
    }
    shift = attendance.shift
    minutes = credited_minutes(
        shift.starts_at,
        shift.ends_at,
        values["checked_in_at"],
        at,
        grace_before_min=setting("GRACE_BEFORE_MIN"),
        grace_after_min=setting("GRACE_AFTER_MIN"),
    )
    if not shift.counts_as_service:
        minutes = 0
    values.update(
        checked_out_at=at,
        check_out_method=str(method),
        checked_out_by_id=by.id if by else None,
        credited_minutes=minutes,
        auto_closed=auto,
        review=Review.PENDING if auto or _reviewed_offline(values, method) else None,
    )
    return values


def _reviewed_offline(values: dict, method) -> bool:
    return values["offline"] and method != Method.COORDINATOR


def _close(attendance: Attendance, values: dict) -> bool:
    """The conditional UPDATE closing the attendance; False (and the attendance read again)
    when it was closed by someone else meanwhile."""
    matched = (
        db.session.execute(
            statements.close_statement(), {**values, "open_id": attendance.id}
        ).rowcount
        == 1
    )
    if not matched:
        db.session.refresh(attendance)
    return matched


def _credit(attendance: Attendance, values: dict, by, now) -> None:
    """After a close matched: what it wrote set on the object (not read back), and the
    service entry appended."""
    for key, value in values.items():
        set_committed_value(attendance, key, value)
    credit_service(attendance, actor=by, now=now, first=True)


def close_attendance(
    attendance: Attendance, at: datetime, *, method, by=None, now, auto=False
) -> bool:
    """Close an open attendance at `at` and credit the ledger; False if it was closed
    already (a conditional UPDATE: two closers never both credit).

    The ledger's head is locked first, before the attendance's row: a scan closing one
    attendance and the auto-close job closing a whole shift's take their locks in the
    same order and never wait on each other in a circle."""
    chain.lock_head()
    values = _closing(attendance, at, method=method, by=by, auto=auto)
    if not _close(attendance, values):
        return False
    _credit(attendance, values, by, now)
    return True
