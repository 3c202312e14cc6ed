"""Downloads of service records for the national volunteer system and i志愿."""

from datetime import date

from flask import Response, abort, request, stream_with_context
from flask_login import current_user, login_required

from ...certificates import export
from ...extensions import limiter
from ...members.queries import get_member
from ...units.queries import get_unit
from . import bp

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _day(name: str) -> date:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        abort(400)


def _download(rows, fmt: str, stem: str) -> Response:
    if fmt == "csv":
        body, mimetype = export.csv_chunks(rows), "text/csv"
    else:
        body, mimetype = export.xlsx_chunks(rows), XLSX
    return Response(
        stream_with_context(body),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'},
    )


@bp.route("/records/members/<int:member_id>.<any(csv, xlsx):fmt>")
@login_required
@limiter.limit("20 per minute")
def member_records(member_id, fmt):
    """A member's service records (`from`, `to`): the member, or coordinators in scope."""
    member = get_member(member_id)
    rows = export.member_rows(current_user, member, _day("from"), _day("to"))
    return _download(rows, fmt, f"records-{member.id}")


@bp.route("/records/units/<int:unit_id>.<any(csv, xlsx):fmt>")
@login_required
@limiter.limit("20 per minute")
def unit_records(unit_id, fmt):
    """A unit's service records (`from`, `to`), every member below it (coordinators)."""
    unit = get_unit(unit_id)
    rows = export.unit_rows(current_user, unit, _day("from"), _day("to"))
    return _download(rows, fmt, f"records-{unit.code}")
