"""Opening a check (体检): every member's sheet computed at once, set-based (SPEC 7, rule 1).

The sheets come from one INSERT of the computed indicators; their items from one
INSERT … SELECT joining the sheets with the organisation's list, the automatic flags
decided in SQL at the same time. No query runs per member.
"""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..core.errors import Conflict, NotAllowed, NotFound, check
from ..extensions import db
from . import indicators, signals
from .models import Check, ChecklistItem, PartyOrg, Sheet, SheetItem, SheetStatus
from .services import can_act_on_org


def get_check(check_id: int) -> Check:
    found = db.session.get(Check, check_id)
    if found is None:
        raise NotFound("check_not_found", _l("No such check."))
    return found


def _tripped():
    """A SQL condition on (Sheet, ChecklistItem): the item's indicator trips its threshold.

    `below` and `above` are strict: a member exactly at the threshold is not flagged. A
    member never asked to a call-out has no response rate and is not flagged on it; one
    whose community and branch held fewer lectures than the threshold is flagged only
    for missing lectures that were held. An organisation without a lecture point has no
    missed months (NULL) and is not flagged on them.
    """
    t = ChecklistItem.threshold
    rate = sa.cast(Sheet.callouts_answered, sa.Float) / sa.func.nullif(Sheet.callouts_asked, 0)
    return sa.case(
        (ChecklistItem.indicator == "service_minutes_below", Sheet.service_minutes < t),
        (ChecklistItem.indicator == "no_shows_above", Sheet.no_shows > t),
        (ChecklistItem.indicator == "late_cancellations_above", Sheet.late_cancellations > t),
        (
            ChecklistItem.indicator == "callout_response_rate_below",
            sa.and_(Sheet.callouts_asked > 0, rate < t),
        ),
        (
            ChecklistItem.indicator == "lectures_attended_below",
            sa.and_(Sheet.lectures_attended < t, Sheet.lectures_attended < Sheet.lectures_held),
        ),
        (
            ChecklistItem.indicator == "lecture_months_missed_above",
            sa.and_(Sheet.lecture_months_missed.is_not(None), Sheet.lecture_months_missed > t),
        ),
        (ChecklistItem.indicator == "events_handled_below", Sheet.events_handled < t),
        else_=sa.false(),
    )


def _insert_items(found: Check, org: PartyOrg) -> None:
    """Every sheet's items in one INSERT … SELECT: the list of the organisation's field for
    the sheet's target (member sheets the member list, organisation sheets theirs)."""
    rows = (
        sa.select(
            Sheet.id,
            ChecklistItem.code,
            ChecklistItem.text,
            ChecklistItem.points,
            sa.func.coalesce(_tripped(), sa.false()),
            sa.false(),
        )
        .join(ChecklistItem, sa.true())
        .where(
            Sheet.check_id == found.id,
            ChecklistItem.field == org.field,
            ChecklistItem.target == Sheet.target,
        )
    )
    columns = ["sheet_id", "code", "text", "points", "auto", "self"]
    db.session.execute(sa.insert(SheetItem).from_select(columns, rows))


def _insert_org_sheets(found: Check, org: PartyOrg, period, members: dict, now) -> int:
    """One sheet per organisation of the subtree (target `organisation`), one INSERT."""
    values = indicators.compute_orgs(org, period, members, now=now)
    rows = [
        {
            "check_id": found.id,
            "member_id": None,
            "party_org_id": org_id,
            "target": "organisation",
            "status": SheetStatus.DRAFT,
            **v,
        }
        for org_id, v in values.items()
    ]
    db.session.execute(sa.insert(Sheet), rows)
    return len(rows)


def _claim(actor, org: PartyOrg, period: str, now: datetime) -> Check:
    """The check's row, or 409 `check_exists` (also when another opener won the race:
    UNIQUE (party_org_id, period) decides)."""
    exists = db.session.scalar(
        sa.select(Check.id).where(Check.party_org_id == org.id, Check.period == period)
    )
    if exists is not None:
        raise Conflict("check_exists", _l("This organisation has a check for this period."))
    found = Check(party_org_id=org.id, period=period, opened_by_id=actor.id, opened_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(found)
            db.session.flush()
    except IntegrityError:
        raise Conflict(
            "check_exists", _l("This organisation has a check for this period.")
        ) from None
    return found


def open_check(actor, org: PartyOrg, period, *, now: datetime) -> tuple[Check, int]:
    """A secretary in scope (or an organiser over the organisation) opens a check: one
    sheet per party member of the subtree, indicators computed and automatic items
    flagged; and one sheet per organisation of the subtree against the organisation list.
    Returns the check and the number of members' sheets. 409 `check_exists`."""
    if not can_act_on_org(actor, org):
        raise NotAllowed()
    parsed = indicators.parse_period(period)
    check([] if parsed else [("period", indicators.PERIOD_MESSAGE)])
    found = _claim(actor, org, parsed.key, now)
    values = indicators.compute(org, parsed)
    if values:
        rows = [
            {"check_id": found.id, "member_id": member_id, "status": SheetStatus.DRAFT, **v}
            for member_id, v in values.items()
        ]
        db.session.execute(sa.insert(Sheet), rows)
    orgs = _insert_org_sheets(found, org, parsed, values, now)
    _insert_items(found, org)
    db.session.flush()
    details = {"period": parsed.key, "sheets": len(values), "organisations": orgs}
    record(actor, "check.open", found, now=now, details=details)
    signals.check_opened.send(found, member_ids=list(values), now=now)
    return found, len(values)
