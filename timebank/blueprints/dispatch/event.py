"""The event page: where it stands, its timeline, photos, place and rating, and the
forms of the steps the viewer may take; the photos, served through the rights check."""

from flask import abort, render_template, request, send_file
from flask_login import current_user, login_required
from wtforms import SelectChoice

from ...core.clock import utcnow
from ...core.i18n import current_locale
from ...dispatch import assign, queries, rights, worklists
from ...dispatch.models import EventPhoto, Status
from ...dispatch.photos import file_of
from ...extensions import db
from . import bp, presenters
from .forms import (
    ActionForm,
    CloseForm,
    DispatchForm,
    FeedbackForm,
    HandleForm,
    ReasonForm,
    RegisterForm,
    RejectForm,
)


def step_forms(actor, event) -> dict:
    """The forms of the steps `actor` may take on `event` now, by name (empty: none)."""
    coordinate = rights.can_coordinate(actor, event)
    assignee = rights.is_assignee(actor, event)
    forms: dict = {}
    if coordinate and event.status == Status.REPORTED:
        forms["register"] = register_form(event, RegisterForm(formdata=None))
        forms["reject"] = RejectForm(formdata=None)
    if coordinate and event.status == Status.REGISTERED:
        forms["dispatch"] = dispatch_form(event, DispatchForm(formdata=None))
    if assignee and event.status == Status.DISPATCHED:
        forms["accept"] = ActionForm(formdata=None)
    if assignee and event.status in (Status.DISPATCHED, Status.ACCEPTED):
        forms["return"] = ReasonForm(formdata=None)
    if assignee and event.status == Status.ACCEPTED:
        forms["handle"] = HandleForm(formdata=None)
    if coordinate and event.status == Status.HANDLED:
        forms["close"] = CloseForm(formdata=None)
    if rights.is_reporter(actor, event) and event.status == Status.HANDLED:
        forms["feedback"] = FeedbackForm(formdata=None)
    return forms


def register_form(event, form: RegisterForm) -> RegisterForm:
    locale = current_locale()
    form.category_code.choices = [
        SelectChoice(c.code, c.display_name(locale)) for c in queries.list_categories()
    ]
    if form.category_code.data is None:
        form.category_code.data = event.category.code
        form.priority.data = event.priority
    return form


def dispatch_form(event, form: DispatchForm) -> DispatchForm:
    """Grid workers of the event's units, volunteers (volunteer_ok categories), then
    departments; the category's own department first among these."""
    locale = current_locale()
    choices = [
        SelectChoice(
            f"m:{m.id}",
            m.name + (" ★" if m.is_party_member else "") + _employment(gw),
            optgroup=str(presenters.GROUPS["gridworker"]),
        )
        for m, gw in worklists.gridworkers_for(event)
    ]
    choices += [
        SelectChoice(f"m:{m.id}", m.name, optgroup=str(presenters.GROUPS["volunteer"]))
        for m in worklists.volunteers_for(event)
    ]
    own = event.category.department
    departments = sorted(worklists.departments(), key=lambda d: d != own)
    choices += [
        SelectChoice(
            f"d:{d.code}", d.display_name(locale), optgroup=str(presenters.GROUPS["department"])
        )
        for d in departments
    ]
    form.assignee.choices = choices
    return form


def _employment(profile) -> str:
    if profile is None:
        return ""
    return f" · {presenters.EMPLOYMENT.get(profile.employment, '')}"


def render_event(event, forms: dict | None = None, status: int = 200):
    """The event page, with `forms` (those sent back with errors) over the fresh ones."""
    actor = current_user
    shown = {**step_forms(actor, event), **(forms or {})}
    now = utcnow()
    accept_due, handle_due = assign.deadlines(event.category, event.priority, now)
    page = render_template(
        "dispatch/event.html",
        event=event,
        forms=shown,
        steps=queries.timeline(event),
        photos=worklists.photos_of(event),
        reporter=queries.reporter_of(actor, event),
        staff=rights.can_coordinate(actor, event) or rights.is_assignee(actor, event),
        default_due={"accept": accept_due, "handle": handle_due},
        p=presenters,
        now=now,
    )
    return page, status


@bp.route("/events/<int:event_id>")
@login_required
def event_page(event_id: int):
    """An event as the viewer may see it (404 when not theirs to see)."""
    return render_event(queries.get_event_for(current_user, event_id))


@bp.route("/events/<int:event_id>/photos/<int:photo_id>")
@bp.route("/events/<int:event_id>/photos/<int:photo_id>/thumb", endpoint="photo_thumb")
@login_required
def photo(event_id: int, photo_id: int):
    """A photo (or its thumbnail) of an event the viewer may see."""
    event = queries.get_event_for(current_user, event_id)
    stored = db.session.get(EventPhoto, photo_id)
    if stored is None or stored.event_id != event.id:
        abort(404)
    thumb = request.endpoint == "dispatch.photo_thumb"
    response = send_file(file_of(stored, thumb=thumb), mimetype=stored.content_type)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
