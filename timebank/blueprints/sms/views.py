"""Coordinators' page of texts the app could not read, to resolve by hand (SPEC 9)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ...auth.models import Role
from ...auth.permissions import has_role
from ...core.clock import utcnow
from ...core.errors import DomainError
from ...extensions import db
from ...sms import queries, services
from . import bp
from .forms import ResolveForm


def _coordinators_only():
    if not has_role(current_user, Role.COORDINATOR):
        abort(403)


@bp.route("/sms/unclear")
@login_required
def unclear():
    """The unclear texts in the coordinator's scope, newest first (resolved: ?done=1)."""
    _coordinators_only()
    done = request.args.get("done") == "1"
    items = queries.list_unclear(current_user, resolved=done)
    return render_template("sms/unclear.html", items=items, done=done, form=ResolveForm())


@bp.route("/sms/unclear/<int:inbound_id>/resolve", methods=["POST"])
@login_required
def resolve(inbound_id: int):
    """Mark one unclear text dealt with."""
    _coordinators_only()
    inbound = queries.get_inbound(inbound_id)
    if inbound is None:
        abort(404)
    form = ResolveForm()
    if not form.validate_on_submit():
        flash(_l("The note is too long."), "danger")
        return redirect(url_for("sms.unclear"))
    try:
        services.resolve(current_user, inbound, note=form.note.data, now=utcnow())
    except DomainError as refused:
        db.session.rollback()
        if refused.status in (403, 404):
            abort(refused.status)
        flash(refused.message, "warning")
        return redirect(url_for("sms.unclear"))
    db.session.commit()
    flash(_l("Marked as dealt with."), "success")
    return redirect(url_for("sms.unclear"))
