"""Scanning members in and out: one path, the same on SQLite and PostgreSQL.

A scan is applied once per client-made `scan_id`, in four steps:

1. read: the scan's fields are checked for shape into a frozen `ScanInput`, and the QR
   token against the scan's time (timebank.checkin.scan_times);
2. load: the shift, its checkpoint, the member, their attendance and their sign-up's
   status, in one statement (timebank.checkin.statements);
3. decide and apply: `decide.refusal()` and `decide.action()` (pure) say what the scan
   does; `_apply` writes it under the attendance's own constraints. A check-in is an
   INSERT … ON CONFLICT (member, shift) DO NOTHING, a check-out the conditional UPDATE of
   timebank.checkin.closing, which credits the ledger only when it matched. When another
   scan of the member got there first (nothing matched), the transaction is rolled back
   and the scan loaded and decided again on what that one wrote (at most ATTEMPTS times);
4. store: the scan row with its answer, INSERT … ON CONFLICT (scan_id) DO NOTHING. When
   that scan_id was stored first by another request (a retry, twenty retries at once),
   this request's transaction is rolled back and the stored answer is replayed: the
   decision made here is undone, never applied twice.

The service returns a `ScanOutcome` (applied, replayed or refused, and the answer's body);
the edges map it to 201, 200 or 422.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

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
from ..members.models import Member, MemberStatus
from ..shifts.models import Shift, SignupStatus
from ..shifts.signups import confirm_walk_in
from . import decide, statements, tokens
from .closing import close_and_credit, closing_values
from .decide import Action, ScanFacts, ScanInput
from .geofence import audit_override, outside_geofence
from .models import Attendance, Method, Scan
from .scan_times import read_scan_time

log = logging.getLogger(__name__)

#: What a scanner may send besides the shift (record_scan's keyword arguments).
SCAN_FIELDS = frozenset(
    {"qr_payload", "scan_id", "scanned_at", "lat", "lon", "override_reason", "offline"}
    | {"offline_since"}
)
#: Times one scan is decided when other scans of the same member keep getting there first.
ATTEMPTS = 3


class Result(StrEnum):
    APPLIED = "applied"  # decided and written now (the API's 201)
    REPLAYED = "replayed"  # this scan_id was applied before: its first answer (200)
    REFUSED = "refused"  # a rule refused it (422); stored, replayed as refused


@dataclass(frozen=True)
class ScanOutcome:
    result: Result
    body: dict

    @property
    def ok(self) -> bool:
        return self.result != Result.REFUSED

    @property
    def code(self) -> str:
        """The action taken (check_in, check_out, duplicate) or the refusal's code."""
        return self.body.get("action") or self.body["error"]["code"]


@dataclass
class _Loaded:
    """What the one read found (ORM objects; all but the shift may be None)."""

    shift: Shift
    member: Member | None
    attendance: Attendance | None
    signup_status: str | None


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


def _read(staff, shift_id: int, fields: dict, now: datetime) -> ScanInput:
    """The scan's fields checked for shape (ValidationFailed listing every bad one) and
    its token checked at the scan's time, as one frozen value."""
    errors: list = []
    try:
        scan_id = str(uuid.UUID(str(fields.get("scan_id"))))
    except (TypeError, ValueError):
        errors.append(("scan_id", _("Must be a UUID made by the scanner.")))
    when = read_scan_time(
        fields.get("scanned_at"), fields.get("offline"), fields.get("offline_since"), now, errors
    )
    lat, lon = lat_lon(fields.get("lat"), fields.get("lon"), errors)
    check(errors)
    checked = tokens.check_token(
        fields.get("qr_payload"), secrets=qr_secrets(), rotate_s=setting("QR_ROTATE_S"), at=when.at
    )
    return ScanInput(
        scan_id=scan_id,
        shift_id=shift_id,
        staff_id=staff.id,
        member_id=checked.member_id,
        qr_error=checked.error,
        at=when.at,
        received_at=now,
        offline=when.offline,
        time_refused=when.refused,
        offline_since=when.offline_since,
        lat=lat,
        lon=lon,
        override_reason=(fields.get("override_reason") or "").strip()[:255],
    )


def record_scan(staff, shift_id: int, *, now: datetime | None = None, **fields) -> ScanOutcome:
    """Apply one scan of a member's QR code at shift `shift_id` by `staff` (staff in scope).

    `fields`: qr_payload, scan_id, and optionally scanned_at, lat, lon, override_reason,
    offline, offline_since. Answers check_in, check_out (with the minutes credited) or
    duplicate; or refuses with qr_invalid, qr_expired, scan_too_old, not_signed_up,
    outside_geofence, member_not_active, shift_cancelled or scan_outside_shift. A scan's
    time is read as SPEC 3.11 says: back-dated scans only as offline scans, up to 24 h
    old, checked against their scan time and flagged for review. An accepted geofence
    override is audited. Raises NotFound for an unknown shift, NotAllowed for staff out
    of its scope, Conflict when other scans of the member keep winning the race.

    Call it in a transaction of its own (a request): a scan_id applied before rolls the
    transaction back, undoing what this call decided, and answers what was stored then.
    """
    unknown = set(fields) - SCAN_FIELDS
    if unknown:
        raise TypeError(f"record_scan() got unexpected fields {sorted(unknown)}")
    now = now or utcnow()
    scan = _read(staff, shift_id, fields, now)
    for _attempt in range(ATTEMPTS):
        loaded = _load(scan)
        ensure_role(staff, Role.STAFF, loaded.shift.community)
        applied = _apply(staff, scan, loaded, now)
        if applied is not None:
            break
        db.session.rollback()  # another scan of the member wrote first: decide on that
    else:
        raise Conflict("scan_conflict", _("Other scans of this member keep arriving: retry."))
    outcome, member_id, attendance_id = applied
    if not _store(scan, outcome, member_id, attendance_id):
        db.session.rollback()  # this scan_id was applied by an earlier request: replay it
        return _replay(scan.scan_id)
    SCANS.labels(outcome.code).inc()
    log.info("scan %s at shift %s by %s: %s", scan.scan_id, shift_id, staff.id, outcome.code)
    return outcome


def _load(scan: ScanInput) -> _Loaded:
    """The shift with its checkpoint, the member, their attendance and sign-up status in
    one statement. NotFound without the shift."""
    row = db.session.execute(
        statements.load_statement(), {"shift_id": scan.shift_id, "member_id": scan.member_id}
    ).first()
    if row is None:
        raise NotFound("shift_not_found")
    shift, checkpoint, member, attendance, signup_status = row
    # the checkpoint read as an entity of its own (cheaper than a joined eager load)
    set_committed_value(shift, "checkpoint", checkpoint)
    return _Loaded(shift, member, attendance, signup_status)


def _facts(scan: ScanInput, loaded: _Loaded) -> ScanFacts:
    shift, member, attendance = loaded.shift, loaded.member, loaded.attendance
    return ScanFacts(
        shift_cancelled=shift.is_cancelled,
        shift_starts_at=shift.starts_at,
        shift_ends_at=shift.ends_at,
        member_active=None if member is None else member.status == MemberStatus.ACTIVE,
        outside_m=outside_geofence(shift, scan.lat, scan.lon),
        checked_in_at=attendance.checked_in_at if attendance is not None else None,
        attendance_open=attendance is not None and attendance.is_open,
    )


def _apply(staff, scan: ScanInput, loaded: _Loaded, now: datetime):
    """Decide the scan and write it: (outcome, member id, attendance id), or None when
    another scan of the member wrote first (nothing of this one is then kept)."""
    facts = _facts(scan, loaded)
    member = loaded.member
    code = decide.refusal(scan, facts, now)
    if code is not None:
        with_member = facts.member_active and code not in _BEFORE_MEMBER
        return _refused(code, scan, loaded, with_member), member.id if with_member else None, None
    act = decide.action(scan, facts, timedelta(seconds=setting("SCAN_DUPLICATE_S")))
    if act == Action.CHECK_IN:
        if not _admit(loaded.shift, member, loaded.signup_status, now):
            message = _("%(name)s is not signed up for this shift.", name=member.name)
            return _refusal("not_signed_up", message, member), member.id, None
        attendance = _check_in(staff, scan, loaded, facts, now)
        if attendance is None:
            return None
    else:
        attendance = loaded.attendance
        if not _write(act, staff, scan, attendance, facts, now):
            return None
    body = _body(str(act) if act != Action.EARLIER_CHECK_IN else "check_in", member, attendance)
    if facts.outside_m is not None:
        audit_override(
            staff, loaded.shift, attendance, scan.override_reason, facts.outside_m, now,
            scan_id=scan.scan_id, action=body["action"],
        )  # fmt: skip
    return ScanOutcome(Result.APPLIED, body), member.id, attendance.id


#: Refusals decided before the member is known to be active: the answer names nobody.
_BEFORE_MEMBER = {"scan_too_old", "qr_invalid", "qr_expired", "member_not_active"}


def _refused(code: str, scan: ScanInput, loaded: _Loaded, with_member: bool) -> ScanOutcome:
    member = loaded.member if with_member else None
    if code == "outside_geofence":
        cp = loaded.shift.checkpoint
        metres = outside_geofence(loaded.shift, scan.lat, scan.lon)
        message = _(
            "The scanner is %(m)s m from %(name)s (allowed: %(r)s m). Give a reason to override.",
            m=int(metres),
            name=cp.name,
            r=cp.radius_m,
        )
        return _refusal(code, message, member)
    if code == "qr_expired" and scan.time_refused:
        message = _(
            "This scan was made too long ago: only a scanner that was offline may send "
            "scans late. Scan the member's live code again."
        )
        return _refusal(code, message, member)
    return _refusal(code, _messages()[code], member)


def _messages() -> dict:
    return {
        "scan_too_old": _("Scans are accepted up to 24 hours late."),
        "qr_invalid": _("This is not a valid member code."),
        "qr_expired": _(
            "This code has expired: ask the member to show the live code on their phone."
        ),
        "member_not_active": _("This member is not active."),
        "shift_cancelled": _("This shift is cancelled."),
        "scan_outside_shift": _("This scan is far from the shift's time."),
    }


def _refusal(code: str, message: str, member: Member | None) -> ScanOutcome:
    body = {"error": {"code": code, "message": message}}
    if member is not None:
        body["member"] = {"id": member.id, "name": member.name}
    return ScanOutcome(Result.REFUSED, body)


def _admit(shift: Shift, member: Member, signup_status: str | None, now) -> bool:
    """A confirmed sign-up, or a walk-in given a free place (timebank.shifts.signups)."""
    if signup_status == SignupStatus.CONFIRMED:
        return True
    return confirm_walk_in(shift, member.id, now=now)


def _body(action: str, member: Member, attendance: Attendance) -> dict:
    """The answer of an applied scan."""
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


def _check_in(staff, scan: ScanInput, loaded: _Loaded, facts: ScanFacts, now):
    """A new attendance in one plain INSERT … ON CONFLICT DO NOTHING, then taken into the
    session as a loaded object (the ORM's unit of work would cost more than the
    statement); None when another scan of the member checked them in first."""
    flagged = facts.outside_m is not None
    table = Attendance.__table__
    values = {c.key: None for c in table.columns if c.key != "id"}
    values.update(
        member_id=loaded.member.id,
        shift_id=loaded.shift.id,
        checked_in_at=scan.at,
        check_in_method=str(_method(scan)),
        checked_in_by_id=staff.id,
        outside_geofence_override=flagged,
        override_reason=scan.override_reason if flagged else None,
        offline=scan.offline,
        auto_closed=False,
        created_at=now,
    )
    stmt = statements.insert_or_nothing(dialect(), table, "member_id", "shift_id")
    new_id = db.session.connection().execute(stmt, values).scalar()
    if new_id is None:
        return None
    attendance = Attendance(id=new_id, **values)
    make_transient_to_detached(attendance)
    db.session.add(attendance)
    return attendance


def _method(scan: ScanInput) -> Method:
    return Method.OFFLINE_SCAN if scan.offline else Method.SCAN


def _write(act: Action, staff, scan: ScanInput, attendance, facts: ScanFacts, now) -> bool:
    """A duplicate (only its override noted) or a close; False when the close lost."""
    flagged = facts.outside_m is not None
    if act == Action.DUPLICATE:
        if flagged:
            attendance.outside_geofence_override = True
            attendance.override_reason = scan.override_reason
        return True
    changes = {
        "outside_geofence_override": flagged or attendance.outside_geofence_override,
        "override_reason": scan.override_reason if flagged else attendance.override_reason,
        "offline": scan.offline or attendance.offline,
    }
    at = scan.at
    if act == Action.EARLIER_CHECK_IN:
        at = attendance.checked_in_at
        changes.update(checked_in_at=scan.at, check_in_method=str(_method(scan)))
    values = closing_values(attendance, at, method=_method(scan), by=staff, auto=False, **changes)
    return close_and_credit(attendance, values, by=staff, now=now)


def _store(scan: ScanInput, outcome: ScanOutcome, member_id, attendance_id) -> bool:
    """Insert the scan row with its answer; False when this scan_id is stored already."""
    values = {
        "scan_id": scan.scan_id,
        "shift_id": scan.shift_id,
        "staff_id": scan.staff_id,
        "scanned_at": scan.at,
        "received_at": scan.received_at,
        "lat": scan.lat,
        "lon": scan.lon,
        "offline_since": scan.offline_since,
        "outcome": outcome.code,
        "response": outcome.body,
        "member_id": member_id,
        "attendance_id": attendance_id,
    }
    stmt = statements.insert_or_nothing(dialect(), Scan.__table__, "scan_id")
    return db.session.connection().execute(stmt, values).scalar() is not None


def _replay(scan_id: str) -> ScanOutcome:
    """The answer stored with `scan_id`: refused again, or the success replayed."""
    scan = db.session.scalars(
        sa.select(Scan).where(Scan.scan_id == scan_id).execution_options(populate_existing=True)
    ).one()
    body = scan.response or {}
    return ScanOutcome(Result.REFUSED if "error" in body else Result.REPLAYED, body)
