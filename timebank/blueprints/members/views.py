"""Member pages: register, profile, the coordinator's lists, approvals and transfers."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from ...auth.models import Role
from ...auth.permissions import (
    can_manage_member,
    can_see_phone,
    ensure_can_edit_member,
    ensure_can_manage_member,
    ensure_can_view_member,
    ensure_role,
    has_role,
)
from ...core.clock import utcnow
from ...core.errors import DomainError
from ...core.i18n import current_locale, unit_name
from ...extensions import db
from ...members import queries, services
from ...members.models import STATUS_LABELS, MemberStatus
from ...members.skills import skill_label as label_of_skill
from ...mobilisation.queries import response_record
from ...party import memberships
from ...party import queries as party_queries
from ...party.services import get_org
from ...units.queries import community_choices, list_units, list_units_in_scope
from ..auth.session import sign_in
from ..forms_util import apply_errors, options, perform, submitted
from ..limits import count_refusal_of, register_limits
from . import bp
from .forms import (
    BranchForm,
    DecisionForm,
    EmptyForm,
    MemberFilterForm,
    ProfileForm,
    ReasonForm,
    RegisterForm,
    TransferForm,
)


def _community_select() -> list:
    """Communities grouped by town (optgroups), after an empty first choice."""
    return [SelectChoice("", _("Choose…"))] + [
        SelectChoice(uid, name, optgroup=town) for uid, name, town in community_choices()
    ]


def _branch_select() -> list:
    """Branches grouped by the organisation above them, after an empty first choice."""
    return [SelectChoice("", _("Choose…"))] + [
        SelectChoice(oid, name, optgroup=above or None)
        for oid, name, above in memberships.branch_choices()
    ]


def _name_branch(member, org_id) -> None:
    """The member names their branch (a pending request), when they chose one."""
    if org_id is not None:
        memberships.name_branch(member, get_org(org_id), now=utcnow())


def _float(value):
    return float(value) if value is not None else None


@bp.route("/register", methods=["GET", "POST"])
@register_limits
def register():
    """Register and report to a community."""
    form = RegisterForm()
    form.community_id.choices = _community_select()
    form.party_org_id.choices = _branch_select()
    refused = submitted(form)
    if refused is not None:
        try:
            member = services.register_member(
                name=form.name.data,
                phone=form.phone.data,
                password=form.password.data,
                community_id=form.community_id.data,
                is_party_member=form.is_party_member.data,
                skills=form.skills.data,
                home_lat=_float(form.home_lat.data),
                home_lon=_float(form.home_lon.data),
                workplace=form.workplace.data,
                email=form.email.data,
                locale=_current_lang(),
                refused=refused,
            )
            _name_branch(member, form.party_org_id.data)
        except DomainError as exc:
            db.session.rollback()
            count_refusal_of(exc)
            apply_errors(form, exc)
        else:
            db.session.commit()
            sign_in(member)
            flash(
                _("Registered. A coordinator of your community will approve you soon."), "success"
            )
            return redirect(url_for("main.index"))
    return render_template("members/register.html", form=form)


def _current_lang() -> str:
    return current_locale()


@bp.route("/members/me")
@login_required
def me():
    """The signed-in member's own profile."""
    return redirect(url_for("members.detail", member_id=current_user.id))


@bp.route("/members/<int:member_id>")
@login_required
def detail(member_id: int):
    """A member's profile: for the member and coordinators in scope."""
    member = queries.get_member(member_id)
    ensure_can_view_member(current_user, member)
    return render_template(
        "members/detail.html",
        member=member,
        show_phone=can_see_phone(current_user, member),
        can_manage=can_manage_member(current_user, member),
        is_self=member.id == current_user.id,
        transfers=queries.list_transfers_of(member),
        roles=member.roles,
        response_record=response_record(member.id),
        party_branch=party_queries.branches_of([member.id]).get(member.id),
        **_branch_panel(member),
        action_form=EmptyForm(),
        reason_form=ReasonForm(),
        reject_form=ReasonForm(prefix="reject"),
    )


def _branch_panel(member) -> dict:
    """The member's own branch panel: the pending request, the last refusal, the form."""
    if member.id != current_user.id or not member.is_party_member:
        return {"branch_form": None}
    history = memberships.history_of(member, limit=3)
    form = BranchForm()
    form.party_org_id.choices = _branch_select()
    return {
        "branch_form": form,
        "branch_pending": next((s for s in history if s.status == "pending"), None),
        "branch_refused": history[0] if history and history[0].status == "refused" else None,
    }


@bp.route("/members/me/branch", methods=["POST"])
@login_required
def name_branch():
    """The signed-in party member names their branch: pending until a secretary decides."""
    form = BranchForm()
    form.party_org_id.choices = _branch_select()
    if not form.validate_on_submit():
        abort(400)
    if form.party_org_id.data is None:
        flash(_("Choose your branch."), "danger")
    else:
        perform(
            lambda: _name_branch(current_user, form.party_org_id.data),
            _("Sent: the branch's secretary will confirm it."),
        )
    return redirect(url_for("members.detail", member_id=current_user.id))


@bp.route("/members/<int:member_id>/edit", methods=["GET", "POST"])
@login_required
def edit(member_id: int):
    """Edit a profile: name, skills, home location, grid."""
    member = queries.get_member(member_id)
    ensure_can_edit_member(current_user, member)
    form = ProfileForm(obj=member)
    form.grid_id.choices = options(
        [("", _("No grid"))]
        + [(u.id, unit_name(u)) for u in list_units(level="grid", parent_id=member.community_id)]
    )
    refused = submitted(form)
    if refused is not None:
        try:
            services.update_profile(
                current_user,
                member,
                name=form.name.data,
                is_party_member=form.is_party_member.data,
                skills=form.skills.data,
                home_lat=_float(form.home_lat.data),
                home_lon=_float(form.home_lon.data),
                workplace=form.workplace.data,
                grid_id=form.grid_id.data,
                email=form.email.data or "",
                refused=refused,
            )
        except DomainError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Profile saved."), "success")
            return redirect(url_for("members.detail", member_id=member.id))
    return render_template("members/edit.html", form=form, member=member)


@bp.route("/members/", endpoint="list")
@login_required
def list_members():
    """Members in the coordinator's scope, with search and filters."""
    ensure_role(current_user, Role.COORDINATOR)
    form = MemberFilterForm(request.args)
    form.status.choices = options([("", _("All"))] + list(STATUS_LABELS.items()))
    communities = list_units_in_scope(current_user, Role.COORDINATOR, level="community")
    form.community_id.choices = options(
        [("", _("All"))] + [(u.id, unit_name(u)) for u in communities]
    )
    page = request.args.get("page", 1, type=int)
    status = form.status.data if form.status.data in {s.value for s in MemberStatus} else None
    members, total = queries.list_members(
        current_user,
        status=status,
        community_id=form.community_id.data,
        search=form.q.data,
        page=page,
    )
    return render_template(
        "members/list.html", members=members, total=total, page=page, per_page=50, form=form
    )


@bp.route("/members/pending")
@login_required
def pending():
    """Members who reported in and wait for approval."""
    ensure_role(current_user, Role.COORDINATOR)
    members, total = queries.list_members(current_user, status=MemberStatus.PENDING, per_page=200)
    return render_template(
        "members/pending.html",
        members=members,
        total=total,
        action_form=EmptyForm(),
        reject_form=ReasonForm(prefix="reject"),
    )


@bp.route("/members/<int:member_id>/approve", methods=["POST"])
@login_required
def approve(member_id: int):
    """Approve a pending member."""
    member = queries.get_member(member_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    perform(
        lambda: services.approve_member(current_user, member),
        _("%(name)s is approved.", name=member.name),
    )
    return redirect(request.referrer or url_for("members.pending"))


@bp.route("/members/<int:member_id>/reject", methods=["POST"])
@login_required
def reject(member_id: int):
    """Turn a pending registration down, with the reason the applicant is told."""
    member = queries.get_member(member_id)
    ensure_can_manage_member(current_user, member)  # rights before fields
    form = ReasonForm(prefix="reject")
    if not form.validate_on_submit():
        flash(_("Give a reason to reject a registration."), "danger")
    else:
        perform(
            lambda: services.reject_member(current_user, member, reason=form.reason.data),
            _("%(name)s's registration is rejected.", name=member.name),
        )
    return redirect(request.referrer or url_for("members.pending"))


@bp.route("/members/<int:member_id>/suspend", methods=["POST"])
@login_required
def suspend(member_id: int):
    """Suspend a member, with a reason."""
    member = queries.get_member(member_id)
    ensure_can_manage_member(current_user, member)  # rights before fields
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Give a reason to suspend a member."), "danger")
    else:
        perform(
            lambda: services.suspend_member(current_user, member, reason=form.reason.data),
            _("%(name)s is suspended.", name=member.name),
        )
    return redirect(url_for("members.detail", member_id=member.id))


@bp.route("/members/<int:member_id>/reinstate", methods=["POST"])
@login_required
def reinstate(member_id: int):
    """Lift a suspension."""
    member = queries.get_member(member_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    perform(
        lambda: services.reinstate_member(current_user, member),
        _("%(name)s is reinstated.", name=member.name),
    )
    return redirect(url_for("members.detail", member_id=member.id))


@bp.route("/members/me/transfer", methods=["GET", "POST"])
@login_required
def transfer():
    """Ask to report to another community."""
    form = TransferForm()
    form.to_community_id.choices = _community_select()
    pending_transfer = queries.find_pending_transfer(current_user)
    if form.validate_on_submit():
        try:
            services.request_transfer(
                current_user, to_community_id=form.to_community_id.data, note=form.note.data
            )
        except DomainError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Your request was sent to the new community's coordinator."), "success")
            return redirect(url_for("members.me"))
    return render_template(
        "members/transfer.html", form=form, pending=pending_transfer, action_form=EmptyForm()
    )


@bp.route("/transfers/<int:transfer_id>/withdraw", methods=["POST"])
@login_required
def withdraw_transfer(transfer_id: int):
    """Withdraw one's own transfer request."""
    transfer_ = queries.get_transfer(transfer_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    perform(
        lambda: services.withdraw_transfer(current_user, transfer_),
        _("Your transfer request is withdrawn."),
    )
    return redirect(url_for("members.me"))


@bp.route("/transfers/")
@login_required
def transfers():
    """Transfer requests into the coordinator's communities."""
    ensure_role(current_user, Role.COORDINATOR)
    return render_template(
        "members/transfers.html",
        transfers=queries.list_pending_transfers(current_user),
        form=DecisionForm(),
    )


@bp.route("/transfers/<int:transfer_id>/decide", methods=["POST"])
@login_required
def decide_transfer(transfer_id: int):
    """Approve or reject a transfer request."""
    transfer_ = queries.get_transfer(transfer_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    perform(
        lambda: services.decide_transfer(
            current_user, transfer_, approve=bool(form.approve.data), reason=form.reason.data
        ),
        _("Decision saved."),
    )
    return redirect(url_for("members.transfers"))


@bp.app_template_global()
def can_coordinate(unit=None) -> bool:
    return has_role(current_user, Role.COORDINATOR, unit)


@bp.app_template_global()
def skill_label(tag: str) -> str:
    return label_of_skill(tag)
