"""Roles and the audit log (organisers and admins)."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...auth import queries, services
from ...auth.models import ROLE_ORDER, Role
from ...auth.permissions import ensure_role, has_role
from ...core.errors import Conflict, ValidationFailed
from ...core.i18n import unit_name
from ...core.privacy import normalise_phone
from ...extensions import db
from ...members.queries import find_member_by_phone
from ...units.queries import list_units_in_scope
from ..forms_util import apply_errors, options, perform
from ..members.forms import EmptyForm
from . import bp
from .forms import GrantRoleForm


@bp.route("/roles", methods=["GET", "POST"])
@login_required
def roles():
    """Who holds which role where; grant a role."""
    ensure_role(current_user, Role.ORGANISER)
    form = GrantRoleForm()
    form.role.choices = options((r.value, r.label) for r in ROLE_ORDER if has_role(current_user, r))
    form.unit_id.choices = options(
        (u.id, f"{u.code} {unit_name(u)}")
        for u in list_units_in_scope(current_user, Role.ORGANISER)
        if u.level != "grid"
    )
    if form.validate_on_submit():
        try:
            _grant(form)
        except (Conflict, ValidationFailed) as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Role granted."), "success")
            return redirect(url_for("admin.roles"))
    return render_template(
        "admin/roles.html",
        form=form,
        assignments=queries.list_assignments(current_user),
        action_form=EmptyForm(),
    )


def _grant(form):
    phone, _err = normalise_phone(form.phone.data)
    member = find_member_by_phone(phone) if phone else None
    if member is None:
        raise ValidationFailed([("phone", _("No member with this number."))])
    from ...units.queries import get_unit

    services.grant_role(
        current_user, member=member, role=form.role.data, unit=get_unit(form.unit_id.data)
    )


@bp.route("/roles/<int:assignment_id>/revoke", methods=["POST"])
@login_required
def revoke_role(assignment_id: int):
    """Take a role away."""
    ra = queries.get_assignment(assignment_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    perform(lambda: services.revoke_role(current_user, ra), _("Role removed."))
    return redirect(url_for("admin.roles"))
