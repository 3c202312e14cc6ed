"""Who can be called: SPEC 3.4's candidates, found fast at district scale.

A bounding box on the indexed home (lat, lon) and the call-out's subtree narrow 100,000
members to those nearby in SQL; the busy, the already invited and the raiser are excluded
there too.
Python then checks skills, measures haversine distance (geodesic near the edge, where the
0.5 % difference could decide), and orders by distance (in 100 m steps), then response rate.
"""

import math
from dataclasses import dataclass

import sqlalchemy as sa

from ..checkin.models import Attendance
from ..core.db import dialect
from ..extensions import db
from ..integrations.geo import EARTH_RADIUS_M, bounding_box, distance_m, haversine_m
from ..members.models import Member, MemberStatus
from ..units.models import Unit
from .models import Callout, CalloutStatus, Invitation, InvitationStatus

NO_JIT = sa.text("SET LOCAL jit = off")
#: Rows sent nearest first per candidate kept (see _nearest), and how far the flat-earth
#: distance may fall short of the great circle within 200 km (under 3 % up to 60° N).
NEAREST_FACTOR = 4
FLAT_SLACK = 0.05
METRES_PER_DEGREE = math.radians(1) * EARTH_RADIUS_M
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
    keep = limit * 3 + 50
    found = _nearest(q, callout, needed_skills, keep)
    # Rates only for those who could make the cut (ties at the last 100 m step included).
    cut = found[:keep]
    rates = response_rates([m for m, _ in cut])
    cut.sort(key=lambda f: (int(f[1] // 100), -rates[f[0]], f[1], f[0]))
    return [Candidate(m, int(d), rates[m]) for m, d in cut[:limit]]


def _measured(rows, callout: Callout, needed_skills: set) -> list[tuple[int, float]]:
    """(member id, metres) of the rows within the radius and with the skills, nearest first."""
    radius = callout.radius_km * 1000
    centre = (callout.lat, callout.lon)
    found = []
    for member_id, lat, lon, skills in rows:
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
    return found


def _nearest(q, callout: Callout, needed_skills: set, keep: int) -> list[tuple[int, float]]:
    """The measured candidates, at least the `keep` nearest of them exactly.

    A top-up wants one or two: the SQL orders by a flat-earth distance and sends the
    nearest NEAREST_FACTOR × keep rows rather than every member in the box. Those are
    enough when the `keep`-th is nearer than every row left out can be (the flat distance
    of the last row sent, less FLAT_SLACK); otherwise every row is read, as before.
    """
    lat0, lon0 = callout.lat, callout.lon
    k = math.cos(math.radians(lat0))
    flat = (Member.home_lat - lat0) * (Member.home_lat - lat0) + ((Member.home_lon - lon0) * k) * (
        (Member.home_lon - lon0) * k
    )
    fetch = keep * NEAREST_FACTOR
    rows = db.session.execute(q.add_columns(flat).order_by(flat, Member.id).limit(fetch)).all()
    found = _measured((r[:4] for r in rows), callout, needed_skills)
    if len(rows) < fetch:
        return found  # every row in the box was sent
    last_m = math.sqrt(rows[-1][4]) * METRES_PER_DEGREE
    if len(found) >= keep and found[keep - 1][1] < last_m * (1 - FLAT_SLACK):
        return found
    return _measured(db.session.execute(q), callout, needed_skills)
