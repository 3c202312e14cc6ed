"""The audit log page and its CSV export (organisers and admins)."""

from flask import Response, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...audit import exports
from ...audit.describe import action_choices, describe
from ...audit.queries import AuditFilter, list_entries
from ...auth.models import Role
from ...auth.permissions import ensure_role
from ...extensions import db
from ...units.models import Level, Unit
from ...units.queries import list_units_in_scope
from . import bp
from .forms import AuditFilterForm

FILTER_KEYS = ("day_from", "day_to", "person", "unit_id", "action")


def _filter() -> tuple[AuditFilterForm, AuditFilter]:
    """The form from the query string and the filter it asks for (fields in error left out)."""
    form = AuditFilterForm(request.args)
    form.action.choices = [("", _("Everything"))] + action_choices()
    form.unit_id.choices = [("", _("All units in my scope"))] + [
        (u.id, u.display_name())
        for u in list_units_in_scope(current_user, Role.ORGANISER)
        if u.level != Level.GRID
    ]
    if request.args:
        form.validate()
    ok = {name: not form[name].errors for name in FILTER_KEYS}
    unit = db.session.get(Unit, form.unit_id.data) if ok["unit_id"] and form.unit_id.data else None
    wanted = AuditFilter(
        day_from=form.day_from.data if ok["day_from"] else None,
        day_to=form.day_to.data if ok["day_to"] else None,
        person=(form.person.data or "").strip() if ok["person"] else "",
        unit=unit,
        action=form.action.data or "",
    )
    return form, wanted


def _args(**extra) -> dict:
    args = {k: v for k, v in request.args.items() if k in FILTER_KEYS and v}
    return {**args, **extra}


@bp.route("/audit")
@login_required
def audit():
    """The audit log of the viewer's scope in words, newest first, 50 at a time."""
    ensure_role(current_user, Role.ORGANISER)
    form, wanted = _filter()
    before = request.args.get("before", type=int)
    entries, next_before = list_entries(current_user, wanted, before=before)
    return render_template(
        "admin/audit.html",
        rows=describe(entries),
        form=form,
        older_url=url_for("admin.audit", **_args(before=next_before)) if next_before else None,
        newest_url=url_for("admin.audit", **_args()) if before else None,
        csv_url=url_for("admin.audit_csv", **_args()),
    )


@bp.route("/audit.csv")
@login_required
def audit_csv():
    """Every entry the filters match, as CSV (UTF-8 with a BOM), streamed."""
    ensure_role(current_user, Role.ORGANISER)
    _form, wanted = _filter()
    chunks = exports.csv_chunks(current_user, wanted, system=_("system"))
    return Response(
        stream_with_context(chunks),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit_log.csv"'},
    )
