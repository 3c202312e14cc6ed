"""Who can be called: SPEC 3.4's candidates, found fast at district scale.

A bounding box on the indexed home (lat, lon) and the call-out's subtree narrow 100,000
members to those nearby in SQL; the busy, the already invited and the raiser are excluded
there too.
Python then checks skills, measures haversine distance (geodesic near the edge, where the
0.5 % difference could decide), and orders by distance (in 100 m steps), then response rate.
"""

from dataclasses import dataclass

import sqlalchemy as sa

from ..checkin.models import Attendance
from ..core.db import dialect
from ..extensions import db
from ..integrations.geo import bounding_box, distance_m, haversine_m
from ..members.models import Member, MemberStatus
from ..units.models import Unit
from .models import Callout, CalloutStatus, Invitation, InvitationStatus

NO_JIT = sa.text("SET LOCAL jit = off")
#: Haversine is within 0.5 % of geodesic at this latitude: inside this band, measure exactly.
EDGE_BAND = 0.006


@dataclass(frozen=True)
class Candidate:
    member_id: int
    distance_m: int
    response_rate: float


def _busy_or_invited(callout: Callout):
    invited_here = sa.exists().where(
        Invitation.callout_id == callout.id, Invitation.member_id == Member.id
    )
    checked_in_now = sa.exists().where(
        Attendance.member_id == Member.id, Attendance.checked_out_at.is_(None)
    )
    other_callout = sa.exists().where(
        Invitation.member_id == Member.id,
        Invitation.callout_id != callout.id,
        Invitation.status.in_([InvitationStatus.PENDING, InvitationStatus.ACCEPTED]),
        Invitation.callout_id.in_(
            sa.select(Callout.id).where(Callout.status != CalloutStatus.CLOSED)
        ),
    )
    return sa.or_(invited_here, checked_in_now, other_callout)


def answer_counts() -> sa.Select:
    """Per member: the call-out invitations answered (accepted or declined) and those that
    asked for an answer (answered or expired): `member_id, answered, asked`, grouped by
    member, to filter or to join."""
    answered = sa.func.count().filter(
        Invitation.status.in_([InvitationStatus.ACCEPTED, InvitationStatus.DECLINED])
    )
    asked = sa.func.count().filter(
        Invitation.status.in_(
            [InvitationStatus.ACCEPTED, InvitationStatus.DECLINED, InvitationStatus.EXPIRED]
        )
    )
    return sa.select(
        Invitation.member_id, answered.label("answered"), asked.label("asked")
    ).group_by(Invitation.member_id)


def response_rates(member_ids: list[int]) -> dict[int, float]:
    """(answered + 1) / (asked + 2) over past invitations: 0.5 for someone never asked."""
    if not member_ids:
        return {}
    rows = db.session.execute(answer_counts().where(Invitation.member_id.in_(member_ids)))
    rates = {m: 0.5 for m in member_ids}
    for member_id, ok, total in rows:
        rates[member_id] = (ok + 1) / (total + 2)
    return rates


def find_candidates(callout: Callout, limit: int) -> list[Candidate]:
    """Up to `limit` candidates for `callout`, best first."""
    if limit <= 0:
        return []
    radius = callout.radius_km * 1000
    centre = (callout.lat, callout.lon)
    min_lat, max_lat, min_lon, max_lon = bounding_box(centre, radius)
    needed_skills = set(callout.skills or [])
    # Skills are read (and their JSON decoded) only when the call-out asks for some.
    skills_column = Member.skills if needed_skills else sa.null()
    q = (
        sa.select(Member.id, Member.home_lat, Member.home_lon, skills_column)
        .join(Unit, Unit.id == Member.community_id)
        .where(
            Member.status == MemberStatus.ACTIVE,
            Member.home_lat.between(min_lat, max_lat),
            Member.home_lon.between(min_lon, max_lon),
            Unit.path.startswith(callout.unit.path),
            ~_busy_or_invited(callout),
        )
    )
    if callout.raised_by_id is not None:
        q = q.where(Member.id != callout.raised_by_id)  # never the one who raised it
    if callout.party_only:
        q = q.where(Member.is_party_member.is_(True))
    if dialect() == "postgresql":
        # Its estimate passes jit_above_cost at district scale, and compiling it (~90 ms)
        # costs more than running it (~40 ms at 5,000 members): not for this transaction.
        db.session.execute(NO_JIT)
    found = []
    for member_id, lat, lon, skills in db.session.execute(q):
        if needed_skills and not needed_skills <= set(skills or []):
            continue
        metres = haversine_m(centre, (lat, lon))
        if metres > radius * (1 + EDGE_BAND):
            continue
        if metres > radius * (1 - EDGE_BAND):
            metres = distance_m(centre, (lat, lon))
            if metres > radius:
                continue
        found.append((member_id, metres))
    found.sort(key=lambda f: f[1])
    # Rates only for those who could make the cut (ties at the last 100 m step included).
    cut = found[: limit * 3 + 50]
    rates = response_rates([m for m, _ in cut])
    cut.sort(key=lambda f: (int(f[1] // 100), -rates[f[0]], f[1], f[0]))
    return [Candidate(m, int(d), rates[m]) for m, d in cut[:limit]]
