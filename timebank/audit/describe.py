"""Audit entries in words: what happened, who did it, to whom or what, in the reader's language.

The log stores codes (`member.approve`, a target type and id, a details dict); readers see
a translated action, the name of the person or thing acted on (looked up in one statement per
kind of target for the whole page) and the details that mean something to a person.
"""

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..auth.models import ROLE_LABELS, RoleAssignment
from ..core.clock import local
from ..extensions import db
from ..members.models import Member
from ..shifts.models import Checkpoint, Shift
from ..units.models import Unit
from .models import AuditEntry

ACTIONS = {
    "admin.create": _l("Created the first administrator"),
    "attendance.enter": _l("Entered an attendance by hand"),
    "attendance.confirmed": _l("Confirmed an attendance closed by the system"),
    "attendance.reversed": _l("Reversed an attendance closed by the system"),
    "callout.close": _l("Stood a call-out down"),
    "callout.raise": _l("Raised a call-out"),
    "checkpoint.create": _l("Added a checkpoint"),
    "checkpoint.update": _l("Changed a checkpoint"),
    "checkpoints.import": _l("Imported checkpoints"),
    "correction.approved": _l("Approved an hours correction"),
    "correction.rejected": _l("Rejected an hours correction"),
    "department.add_handler": _l("Added a handler to a department"),
    "department.create": _l("Added a department"),
    "event_category.create": _l("Added an event category"),
    "ledger.adjust": _l("Adjusted a member's hours"),
    "ledger.reverse": _l("Reversed an hours entry"),
    "member.approve": _l("Approved a registration"),
    "member.reinstate": _l("Reinstated a member"),
    "member.reject": _l("Rejected a registration"),
    "member.suspend": _l("Suspended a member"),
    "member.update": _l("Changed a member's details"),
    "members.import": _l("Imported members"),
    "password.reset": _l("Set a new password with a reset code"),
    "password.reset_code": _l("Issued a password reset code"),
    "role.grant": _l("Gave a role"),
    "role.revoke": _l("Took a role away"),
    "scan.geofence_override": _l("Accepted a scan outside the geofence"),
    "shift.cancel": _l("Cancelled a shift"),
    "shift.create": _l("Published a shift"),
    "shift.create_series": _l("Published a series of shifts"),
    "shift.update": _l("Changed a shift"),
    "transfer.approve": _l("Approved a transfer of hours"),
    "transfer.reject": _l("Rejected a transfer of hours"),
    "unit.create": _l("Added a unit"),
    "unit.update": _l("Changed a unit"),
    "units.import": _l("Imported units"),
}
OTHER = _l("Other action")

#: Details worth showing, with their labels; other keys (ids, codes) are left out.
DETAIL_LABELS = {
    "reason": _l("Reason"),
    "role": _l("Role"),
    "count": _l("Shifts"),
    "created": _l("Added"),
    "updated": _l("Updated"),
    "minutes": _l("Minutes"),
    "needed": _l("Needed"),
    "signed_up": _l("Signed up"),
    "accepted": _l("Accepted"),
    "invited": _l("Invited"),
}


@dataclass
class Described:
    entry: AuditEntry
    action: str
    target: str
    details: list[tuple[str, str]]

    @property
    def when(self):
        return self.entry.created_at


def action_choices() -> list[tuple[str, str]]:
    """(code, label) of every known action, by label, for the filter."""
    return sorted(((code, str(label)) for code, label in ACTIONS.items()), key=lambda c: c[1])


def action_label(code: str) -> str:
    return str(ACTIONS.get(code, OTHER))


def describe(entries: list[AuditEntry]) -> list[Described]:
    """The entries in words; target names in one statement per kind of target."""
    names = _target_names(entries)
    return [
        Described(
            entry=e,
            action=action_label(e.action),
            target=names.get((e.target_type, e.target_id), ""),
            details=_details(e.details or {}),
        )
        for e in entries
    ]


def _details(details: dict) -> list[tuple[str, str]]:
    shown = []
    for key, label in DETAIL_LABELS.items():
        value = details.get(key)
        if value is None or value == "" or isinstance(value, dict | list):
            continue
        if key == "role":
            value = ROLE_LABELS.get(value, value)
        shown.append((str(label), str(value)))
    return shown


#: target_type: (model, how its name reads)
_TARGETS = {
    "Member": (Member, lambda m: m.name),
    "Shift": (Shift, lambda s: f"{s.title} ({local(s.starts_at):%m-%d %H:%M})"),
    "Checkpoint": (Checkpoint, lambda c: c.name),
    "Unit": (Unit, lambda u: u.display_name()),
    "RoleAssignment": (RoleAssignment, lambda ra: ra.member.name if ra.member else ""),
}


def _target_names(entries: list[AuditEntry]) -> dict[tuple[str, int], str]:
    wanted = defaultdict(set)
    for e in entries:
        if e.target_type in _TARGETS and e.target_id is not None:
            wanted[e.target_type].add(e.target_id)
    names = {}
    for kind, ids in wanted.items():
        model, name = _TARGETS[kind]
        for row in db.session.scalars(sa.select(model).where(model.id.in_(ids))):
            names[(kind, row.id)] = name(row)
    return names
