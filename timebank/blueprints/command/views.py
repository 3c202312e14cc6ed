"""The command centre (指挥中心) of the district or a town: a page and the JSON it polls."""

from flask import jsonify, render_template, request
from flask_login import current_user, login_required

from ...core.clock import utcnow
from ...core.i18n import current_locale
from ...dispatch import command
from ...dispatch.models import Status
from ...dispatch.stats import default_by
from ...units.models import Level
from . import bp, presenters


def _scope():
    unit = command.command_unit(current_user, request.args.get("unit_id", type=int))
    period = command.period_of(request.args.get("days", type=int), utcnow())
    return unit, period


def _indent(unit) -> str:
    return "" if unit.level == Level.DISTRICT else "\u3000"


@bp.route("/command")
@login_required
def index():
    """Live counts, the overdue queue, figures per town and category, the map, coverage."""
    unit, period = _scope()
    locale, now = current_locale(), utcnow()
    units = command.command_units(current_user)
    return render_template(
        "command/index.html",
        unit=unit,
        period=period,
        periods=command.PERIODS,
        unit_choices=[(u.id, _indent(u) + u.display_name(locale)) for u in units],
        status_labels={str(s): s.label for s in Status},
        part_label=Level(default_by(unit)).label,
        now=now,
        state=presenters.live_state(unit, period, now=now, locale=locale),
        map=presenters.map_points(unit, locale),
        texts=presenters.texts(),
    )


@bp.route("/command/live.json")
@login_required
def live():
    """The page's live state, polled by command-live.js (reads counters and indexes only)."""
    unit, period = _scope()
    state = presenters.live_state(unit, period, now=utcnow(), locale=current_locale())
    response = jsonify(state)
    response.headers["Cache-Control"] = "no-store"
    return response
