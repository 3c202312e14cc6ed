"""Pages to change or cancel a series of shifts as a whole, or the rest of it from a date."""

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from ...auth.models import Role
from ...auth.permissions import ensure_role
from ...core.clock import local, utcnow
from ...core.errors import DomainError
from ...extensions import db
from ...shifts import series
from ..forms_util import apply_errors
from . import bp
from .forms import SeriesCancelForm, SeriesEditForm


def _coming(series_key: str) -> list:
    """The series' shifts still to come (rights checked first); all of them when none is."""
    shifts = series.series_shifts(series_key)
    ensure_role(current_user, Role.COORDINATOR, shifts[0].community)
    now = utcnow()
    return [s for s in shifts if not s.is_cancelled and s.starts_at > now]


def _from_day(coming: list) -> date | None:
    """The day the page starts from: ?from=YYYY-MM-DD, else the first shift still to come."""
    given = request.args.get("from")
    try:
        return date.fromisoformat(given) if given else local(coming[0].starts_at).date()
    except (ValueError, IndexError):
        return local(coming[0].starts_at).date() if coming else None


def _from(shifts: list, day: date | None) -> list:
    """The shifts of `day` (local) and after; none without a day."""
    return [s for s in shifts if day is not None and local(s.starts_at).date() >= day]


def told_text(told: int) -> str:
    """How many members were told, for a flash; says so when nobody was."""
    if not told:
        return _("Nobody was signed up, so nobody needed telling.")
    return ngettext("%(num)s member was told.", "%(num)s members were told.", told)


def _prefill(form: SeriesEditForm, first) -> None:
    starts, ends = local(first.starts_at), local(first.ends_at)
    form.title.data = first.title
    form.start_time.data = starts.time().replace(tzinfo=None)
    form.end_time.data = ends.time().replace(tzinfo=None)
    form.capacity.data = first.capacity
    form.description.data = first.description


def _changes(form: SeriesEditForm, first) -> dict:
    """Only what the coordinator changed on the form (against the first shift shown), so a
    shift edited on its own keeps the rest."""
    shown = SeriesEditForm(formdata=None)
    _prefill(shown, first)
    changes = {
        name: getattr(form, name).data
        for name in ("title", "capacity", "description", "start_time", "end_time")
        if getattr(form, name).data != getattr(shown, name).data
    }
    if "start_time" in changes or "end_time" in changes:  # both, so a night stays a night
        changes.update(start_time=form.start_time.data, end_time=form.end_time.data)
    return changes


@bp.route("/shifts/series/<string:series_key>/edit", methods=["GET", "POST"])
@login_required
def series_edit(series_key: str):
    """Change the shifts of a series still to come, from a chosen day."""
    coming = _coming(series_key)
    form = SeriesEditForm()
    if request.method == "GET" and coming:
        form.from_day.data = _from_day(coming)
    first = next(iter(_from(coming, form.from_day.data)), None)
    if request.method == "GET" and first is not None:
        _prefill(form, first)
    if form.validate_on_submit() and first is not None:
        try:
            result = series.update_series(
                current_user, series_key, from_day=form.from_day.data, **_changes(form, first)
            )
        except DomainError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            done = ngettext("%(num)s shift changed.", "%(num)s shifts changed.", len(result.shifts))
            flash(f"{done} {told_text(result.told)}", "success")
            return redirect(url_for("shifts.detail", shift_id=result.shifts[0].id))
    return render_template(
        "shifts/series_edit.html", form=form, coming=coming, first=first, key=series_key
    )


@bp.route("/shifts/series/<string:series_key>/cancel", methods=["GET", "POST"])
@login_required
def series_cancel(series_key: str):
    """Cancel the shifts of a series still to come from a chosen day, after a confirmation
    page that says how many shifts and members it touches."""
    coming = _coming(series_key)
    form = SeriesCancelForm()
    if request.method == "GET" and coming:
        form.from_day.data = _from_day(coming)
    chosen = _from(coming, form.from_day.data)
    if form.validate_on_submit():
        try:
            result = series.cancel_series(
                current_user, series_key, reason=form.reason.data, from_day=form.from_day.data
            )
        except DomainError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            done = ngettext(
                "%(num)s shift cancelled.", "%(num)s shifts cancelled.", len(result.shifts)
            )
            flash(f"{done} {told_text(result.told)}", "success")
            return redirect(url_for("shifts.detail", shift_id=result.shifts[0].id))
    signed_up = len(series.members_of(chosen)) if chosen else 0
    return render_template(
        "shifts/series_cancel.html",
        form=form,
        coming=coming,
        chosen=chosen,
        signed_up=signed_up,
        key=series_key,
    )
