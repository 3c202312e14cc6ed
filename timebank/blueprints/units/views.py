"""The organisation tree: browse, edit, add and import units."""

import csv
import io

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...auth.models import Role
from ...auth.permissions import ensure_role, has_role
from ...core.csvio import read_csv
from ...core.errors import DomainError
from ...extensions import db
from ...units import queries, services
from ...units.models import LEVEL_ORDER, Level
from ..forms_util import apply_errors, submitted
from . import bp
from .forms import ImportForm, UnitForm


def _float(value):
    return float(value) if value is not None else None


@bp.route("/")
@login_required
def index():
    """Start at the top unit of the viewer's scope."""
    ensure_role(current_user, Role.ORGANISER)
    units = queries.list_units_in_scope(current_user, Role.ORGANISER)
    top = min(units, key=lambda u: len(u.path))
    return redirect(url_for("units.detail", unit_id=top.id))


@bp.route("/<int:unit_id>")
@login_required
def detail(unit_id: int):
    """A unit, its ancestors and its children, with counts below it."""
    unit = queries.get_unit(unit_id)
    ensure_role(current_user, Role.ORGANISER, unit)
    return render_template(
        "units/detail.html",
        unit=unit,
        ancestors=queries.ancestors(unit),
        children=unit.children,
        counts=queries.count_by_level(within=unit),
        child_counts=queries.child_counts(unit),
        can_edit=has_role(current_user, Role.ADMIN, unit),
        child_level=_child_level(unit),
    )


def _child_level(unit) -> Level | None:
    depth = Level(unit.level).depth
    return LEVEL_ORDER[depth + 1] if depth + 1 < len(LEVEL_ORDER) else None


@bp.route("/<int:unit_id>/edit", methods=["GET", "POST"])
@login_required
def edit(unit_id: int):
    """Edit a unit's code, names and centre (admins)."""
    unit = queries.get_unit(unit_id)
    ensure_role(current_user, Role.ADMIN, unit)
    form = UnitForm(obj=unit)
    refused = submitted(form)
    if refused is not None:
        try:
            services.update_unit(
                current_user,
                unit,
                code=form.code.data,
                name=form.name.data,
                name_en=form.name_en.data,
                lat=_float(form.lat.data),
                lon=_float(form.lon.data),
                refused=refused,
            )
        except DomainError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("units.detail", unit_id=unit.id))
    return render_template("units/edit.html", form=form, unit=unit, parent=unit.parent)


@bp.route("/<int:unit_id>/new", methods=["GET", "POST"])
@login_required
def new_child(unit_id: int):
    """Add a unit one level below this one (admins)."""
    parent = queries.get_unit(unit_id)
    ensure_role(current_user, Role.ADMIN, parent)
    level = _child_level(parent)
    if level is None:
        flash(_("Grids have no units below them."), "warning")
        return redirect(url_for("units.detail", unit_id=parent.id))
    form = UnitForm()
    refused = submitted(form)
    if refused is not None:
        try:
            unit = services.create_unit(
                current_user,
                code=form.code.data,
                name=form.name.data,
                level=level,
                parent_id=parent.id,
                name_en=form.name_en.data,
                lat=_float(form.lat.data),
                lon=_float(form.lon.data),
                refused=refused,
            )
        except DomainError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Unit added."), "success")
            return redirect(url_for("units.detail", unit_id=unit.id))
    return render_template("units/edit.html", form=form, unit=None, parent=parent, level=level)


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_csv():
    """Import units from a CSV file, all or nothing (admins)."""
    ensure_role(current_user, Role.ADMIN)
    form = ImportForm()
    errors = []
    if form.validate_on_submit():
        try:
            rows = read_csv(form.file.data.read(), ("code", "name", "level"))
            result = services.import_units(current_user, rows)
        except DomainError as exc:
            db.session.rollback()
            errors = getattr(exc, "errors", [(None, exc.message)])
        else:
            db.session.commit()
            flash(_("Imported: %(created)s new, %(updated)s updated.", **result), "success")
            return redirect(url_for("units.index"))
    return render_template(
        "units/import.html", form=form, errors=errors, columns=services.IMPORT_COLUMNS
    )


#: The template's example lines: a town under the district, a community under it.
TEMPLATE_ROWS = (
    ("NS-XX", "示例镇", "Example Town", "town", "NS", "22.80", "113.52"),
    ("NS-XX-C01", "示例社区", "Example Community", "community", "NS-XX", "22.81", "113.53"),
)


@bp.route("/import/template.csv")
@login_required
def import_template():
    """A CSV to fill in: the columns of the import and two example lines (UTF-8 with BOM,
    so Excel opens the Chinese names right)."""
    ensure_role(current_user, Role.ADMIN)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(services.IMPORT_COLUMNS)
    writer.writerows(TEMPLATE_ROWS)
    return Response(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=units_template.csv"},
    )
