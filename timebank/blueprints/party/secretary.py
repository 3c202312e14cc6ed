"""The secretary's party pages: the list of checks in scope, and one member's sheet with
the review (a reason per decision) and finalising. The rules are in party.sheets."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...auth.permissions import is_secretary
from ...core.clock import utcnow
from ...core.errors import DomainError, ValidationFailed
from ...extensions import db
from ...party import queries, sheets
from ...party.views import sheet_view
from ..forms_util import apply_errors, perform, submitted
from . import bp
from .forms import FinaliseForm, review_form


@bp.route("/checks")
@login_required
def checks_list():
    """The checks of the organisations the signed-in secretary covers (404 for others)."""
    if not is_secretary(current_user):
        abort(404)
    return render_template("party/checks.html", checks=queries.checks_in_scope(current_user))


def _reviewable(check_id, member_id):
    """The sheet, for a secretary in scope; 404 for anyone else (the member included)."""
    sheet = sheets.get_sheet(current_user, check_id, member_id)
    if not sheets.can_review(current_user, sheet):
        abort(404)
    return sheet


def _decisions(form, sheet) -> tuple[list[dict], list[str]]:
    """The decisions chosen on the form, and the item code of each (to put errors back)."""
    chosen, codes = [], []
    for item in sheet.items:
        value = form[f"d_{item.code}"].data
        if value in ("confirm", "drop"):
            reason = form[f"r_{item.code}"].data or None
            chosen.append({"code": item.code, "confirm": value == "confirm", "reason": reason})
            codes.append(item.code)
    return chosen, codes


def _put_back(form, exc: DomainError, codes: list[str]) -> None:
    """Service errors named `decisions.<n>.reason` go to the reason field of item n."""
    if not isinstance(exc, ValidationFailed):
        apply_errors(form, exc)
        return
    pairs = []
    for name, reason in exc.errors:
        parts = str(name).split(".")
        if len(parts) == 3 and parts[0] == "decisions" and parts[1].isdigit():
            name = f"r_{codes[int(parts[1])]}"
        pairs.append((name, reason))
    apply_errors(form, ValidationFailed(pairs))


def _render(sheet, form):
    return render_template(
        "party/review.html",
        sheet=sheet,
        view=sheet_view(sheet),
        form=form,
        finalise=FinaliseForm(),
        history=queries.review_history(sheet),
    )


@bp.route("/checks/<int:check_id>/members/<int:member_id>", methods=["GET", "POST"])
@login_required
def review_sheet(check_id, member_id):
    """A member's sheet for the secretary: indicators, self-assessment, the review."""
    sheet = _reviewable(check_id, member_id)
    form = review_form(sheet)
    if submitted(form) is not None:
        chosen, codes = _decisions(form, sheet)
        try:
            if form.errors:
                raise ValidationFailed([(n, r) for n, rs in form.errors.items() for r in rs])
            sheets.review(current_user, sheet, decisions=chosen, now=utcnow())
        except DomainError as exc:
            db.session.rollback()
            _put_back(form, exc, codes)
        else:
            db.session.commit()
            flash(_("The review is saved."), "success")
            return redirect(url_for("party.review_sheet", check_id=check_id, member_id=member_id))
    return _render(sheet, form)


@bp.route("/checks/<int:check_id>/members/<int:member_id>/finalise", methods=["POST"])
@login_required
def finalise_sheet(check_id, member_id):
    """Finalise the sheet: score, grade and the problem-reminder notice to the member."""
    sheet = _reviewable(check_id, member_id)
    if submitted(FinaliseForm()) is not None:
        perform(
            lambda: sheets.finalise(current_user, sheet, now=utcnow()),
            _("The sheet is final; the member has their notice."),
        )
    return redirect(url_for("party.review_sheet", check_id=check_id, member_id=member_id))
