"""Forming teams once a call-out is filled."""

from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from ..ledger.models import LedgerEntry
from ..members.models import Member
from .models import Callout, Invitation, InvitationStatus


@dataclass
class Team:
    number: int
    leader_id: int
    member_ids: list[int]


def lifetime_minutes(member_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        sa.select(LedgerEntry.member_id, sa.func.sum(LedgerEntry.minutes))
        .where(LedgerEntry.member_id.in_(member_ids))
        .group_by(LedgerEntry.member_id)
    )
    totals = {m: 0 for m in member_ids}
    totals.update({m: int(t or 0) for m, t in rows})
    return totals


def form_teams(callout: Callout) -> list[Team]:
    """Accepted members, nearest first, in teams of `team_size` (the last may be smaller).
    Leader: the party member of the team with the most lifetime hours (anyone, if the team
    has no party member); ties go to the nearer one."""
    accepted = list(
        db.session.scalars(
            sa.select(Invitation)
            .where(
                Invitation.callout_id == callout.id, Invitation.status == InvitationStatus.ACCEPTED
            )
            .order_by(Invitation.distance_m, Invitation.answered_at, Invitation.id)
        )
    )
    ids = [i.member_id for i in accepted]
    party = dict(
        db.session.execute(
            sa.select(Member.id, Member.is_party_member).where(Member.id.in_(ids))
        ).all()
    )
    minutes = lifetime_minutes(ids)
    teams = []
    for number, start in enumerate(range(0, len(accepted), callout.team_size), start=1):
        chunk = accepted[start : start + callout.team_size]
        pool = [i for i in chunk if party.get(i.member_id)] or chunk
        leader = max(pool, key=lambda i: (minutes[i.member_id], -i.distance_m, -i.id))
        for invitation in chunk:
            invitation.team_number = number
            invitation.is_leader = invitation is leader
        teams.append(Team(number, leader.member_id, [i.member_id for i in chunk]))
    db.session.flush()
    return teams


def teams_of(callout: Callout) -> list[Team]:
    """The teams as formed (empty until the call-out filled)."""
    rows = db.session.scalars(
        sa.select(Invitation)
        .where(Invitation.callout_id == callout.id, Invitation.team_number.is_not(None))
        .order_by(Invitation.team_number, Invitation.distance_m, Invitation.id)
    ).all()
    teams: dict[int, Team] = {}
    for i in rows:
        team = teams.setdefault(i.team_number, Team(i.team_number, 0, []))
        team.member_ids.append(i.member_id)
        if i.is_leader:
            team.leader_id = i.member_id
    return list(teams.values())
