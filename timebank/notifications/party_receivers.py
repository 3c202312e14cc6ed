"""Who is told what about party-spirit checks: reactions to the party domain (SPEC 7).

Signal → who is told → which notice (wording in party/notices.py):

- party.check_opened → every member with a sheet → CHECK_OPENED
- party.sheet_finalised → the sheet's member → SHEET_FINALISED (the problem-reminder
  notice; its printable page is the sheet's notice page), SHEET_FINALISED_COMMENTED
  when the organisation wrote a comment on the (annual) sheet; an organisation's sheet →
  the organisation's secretaries → ORG_SHEET_FINALISED
- party.membership_decided → the member → BRANCH_CONFIRMED or BRANCH_REFUSED
- party.branch_named → the secretaries of the branch (or, when it has none, of the nearest
  organisation above it that has some) → BRANCH_REQUESTED

`CONNECTIONS` is subscribed by the app factory (`_connect_receivers`) with the others.
"""

import sqlalchemy as sa

from ..extensions import db
from ..members.models import Member
from ..party import notices
from ..party import signals as party_signals
from ..party.models import PartyOrg, PartySecretary
from .services import notify, notify_many

#: Members told in one batch (their rows are read and inserted per batch).
BATCH = 2000


def on_check_opened(check, *, member_ids, now, **_):
    org = db.session.get(PartyOrg, check.party_org_id)
    params = {"period": check.period, "org": org.name}
    for start in range(0, len(member_ids), BATCH):
        chunk = member_ids[start : start + BATCH]
        members = db.session.scalars(sa.select(Member).where(Member.id.in_(chunk))).all()
        notify_many(members, notices.CHECK_OPENED, subject_id=check.id, params=params, now=now)


def on_sheet_finalised(sheet, *, confirmed, now, **_):
    params = {"period": sheet.check_.period, "score": sheet.score, "count": len(confirmed)}
    if sheet.is_org:
        secretaries = db.session.scalars(
            sa.select(Member)
            .join(PartySecretary, PartySecretary.member_id == Member.id)
            .where(PartySecretary.party_org_id == sheet.party_org_id)
        ).all()
        params["org"] = sheet.party_org.name
        notify_many(
            secretaries, notices.ORG_SHEET_FINALISED, subject_id=sheet.id, params=params, now=now
        )
        return
    notice = notices.SHEET_FINALISED
    if sheet.org_comment:
        notice, params["comment"] = notices.SHEET_FINALISED_COMMENTED, sheet.org_comment
    notify(sheet.member, notice, subject_id=sheet.check_id, params=params, now=now)


def on_membership_decided(ship, *, confirmed, now, **_):
    org = db.session.get(PartyOrg, ship.party_org_id)
    member = db.session.get(Member, ship.member_id)
    notice = notices.BRANCH_CONFIRMED if confirmed else notices.BRANCH_REFUSED
    params = {"org": org.name, "reason": ship.reason or ""}
    notify(member, notice, subject_id=ship.id, params=params, now=now)


def _nearest_secretaries(org: PartyOrg) -> list[Member]:
    """The secretaries of `org`, or of the nearest organisation above it that has any."""
    ids = [int(part) for part in org.path.strip("/").split("/") if part]
    rows = db.session.execute(
        sa.select(PartySecretary.party_org_id, PartySecretary.member_id).where(
            PartySecretary.party_org_id.in_(ids)
        )
    ).all()
    for org_id in reversed(ids):
        chosen = [member_id for oid, member_id in rows if oid == org_id]
        if chosen:
            return list(db.session.scalars(sa.select(Member).where(Member.id.in_(chosen))))
    return []


def on_branch_named(ship, *, now, **_):
    org = db.session.get(PartyOrg, ship.party_org_id)
    member = db.session.get(Member, ship.member_id)
    params = {"name": member.name, "org": org.name}
    secretaries = _nearest_secretaries(org)
    if secretaries:
        notify_many(
            secretaries, notices.BRANCH_REQUESTED, subject_id=ship.id, params=params, now=now
        )


CONNECTIONS = [
    (party_signals.check_opened, on_check_opened),
    (party_signals.sheet_finalised, on_sheet_finalised),
    (party_signals.membership_decided, on_membership_decided),
    (party_signals.branch_named, on_branch_named),
]
