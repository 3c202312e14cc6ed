"""Forgotten passwords: a code by SMS, or from a coordinator, then a new password."""

from flask import flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...auth import reset
from ...core.clock import utcnow
from ...core.errors import Conflict, DomainError
from ...core.security import MIN_PASSWORD_LENGTH
from ...extensions import db
from ...members.queries import get_member
from ..forms_util import apply_errors
from ..limits import count_refusal, reset_code_limits, reset_limits
from . import bp
from .forms import EmptyForm, ForgotForm, ResetForm


@bp.route("/password/forgot", methods=["GET", "POST"])
@reset_code_limits
def forgot():
    """Ask for a reset code by SMS (the same answer whatever the phone)."""
    form = ForgotForm()
    if form.validate_on_submit():
        reset.request_reset_code(form.phone.data, now=utcnow())
        db.session.commit()
        session["reset_phone"] = form.phone.data.strip()
        flash(
            _(
                "If this number is registered, a code is on its way by SMS. "
                "It is valid for 10 minutes."
            ),
            "info",
        )
        return redirect(url_for("auth.reset_password"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/password/reset", methods=["GET", "POST"])
@reset_limits
def reset_password():
    """Set a new password with a code from an SMS or a coordinator."""
    form = ResetForm()
    if request.method == "GET" and session.get("reset_phone"):
        form.phone.data = session["reset_phone"]
    if form.validate_on_submit():
        try:
            reset.reset_password(form.phone.data, form.code.data, form.password.data, now=utcnow())
        except reset.InvalidCode as exc:
            db.session.commit()  # the wrong try is counted
            count_refusal()
            apply_errors(form, exc)
        except DomainError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            session.pop("reset_phone", None)
            flash(_("Your new password is set. Sign in with it."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form, min_length=MIN_PASSWORD_LENGTH)


@bp.route("/members/<int:member_id>/reset-code", methods=["POST"])
@login_required
def issue_reset_code(member_id: int):
    """A coordinator gives a member a one-time reset code, shown on this page only."""
    member = get_member(member_id)
    back = redirect(url_for("members.detail", member_id=member.id))
    if not EmptyForm().validate_on_submit():
        return back
    try:
        code = reset.issue_reset_code(current_user, member, now=utcnow())
    except Conflict as exc:
        db.session.rollback()
        flash(str(exc.message), "danger")
        return back
    db.session.commit()
    response = make_response(
        render_template(
            "auth/reset_code_issued.html",
            member=member,
            code=code,
            hours=int(reset.CODE_TTL_COORDINATOR.total_seconds() // 3600),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response
