"""The lists people work from, and the steps taken from the event page: the assignee's
worklist (accept, give back, report the result with photos) and the dispatcher's queue
(register, reject, dispatch, close). Every rule is the dispatch services'."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...auth.models import Role
from ...auth.permissions import ensure_role
from ...core.clock import utcnow
from ...core.errors import DomainError, RuleViolation, ValidationFailed
from ...dispatch import assign, closing, queries, rights, transitions, worklists
from ...dispatch.photos import add_photo
from ...extensions import db
from ..forms_util import apply_errors, submitted
from . import bp, presenters
from .event import dispatch_form, register_form, render_event
from .forms import (
    ActionForm,
    CloseForm,
    DispatchForm,
    FeedbackForm,
    HandleForm,
    ReasonForm,
    RegisterForm,
    RejectForm,
    photo_bytes,
)


@bp.route("/worklist")
@login_required
def worklist():
    """My events (as grid worker, volunteer or department handler), overdue first."""
    return render_template(
        "dispatch/worklist.html",
        events=worklists.worklist(current_user),
        accept=ActionForm(formdata=None),
        p=presenters,
        now=utcnow(),
    )


@bp.route("/dispatch-queue")
@login_required
def queue():
    """The dispatcher's queue (coordinators and organisers): one tab at a time."""
    ensure_role(current_user, Role.COORDINATOR)
    tab = request.args.get("tab", "new")
    if tab not in worklists.QUEUES:
        abort(404)
    return render_template(
        "dispatch/queue.html",
        tab=tab,
        counts=worklists.queue_counts(current_user),
        events=worklists.queue(current_user, tab),
        p=presenters,
        now=utcnow(),
    )


def _take_step(event_id: int, name: str, form, allowed, call, done: str, back=None):
    """Run one step from its form: rights first (404 unseen, 403 not theirs), then the
    service; on refusal the event page again with the form's errors (409 or 422)."""
    event = queries.get_event(event_id)
    rights.ensure(current_user, event, allowed)
    refused = submitted(form) or []
    try:
        call(event)
        if refused:
            raise ValidationFailed(refused)
    except DomainError as exc:
        db.session.rollback()
        db.session.refresh(event)
        apply_errors(form, exc)
        return render_event(event, {name: form}, exc.status)
    db.session.commit()
    flash(done, "success")
    return redirect(back or url_for("dispatch.event_page", event_id=event.id))


def _now_kwargs() -> dict:
    return {"now": utcnow()}


@bp.route("/events/<int:event_id>/accept", methods=["POST"])
@login_required
def accept(event_id: int):
    return _take_step(
        event_id,
        "accept",
        ActionForm(),
        rights.is_assignee,
        lambda e: transitions.accept_event(current_user, e, **_now_kwargs()),
        _("Accepted: it is yours to handle now."),
        back=_back(),
    )


@bp.route("/events/<int:event_id>/return", methods=["POST"])
@login_required
def give_back(event_id: int):
    form = ReasonForm()
    return _take_step(
        event_id,
        "return",
        form,
        rights.is_assignee,
        lambda e: transitions.return_event(
            current_user, e, reason=form.reason.data, **_now_kwargs()
        ),
        _("Given back to the dispatcher."),
        back=url_for("dispatch.worklist"),
    )


@bp.route("/events/<int:event_id>/handle", methods=["POST"])
@login_required
def handle(event_id: int):
    form = HandleForm()
    return _take_step(
        event_id,
        "handle",
        form,
        rights.is_assignee,
        lambda e: _handle_with_photos(e, form),
        _("Result reported: the reporter is asked to rate it."),
    )


def _handle_with_photos(event, form: HandleForm) -> None:
    """The result and its photos in one transaction, every refusal answered at once."""
    errors: list = []
    try:
        transitions.handle_event(
            current_user,
            event,
            result=form.result.data,
            minutes=form.minutes.data,
            **_now_kwargs(),
        )
    except ValidationFailed as exc:
        errors += exc.errors
    for data in photo_bytes(form.photos):
        try:
            add_photo(current_user, event, data, **_now_kwargs())
        except (ValidationFailed, RuleViolation) as exc:
            pairs = exc.errors if isinstance(exc, ValidationFailed) else [(None, exc.message)]
            errors += [("photos", reason) for _f, reason in pairs]
    if errors:
        raise ValidationFailed(errors)


@bp.route("/events/<int:event_id>/register", methods=["POST"])
@login_required
def register(event_id: int):
    event = queries.get_event_for(current_user, event_id)
    form = register_form(event, RegisterForm())
    return _take_step(
        event_id,
        "register",
        form,
        rights.can_coordinate,
        lambda e: transitions.register_event(
            current_user,
            e,
            category_code=form.category_code.data,
            priority=form.priority.data,
            **_now_kwargs(),
        ),
        _("Registered: now dispatch it."),
    )


@bp.route("/events/<int:event_id>/reject", methods=["POST"])
@login_required
def reject(event_id: int):
    form = RejectForm()
    return _take_step(
        event_id,
        "reject",
        form,
        rights.can_coordinate,
        lambda e: transitions.reject_event(
            current_user,
            e,
            reason=form.reason.data,
            duplicate_of=_duplicate_id(form.duplicate_of.data),
            **_now_kwargs(),
        ),
        _("The report is rejected."),
        back=url_for("dispatch.queue"),
    )


def _duplicate_id(number):
    """The id of the event a tracking number names (0 when none: the service refuses)."""
    if not number or not number.strip():
        return None
    original = queries.find_event_by_number(number.strip().upper())
    return original.id if original is not None else 0


@bp.route("/events/<int:event_id>/dispatch", methods=["POST"])
@login_required
def dispatch(event_id: int):
    event = queries.get_event_for(current_user, event_id)
    form = dispatch_form(event, DispatchForm())
    return _take_step(
        event_id,
        "dispatch",
        form,
        rights.can_coordinate,
        lambda e: assign.dispatch_event(current_user, e, **form.service_fields(), **_now_kwargs()),
        _("Dispatched, with its deadlines."),
        back=url_for("dispatch.queue", tab="registered"),
    )


@bp.route("/events/<int:event_id>/close", methods=["POST"])
@login_required
def close(event_id: int):
    form = CloseForm()
    return _take_step(
        event_id,
        "close",
        form,
        rights.can_coordinate,
        lambda e: closing.close_event(
            current_user,
            e,
            note=form.note.data,
            credit_minutes=form.credit_minutes.data,
            **_now_kwargs(),
        ),
        _("The case is closed."),
    )


@bp.route("/events/<int:event_id>/feedback", methods=["POST"])
@login_required
def feedback(event_id: int):
    form = FeedbackForm()
    return _take_step(
        event_id,
        "feedback",
        form,
        rights.is_reporter,
        lambda e: closing.give_feedback(
            current_user,
            e,
            rating=presenters.int_or_none(form.rating.data),
            comment=form.comment.data,
            **_now_kwargs(),
        ),
        _("Thank you for your rating."),
    )


def _back() -> str | None:
    """Back to the worklist when the step was taken from it."""
    return url_for("dispatch.worklist") if request.form.get("from") == "worklist" else None
