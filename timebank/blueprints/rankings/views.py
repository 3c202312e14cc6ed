"""Rankings: the page with its filters, its CSV and XLSX exports, and the public honour
roll."""

from datetime import date

from flask import (
    Response,
    abort,
    current_app,
    make_response,
    render_template,
    request,
    session,
    stream_with_context,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...core.clock import local, utcnow
from ...core.errors import NotAllowed
from ...core.i18n import minutes_text
from ...extensions import limiter
from ...rankings import exports, periods, xlsx
from ...rankings.queries import (
    ensure_viewable,
    public_top,
    ranking,
    ranking_units,
)
from ...units.models import Level
from ...units.queries import find_unit_by_code, get_unit
from . import bp
from .forms import RankingFilterForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Levels worth offering in the unit picker for each kind of ranking.
PICKER_LEVELS = {
    "member": (Level.DISTRICT, Level.TOWN, Level.COMMUNITY, Level.GRID),
    "community": (Level.DISTRICT, Level.TOWN, Level.COMMUNITY),
    "town": (Level.DISTRICT, Level.TOWN),
}
HONOUR_SIZE = 20
#: Rows on one page of the ranking "all" (the exports have every row).
PAGE_SIZE = 100
#: Pages beyond this are refused as malformed (a ranking has at most ~100,000 rows).
MAX_PAGE = 10_000


def _page() -> int:
    page = request.args.get("page", 1, type=int)
    if not 1 <= page <= MAX_PAGE:
        abort(400)
    return page


def _filters() -> tuple[RankingFilterForm, date]:
    """The filter form read from the query string, and the day whose period is shown
    (today unless `on` names a past day)."""
    form = RankingFilterForm(request.args)
    today = local(utcnow()).date()
    day = form.on.data if form.on.data and form.on.data < today else today
    return form, day


def _chosen_unit(form):
    return get_unit(form.unit_id.data) if form.unit_id.data else None


@bp.route("/rankings")
@login_required
def index():
    """A ranking by member, community or town, with the viewer's own place."""
    form, day = _filters()
    if not form.validate():
        return render_template("rankings/index.html", form=form, result=None), 400
    result, notice = _ranking(form, day)
    form.unit_id.data = result.unit.id
    form.unit_id.choices = _unit_choices(form.by.data, result.unit)
    return render_template(
        "rankings/index.html",
        form=form,
        result=result,
        notice=notice,
        own_id=_own_id(form.by.data),
        page=_page() if form.row_limit is None else None,
        per_page=PAGE_SIZE,
        day=day,
        today=local(utcnow()).date(),
        bounds=periods.bounds(result.period, day),
        previous_day=periods.previous_day(result.period, day),
        next_day=periods.next_first_day(result.period, day),
    )


def _ranking(form, day):
    """The ranking the filters ask for, and a notice when it had to show another unit."""
    unit = _chosen_unit(form)
    kwargs = dict(by=form.by.data, period=form.period.data, now=periods.moment(day))
    if form.row_limit is None:  # "all": a page at a time
        kwargs.update(limit=PAGE_SIZE, offset=(_page() - 1) * PAGE_SIZE, count_all=True)
    else:
        kwargs["limit"] = form.row_limit
    try:
        return ranking(current_user, unit=unit, **kwargs), None
    except NotAllowed:
        # Members of a wider unit are not the viewer's to see by name (403 if the unit is
        # out of scope altogether): show their own community's members instead.
        if unit is None or form.by.data != "member":
            raise
        ensure_viewable(current_user, unit, "community")
    notice = _("Members are ranked by name only in your own community and where you have a role.")
    return ranking(current_user, unit=None, **kwargs), notice


def _unit_choices(by: str, current) -> list[tuple[int, str]]:
    """Units the viewer may rank `by` in, indented by depth; the current one always."""
    actor = current_user._get_current_object()  # once, not through the proxy per unit
    units = [u for u in ranking_units(actor) if u.level in PICKER_LEVELS[by]]
    if by == "member":
        units = [u for u in units if _viewable(actor, u, by)]
    if all(u.id != current.id for u in units):
        units.append(current)
    depth = {u.id: u.path.count("/") for u in units}
    top = min(depth.values())
    return [(u.id, "\u3000" * (depth[u.id] - top) + u.name) for u in units]


def _viewable(actor, unit, by) -> bool:
    try:
        ensure_viewable(actor, unit, by)
    except NotAllowed:
        return False
    return True


def _own_id(by: str) -> int | None:
    """The row to highlight: the viewer, their community or their town."""
    community = current_user.community
    if by == "member":
        return current_user.id
    if community is None:
        return None
    if by == "community":
        return community.id
    ids = community.ancestor_ids
    return ids[1] if len(ids) > 1 else None


@bp.route("/rankings/export.csv")
@login_required
@limiter.limit("20 per minute")
def export_csv():
    """The ranking as CSV (UTF-8 with a BOM), streamed."""
    export = _export()
    return Response(
        stream_with_context(exports.csv_chunks(export)),
        mimetype="text/csv",
        headers=_download_headers(export, "csv"),
    )


@bp.route("/rankings/export.xlsx")
@login_required
@limiter.limit("20 per minute")
def export_xlsx():
    """The ranking as an Excel workbook."""
    export = _export()
    return Response(
        xlsx.xlsx_bytes(export), mimetype=XLSX, headers=_download_headers(export, "xlsx")
    )


def _export():
    form, day = _filters()
    if not form.validate():
        abort(400)
    return exports.export_rows(
        current_user,
        by=form.by.data,
        period=form.period.data,
        unit=_chosen_unit(form),
        limit=form.row_limit,
        now=periods.moment(day),
    )


def _download_headers(export, extension: str) -> dict:
    return {
        "Content-Disposition": exports.content_disposition(export, extension),
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
    }


@bp.route("/honour/<unit_code>")
def honour(unit_code: str):
    """The public honour roll of a unit: masked names and hours, no sign-in, cacheable."""
    unit = find_unit_by_code(unit_code)
    if unit is None:
        abort(404)
    now = utcnow()
    month_key, month = public_top(unit, period="month", limit=HONOUR_SIZE, now=now)
    _all, all_time = public_top(unit, period="all", limit=HONOUR_SIZE, now=now)
    response = make_response(
        render_template(
            "rankings/honour.html",
            unit=unit,
            month_key=month_key,
            month=month,
            all_time=all_time,
            show_community=unit.level in (Level.DISTRICT, Level.TOWN),
        )
    )
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


@bp.after_request
def _never_share_a_cookie(response):
    """A shared cache must never keep a session cookie: if this answer is going to set one
    (a sign-in restored from the remember-me cookie, say), it is not public after all."""
    if response.cache_control.public and current_app.session_interface.should_set_cookie(
        current_app, session
    ):
        response.cache_control.public = False
        response.cache_control.private = True
    return response


@bp.app_template_filter("rank_hours")
def rank_hours(minutes) -> str:
    """Integer minutes as hours and minutes with their units: 558 → "9 h 18 min", so two
    rows 9 h 18 min and 9 h 15 min no longer both read "9.3"."""
    return minutes_text(minutes)


@bp.app_template_filter("rank_percent")
def rank_percent(rate) -> str:
    return "—" if rate is None else f"{rate:.0%}"


@bp.app_template_filter("rank_change")
def rank_change(rate) -> str:
    """A relative change with its sign: "+25%", "−10%"."""
    return ("+" if rate >= 0 else "−") + f"{abs(rate):.0%}"


@bp.app_template_filter("rank_duration")
def rank_duration(seconds) -> str:
    """Seconds for people: "45 s", "4 min 20 s", "2 h 5 min"; "—" for none."""
    if seconds is None:
        return "—"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(h)s h %(m)s min", h=hours, m=minutes)
    if minutes:
        return _("%(m)s min %(s)s s", m=minutes, s=secs)
    return _("%(s)s s", s=secs)
