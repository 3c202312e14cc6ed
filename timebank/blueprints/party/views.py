"""The party pages: a member's sheet of a check, their self-assessment and the notice."""

from flask import Response, abort, flash, redirect, render_template, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...auth.permissions import is_secretary
from ...core.clock import utcnow
from ...core.errors import DomainError
from ...extensions import db
from ...party import checks, exports, queries, sheets
from ...party.models import PartyOrg
from ...party.views import sheet_view
from ..forms_util import apply_errors, submitted
from . import bp
from .forms import AcknowledgeForm, SelfAssessmentForm


def _page(sheet, form, ack):
    if not form.is_submitted():
        form.items.data = [i.code for i in sheet.items if i.self_]
        form.note.data = sheet.note
    if not ack.is_submitted():
        ack.rectification.data = sheet.rectification
    return render_template(
        "party/my_sheet.html", sheet=sheet, view=sheet_view(sheet), form=form, ack=ack
    )


def _forms(sheet):
    form = SelfAssessmentForm()
    form.items.choices = [(i.code, i.text) for i in sheet.items]
    return form, AcknowledgeForm()


@bp.route("/checks/<int:check_id>/me", methods=["GET", "POST"])
@login_required
def my_sheet(check_id):
    """The member's own sheet: indicators, items and the self-assessment form."""
    sheet = sheets.get_sheet(current_user, check_id, current_user.id)
    form, ack = _forms(sheet)
    if submitted(form) is not None:
        try:
            sheets.self_assess(
                current_user,
                sheet,
                items=form.items.data,
                note=form.note.data or None,
                now=utcnow(),
            )
        except DomainError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Your self-assessment is saved."), "success")
            return redirect(url_for("party.my_sheet", check_id=check_id))
    return _page(sheet, form, ack)


@bp.route("/checks/<int:check_id>/me/acknowledge", methods=["POST"])
@login_required
def acknowledge(check_id):
    """The member acknowledges the problem-reminder notice and records what they rectified."""
    sheet = sheets.get_sheet(current_user, check_id, current_user.id)
    form, ack = _forms(sheet)
    if submitted(ack) is not None:
        try:
            sheets.acknowledge(
                current_user, sheet, rectification=ack.rectification.data or None, now=utcnow()
            )
        except DomainError as exc:
            db.session.rollback()
            apply_errors(ack, exc)
            return _page(sheet, form, ack)
        db.session.commit()
        flash(_("Acknowledged."), "success")
    return redirect(url_for("party.my_sheet", check_id=check_id))


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _secretary_check(check_id):
    """The check, for a secretary of its organisation (404 for anyone else: SPEC 7.3)."""
    found = checks.get_check(check_id)
    org = db.session.get(PartyOrg, found.party_org_id)
    if not is_secretary(current_user, org):
        abort(404)
    return found, org


@bp.route("/checks/<int:check_id>")
@login_required
def check_page(check_id):
    """The secretary's page of a check: the sheets, grades per branch, the trend, and each
    member's service in the community they reported to (SPEC 7.4)."""
    found, org = _secretary_check(check_id)
    return render_template(
        "party/check.html",
        check=found,
        org=org,
        sheets=queries.sheet_rows(found),
        branches=exports.grades_by_branch(found),
        trend=exports.trend(org),
    )


def _download(found, extension):
    name = f"check_{found.period}_{found.party_org_id}.{extension}"
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@bp.route("/checks/<int:check_id>/results.csv")
@login_required
def results_csv(check_id):
    found, _org = _secretary_check(check_id)
    return Response(
        stream_with_context(exports.csv_chunks(found)),
        mimetype="text/csv",
        headers=_download(found, "csv"),
    )


@bp.route("/checks/<int:check_id>/results.xlsx")
@login_required
def results_xlsx(check_id):
    found, _org = _secretary_check(check_id)
    return Response(exports.xlsx_bytes(found), mimetype=XLSX, headers=_download(found, "xlsx"))
