"""What each role's home page shows: the two or three things that start its job.

Each section is read here, with the queries of its domain, into plain values, so the
template only lays them out (it never queries). A member with several roles gets the
section of each role they hold (not the ones it implies: an organiser's page is about
call-outs, not a coordinator's queues, which stay in the menu), the most urgent first:
call-outs waiting for their answer, the organiser's running call-outs and the month's
figures, today's shifts to scan, the coordinator's queues, then the member's own next
shift and hours.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ...auth.models import Role
from ...auth.permissions import assignments
from ...checkin.queries import list_shifts_running
from ...dispatch.command import command_units
from ...dispatch.worklists import queue_counts, worklist
from ...ledger.queries import balance_minutes, count_attendances_to_review, count_open_corrections
from ...members.models import MemberStatus
from ...members.queries import count_pending
from ...mobilisation.queries import list_active_callouts, list_open_invitations
from ...rankings.dashboard import MonthToDate, default_dashboard_unit, month_to_date
from ...shifts.queries import find_next_signup

#: Rows shown per list; the rest are one tap away.
SHOWN = 4
# Staff see what runs now and what starts in the next twelve hours, so a late shift's
# scanner is one tap away at 23:40 as well as at noon.
STAFF_AHEAD = timedelta(hours=12)


@dataclass(frozen=True)
class ShiftLine:
    id: int
    title: str
    place: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class InvitationLine:
    callout_id: int
    title: str
    kind_label: str
    expires_at: datetime


@dataclass(frozen=True)
class CalloutLine:
    id: int
    title: str
    status: str
    accepted: int
    needed: int
    created_at: datetime


@dataclass(frozen=True)
class Queues:
    """A coordinator's waiting work, each count on its own (never added together)."""

    approvals: int
    corrections: int
    reviews: int


@dataclass
class Home:
    """Everything the home page shows; a section is None when its role is not held."""

    community_name: str = ""
    invitations: list[InvitationLine] = field(default_factory=list)
    callouts: list[CalloutLine] | None = None
    today: list[ShiftLine] | None = None
    queues: Queues | None = None
    next_shift: ShiftLine | None = None
    balance_minutes: int | None = None
    month: MonthToDate | None = None
    month_unit_name: str | None = None
    #: Dispatch: events waiting for the actor (grid workers, handlers, volunteers), and
    #: the dispatcher's new and late events (coordinators).
    events_waiting: int | None = None
    dispatch_queue: dict | None = None
    #: The organiser commands the district or a town: a link to the command centre.
    command_centre: bool = False


def _place(shift, locale: str) -> str:
    if shift.checkpoint is not None:
        return shift.checkpoint.name
    return shift.community.display_name(locale)


def _line(shift, locale: str) -> ShiftLine:
    return ShiftLine(shift.id, shift.title, _place(shift, locale), shift.starts_at, shift.ends_at)


def _invitation_line(invitation) -> InvitationLine:
    callout = invitation.callout
    return InvitationLine(
        callout.id, callout.title, str(callout.kind_enum.label), invitation.expires_at
    )


def home_for(actor, *, now: datetime, locale: str) -> Home:
    """The sections of the actor's home page at `now`, names in `locale`."""
    home = Home(community_name=actor.community.display_name(locale))
    held = {ra.role_enum for ra in assignments(actor)}
    if actor.status == MemberStatus.ACTIVE:
        home.invitations = [
            InvitationLine(
                i.callout_id, i.callout.title, str(i.callout.kind_enum.label), i.expires_at
            )
            for i in list_open_invitations(actor.id, now=now, limit=SHOWN)
        ]
        signup = find_next_signup(actor.id, now=now)
        home.next_shift = _line(signup.shift, locale) if signup else None
        home.balance_minutes = balance_minutes(actor.id)
    if Role.STAFF in held:
        shifts = list_shifts_running(actor, now, now + STAFF_AHEAD, limit=SHOWN)
        home.today = [_line(s, locale) for s in shifts]
    _dispatch_sections(home, actor, held)
    if Role.COORDINATOR in held:
        home.queues = Queues(
            count_pending(actor), count_open_corrections(actor), count_attendances_to_review(actor)
        )
    if held & {Role.ORGANISER, Role.ADMIN}:
        home.callouts = [
            CalloutLine(c.id, c.title, c.status, c.accepted, c.needed, c.created_at)
            for c in list_active_callouts(actor, limit=SHOWN)
        ]
        unit = default_dashboard_unit(actor)
        if unit is not None:
            home.month = month_to_date(unit, now=now)
            home.month_unit_name = unit.display_name(locale)
        home.command_centre = bool(command_units(actor))
    return home


def _dispatch_sections(home: Home, actor, held: set) -> None:
    if actor.status != MemberStatus.ACTIVE:
        return
    waiting = len(worklist(actor))
    if waiting or Role.GRIDWORKER in held:
        home.events_waiting = waiting
    if held & {Role.COORDINATOR, Role.ORGANISER, Role.ADMIN}:
        home.dispatch_queue = queue_counts(actor)
