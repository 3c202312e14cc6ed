"""The inbox: notifications newest first, mark read, open; the bell and the urgent banner."""

import logging

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from ...core.clock import utcnow
from ...extensions import db
from ...notifications import queries, services
from ...notifications.rendering import show, show_all
from . import bp
from .forms import NextForm

log = logging.getLogger(__name__)

PER_PAGE = 20


def _back(default: str) -> str:
    """The form's `next` when it is a path of this site, else `default`."""
    target = request.form.get("next") or ""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def _checked_form() -> NextForm:
    form = NextForm()
    if not form.validate_on_submit():
        abort(400)
    return form


@bp.route("/inbox", endpoint="list")
@login_required
def inbox():
    """The signed-in member's notifications, newest first; unread ones stand out."""
    unread_only = request.args.get("unread") == "1"
    page = max(request.args.get("page", 1, type=int), 1)
    items, total = queries.list_notifications(
        current_user, unread_only=unread_only, page=page, per_page=PER_PAGE
    )
    return render_template(
        "notifications/list.html",
        items=show_all(items),
        total=total,
        page=page,
        per_page=PER_PAGE,
        unread_only=unread_only,
        form=NextForm(),
    )


@bp.route("/inbox/<int:notification_id>/read", methods=["POST"])
@login_required
def read(notification_id: int):
    """Mark one notification read and go back where the button was."""
    notification = queries.get_notification(notification_id)
    _checked_form()
    services.mark_read(current_user, notification, now=utcnow())
    db.session.commit()
    return redirect(_back(url_for("notifications.list")))


@bp.route("/inbox/<int:notification_id>/open", methods=["POST"])
@login_required
def open_link(notification_id: int):
    """Mark one notification read and open what it is about."""
    notification = queries.get_notification(notification_id)
    _checked_form()
    services.mark_read(current_user, notification, now=utcnow())
    db.session.commit()
    return redirect(show(notification).link or url_for("notifications.list"))


@bp.route("/inbox/read-all", methods=["POST"])
@login_required
def read_all():
    """Mark every notification read."""
    _checked_form()
    count = services.mark_all_read(current_user, now=utcnow())
    db.session.commit()
    if count:
        flash(
            ngettext(
                "%(num)s notification marked as read.",
                "%(num)s notifications marked as read.",
                count,
            ),
            "success",
        )
    return redirect(_back(url_for("notifications.list")))


@bp.app_context_processor
def _inject_inbox():
    """The bell's unread count and the urgent notices, for every page of a signed-in member."""
    if not current_user or not current_user.is_authenticated:
        return {"inbox_unread": 0, "urgent_notices": []}
    try:
        unread, urgent = queries.unread_and_urgent(current_user)
        return {"inbox_unread": unread, "urgent_notices": show_all(urgent)}
    except SQLAlchemyError:  # an error page must still render when the database is away
        db.session.rollback()
        log.warning("inbox: cannot count notifications", exc_info=True)
        return {"inbox_unread": 0, "urgent_notices": []}
