"""Sign in, sign out, password change."""

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from ...auth import services
from ...core.errors import DomainError
from ...extensions import db
from ..forms_util import apply_errors
from ..limits import count_refusal, sign_in_limits
from . import bp
from .forms import LoginForm, PasswordForm
from .session import sign_in, sign_out


def _safe_next(target: str | None) -> str:
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
@sign_in_limits
def login():
    """Sign in with phone number and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        result = services.authenticate(form.phone.data, form.password.data)
        db.session.commit()
        if result.ok:
            sign_in(result.member, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        if result.counts_against_limits:
            count_refusal()
        form.password.errors.append(str(result.message))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out of this browser: its session ends on the server, other devices keep theirs."""
    sign_out()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/logout-everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    """Sign out of every browser and revoke remember-me cookies."""
    services.sign_out_everywhere(current_user)
    db.session.commit()
    logout_user()  # this session has just been ended with all the others
    flash(_("You are signed out on every device."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    """Change one's password; other sessions and API tokens stop working."""
    form = PasswordForm()
    if form.validate_on_submit():
        member = current_user._get_current_object()
        try:
            services.change_password(member, current=form.current.data, new=form.new.data)
        except DomainError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            sign_in(member)  # a fresh session here; every other one has ended
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("members.me"))
    return render_template(
        "auth/password.html", form=form, min_length=current_app.config.get("MIN_PASSWORD_LENGTH", 8)
    )
