"""The organiser's dashboard: figures of one unit in their scope, each linking to its list."""

from flask import current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...auth.models import Role
from ...auth.permissions import ensure_role
from ...core.clock import utcnow
from ...core.i18n import unit_name
from ...rankings.dashboard import dashboard_units, default_dashboard_unit, figures
from ...units.models import Level
from ...units.queries import get_unit
from . import bp


@bp.route("/dashboard")
@login_required
def dashboard():
    """Members, duty, hours and call-outs of a unit the organiser is responsible for."""
    ensure_role(current_user, Role.ORGANISER)
    unit_id = request.args.get("unit_id", type=int)
    unit = get_unit(unit_id) if unit_id else default_dashboard_unit(current_user)
    ensure_role(current_user, Role.ORGANISER, unit)
    figs = figures(unit, now=utcnow())
    units = dashboard_units(current_user)
    top = min((len(u.ancestor_ids) for u in units), default=0)
    return render_template(
        "rankings/dashboard.html",
        figs=figs,
        unit=unit,
        unit_choices=[(u.id, "\u3000" * (len(u.ancestor_ids) - top) + unit_name(u)) for u in units],
        links=_links(unit),
        chart=_chart_data(figs),
    )


def _links(unit) -> dict[str, str | None]:
    """Where each figure leads: the list it counts (None when that page does not exist)."""
    community = {"community_id": unit.id} if unit.level == Level.COMMUNITY else {}
    by = "town" if unit.level == Level.DISTRICT else "community"
    if unit.level not in (Level.DISTRICT, Level.TOWN):
        by = "member"
    ranking = {"unit_id": unit.id, "period": "month"}
    return {
        "members": url_for("members.list", **community),
        "approved": url_for("members.list", status="active", **community),
        "pending": url_for("members.pending"),
        "active": url_for("rankings.index", by="member", **ranking),
        "checkpoints": url_for("shifts.checkpoints", **community),
        "shifts": url_for("shifts.board", **community),
        "hours": url_for("rankings.index", by=by, **ranking),
        "callouts": _url_if("mobilisation.index"),
    }


def _url_if(endpoint: str) -> str | None:
    """A link to a page that another part of the app may or may not provide yet."""
    if endpoint in current_app.view_functions:
        return url_for(endpoint)
    return None


def _chart_data(figs) -> dict:
    """What dashboard.js draws: hours per week and hours per unit below, with labels."""
    parts_titles = {
        "town": _("Hours per town this month"),
        "community": _("Hours per community this month"),
        "member": _("Hours of the top members this month"),
    }
    return {
        "weekly": {
            "title": _("Hours per week, last %(n)s weeks", n=len(figs.weekly)),
            "labels": [monday.strftime("%m-%d") for monday, _m in figs.weekly],
            "hours": [round(minutes / 60, 1) for _d, minutes in figs.weekly],
        },
        "parts": {
            "title": parts_titles[figs.parts_level],
            "labels": [name for name, _m in figs.parts],
            "hours": [round(minutes / 60, 1) for _n, minutes in figs.parts],
        },
        "unit": _("hours"),
        "week_axis": _("Week from (Monday)"),
    }
