"""The party pages: a member's sheet of a check, their self-assessment and the notice."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...core.clock import utcnow
from ...core.errors import DomainError
from ...extensions import db
from ...party import sheets
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
