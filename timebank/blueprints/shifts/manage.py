"""The coordinator side: publish, edit and cancel shifts, rosters, checkpoints."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from ...auth.models import Role
from ...auth.permissions import ensure_role
from ...checkin.queries import roster_rows
from ...core.clock import local, utcnow
from ...core.csvio import read_csv
from ...core.errors import DomainError
from ...core.i18n import unit_name
from ...extensions import db
from ...members.skills import SKILLS
from ...shifts import edits, queries, services
from ...shifts.validation import local_times
from ...units.queries import get_unit, list_units_in_scope
from ..forms_util import apply_errors, options, perform, submitted
from ..units.forms import ImportForm
from . import bp
from .forms import CancelShiftForm, CheckpointForm, EditShiftForm, ShiftForm
from .series import told_text


def _my_communities():
    return list_units_in_scope(current_user, Role.COORDINATOR, level="community")


def _checkpoint_choices(communities) -> list[SelectChoice]:
    choices = [SelectChoice("", _("No checkpoint"))]
    for unit in communities:
        choices += [
            SelectChoice(
                cp.id, cp.name, optgroup=unit_name(unit), render_kw={"data-community": unit.id}
            )
            for cp in queries.list_checkpoints(unit.id, active_only=True)
        ]
    return choices


@bp.route("/shifts/new", methods=["GET", "POST"])
@login_required
def new():
    """Publish a shift, or a series of shifts (every day or on chosen weekdays)."""
    ensure_role(current_user, Role.COORDINATOR)
    communities = _my_communities()
    form = ShiftForm()
    form.community_id.choices = options((u.id, unit_name(u)) for u in communities)
    form.checkpoint_id.choices = _checkpoint_choices(communities)
    form.skills.choices = options(SKILLS.items())
    refused = submitted(form)
    if refused is not None:
        try:
            shifts = _publish(form, refused)
        except DomainError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("%(n)s shift(s) published.", n=len(shifts)), "success")
            return redirect(url_for("shifts.detail", shift_id=shifts[0].id))
    return render_template("shifts/new.html", form=form)


def _publish(form, refused) -> list:
    common = dict(
        community_id=form.community_id.data,
        title=form.title.data,
        kind=form.kind.data,
        capacity=form.capacity.data,
        checkpoint_id=form.checkpoint_id.data,
        skills=form.skills.data,
        description=form.description.data,
        walk_ins=form.walk_ins.data,
        counts_as_service=form.counts_as_service.data,
        refused=refused,
    )
    day_and_times = (form.first_day.data, form.start_time.data, form.end_time.data)
    if form.days.data == 1 and not form.weekdays.data and None not in day_and_times:
        starts_at, ends_at = local_times(*day_and_times)
        try:
            return [
                services.create_shift(current_user, starts_at=starts_at, ends_at=ends_at, **common)
            ]
        except DomainError as exc:
            _rename(exc, {"starts_at": "start_time", "ends_at": "end_time"})
            raise
    return services.create_series(
        current_user,
        first_day=form.first_day.data,
        start_time=form.start_time.data,
        end_time=form.end_time.data,
        days=form.days.data,
        weekdays=form.weekdays.data,
        **common,
    )


def _rename(exc, mapping):
    """Show service errors about datetimes at the form's date/time fields."""
    if hasattr(exc, "errors"):
        exc.errors = [(mapping.get(f, f), r) for f, r in exc.errors]


@bp.route("/shifts/<int:shift_id>/edit", methods=["GET", "POST"])
@login_required
def edit(shift_id: int):
    """Edit a shift; members who signed up are told when the time changes."""
    shift = queries.get_shift(shift_id)
    ensure_role(current_user, Role.COORDINATOR, shift.community)
    start, end = local(shift.starts_at), local(shift.ends_at)
    form = EditShiftForm(
        obj=shift, data={"day": start.date(), "start_time": start.time(), "end_time": end.time()}
    )
    form.checkpoint_id.choices = _checkpoint_choices([shift.community])
    form.skills.choices = options(SKILLS.items())
    if form.validate_on_submit():
        try:
            _save(form, shift)
        except DomainError as exc:
            db.session.rollback()
            _rename(exc, {"starts_at": "start_time", "ends_at": "end_time"})
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("shifts.detail", shift_id=shift.id))
    return render_template(
        "shifts/edit.html",
        form=form,
        shift=shift,
        cancel_form=CancelShiftForm(),
        signed_up=_signed_up_count(shift),
    )


def _signed_up_count(shift) -> int:
    """Members confirmed or waitlisted on the shift: those a cancellation tells."""
    return shift.taken + queries.waitlist_counts([shift.id]).get(shift.id, 0)


def _save(form, shift) -> None:
    """Save the edit form. Whether hours count as service is passed only when the box was
    changed, so an unchanged box lets a corrected kind bring its own default."""
    starts_at, ends_at = local_times(form.day.data, form.start_time.data, form.end_time.data)
    counts = {}
    if form.counts_as_service.data != shift.counts_as_service:
        counts["counts_as_service"] = form.counts_as_service.data
    edits.update_shift(
        current_user,
        shift,
        title=form.title.data,
        kind=form.kind.data,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=form.capacity.data,
        description=form.description.data,
        skills=form.skills.data,
        walk_ins=form.walk_ins.data,
        checkpoint_id=form.checkpoint_id.data,
        **counts,
    )


@bp.route("/shifts/<int:shift_id>/cancel", methods=["POST"])
@login_required
def cancel(shift_id: int):
    """Cancel a shift with a reason."""
    shift = queries.get_shift(shift_id)
    ensure_role(current_user, Role.COORDINATOR, shift.community)
    form = CancelShiftForm()
    if not form.validate_on_submit():
        flash(_("Give a reason: the members are told."), "danger")
        return redirect(url_for("shifts.edit", shift_id=shift.id))
    signed_up = _signed_up_count(shift)
    perform(
        lambda: services.cancel_shift(current_user, shift, reason=form.reason.data),
        _("The shift is cancelled.") + " " + told_text(signed_up),
    )
    return redirect(url_for("shifts.detail", shift_id=shift.id))


@bp.route("/shifts/<int:shift_id>/roster")
@login_required
def roster(shift_id: int):
    """Who is on the shift, printable, with phone numbers (staff and coordinators)."""
    shift = queries.get_shift(shift_id)
    ensure_role(current_user, Role.STAFF, shift.community)
    return render_template(
        "shifts/roster.html",
        shift=shift,
        rows=roster_rows(shift, current_user),
        printed_at=utcnow(),
    )


@bp.route("/checkpoints/")
@login_required
def checkpoints():
    """Checkpoints of the coordinator's communities."""
    ensure_role(current_user, Role.COORDINATOR)
    communities = _my_communities()
    selected = request.args.get("community_id", type=int) or (
        current_user.community_id
        if any(u.id == current_user.community_id for u in communities)
        else communities[0].id
    )
    unit = get_unit(selected)
    ensure_role(current_user, Role.COORDINATOR, unit)
    return render_template(
        "shifts/checkpoints.html",
        unit=unit,
        communities=communities,
        checkpoints=queries.list_checkpoints(unit.id),
    )


@bp.route("/checkpoints/new", methods=["GET", "POST"])
@bp.route("/checkpoints/<int:checkpoint_id>/edit", methods=["GET", "POST"])
@login_required
def checkpoint_form(checkpoint_id: int | None = None):
    """Add or edit a checkpoint: position and geofence radius."""
    cp = queries.get_checkpoint(checkpoint_id) if checkpoint_id else None
    ensure_role(current_user, Role.COORDINATOR, cp.community if cp else None)
    form = CheckpointForm(obj=cp)
    form.community_id.choices = options((u.id, unit_name(u)) for u in _my_communities())
    if request.method == "GET" and cp is None:
        form.community_id.data = request.args.get("community_id", type=int)
    refused = submitted(form)
    if refused is not None:
        fields = dict(
            name=form.name.data,
            lat=_num(form.lat.data),
            lon=_num(form.lon.data),
            radius_m=form.radius_m.data,
            refused=refused,
        )
        try:
            if cp is None:
                cp = services.create_checkpoint(
                    current_user, community_id=form.community_id.data, **fields
                )
            else:
                services.update_checkpoint(
                    current_user, cp, is_active=form.is_active.data, **fields
                )
        except DomainError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Checkpoint saved."), "success")
            return redirect(url_for("shifts.checkpoints", community_id=cp.community_id))
    return render_template("shifts/checkpoint_form.html", form=form, checkpoint=cp)


def _num(value):
    return float(value) if value is not None else None


@bp.route("/checkpoints/import", methods=["GET", "POST"])
@login_required
def import_checkpoints():
    """Import checkpoints from CSV, all or nothing."""
    ensure_role(current_user, Role.COORDINATOR)
    form = ImportForm()
    errors = []
    if form.validate_on_submit():
        try:
            rows = read_csv(form.file.data.read(), ("community_code", "name", "lat", "lon"))
            created = services.import_checkpoints(current_user, rows)
        except DomainError as exc:
            db.session.rollback()
            errors = getattr(exc, "errors", [(None, exc.message)])
        else:
            db.session.commit()
            flash(_("%(n)s checkpoints imported.", n=created), "success")
            return redirect(url_for("shifts.checkpoints"))
    return render_template("shifts/checkpoint_import.html", form=form, errors=errors)
