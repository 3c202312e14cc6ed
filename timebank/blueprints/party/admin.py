"""Admin pages of the party tree: the organisations and the CSV imports (SPEC 7)."""

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ...auth.models import Role
from ...auth.permissions import has_role
from ...core.clock import utcnow
from ...core.csvio import read_csv, template_text
from ...core.errors import DomainError
from ...extensions import db
from ...party import imports
from ...party.models import PartyOrg
from ...party.services import can_manage_tree
from ..units.forms import ImportForm
from . import bp

#: How people call the kinds and fields of party organisations.
LABELS = {
    "committee": _l("Party committee"),
    "general_branch": _l("General branch"),
    "branch": _l("Grass-roots branch"),
    "rural": _l("Rural"),
    "community": _l("Community"),
    "organ": _l("Government organ"),
    "soe": _l("State-owned enterprise"),
    "two_new": _l("New economic and social organisations"),
}

#: What each import reads, its template's example lines and who may run it.
IMPORTS = {
    "orgs": {
        "title": _l("Import the party tree"),
        "columns": imports.ORG_COLUMNS,
        "example": (
            ("NS-PC", "南沙区委", "committee", "organ", ""),
            ("NS-XX-GB", "示例镇党总支", "general_branch", "community", "NS-PC"),
            ("NS-XX-B01", "示例社区党支部", "branch", "community", "NS-XX-GB"),
        ),
        "run": imports.import_orgs,
        "allowed": can_manage_tree,
    },
    "members": {
        "title": _l("Import members' branches"),
        "columns": imports.BRANCH_COLUMNS,
        "example": (("13800000000", "NS-XX-B01"),),
        "run": imports.import_branches,
        "allowed": lambda actor: has_role(actor, Role.ADMIN),
    },
}


def _spec(kind):
    spec = IMPORTS.get(kind)
    if spec is None:
        abort(404)
    if not spec["allowed"](current_user):
        abort(403)
    return spec


@bp.route("/orgs")
@login_required
def orgs():
    """The party tree, in path order, with the imports (admins and district organisers)."""
    if not can_manage_tree(current_user):
        abort(403)
    rows = db.session.scalars(sa.select(PartyOrg).order_by(PartyOrg.path)).all()
    return render_template(
        "party/orgs.html", orgs=rows, labels=LABELS, is_admin=has_role(current_user, Role.ADMIN)
    )


@bp.route("/orgs/import/<kind>", methods=["GET", "POST"])
@login_required
def import_csv(kind):
    """Import the party tree or members' branches from CSV, all or nothing."""
    spec = _spec(kind)
    form = ImportForm()
    errors = []
    if form.validate_on_submit():
        try:
            rows = read_csv(form.file.data.read(), spec["columns"])
            result = spec["run"](current_user, rows, now=utcnow())
        except DomainError as exc:
            db.session.rollback()
            errors = getattr(exc, "errors", [(None, exc.message)])
        else:
            db.session.commit()
            flash(_("Imported %(n)s rows.", n=sum(result.values())), "success")
            return redirect(url_for("party.orgs"))
    return render_template("party/import.html", form=form, errors=errors, spec=spec, kind=kind)


@bp.route("/orgs/import/<kind>/template.csv")
@login_required
def import_template(kind):
    """A CSV to fill in: the import's columns and example lines."""
    spec = _spec(kind)
    return Response(
        template_text(spec["columns"], spec["example"]),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=party_{kind}_template.csv"},
    )
