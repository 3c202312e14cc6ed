"""The member side of shifts: the board, a shift's page, signing up, my shifts, calendar."""

from datetime import datetime, time, timedelta

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from ...auth.models import Role
from ...auth.permissions import has_role
from ...checkin.queries import attended_shift_ids
from ...core.clock import LOCAL_TZ, local, utcnow
from ...core.errors import Conflict, NotAllowed, RuleViolation
from ...core.i18n import current_locale, minutes_text
from ...core.settings import setting
from ...extensions import db, limiter
from ...ledger.queries import credited_by_shift
from ...shifts import board as board_query
from ...shifts import calendar, queries, signups
from ...shifts.models import KIND_LABELS, SignupStatus
from ...units.queries import community_choices
from ..forms_util import error_text, options
from ..members.forms import EmptyForm
from . import bp
from .forms import BoardFilterForm

BOARD_DAYS = 7
#: The sign-up statuses a board card shows as a badge (others offer signing up).
BOARD_STATUSES = (SignupStatus.CONFIRMED, SignupStatus.WAITLISTED)


@bp.route("/shifts/")
@login_required
def board():
    """Upcoming shifts, the member's own community first, a page at a time, with filters.

    `after` (the cursor of the "load more" link) gives the next page; with `partial=1`
    only its cards and the next link are sent, for the script that appends them.
    """
    form = BoardFilterForm(request.args)
    after = _cursor(request.args.get("after"))
    now = utcnow()
    day = form.day.data or local(now).date()
    wanted = board_query.BoardFilter(
        starts_from=max(now, datetime.combine(day, time(), LOCAL_TZ)),
        starts_before=datetime.combine(day + timedelta(days=BOARD_DAYS), time(), LOCAL_TZ),
        community_id=form.community_id.data,
        kind=form.kind.data or None,
        text=form.q.data or "",
        skills=current_user.skills if form.mine.data else None,
        first_community_id=current_user.community_id,
    )
    page = board_query.board_cards(wanted, current_user.id, after=after)
    context = {
        "rows": page.rows,
        "more_url": _more_url(page.next_cursor),
        "back_url": _page_url(after.encode() if after else None),
        **_card_context(),
    }
    if request.args.get("partial") == "1":
        return _fragment("shifts/_board_page.html", **context)
    form.kind.choices = options([("", _("All kinds"))] + list(KIND_LABELS.items()))
    form.community_id.choices = [SelectChoice("", _("All communities"))] + [
        SelectChoice(uid, name, optgroup=town) for uid, name, town in community_choices()
    ]
    return render_template(
        "shifts/board.html",
        form=form,
        day=day,
        end_day=day + timedelta(days=BOARD_DAYS - 1),
        after=after,
        first_url=_page_url(None),
        can_publish=has_role(current_user, Role.COORDINATOR),
        **context,
    )


def _card_context() -> dict:
    """What every board card shares, worked out once a page: the links' common start, the
    member's community and approval, and the fixed words (see shifts/_board_page.html)."""
    return {
        "urls": {"detail": url_for("shifts.detail", shift_id=1).removesuffix("1")},
        "me": {"community_id": current_user.community_id, "approved": current_user.is_approved},
        "english": current_locale().startswith("en"),
        "text": {
            "kinds": {kind.value: str(label) for kind, label in KIND_LABELS.items()},
            "statuses": {s.value: str(s.label) for s in BOARD_STATUSES},
            "full": _("Full"),
            "next_day": _("(next day)"),
            "sign_up": _("Sign up"),
            "waitlist": _("Join waitlist"),
        },
    }


def _fragment(name: str, **context) -> str:
    """A fragment for the script that puts it into the page: rendered without the context
    processors, whose navigation and inbox counts (five statements) only the page around it
    shows. Its template uses the Jinja globals (`_`, `csrf_token`) and `request` alone."""
    return current_app.jinja_env.get_template(name).render(request=request, **context)


def _cursor(text: str | None):
    if not text:
        return None
    try:
        return board_query.Cursor.decode(text)
    except ValueError:
        abort(400)


def _more_url(cursor) -> str | None:
    return None if cursor is None else _page_url(cursor.encode())


def _page_url(after: str | None) -> str:
    """The board with the same filters, from the first page or after a cursor."""
    args = {k: v for k, v in request.args.items() if k not in ("partial", "after")}
    if after:
        args["after"] = after
    return url_for("shifts.board", **args)


@bp.route("/shifts/<int:shift_id>")
@login_required
def detail(shift_id: int):
    """One shift: what, when, where, places, and the member's sign-up."""
    shift = queries.get_shift(shift_id)
    signup = queries.find_signup(current_user.id, shift.id)
    return render_template(
        "shifts/detail.html",
        shift=shift,
        signup=signup,
        position=signups.waitlist_position(signup) if signup else None,
        waitlist_count=queries.waitlist_counts([shift.id]).get(shift.id, 0),
        can_manage=has_role(current_user, Role.COORDINATOR, shift.community),
        can_roster=has_role(current_user, Role.STAFF, shift.community),
        now=utcnow(),
        action_form=EmptyForm(),
    )


def _back(shift_id: int):
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(url_for("shifts.detail", shift_id=shift_id))


@bp.route("/shifts/<int:shift_id>/signup", methods=["POST"])
@login_required
@limiter.limit("30 per minute")
def sign_up(shift_id: int):
    """Sign up for a shift (or join its waitlist)."""
    shift = queries.get_shift(shift_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        result = signups.sign_up(current_user, shift)
    except (Conflict, RuleViolation, NotAllowed) as exc:
        db.session.rollback()
        flash(error_text(exc), "danger")
        return _back(shift.id)
    db.session.commit()
    if result.status == "confirmed":
        flash(_("You are signed up for %(title)s.", title=shift.title), "success")
    else:
        flash(
            _(
                "The shift is full: you are number %(n)s on the waitlist. We will tell you "
                "if a place becomes free.",
                n=result.position,
            ),
            "info",
        )
    return _back(shift.id)


@bp.route("/shifts/<int:shift_id>/signup/cancel", methods=["POST"])
@login_required
def cancel_signup(shift_id: int):
    """Cancel one's sign-up."""
    shift = queries.get_shift(shift_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        result = signups.cancel_signup(current_user, shift)
    except RuleViolation as exc:
        db.session.rollback()
        flash(error_text(exc), "danger")
        return _back(shift.id)
    db.session.commit()
    if result.late:
        flash(
            _(
                "Cancelled. This was less than %(span)s before the start, so it is recorded "
                "as a late cancellation.",
                span=minutes_text(setting("CANCEL_CUTOFF_MIN")),
            ),
            "warning",
        )
    else:
        flash(_("Cancelled."), "info")
    return _back(shift.id)


@bp.route("/shifts/mine")
@login_required
def mine():
    """My upcoming and past shifts; past ones say whether I came and what was credited."""
    now = utcnow()
    past = queries.list_member_signups(current_user.id, upcoming=False, now=now, limit=50)
    shift_ids = [signup.shift_id for signup in past]
    return render_template(
        "shifts/mine.html",
        upcoming=queries.list_member_signups(current_user.id, upcoming=True, now=now),
        past=past,
        attended=attended_shift_ids(current_user.id, shift_ids),
        credited=credited_by_shift(current_user.id, shift_ids),
        grace_before=setting("GRACE_BEFORE_MIN"),
        grace_after=setting("GRACE_AFTER_MIN"),
        reliability=queries.reliability(current_user),
        action_form=EmptyForm(),
    )


@bp.route("/shifts/calendar", methods=["GET", "POST"])
@login_required
def calendar_settings():
    """The member's private calendar feed URL; POST makes a new one."""
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        calendar.regenerate_calendar_token(current_user)
        db.session.commit()
        flash(_("A new calendar address was made; the old one no longer works."), "info")
        return redirect(url_for("shifts.calendar_settings"))
    token = calendar.ensure_calendar_token(current_user)
    db.session.commit()
    return render_template(
        "shifts/calendar.html",
        feed_url=url_for("shifts.feed", token=token, _external=True),
        action_form=EmptyForm(),
    )


@bp.route("/calendar/<token>.ics")
@limiter.limit("60 per minute")
def feed(token: str):
    """The iCalendar feed (no sign-in: the secret URL is the key)."""
    member = calendar.find_member_by_calendar_token(token)
    if member is None or not member.is_active:
        abort(404)
    body = calendar.build_ics(member, host=request.host, base_url=request.host_url)
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": "inline; filename=timebank.ics",
            "Cache-Control": "private, max-age=300",
        },
    )
