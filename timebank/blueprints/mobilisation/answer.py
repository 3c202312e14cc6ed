"""The member's side of call-outs: answer an invitation, see one's team, one's call-outs."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...core.clock import utcnow
from ...core.errors import Conflict, NotAllowed, ValidationFailed
from ...extensions import db, limiter
from ...mobilisation import queries, services, waves
from ..forms_util import error_text
from . import bp, presenters
from .forms import AnswerForm

#: Refusals that are good news rather than a failure.
GENTLE = {"callout_filled", "already_answered"}


@bp.route("/callouts/<int:callout_id>/answer", methods=["GET", "POST"])
@login_required
@limiter.limit("30 per minute", methods=["POST"])
def answer(callout_id: int):
    """An invited member's page: the call-out, the deadline, accept or decline, the team."""
    callout = queries.get_callout(callout_id)
    invitation = queries.find_invitation(callout.id, current_user.id)
    if invitation is None:
        raise NotAllowed()
    form = AnswerForm()
    if form.validate_on_submit():
        choice = "accept" if form.accept.data else "decline"
        now = utcnow()
        try:
            services.respond(current_user, callout, answer=choice, now=now)
        except (Conflict, ValidationFailed) as exc:
            db.session.rollback()
            flash(error_text(exc), "warning" if exc.code in GENTLE else "danger")
        else:
            db.session.commit()
            waves.top_up_declined(now=now)
            if choice == "accept":
                flash(_("Accepted. Thank you!"), "success")
            else:
                flash(_("Declined. Your answer is recorded."), "info")
        return redirect(url_for("mobilisation.answer", callout_id=callout.id))
    return render_template(
        "mobilisation/answer.html",
        callout=callout,
        invitation=invitation,
        team=_team_of(callout, invitation),
        form=form,
        now=utcnow(),
        statuses=presenters.INVITATION_STATUS,
    )


def _team_of(callout, invitation) -> list:
    """The member's team (invitations with members, the leader first), once formed."""
    if invitation.team_number is None:
        return []
    mates = [
        i for i in queries.list_invitations_of(callout) if i.team_number == invitation.team_number
    ]
    return sorted(mates, key=lambda i: not i.is_leader)


@bp.route("/callouts/mine")
@login_required
def mine():
    """The signed-in member's invitations, newest first."""
    return render_template(
        "mobilisation/mine.html",
        invitations=queries.list_invitations(current_user.id, limit=50),
        statuses=presenters.INVITATION_STATUS,
        now=utcnow(),
    )


@bp.app_template_filter("duration_s")
def duration_filter(seconds) -> str:
    """Seconds for people: "3 min 20 s"."""
    return presenters.duration_text(seconds)
