"""What the dispatch pages show of an event: labels, deadlines, places, people."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice

from ...core.i18n import current_locale
from ...dispatch.models import Event, Status
from ...dispatch.worklists import actor_names, escalation_units
from ...units.queries import list_units

ACTIONS = {
    "reported": _l("Reported"),
    "registered": _l("Registered for handling"),
    "rejected": _l("Rejected"),
    "dispatched": _l("Dispatched"),
    "accepted": _l("Accepted"),
    "returned": _l("Given back"),
    "handled": _l("Result reported"),
    "reopened": _l("Reopened after a low rating"),
    "rated": _l("Rated"),
    "closed": _l("Closed after a check on site"),
    "auto_closed": _l("Closed without a rating"),
    "overdue": _l("Late"),
    "escalated": _l("Escalated"),
}
STATUS_COLOURS = {
    Status.REPORTED: "secondary",
    Status.REGISTERED: "info",
    Status.DISPATCHED: "primary",
    Status.ACCEPTED: "primary",
    Status.HANDLED: "warning",
    Status.CLOSED: "success",
    Status.REJECTED: "dark",
}
#: The five steps of the closed loop and the statuses that have reached each.
LOOP = [
    (_l("Collect information"), ()),
    (_l("Register the case"), (Status.REGISTERED,)),
    (_l("Dispatch the task"), (Status.DISPATCHED,)),
    (_l("Handle it"), (Status.ACCEPTED, Status.HANDLED)),
    (_l("Feed back the result"), (Status.CLOSED,)),
]
#: Status names on these pages (shorter words elsewhere in the app mean other things).
STATUS_TEXT = {
    Status.REPORTED: _l("Reported"),
    Status.REGISTERED: _l("Registered for handling"),
    Status.DISPATCHED: _l("Dispatched"),
    Status.ACCEPTED: _l("Accepted"),
    Status.HANDLED: _l("Handled"),
    Status.CLOSED: _l("Case closed"),
    Status.REJECTED: _l("Rejected"),
}
ORDER = [
    Status.REPORTED,
    Status.REGISTERED,
    Status.DISPATCHED,
    Status.ACCEPTED,
    Status.HANDLED,
    Status.CLOSED,
]


def action_label(action: str):
    return ACTIONS.get(action, action)


def status_label(status: str):
    return STATUS_TEXT[Status(status)] if status else ""


def loop_reached(event: Event) -> int:
    """How many of the five steps of the loop the event has reached (1–5)."""
    if event.status == Status.REJECTED:
        return 1
    position = ORDER.index(Status(event.status))
    return min(5, {0: 1, 1: 2, 2: 3, 3: 4, 4: 4, 5: 5}[position])


def due_of(event: Event):
    """The deadline that runs now: accept while dispatched, then handle."""
    if event.status == Status.DISPATCHED:
        return event.accept_due_at
    if event.status == Status.ACCEPTED:
        return event.handle_due_at
    return None


def category_name(event: Event) -> str:
    return event.category.display_name(current_locale())


def place_choices(placeholder) -> list[SelectChoice]:
    """Grids grouped by community, for a resident to pick the place on a list."""
    communities = {u.id: u for u in list_units("community")}
    locale = current_locale()
    choices = [SelectChoice("", placeholder)]
    for grid in list_units("grid"):
        group = communities.get(grid.parent_id)
        label = group.display_name(locale) if group else ""
        choices.append(SelectChoice(grid.id, grid.display_name(locale), optgroup=label))
    return choices


def assignee_text(event: Event) -> str:
    if event.assignee_kind == "department" and event.assignee_department is not None:
        return event.assignee_department.display_name(current_locale())
    if event.assignee_member is not None:
        return event.assignee_member.name
    return ""


def int_or_none(value):
    """A whole number from a form's text, else the text itself (the service refuses it)."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


GROUPS = {
    "gridworker": _l("Grid workers"),
    "volunteer": _l("Party member volunteers"),
    "department": _l("Departments"),
}
EMPLOYMENT = {"full_time": _l("full-time"), "part_time": _l("part-time")}


def names(steps) -> dict[int, str]:
    return actor_names(steps)


#: The notes the scheduler writes on "overdue" steps: which deadline passed.
DEADLINE_NOTES = {
    "accept": _l("Not accepted in time"),
    "handle": _l("Not handled in time"),
}


def notes(steps) -> dict[int, str]:
    """Each step's note as the reader should see it, by step id: the scheduler's words
    translated, the unit an event was escalated to named in the reader's language, and
    what people wrote as they wrote it."""
    units = escalation_units(steps)
    locale = current_locale()
    out = {}
    for step in steps:
        if not step.note:
            continue
        if step.action == "overdue" and step.note in DEADLINE_NOTES:
            out[step.id] = str(DEADLINE_NOTES[step.note])
        elif step.action == "escalated" and step.note in units:
            out[step.id] = units[step.note].display_name(locale)
        else:
            out[step.id] = step.note
    return out


@dataclass(frozen=True)
class UnitMap:
    """The communities' centres drawn by the app itself (no map tiles: closed network),
    in an SVG whose x is the longitude and y the latitude negated: a tap there is a
    position, and the intake finds the nearest grid."""

    view_box: str
    radius: float
    points: list


def unit_map() -> UnitMap | None:
    """The map of the communities with a centre; None when fewer than two have one."""
    points = [
        (u.lon, -u.lat, u.display_name(current_locale()))
        for u in list_units("community")
        if u.lat is not None and u.lon is not None
    ]
    if len(points) < 2:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 0.01)
    pad = span * 0.05
    box = (min(xs) - pad, min(ys) - pad, max(xs) - min(xs) + 2 * pad, max(ys) - min(ys) + 2 * pad)
    return UnitMap(" ".join(f"{v:.5f}" for v in box), span / 120, points)
