"""The member's signed-in devices, each of which can be ended from here."""

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...auth.queries import list_live_sessions
from ...auth.sessions import end_own_session
from ...core.clock import utcnow
from ...extensions import db
from . import bp
from .forms import EmptyForm
from .session import max_idle


@bp.route("/account/sessions")
@login_required
def sessions():
    """The devices signed in to the member's account."""
    current = g.get("member_session")
    return render_template(
        "auth/sessions.html",
        sessions=list_live_sessions(current_user, now=utcnow(), max_idle=max_idle()),
        current_id=current.id if current is not None else None,
        form=EmptyForm(),
    )


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@login_required
def end_session(session_id: int):
    """End one of the member's sessions (signing that device out)."""
    if EmptyForm().validate_on_submit():
        end_own_session(current_user, session_id, now=utcnow())
        db.session.commit()
        flash(_("That device is signed out."), "success")
    return redirect(url_for("auth.sessions"))
