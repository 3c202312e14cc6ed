"""A sheet: who sees it, the self-assessment, the review, finalising and the
acknowledgement (SPEC 7, rules 1–3). One state machine for both targets:

- a member's sheet: the member self-assesses and acknowledges; secretaries of their
  branch or above review and finalise;
- an organisation's own sheet: its secretary (of that organisation itself) self-assesses
  and acknowledges; secretaries of the organisations above it (or organisers over it,
  for the top of the tree) review and finalise.

A final sheet never changes: a correction after finalising is a review kept in the
sheet's history (SheetReview with `correction`), the sheet itself stays as issued.
"""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..auth.permissions import is_secretary, organises_party_org
from ..core.errors import Conflict, NotAllowed, NotFound, check
from ..dispatch.validation import text
from ..extensions import db
from . import signals
from .models import (
    Check,
    CheckStatus,
    Decision,
    PartyOrg,
    PartySecretary,
    Sheet,
    SheetItem,
    SheetReview,
    SheetStatus,
)

NOTE_MAX = 1000
REASON_MAX = 500


def grade_of(score: int) -> str:
    """`good` ≥ 90, `fair` 75–89, `attention` < 75."""
    if score >= 90:
        return "good"
    return "fair" if score >= 75 else "attention"


def score_of(items) -> int:
    """100 − the points of the confirmed items, not below 0 (undecided counts as dropped)."""
    lost = sum(i.points for i in items if i.decision == Decision.CONFIRMED)
    return max(0, 100 - lost)


def _actor_id(actor):
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return getattr(actor, "id", None)


def is_own(actor, sheet: Sheet) -> bool:
    """The sheet's member; on an organisation's sheet, a secretary of that organisation."""
    actor_id = _actor_id(actor)
    if actor_id is None:
        return False
    if not sheet.is_org:
        return actor_id == sheet.member_id
    return (
        db.session.scalar(
            sa.select(PartySecretary.id).where(
                PartySecretary.member_id == actor_id,
                PartySecretary.party_org_id == sheet.party_org_id,
            )
        )
        is not None
    )


def can_review(actor, sheet: Sheet) -> bool:
    """Secretaries of the member's branch or of an organisation above it; on an
    organisation's sheet, secretaries strictly above it or organisers over it (nobody
    reviews their own organisation)."""
    org = db.session.get(PartyOrg, sheet.party_org_id)
    if not sheet.is_org:
        return is_secretary(actor, org)
    parent = db.session.get(PartyOrg, org.parent_id) if org.parent_id else None
    if parent is not None and is_secretary(actor, parent):
        return True
    return organises_party_org(actor, org) and not is_own(actor, sheet)


def can_see(actor, sheet: Sheet) -> bool:
    """SPEC 7.3: the member and secretaries in scope; nobody else (no unit role)."""
    return is_own(actor, sheet) or can_review(actor, sheet)


def find_sheet(check_id: int, member_id: int) -> Sheet | None:
    return db.session.scalar(
        sa.select(Sheet).where(Sheet.check_id == check_id, Sheet.member_id == member_id)
    )


def find_org_sheet(check_id: int, org_id: int) -> Sheet | None:
    return db.session.scalar(
        sa.select(Sheet).where(
            Sheet.check_id == check_id,
            Sheet.party_org_id == org_id,
            Sheet.target == "organisation",
        )
    )


def get_org_sheet(actor, check_id: int, org_id: int) -> Sheet:
    """An organisation's sheet if the actor may see it; 404 otherwise."""
    sheet = find_org_sheet(check_id, org_id)
    if sheet is None or not can_see(actor, sheet):
        raise NotFound("sheet_not_found", _l("No such sheet."))
    return sheet


def sheet_by_id(actor, sheet_id: int) -> Sheet:
    """A sheet by its id if the actor may see it; 404 otherwise."""
    sheet = db.session.get(Sheet, sheet_id)
    if sheet is None or not can_see(actor, sheet):
        raise NotFound("sheet_not_found", _l("No such sheet."))
    return sheet


def get_sheet(actor, check_id: int, member_id: int) -> Sheet:
    """The sheet if the actor may see it; 404 otherwise (never a leak)."""
    sheet = find_sheet(check_id, member_id)
    if sheet is None or not can_see(actor, sheet):
        raise NotFound("sheet_not_found", _l("No such sheet."))
    return sheet


def _codes(errors: list, name: str, codes, sheet: Sheet) -> set[str]:
    known = {i.code for i in sheet.items}
    if codes is None:
        return set()
    unknown = sorted(set(codes) - known)
    if unknown:
        errors.append((name, _l("Not on this sheet: %(codes)s.", codes=", ".join(unknown))))
    return set(codes) & known


def _ensure_open(sheet: Sheet) -> None:
    if db.session.get(Check, sheet.check_id).status != CheckStatus.OPEN:
        raise Conflict("check_closed", _l("This check is closed."))


def self_assess(actor, sheet: Sheet, *, items=None, note=None, now: datetime) -> Sheet:
    """The member ticks the items they recognise and writes a note, until the secretary
    reviews (409 `wrong_state` after that)."""
    if not is_own(actor, sheet):
        raise NotAllowed()
    errors: list = []
    ticked = _codes(errors, "items", items, sheet)
    note, err = text(note, NOTE_MAX, required=False)
    if err:
        errors.append(("note", err))
    check(errors)
    _ensure_open(sheet)
    if sheet.status not in (SheetStatus.DRAFT, SheetStatus.SELF_ASSESSED):
        raise Conflict("wrong_state", _l("The secretary has reviewed this sheet already."))
    for item in sheet.items:
        item.self_ = item.code in ticked
    sheet.note = note
    sheet.status = SheetStatus.SELF_ASSESSED
    db.session.flush()
    return sheet


def _decisions(errors: list, sheet: Sheet, decisions, added, *, final: bool) -> dict:
    """{code: (decision, reason)} from the review's body, every field checked."""
    out: dict = {}
    known = {i.code for i in sheet.items}
    for n, d in enumerate(decisions or []):
        code, reason = d.get("code"), d.get("reason")
        if code not in known:
            errors.append((f"decisions.{n}.code", _l("Not on this sheet.")))
            continue
        reason, err = text(reason, REASON_MAX, required=final)
        if err:
            errors.append((f"decisions.{n}.reason", err))
        decision = Decision.CONFIRMED if d.get("confirm") else Decision.DROPPED
        out[code] = (decision, reason)
    for code in _codes(errors, "added", added, sheet):
        if final:
            errors.append(("added", _l("A final sheet takes decisions with reasons.")))
        out.setdefault(code, (Decision.CONFIRMED, None))
    if not out:
        errors.append(("decisions", _l("Give at least one decision.")))
    return out


def review(actor, sheet: Sheet, *, decisions=None, added=None, now: datetime) -> Sheet:
    """The secretary confirms or drops items, each with a reason (required once the sheet
    is final: the decision is then a correction kept in the history, the sheet unchanged)."""
    if not can_review(actor, sheet):
        raise NotFound("sheet_not_found", _l("No such sheet."))
    final = sheet.status == SheetStatus.FINAL
    errors: list = []
    wanted = _decisions(errors, sheet, decisions, added, final=final)
    check(errors)
    by_code = {i.code: i for i in sheet.items}
    for code, (decision, reason) in wanted.items():
        db.session.add(
            SheetReview(
                sheet_id=sheet.id,
                by_id=actor.id,
                code=code,
                decision=decision,
                reason=reason,
                correction=final,
                at=now,
            )
        )
        if not final:
            by_code[code].decision, by_code[code].reason = decision, reason
    if not final:
        _ensure_open(sheet)
        sheet.status = SheetStatus.REVIEWED
    db.session.flush()
    return sheet


def finalise(actor, sheet: Sheet, *, now: datetime) -> Sheet:
    """Score and grade the sheet and issue the problem-reminder notice. Undecided items
    count as dropped. 409 `already_final` (a conditional UPDATE: two finalisers, one wins)."""
    if not can_review(actor, sheet):
        raise NotFound("sheet_not_found", _l("No such sheet."))
    score = score_of(sheet.items)
    matched = db.session.execute(
        sa.update(Sheet)
        .where(Sheet.id == sheet.id, Sheet.status != SheetStatus.FINAL)
        .values(status=SheetStatus.FINAL, score=score, grade=grade_of(score), finalised_at=now)
    ).rowcount
    if matched != 1:
        raise Conflict("already_final", _l("This sheet is final already."))
    db.session.execute(
        sa.update(SheetItem)
        .where(SheetItem.sheet_id == sheet.id, SheetItem.decision.is_(None))
        .values(decision=Decision.DROPPED)
    )
    db.session.refresh(sheet)
    _close_when_done(sheet.check_id)
    confirmed = [i.code for i in sheet.items if i.decision == Decision.CONFIRMED]
    signals.sheet_finalised.send(sheet, confirmed=confirmed, now=now)
    return sheet


def _close_when_done(check_id: int) -> None:
    """The check closes when its last sheet is final."""
    left = sa.select(Sheet.id).where(Sheet.check_id == check_id, Sheet.status != SheetStatus.FINAL)
    db.session.execute(
        sa.update(Check)
        .where(Check.id == check_id, ~sa.exists(left))
        .values(status=CheckStatus.CLOSED)
    )


def acknowledge(actor, sheet: Sheet, *, rectification=None, now: datetime) -> Sheet:
    """The member acknowledges the notice of a final sheet and records what they rectified
    (again later to add to it). 409 `not_final` before finalising."""
    if not is_own(actor, sheet):
        raise NotAllowed()
    rectification, err = text(rectification, NOTE_MAX, required=False)
    check([("rectification", err)] if err else [])
    if sheet.status != SheetStatus.FINAL:
        raise Conflict("not_final", _l("This sheet is not final yet."))
    sheet.acknowledged_at = sheet.acknowledged_at or now
    if rectification is not None:
        sheet.rectification = rectification
    db.session.flush()
    return sheet


def recurring_codes(sheet: Sheet) -> set[str]:
    """Codes confirmed on the previous final sheet of the same member (or organisation)
    (of an earlier check)."""
    same = (
        sa.and_(Sheet.target == "organisation", Sheet.party_org_id == sheet.party_org_id)
        if sheet.is_org
        else Sheet.member_id == sheet.member_id
    )
    earlier = (
        sa.select(Sheet.id)
        .where(
            same,
            Sheet.status == SheetStatus.FINAL,
            Sheet.id != sheet.id,
            Sheet.check_id < sheet.check_id,
        )
        .order_by(Sheet.check_id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return set(
        db.session.scalars(
            sa.select(SheetItem.code).where(
                SheetItem.sheet_id == earlier, SheetItem.decision == Decision.CONFIRMED
            )
        )
    )
