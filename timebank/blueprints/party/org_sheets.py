"""The organisations' own sheets (target `organisation`): the list of those the signed-in
secretary or organiser sees, and one sheet with the organisation's self-assessment (its
own secretary), the review and finalising (secretaries above it) and the acknowledgement.
The rules are party.sheets' (one state machine for members' and organisations' sheets)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...core.clock import utcnow
from ...core.errors import DomainError, ValidationFailed
from ...extensions import db
from ...party import queries, sheets
from ...party.coverage import page_number
from ...party.views import org_sheet_view
from ..forms_util import apply_errors, perform, submitted
from . import bp
from .forms import AcknowledgeForm, FinaliseForm, SelfAssessmentForm, review_form
from .secretary import _decisions, _put_back

PER_PAGE = 50


@bp.route("/organisations")
@login_required
def org_sheets():
    """The organisations' sheets in the actor's scope, with their status (404 for others)."""
    if not queries.may_list_org_sheets(current_user):
        abort(404)
    page = page_number(request.args.get("page"))
    rows, total = queries.org_sheet_rows(current_user, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    return render_template(
        "party/org_sheets.html", rows=rows, total=total, page=page, per_page=PER_PAGE
    )


def _sheet(sheet_id):
    sheet = sheets.sheet_by_id(current_user, sheet_id)
    if not sheet.is_org:
        abort(404)
    return sheet


def _forms(sheet):
    own = SelfAssessmentForm()
    own.items.choices = [(i.code, i.text) for i in sheet.items]
    return {
        "own": own,
        "review": review_form(sheet),
        "finalise": FinaliseForm(),
        "ack": AcknowledgeForm(),
    }


def _render(sheet, forms, status=200):
    view = org_sheet_view(sheet)
    own = forms["own"]
    if not own.is_submitted():
        own.items.data = [i.code for i in sheet.items if i.self_]
        own.note.data = sheet.note
    if not forms["ack"].is_submitted():
        forms["ack"].rectification.data = sheet.rectification
    return (
        render_template(
            "party/org_sheet.html",
            sheet=sheet,
            view=view,
            forms=forms,
            is_own=sheets.is_own(current_user, sheet),
            can_review=sheets.can_review(current_user, sheet),
            history=queries.review_history(sheet),
        ),
        status,
    )


def _attempt(form, action, message) -> bool:
    try:
        action()
    except DomainError as exc:
        db.session.rollback()
        apply_errors(form, exc)
        return False
    db.session.commit()
    flash(message, "success")
    return True


@bp.route("/org-sheets/<int:sheet_id>", methods=["GET", "POST"])
@login_required
def org_sheet(sheet_id):
    """An organisation's sheet; POST: its secretary's self-assessment."""
    sheet = _sheet(sheet_id)
    forms = _forms(sheet)
    own = forms["own"]
    if submitted(own) is not None and _attempt(
        own,
        lambda: sheets.self_assess(
            current_user, sheet, items=own.items.data, note=own.note.data or None, now=utcnow()
        ),
        _("The organisation's self-assessment is saved."),
    ):
        return redirect(url_for("party.org_sheet", sheet_id=sheet_id))
    return _render(sheet, forms)


@bp.route("/org-sheets/<int:sheet_id>/review", methods=["POST"])
@login_required
def org_sheet_review(sheet_id):
    """The review by a secretary above the organisation: a reason per decision."""
    sheet = _sheet(sheet_id)
    if not sheets.can_review(current_user, sheet):
        abort(404)
    forms = _forms(sheet)
    form = forms["review"]
    if submitted(form) is not None:
        chosen, codes = _decisions(form, sheet)
        try:
            if form.errors:
                raise ValidationFailed([(n, r) for n, rs in form.errors.items() for r in rs])
            sheets.review(current_user, sheet, decisions=chosen, now=utcnow())
        except DomainError as exc:
            db.session.rollback()
            _put_back(form, exc, codes)
            return _render(sheet, forms)
        db.session.commit()
        flash(_("The review is saved."), "success")
    return redirect(url_for("party.org_sheet", sheet_id=sheet_id))


@bp.route("/org-sheets/<int:sheet_id>/finalise", methods=["POST"])
@login_required
def org_sheet_finalise(sheet_id):
    """Finalise: score, grade and the notice to the organisation's secretaries."""
    sheet = _sheet(sheet_id)
    if not sheets.can_review(current_user, sheet):
        abort(404)
    if submitted(FinaliseForm()) is not None:
        perform(
            lambda: sheets.finalise(current_user, sheet, now=utcnow()),
            _("The sheet is final; the organisation's secretaries have their notice."),
        )
    return redirect(url_for("party.org_sheet", sheet_id=sheet_id))


@bp.route("/org-sheets/<int:sheet_id>/acknowledge", methods=["POST"])
@login_required
def org_sheet_acknowledge(sheet_id):
    """The organisation's secretary acknowledges the notice and records the rectification."""
    sheet = _sheet(sheet_id)
    forms = _forms(sheet)
    ack = forms["ack"]
    if submitted(ack) is not None and not _attempt(
        ack,
        lambda: sheets.acknowledge(
            current_user, sheet, rectification=ack.rectification.data or None, now=utcnow()
        ),
        _("Acknowledged."),
    ):
        return _render(sheet, forms)
    return redirect(url_for("party.org_sheet", sheet_id=sheet_id))
