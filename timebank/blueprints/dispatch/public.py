"""The residents' pages, without an account (SPEC 6, rule 7): report an event, follow it
with the phone's last four digits, rate the result."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from ...core.clock import utcnow
from ...core.errors import DomainError, ValidationFailed
from ...core.i18n import current_locale
from ...dispatch import follow, intake, queries
from ...extensions import db
from ..forms_util import apply_errors, submitted
from ..limits import count_refusal, follow_limits, report_limits
from . import bp, presenters
from .forms import FeedbackForm, FollowForm, ReportForm

#: Service fields shown at another field of the report form.
REPORT_FIELDS = {"reporter_name": "name", "reporter_phone": "phone", "lat": "grid_id"}


def _report_form() -> ReportForm:
    form = ReportForm()
    locale = current_locale()
    form.category_code.choices = [SelectChoice("", _("Choose…"))] + [
        SelectChoice(c.code, c.display_name(locale), optgroup=c.class_name or "")
        for c in queries.list_categories()
    ]
    form.grid_id.choices = presenters.place_choices(_("Use my position, or choose…"))
    return form


def _at_report_fields(exc: DomainError) -> DomainError:
    if isinstance(exc, ValidationFailed):
        exc.errors = [
            (REPORT_FIELDS.get(f, "photos" if f.startswith("photos") else f), reason)
            for f, reason in exc.errors
        ]
    return exc


def _reporter() -> object | None:
    """A signed-in active member reports as themselves; anyone else as a resident."""
    if current_user.is_authenticated and not current_user.is_pending:
        return current_user
    return None


@bp.route("/report", methods=["GET", "POST"])
@report_limits
def report():
    """Report a problem (a resident without an account, or a signed-in member)."""
    form = _report_form()
    actor = _reporter()
    refused = submitted(form)
    if refused is not None:
        fields = form.service_fields()
        if actor is not None:
            fields.pop("reporter_name"), fields.pop("reporter_phone")
        try:
            event = intake.report_event(actor, now=utcnow(), **fields)
        except DomainError as exc:
            db.session.rollback()
            apply_errors(form, _at_report_fields(exc))
        else:
            if not refused:
                db.session.commit()
                flash(_("Thank you: your report is in. Keep its number to follow it."), "success")
                return redirect(url_for("dispatch.follow_event", number=event.number))
            db.session.rollback()
    return render_template("dispatch/report.html", form=form, member=actor)


@bp.route("/report/<number>", methods=["GET", "POST"])
@follow_limits
def follow_event(number: str):
    """Follow a report: its status and steps once the phone's last four digits are
    given. A forged number and wrong digits look the same, and count against the limit."""
    form = FollowForm()
    event = None
    if submitted(form) is not None:
        event = follow.find_for_resident(number, form.digits.data)
        if event is None:
            count_refusal()
            form.digits.errors = [_("No report matches this number and these digits.")]
    return _follow_page(number, form, event, FeedbackForm(formdata=None))


def _follow_page(number, form, event, feedback, status=200):
    steps = follow.public_steps(event) if event is not None else []
    return (
        render_template(
            "dispatch/follow.html",
            number=number,
            form=form,
            event=event,
            steps=steps,
            feedback=feedback if event is not None and follow.may_rate(event) else None,
            p=presenters,
        ),
        status,
    )


@bp.route("/report/<number>/rate", methods=["POST"])
@follow_limits
def rate_report(number: str):
    """A resident rates the result of their report (the digits proved again)."""
    form = FollowForm()
    feedback = FeedbackForm()
    submitted(form)
    event = follow.find_for_resident(number, form.digits.data)
    if event is None:
        count_refusal()
        form.digits.errors = [_("No report matches this number and these digits.")]
        return _follow_page(number, form, None, feedback)
    refused = submitted(feedback)
    try:
        follow.resident_feedback(
            event,
            rating=presenters.int_or_none(feedback.rating.data),
            comment=feedback.comment.data,
            now=utcnow(),
        )
    except DomainError as exc:
        db.session.rollback()
        apply_errors(feedback, exc)
        return _follow_page(number, form, event, feedback, exc.status)
    if refused:
        db.session.rollback()
        return _follow_page(number, form, event, feedback, 422)
    db.session.commit()
    flash(_("Thank you for your rating."), "success")
    return _follow_page(number, form, event, FeedbackForm(formdata=None))
