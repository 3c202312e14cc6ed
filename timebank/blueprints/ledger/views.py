"""The member side of the time bank: my hours, and asking for a correction."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from ...core.clock import local, utcnow
from ...core.errors import Conflict, RuleViolation, ValidationFailed
from ...core.i18n import minutes_text
from ...core.settings import setting
from ...extensions import db
from ...ledger import corrections, queries
from ..forms_util import apply_errors, submitted
from ..members.forms import EmptyForm
from . import bp
from .forms import CorrectionForm, local_span

#: Refusals shown on the form; NotAllowed and NotFound go to the error pages.
REFUSED = (Conflict, RuleViolation, ValidationFailed)


@bp.route("/hours")
@login_required
def my_hours():
    """My balance, my history (newest first) and my correction requests."""
    return render_template(
        "ledger/my_hours.html",
        balance=queries.balance_minutes(current_user.id),
        rows=queries.list_history(current_user.id),
        corrections=queries.list_member_corrections(current_user.id),
        action_form=EmptyForm(),
        grace_before=setting("GRACE_BEFORE_MIN"),
        grace_after=setting("GRACE_AFTER_MIN"),
    )


@bp.route("/hours/corrections/new", methods=["GET", "POST"])
@login_required
def new_correction():
    """Report a missing or wrong record of one of my recent shifts."""
    now = utcnow()
    shifts = queries.list_correctable_shifts(current_user.id, now=now)
    form = CorrectionForm()
    form.shift_id.choices = [SelectChoice("", _("Choose…"))] + [
        SelectChoice(s.id, _shift_label(s)) for s in shifts
    ]
    if request.method == "GET":
        form.shift_id.data = request.args.get("shift_id", type=int)
    refused = submitted(form)
    if refused is not None:
        shift = next((s for s in shifts if s.id == form.shift_id.data), None)
        day = form.day.data or (local(shift.starts_at).date() if shift else None)
        claimed_in, claimed_out = local_span(day, form.claimed_in.data, form.claimed_out.data)
        try:
            corrections.request_correction(
                current_user,
                shift_id=form.shift_id.data,
                claimed_in=claimed_in,
                claimed_out=claimed_out,
                reason=form.reason.data,
                now=now,
                refused=refused,
            )
        except REFUSED as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(
                _("Your request was sent. You will be told the coordinator's decision."), "success"
            )
            return redirect(url_for("ledger.my_hours"))
    return render_template("ledger/correction_new.html", form=form, has_shifts=bool(shifts))


@bp.route("/hours/corrections/<int:correction_id>/withdraw", methods=["POST"])
@login_required
def withdraw_correction(correction_id: int):
    """Take back one of my open correction requests (it stays in my list as withdrawn)."""
    correction = queries.get_correction(correction_id)
    if EmptyForm().validate_on_submit():
        try:
            corrections.withdraw_correction(current_user, correction)
        except REFUSED as exc:
            db.session.rollback()
            flash(str(exc.message), "danger")
        else:
            db.session.commit()
            flash(_("Your request is withdrawn."), "success")
    return redirect(url_for("ledger.my_hours"))


def _shift_label(shift) -> str:
    return "{} · {}–{}".format(
        shift.title,
        format_datetime(shift.starts_at, "yyyy-MM-dd HH:mm"),
        format_datetime(shift.ends_at, "HH:mm"),
    )


@bp.app_template_filter("hours")
def hours_filter(minutes, signed: bool = False) -> str:
    """Integer minutes for people: "12 h 30 min" ("12 小时 30 分"); `signed` adds a "+"."""
    return minutes_text(minutes, signed)


@bp.app_template_global()
def ledger_balance(member) -> int:
    """A member's balance in minutes (for the profile page, whose view is not ours)."""
    return queries.balance_minutes(member.id)
