"""The learning coverage page (SPEC 7, rule 5): lecture points without a lecture this
month, the month's lectures with their attendance, members with no study this quarter.
The lists and who sees them are in party.coverage."""

from flask import abort, render_template, request
from flask_login import current_user, login_required

from ...core.clock import utcnow
from ...core.errors import ValidationFailed
from ...party import coverage
from ..forms_util import error_text
from . import bp


@bp.route("/coverage")
@login_required
def coverage_page():
    """Secretaries (their subtree), organisers and admins (their units); 404 for others.
    `?month=YYYY-MM` (this month by default); a bad month is a 400 page saying so."""
    if not coverage.may_view(current_user):
        abort(404)
    pages = {name: request.args.get(f"{name}_page") for name in ("points", "lectures", "members")}
    try:
        data = coverage.coverage_of(
            current_user, request.args.get("month"), pages=pages, now=utcnow()
        )
    except ValidationFailed as exc:
        return (
            render_template("party/coverage.html", error=error_text(exc), month=None),
            400,
        )
    return render_template("party/coverage.html", error=None, **data)
