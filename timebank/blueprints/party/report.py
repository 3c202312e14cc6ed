"""The annual check report (体检报告): a printable page and a Chinese PDF, for the member
and the secretaries in scope (404 for anyone else, and before the sheet is final)."""

from flask import Response, abort, render_template
from flask_login import current_user, login_required

from ...party import report, sheets
from . import bp


def _report(check_id, member_id):
    sheet = sheets.get_sheet(current_user, check_id, member_id)
    if not report.is_reportable(sheet):
        abort(404)
    return sheet, report.report_of(sheet)


@bp.route("/checks/<int:check_id>/members/<int:member_id>/report")
@login_required
def report_page(check_id, member_id):
    """The annual report as a printable page."""
    sheet, contents = _report(check_id, member_id)
    return render_template("party/report.html", sheet=sheet, report=contents)


@bp.route("/checks/<int:check_id>/members/<int:member_id>/report.pdf")
@login_required
def report_pdf(check_id, member_id):
    """The annual report as a PDF in Chinese."""
    sheet, contents = _report(check_id, member_id)
    name = f"report_{contents['year']}_{sheet.member_id}.pdf"
    return Response(
        report.report_pdf(contents),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
