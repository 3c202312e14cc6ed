"""Admin pages of the platform's catalogue: departments and their handlers, event
categories, and the CSV import of grid workers. The services check every right."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from ...auth.models import Role
from ...auth.permissions import ensure_role
from ...core.clock import utcnow
from ...core.csvio import read_csv
from ...core.errors import Conflict, DomainError, RuleViolation, ValidationFailed
from ...core.i18n import current_locale
from ...dispatch import catalogue, imports, queries, worklists
from ...extensions import db
from ...members.queries import find_member_by_phone
from ..forms_util import apply_errors, submitted
from . import bp
from .forms import CategoryForm, DepartmentForm, GridworkerImportForm, HandlerForm

#: A member id that no member has: an unknown phone is then refused by the service.
NOBODY = 2**31 - 1


def _run(form, call, done: str):
    """Validate, call the service, commit or show every refusal; True when done."""
    refused = submitted(form)
    if refused is None:
        return False
    try:
        call()
        if refused:
            raise ValidationFailed(refused)
    except (Conflict, RuleViolation, ValidationFailed) as exc:
        db.session.rollback()
        apply_errors(form, exc)
        return False
    db.session.commit()
    flash(done, "success")
    return True


@bp.route("/dispatch-admin/departments", methods=["GET", "POST"])
@login_required
def departments():
    """Departments, their handlers, and a form to add a department (admins)."""
    ensure_role(current_user, Role.ORGANISER)
    form = DepartmentForm(prefix="dep")
    if _run(
        form,
        lambda: catalogue.create_department(current_user, **form.service_fields(), now=utcnow()),
        _("Department added."),
    ):
        return redirect(url_for("dispatch.departments"))
    return _departments_page(form, HandlerForm(prefix="h", formdata=None), None)


def _departments_page(form, handler_form, handler_code, status=200):
    listed = worklists.departments()
    return (
        render_template(
            "dispatch/admin_departments.html",
            form=form,
            handler_form=handler_form,
            handler_code=handler_code,
            departments=listed,
            handlers={d.id: queries.handlers_of(d.id) for d in listed},
        ),
        status,
    )


@bp.route("/dispatch-admin/departments/<code>/handlers", methods=["POST"])
@login_required
def add_handler(code: str):
    """Make a member (by phone) a handler of a department (admins, district organisers)."""
    ensure_role(current_user, Role.ORGANISER)
    department = queries.get_department(code)
    form = HandlerForm(prefix="h")

    def call():
        member = find_member_by_phone((form.phone.data or "").strip())
        catalogue.add_handler(
            current_user, department, member_id=member.id if member else NOBODY, now=utcnow()
        )

    if _run(form, call, _("Handler added.")):
        return redirect(url_for("dispatch.departments"))
    return _departments_page(DepartmentForm(prefix="dep", formdata=None), form, code, 422)


@bp.route("/dispatch-admin/categories", methods=["GET", "POST"])
@login_required
def categories():
    """Event categories with their limits, and a form to add one (admins)."""
    ensure_role(current_user, Role.ORGANISER)
    form = CategoryForm()
    locale = current_locale()
    form.department_code.choices = [SelectChoice("", _("None"))] + [
        SelectChoice(d.code, d.display_name(locale)) for d in worklists.departments()
    ]
    if _run(
        form,
        lambda: catalogue.create_category(current_user, **form.service_fields(), now=utcnow()),
        _("Category added."),
    ):
        return redirect(url_for("dispatch.categories"))
    return render_template(
        "dispatch/admin_categories.html", form=form, categories=queries.list_categories()
    )


@bp.route("/dispatch-admin/gridworkers/import", methods=["GET", "POST"])
@login_required
def import_gridworkers():
    """Appoint grid workers from a CSV file, all or nothing (coordinators, in scope)."""
    ensure_role(current_user, Role.COORDINATOR)
    form = GridworkerImportForm()
    errors: list = []
    if form.validate_on_submit():
        try:
            rows = read_csv(form.file.data.read(), imports.REQUIRED)
            count = imports.import_gridworkers(current_user, rows, now=utcnow())
        except DomainError as exc:
            db.session.rollback()
            errors = getattr(exc, "errors", [(None, exc.message)])
        else:
            db.session.commit()
            flash(_("%(n)s grid workers appointed.", n=count), "success")
            return redirect(url_for("dispatch.import_gridworkers"))
    status = 422 if errors else 200
    page = render_template(
        "dispatch/admin_import.html", form=form, errors=errors, columns=imports.COLUMNS
    )
    return page, status
