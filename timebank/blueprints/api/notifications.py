"""API: the signed-in member's notification inbox."""

from flask import g
from flask_smorest import Blueprint

from ...core.clock import utcnow
from ...extensions import db
from ...notifications import queries, services
from ...notifications.rendering import show, show_all
from .access import auth_required
from .schemas.notifications import (
    NotificationListArgs,
    NotificationListSchema,
    NotificationSchema,
    ReadAllSchema,
)

bp = Blueprint(
    "api_notifications",
    __name__,
    url_prefix="/api/v1/notifications",
    description="The signed-in member's inbox: notifications newest first.",
)


@bp.route("", methods=["GET"])
@auth_required(bp, 422)
@bp.arguments(NotificationListArgs, location="query")
@bp.response(200, NotificationListSchema)
def list_notifications(args):
    """The member's notifications, newest first (`unread=true` for unread ones only)."""
    items, total = queries.list_notifications(
        g.actor, unread_only=args["unread"], page=args["page"], per_page=args["per_page"]
    )
    return {
        "items": show_all(items),
        "total": total,
        "unread_count": queries.count_unread(g.actor),
        "page": args["page"],
        "per_page": args["per_page"],
    }


@bp.route("/<int:notification_id>/read", methods=["POST"])
@auth_required(bp, 404)
@bp.response(200, NotificationSchema)
def mark_read(notification_id):
    """Mark one of the member's notifications read (again is harmless)."""
    notification = queries.get_notification(notification_id)
    services.mark_read(g.actor, notification, now=utcnow())
    db.session.commit()
    return show(notification)


@bp.route("/read-all", methods=["POST"])
@auth_required(bp)
@bp.response(200, ReadAllSchema)
def mark_all_read():
    """Mark every notification of the member read."""
    marked = services.mark_all_read(g.actor, now=utcnow())
    db.session.commit()
    return {"marked": marked, "unread_count": 0}
