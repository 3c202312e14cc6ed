"""The coordinator side of the time bank: corrections, review of auto-closed attendances,
manual attendance, a member's ledger with adjustments and reversals; the organiser's check
of the hash chain."""

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ...auth.models import Role
from ...auth.permissions import ensure_role
from ...checkin import attendance as attendance_services
from ...checkin.queries import attendance_by_member, get_attendance, list_to_review
from ...core.clock import local, utcnow
from ...extensions import db
from ...ledger import chain, corrections, queries, services
from ...members.queries import get_member
from ...shifts.queries import get_shift
from ..forms_util import apply_errors, perform, submitted
from . import bp
from .forms import (
    AdjustmentForm,
    AttendanceForm,
    DecideCorrectionForm,
    ReverseForm,
    ReviewForm,
    local_span,
)
from .views import REFUSED, hours_filter

PROBLEMS = {
    "gap": _l("An entry is missing: the numbering has a gap."),
    "broken_link": _l("An entry does not point to the one before it."),
    "hash_mismatch": _l("An entry was changed after it was written."),
    "head_mismatch": _l("Entries at the end were removed: the chain head does not match."),
}


#: Queues show the oldest this many; an organiser's whole district can hold hundreds.
QUEUE_LIMIT = 100


@dataclass
class QueueRow:
    item: object
    form: object
    suggested: int = 0
    held: int = 0


# Correction requests


@bp.route("/corrections")
@login_required
def corrections_queue():
    """Open correction requests in my scope, oldest first."""
    ensure_role(current_user, Role.COORDINATOR)
    return _corrections_page()


@bp.route("/corrections/<int:correction_id>/decide", methods=["POST"])
@login_required
def decide_correction(correction_id: int):
    """Approve a correction (an adjustment of the given minutes) or reject it with a reason."""
    correction = queries.get_correction(correction_id)
    ensure_role(current_user, Role.COORDINATOR, correction.shift.community)
    form = DecideCorrectionForm()
    refused = submitted(form)
    if refused is not None:
        approve = not form.reject.data
        try:
            corrections.decide_correction(
                current_user,
                correction,
                approve=approve,
                minutes=form.minutes.data if approve else None,
                reason=None if approve else form.reason.data,
                refused=refused,
            )
        except REFUSED as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(
                _("Approved: the minutes are credited.") if approve else _("Rejected."), "success"
            )
            return redirect(url_for("ledger.corrections_queue"))
    return _corrections_page(correction_id, form)


def _corrections_page(bound_id=None, bound_form=None):
    items, rows = queries.list_open_corrections(current_user), []
    for c in items[:QUEUE_LIMIT]:
        suggested = corrections.suggested_minutes(c)
        form = bound_form if c.id == bound_id else None
        form = form or DecideCorrectionForm(formdata=None, data={"minutes": suggested})
        held = queries.credited_for_shift(c.member_id, c.shift_id)
        rows.append(QueueRow(c, form, suggested=suggested, held=held))
    return render_template(
        "ledger/corrections.html",
        rows=rows,
        total=len(items),
        decided=queries.list_decided_corrections(current_user),
    )


# Auto-closed attendances


@bp.route("/attendances/review")
@login_required
def review_queue():
    """Attendances closed automatically at the shift's end, for a coordinator to review."""
    ensure_role(current_user, Role.COORDINATOR)
    return _review_page()


@bp.route("/attendances/<int:attendance_id>/review", methods=["POST"])
@login_required
def review(attendance_id: int):
    """Confirm an auto-closed attendance, or reverse its credit with a reason."""
    attendance = get_attendance(attendance_id)
    ensure_role(current_user, Role.COORDINATOR, attendance.shift.community)
    form = ReviewForm()
    if form.validate_on_submit():
        confirm = bool(form.confirm.data)
        try:
            attendance_services.review_attendance(
                current_user, attendance, confirm=confirm, reason=form.reason.data
            )
        except REFUSED as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Confirmed.") if confirm else _("The credit is reversed."), "success")
            return redirect(url_for("ledger.review_queue"))
    return _review_page(attendance_id, form)


def _review_page(bound_id=None, bound_form=None):
    items = list_to_review(current_user)
    rows = [
        QueueRow(a, bound_form if a.id == bound_id else ReviewForm(formdata=None))
        for a in items[:QUEUE_LIMIT]
    ]
    return render_template("ledger/review.html", rows=rows, total=len(items))


# Manual attendance


@bp.route("/shifts/<int:shift_id>/attendance/new", methods=["GET", "POST"])
@login_required
def enter_attendance(shift_id: int):
    """Enter a member's attendance by hand, with times and a reason, and credit it."""
    shift = get_shift(shift_id)
    ensure_role(current_user, Role.COORDINATOR, shift.community)
    member = get_member(request.args.get("member_id", type=int) or abort(404))
    existing = attendance_by_member(shift.id).get(member.id)
    start = local(existing.checked_in_at if existing else shift.starts_at)
    form = AttendanceForm(
        data={
            "day": start.date(),
            "checked_in": start.time(),
            "checked_out": local(shift.ends_at).time(),
        }
    )
    if form.validate_on_submit():
        checked_in_at, checked_out_at = local_span(
            form.day.data, form.checked_in.data, form.checked_out.data
        )
        try:
            attendance = attendance_services.enter_attendance(
                current_user,
                shift,
                member,
                checked_in_at=checked_in_at,
                checked_out_at=checked_out_at,
                reason=form.reason.data,
            )
        except REFUSED as exc:
            db.session.rollback()
            _rename(exc, {"checked_in_at": "checked_in", "checked_out_at": "checked_out"})
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(
                _(
                    "Attendance of %(name)s recorded: %(credit)s credited.",
                    name=member.name,
                    credit=hours_filter(attendance.credited_minutes),
                ),
                "success",
            )
            return redirect(url_for("shifts.roster", shift_id=shift.id))
    return render_template(
        "ledger/attendance_new.html", form=form, shift=shift, member=member, existing=existing
    )


def _rename(exc, mapping):
    """Show service errors about datetimes at the form's time fields."""
    if hasattr(exc, "errors"):
        exc.errors = [(mapping.get(f, f), r) for f, r in exc.errors]


# A member's ledger


@bp.route("/members/<int:member_id>/hours")
@login_required
def member_hours(member_id: int):
    """A member's balance and history, with adjustments and reversals (coordinators)."""
    member = get_member(member_id)
    ensure_role(current_user, Role.COORDINATOR, member.community)
    return _member_page(member, AdjustmentForm(formdata=None))


@bp.route("/members/<int:member_id>/hours/adjust", methods=["POST"])
@login_required
def adjust(member_id: int):
    """Adjust a member's balance by whole minutes, with a reason. Audited."""
    member = get_member(member_id)
    ensure_role(current_user, Role.COORDINATOR, member.community)
    form = AdjustmentForm()
    refused = submitted(form)
    if refused is not None:
        try:
            services.adjust(
                current_user,
                member,
                minutes=form.minutes.data,
                reason=form.reason.data,
                refused=refused,
            )
        except REFUSED as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("The balance is adjusted."), "success")
            return redirect(url_for("ledger.member_hours", member_id=member.id))
    return _member_page(member, form)


def _member_page(member, adjust_form):
    return render_template(
        "ledger/member_hours.html",
        member=member,
        balance=queries.balance_minutes(member.id),
        rows=queries.list_history(member.id),
        corrections=queries.list_member_corrections(member.id),
        adjust_form=adjust_form,
        reverse_form=ReverseForm(formdata=None),
    )


@bp.route("/ledger/entries/<int:entry_id>/reverse", methods=["POST"])
@login_required
def reverse(entry_id: int):
    """Reverse one entry with a reason (a new, opposite entry). Audited."""
    entry = services.get_entry(entry_id)
    ensure_role(current_user, Role.COORDINATOR, entry.member.community)
    form = ReverseForm()
    if form.validate_on_submit():
        perform(
            lambda: services.reverse(current_user, entry, reason=form.reason.data),
            _("Entry #%(id)s is reversed.", id=entry.id),
        )
    else:
        flash(_("Give a reason to reverse an entry."), "danger")
    return redirect(url_for("ledger.member_hours", member_id=entry.member_id))


# The organiser's check


@bp.route("/ledger/verify")
@login_required
def verify():
    """Recompute the hash chain; show the head hash to write down elsewhere, and the hash
    of an earlier entry to compare with one written down before."""
    ensure_role(current_user, Role.ORGANISER)
    lookup = request.args.get("entry", type=int)
    return render_template(
        "ledger/verify.html",
        result=chain.verify(),
        checked_at=utcnow(),
        problems=PROBLEMS,
        lookup=lookup,
        looked_up=queries.find_entry(lookup) if lookup else None,
    )
