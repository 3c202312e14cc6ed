"""Downloads of service records for the national volunteer system and i志愿."""

from datetime import date

from flask import Response, flash, redirect, request, stream_with_context, url_for
from flask_login import current_user, login_required

from ...certificates import export
from ...core.errors import ValidationFailed
from ...extensions import limiter
from ...members.queries import get_member
from ...units.queries import get_unit
from . import bp

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def download(rows, fmt: str, stem: str) -> Response:
    """Stream the rows as a CSV or an XLSX attachment."""
    if fmt == "csv":
        body, mimetype = export.csv_chunks(rows), "text/csv"
    else:
        body, mimetype = export.xlsx_chunks(rows), XLSX
    return Response(
        stream_with_context(body),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'},
    )


def _refused(exc: ValidationFailed, back: str):
    """Back to the page the form is on, with what was wrong with the dates."""
    for _field, reason in exc.errors:
        flash(str(reason), "danger")
    return redirect(back)


@bp.route("/records/members/<int:member_id>.<any(csv, xlsx):fmt>")
@login_required
@limiter.limit("20 per minute", scope="records-export-page")
def member_records(member_id, fmt):
    """A member's service records (`from`, `to`): the member, or coordinators in scope
    (404 for anyone else). Bad dates: back to "my certificates" with the reason."""
    member = get_member(member_id)
    export.ensure_can_export_member(current_user, member)
    try:
        rows = export.member_rows(current_user, member, _day("from"), _day("to"))
    except ValidationFailed as exc:
        back = "certificates.mine" if member.id == current_user.id else "certificates.register"
        return _refused(exc, url_for(back))
    return download(rows, fmt, f"records-{member.id}")


@bp.route("/records/units/<int:unit_id>.<any(csv, xlsx):fmt>")
@login_required
@limiter.limit("20 per minute", scope="records-export-page")
def unit_records(unit_id, fmt):
    """A unit's service records (`from`, `to`), every member below it (coordinators in
    scope; 403 for anyone else)."""
    unit = get_unit(unit_id)
    export.ensure_can_export_unit(current_user, unit)
    try:
        rows = export.unit_rows(current_user, unit, _day("from"), _day("to"))
    except ValidationFailed as exc:
        return _refused(exc, url_for("certificates.register"))
    return download(rows, fmt, f"records-{unit.code}")
