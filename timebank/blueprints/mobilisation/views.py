"""The organiser's side of call-outs: the list, the form, the live page and standing down."""

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from wtforms import SelectChoice

from ...auth.models import Role
from ...auth.permissions import ensure_role, has_role
from ...core.clock import utcnow
from ...core.errors import DomainError
from ...core.i18n import unit_name
from ...extensions import db
from ...mobilisation import queries, services
from ...mobilisation.validation import MAX_RESPONSE_S, default_callout_unit
from ...notifications.queries import failed_texts_about
from ...shifts.queries import list_checkpoints
from ...units.models import Level
from ...units.queries import list_units_in_scope
from ..forms_util import apply_errors, submitted
from . import bp, presenters
from .forms import CalloutForm, CloseForm, min_response_minutes

#: Levels a call-out can be raised for (grids are too small to call from).
CALLABLE_LEVELS = (Level.DISTRICT, Level.TOWN, Level.COMMUNITY)


@bp.route("/callouts")
@login_required
def index():
    """Call-outs of the units in scope, newest first."""
    ensure_role(current_user, Role.COORDINATOR)
    return render_template(
        "mobilisation/index.html",
        callouts=queries.list_callouts(current_user),
        statuses=presenters.CALLOUT_STATUS,
    )


@bp.route("/callouts/new", methods=["GET", "POST"])
@login_required
def new():
    """Raise a call-out; its first wave of invitations goes out at once."""
    ensure_role(current_user, Role.COORDINATOR)
    form = CalloutForm()
    _set_choices(form)
    refused = submitted(form)
    if refused is not None:
        try:
            callout = services.raise_callout(
                current_user, now=utcnow(), refused=refused, **form.service_fields()
            )
        except DomainError as exc:
            db.session.rollback()
            apply_errors(form, _for_form(exc, form.place.data))
        else:
            invited = services.callout_counts(callout)["invited"]
            db.session.commit()
            if invited:
                flash(
                    ngettext(
                        "Call-out raised: %(num)s member invited.",
                        "Call-out raised: %(num)s members invited.",
                        invited,
                    ),
                    "success",
                )
            else:
                flash(_("Call-out raised, but no member fits it: nobody was invited."), "danger")
            return redirect(url_for("mobilisation.detail", callout_id=callout.id))
    return render_template("mobilisation/new.html", form=form)


def _set_choices(form) -> None:
    units = list_units_in_scope(current_user, Role.COORDINATOR)
    top = min((u.path.count("/") for u in units), default=0)
    form.unit_id.choices = [
        SelectChoice(u.id, "\u3000" * (u.path.count("/") - top) + unit_name(u))
        for u in units
        if u.level in CALLABLE_LEVELS
    ]
    communities = [u for u in units if u.level == Level.COMMUNITY]
    form.community_id.choices = [SelectChoice("", _("Choose…"))] + [
        SelectChoice(u.id, unit_name(u)) for u in communities if u.lat is not None
    ]
    checkpoints = [SelectChoice("", _("Choose…"))]
    for unit in communities:
        checkpoints += [
            SelectChoice(cp.id, cp.name, optgroup=unit_name(unit))
            for cp in list_checkpoints(unit.id, active_only=True)
        ]
    form.checkpoint_id.choices = checkpoints
    if request.method == "GET":
        organised = default_callout_unit(current_user)
        if organised is not None and any(c.value == organised.id for c in form.unit_id.choices):
            form.unit_id.data = organised.id
        form.community_id.data = current_user.community_id
        form.place.data = "checkpoint" if len(checkpoints) > 1 else "community"


def _for_form(exc: DomainError, place: str) -> DomainError:
    """Service errors at this form's fields: the answer time is in minutes here, and a
    missing place belongs to the way the place was chosen."""
    if not hasattr(exc, "errors"):
        return exc
    place_field = {"checkpoint": "checkpoint_id", "community": "community_id"}.get(place)
    minutes = _(
        "Between %(low)s and %(high)s minutes.",
        low=min_response_minutes(),
        high=MAX_RESPONSE_S // 60,
    )
    renamed = []
    for field, reason in exc.errors:
        if field == "respond_within_s":
            field, reason = "respond_within_min", minutes
        elif field in ("lat", "lon") and place_field:
            field = place_field
        renamed.append((field, reason))
    exc.errors = renamed
    return exc


@bp.route("/callouts/<int:callout_id>")
@login_required
def detail(callout_id: int):
    """The organiser's live page: counts, time to fill, teams, invitations by wave."""
    callout = queries.get_callout(callout_id)
    if not has_role(current_user, Role.COORDINATOR, callout.unit):
        if queries.find_invitation(callout.id, current_user.id) is not None:
            return redirect(url_for("mobilisation.answer", callout_id=callout.id))
        abort(403)
    state = presenters.live_state(current_user, callout)
    return render_template(
        "mobilisation/detail.html",
        callout=callout,
        state=state,
        banner=presenters.banner(state),
        now=utcnow(),
        teams=presenters.teams(state),
        waves=presenters.waves(state["invitations"]),
        texts=presenters.live_texts(),
        can_close=has_role(current_user, Role.ORGANISER, callout.unit),
        not_reached=failed_texts_about("callout", callout.id),
    )


@bp.route("/callouts/<int:callout_id>.json")
@login_required
def detail_json(callout_id: int):
    """The live page's data, polled by callout-live.js."""
    callout = queries.get_callout(callout_id)
    ensure_role(current_user, Role.COORDINATOR, callout.unit)
    response = jsonify(presenters.live_state(current_user, callout))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/callouts/<int:callout_id>/close", methods=["GET", "POST"])
@login_required
def close(callout_id: int):
    """Stand a call-out down (organisers in scope): a reason, then everyone invited is told."""
    callout = queries.get_callout(callout_id)
    ensure_role(current_user, Role.ORGANISER, callout.unit)
    form = CloseForm()
    refused = submitted(form)
    if refused is not None:
        try:
            services.close(
                current_user, callout, reason=form.reason.data, now=utcnow(), refused=refused
            )
        except DomainError as exc:
            db.session.rollback()
            if exc.code == "callout_closed":
                flash(str(exc.message), "warning")
                return redirect(url_for("mobilisation.detail", callout_id=callout.id))
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("The call-out is stood down; everyone invited has been told why."), "success")
            return redirect(url_for("mobilisation.detail", callout_id=callout.id))
    if callout.status == "closed":
        return redirect(url_for("mobilisation.detail", callout_id=callout.id))
    return render_template(
        "mobilisation/close.html",
        callout=callout,
        form=form,
        counts=services.callout_counts(callout),
    )
