"""API: the command and dispatch platform (SPEC 6) — departments, categories, events,
their five steps and the figures."""

from functools import wraps

from flask import g
from flask_smorest import Blueprint

from ...auth.models import Role
from ...core.clock import utcnow
from ...dispatch import assign, catalogue, closing, intake, queries, rights, stats, transitions
from ...extensions import db
from .access import auth_required
from .schemas.dispatch import (
    CategoryInput,
    CategoryListSchema,
    CategorySchema,
    CloseInput,
    DepartmentInput,
    DepartmentSchema,
    DispatchInput,
    EventCreatedSchema,
    EventInput,
    EventListArgs,
    EventListSchema,
    EventSchema,
    FeedbackInput,
    HandleInput,
    HandlerInput,
    HandlerSchema,
    RegisterInput,
    RejectInput,
    ReturnInput,
    StatsArgs,
    StatsSchema,
)

bp = Blueprint(
    "api_dispatch",
    __name__,
    url_prefix="/api/v1",
    description="有呼必应: events through collect, register, dispatch, handle and feedback.",
)


class EventView:
    """An event as the signed-in actor may see it: its own attributes, with the reporter
    (phone masked unless allowed) and the timeline added."""

    def __init__(self, event):
        self._event = event
        self.reporter = queries.reporter_of(g.actor, event)
        self.timeline = queries.timeline(event)

    def __getattr__(self, name):
        return getattr(self._event, name)


@bp.route("/departments", methods=["POST"])
@auth_required(bp, 400, 403, 409, 422, role=Role.ADMIN)
@bp.arguments(DepartmentInput)
@bp.response(201, DepartmentSchema)
def create_department(data):
    """Add a department (admins)."""
    department = catalogue.create_department(g.actor, **data)
    db.session.commit()
    return department


@bp.route("/departments/<code>/handlers", methods=["POST"])
@auth_required(bp, 400, 403, 404, 409, 422, role=Role.ORGANISER)
@bp.arguments(HandlerInput)
@bp.response(201, HandlerSchema)
def add_handler(data, code):
    """Make a member a handler of the department (admins, district organisers)."""
    handler = catalogue.add_handler(g.actor, queries.get_department(code), **data)
    db.session.commit()
    return handler


@bp.route("/event-categories", methods=["POST"])
@auth_required(bp, 400, 403, 409, 422, role=Role.ADMIN)
@bp.arguments(CategoryInput)
@bp.response(201, CategorySchema)
def create_category(data):
    """Add an event category (admins)."""
    category = catalogue.create_category(g.actor, **data)
    db.session.commit()
    return category


@bp.route("/event-categories", methods=["GET"])
@auth_required(bp)
@bp.response(200, CategoryListSchema)
def list_categories():
    """Every event category, by code."""
    return {"items": queries.list_categories()}


@bp.route("/events", methods=["POST"])
@auth_required(bp, 400, 403, 422)
@bp.arguments(EventInput)
@bp.response(201, EventCreatedSchema)
def report(data):
    """Report an event (active members); the answer carries its tracking number."""
    event = intake.report_event(g.actor, now=utcnow(), **data)
    db.session.commit()
    return event


@bp.route("/events", methods=["GET"])
@auth_required(bp, 422)
@bp.arguments(EventListArgs, location="query")
@bp.response(200, EventListSchema)
def list_events(args):
    """The events the actor may see, newest first; page with `before_id`."""
    return {"items": queries.list_events(g.actor, **args)}


@bp.route("/events/stats", methods=["GET"])
@auth_required(bp, 403, 422, role=Role.COORDINATOR)
@bp.arguments(StatsArgs, location="query")
@bp.response(200, StatsSchema)
def event_stats(args):
    """The figures of a unit's scope for a period, by town, community, grid or category."""
    return stats.event_stats(g.actor, now=utcnow(), **args)


@bp.route("/events/<int:event_id>", methods=["GET"])
@auth_required(bp, 404)
@bp.response(200, EventSchema)
def get_event(event_id):
    """An event with its assignee, deadlines, rating and timeline."""
    return EventView(queries.get_event_for(g.actor, event_id))


def _in_reach(allowed):
    """Decorator: the event of the URL is loaded and the actor's right to take the step
    checked (404 unseen, 403 not theirs: dispatch.rights) before the body is parsed, so
    rights come before fields; the service checks them again with the rule."""

    def decorator(fn):
        @wraps(fn)
        def wrapper(*args, event_id, **kwargs):
            g.event = queries.get_event(event_id)
            rights.ensure(g.actor, g.event, allowed)
            return fn(*args, event_id=event_id, **kwargs)

        return wrapper

    return decorator


def _step(event_id, action, data=None):
    event = g.event
    action(g.actor, event, now=utcnow(), **(data or {}))
    db.session.commit()
    return EventView(event)


@bp.route("/events/<int:event_id>/register", methods=["POST"])
@auth_required(bp, 400, 403, 404, 409, 422, role=Role.COORDINATOR)
@_in_reach(rights.can_coordinate)
@bp.arguments(RegisterInput)
@bp.response(200, EventSchema)
def register(data, event_id):
    """Register a reported event (coordinators in scope)."""
    return _step(event_id, transitions.register_event, data)


@bp.route("/events/<int:event_id>/reject", methods=["POST"])
@auth_required(bp, 400, 403, 404, 409, 422, role=Role.COORDINATOR)
@_in_reach(rights.can_coordinate)
@bp.arguments(RejectInput)
@bp.response(200, EventSchema)
def reject(data, event_id):
    """Reject a reported event with a reason (coordinators in scope)."""
    return _step(event_id, transitions.reject_event, data)


@bp.route("/events/<int:event_id>/dispatch", methods=["POST"])
@auth_required(bp, 400, 403, 404, 409, 422, role=Role.COORDINATOR)
@_in_reach(rights.can_coordinate)
@bp.arguments(DispatchInput)
@bp.response(200, EventSchema)
def dispatch(data, event_id):
    """Give a registered event to a grid worker, a volunteer or a department."""
    return _step(event_id, assign.dispatch_event, data)


@bp.route("/events/<int:event_id>/accept", methods=["POST"])
@auth_required(bp, 403, 404, 409)
@_in_reach(rights.is_assignee)
@bp.response(200, EventSchema)
def accept(event_id):
    """Accept a dispatched event (the assignee)."""
    return _step(event_id, transitions.accept_event)


@bp.route("/events/<int:event_id>/return", methods=["POST"])
@auth_required(bp, 400, 403, 404, 409, 422)
@_in_reach(rights.is_assignee)
@bp.arguments(ReturnInput)
@bp.response(200, EventSchema)
def give_back(data, event_id):
    """Give a dispatched or accepted event back with a reason (the assignee)."""
    return _step(event_id, transitions.return_event, data)


@bp.route("/events/<int:event_id>/handle", methods=["POST"])
@auth_required(bp, 400, 403, 404, 409, 422)
@_in_reach(rights.is_assignee)
@bp.arguments(HandleInput)
@bp.response(200, EventSchema)
def handle(data, event_id):
    """Report the result (the assignee; a volunteer also the minutes)."""
    return _step(event_id, transitions.handle_event, data)


@bp.route("/events/<int:event_id>/feedback", methods=["POST"])
@auth_required(bp, 400, 403, 404, 409, 422)
@_in_reach(rights.is_reporter)
@bp.arguments(FeedbackInput)
@bp.response(200, EventSchema)
def feedback(data, event_id):
    """Rate a handled event from 1 to 5 (the reporter)."""
    return _step(event_id, closing.give_feedback, data)


@bp.route("/events/<int:event_id>/close", methods=["POST"])
@auth_required(bp, 400, 403, 404, 409, 422, role=Role.COORDINATOR)
@_in_reach(rights.can_coordinate)
@bp.arguments(CloseInput)
@bp.response(200, EventSchema)
def close(data, event_id):
    """Close a handled event after checking it (coordinators in scope)."""
    return _step(event_id, closing.close_event, data)
