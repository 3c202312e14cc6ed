"""The secretary's side of members' branches: the list of requests waiting in scope (on the
checks page for secretaries, on the organisations page for admins) and the decision; and
the organisation's comment on an annual sheet. The rules are in party.memberships and
party.comments."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...core.clock import utcnow
from ...party import comments, memberships, queries, sheets
from ..forms_util import perform
from . import bp
from .forms import BranchDecisionForm, CommentForm


@bp.app_template_global()
def branch_requests() -> list[tuple]:
    """Pending branch requests the signed-in member may decide, each with the member's
    confirmed branch now (None for a first branch); empty for anyone else."""
    if not memberships.can_decide(current_user):
        return []
    requests = memberships.requests_in_scope(current_user)
    now = queries.branches_of([r.member_id for r in requests])
    return [(r, now.get(r.member_id)) for r in requests]


@bp.app_template_global()
def branch_decision_form() -> BranchDecisionForm:
    return BranchDecisionForm()


@bp.app_template_global()
def sheet_comment_form(sheet) -> CommentForm:
    form = CommentForm()
    form.comment.data = sheet.org_comment
    return form


def _back():
    """Back to the page the decision was made on (the checks or the organisations page)."""
    target = request.form.get("next")
    if target not in ("party.checks_list", "party.orgs"):
        target = "party.checks_list"
    return redirect(url_for(target))


@bp.route("/memberships/<int:ship_id>/decide", methods=["POST"])
@login_required
def decide_branch(ship_id):
    """Confirm a member's branch request, or refuse it with a reason."""
    ship = memberships.get_request(ship_id)
    memberships.ensure_can_decide(current_user, ship.party_org)  # rights before fields
    form = BranchDecisionForm()
    if not form.validate_on_submit():
        abort(400)
    confirm = request.form.get("decision") == "confirm"
    name = ship.member.name
    perform(
        lambda: memberships.decide(
            current_user, ship, confirm=confirm, reason=form.reason.data or None, now=utcnow()
        ),
        _("%(name)s's branch is confirmed.", name=name)
        if confirm
        else _("%(name)s's request is refused.", name=name),
    )
    return _back()


@bp.route("/checks/<int:check_id>/members/<int:member_id>/comment", methods=["POST"])
@login_required
def comment_sheet(check_id, member_id):
    """The organisation's comment on an annual sheet (secretaries in scope; 404 otherwise)."""
    sheet = sheets.get_sheet(current_user, check_id, member_id)
    if not sheets.can_review(current_user, sheet):
        abort(404)
    form = CommentForm()
    if not form.validate_on_submit():
        flash(" ".join(e for es in form.errors.values() for e in es), "danger")
    else:
        perform(
            lambda: comments.write_comment(
                current_user, sheet, comment=form.comment.data, now=utcnow()
            ),
            _("The organisation's comment is saved."),
        )
    return redirect(url_for("party.review_sheet", check_id=check_id, member_id=member_id))
