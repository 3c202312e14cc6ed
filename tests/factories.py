"""Plain factories with defaults and unique sequences. They skip HTTP and flush only."""

import itertools
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from timebank.auth.models import Role, RoleAssignment
from timebank.auth.services import issue_token
from timebank.core.clock import utcnow
from timebank.core.security import hash_password
from timebank.extensions import db
from timebank.members.models import Member, MemberStatus
from timebank.units.models import Level, Unit

PASSWORD = "secret123"
_seq = itertools.count(1)


def make_unit(level, parent=None, *, code=None, name=None, lat=22.8, lon=113.5) -> Unit:
    n = next(_seq)
    unit = Unit(
        code=code or f"U{n}",
        name=name or f"单位{n}",
        level=str(level),
        parent_id=parent.id if parent else None,
        lat=lat,
        lon=lon,
        path="",
    )
    db.session.add(unit)
    db.session.flush()
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    db.session.flush()
    return unit


def make_member(
    community,
    *,
    status=MemberStatus.ACTIVE,
    name=None,
    phone=None,
    is_party_member=True,
    skills=(),
    roles=(),
    home=None,
    locale="zh_CN",
) -> Member:
    n = next(_seq)
    lat, lon = home or (community.lat, community.lon)
    member = Member(
        name=name or f"成员{n}",
        phone=phone or f"137{n:08d}",
        password_hash=hash_password(PASSWORD),  # the app's (cheap) test method
        is_party_member=is_party_member,
        skills=sorted(skills),
        home_lat=lat,
        home_lon=lon,
        community_id=community.id,
        status=str(status),
        locale=locale,
        approved_at=utcnow() if status == MemberStatus.ACTIVE else None,
    )
    db.session.add(member)
    db.session.flush()
    for role, unit in roles:
        grant(member, role, unit)
    return member


def grant(member, role, unit) -> RoleAssignment:
    ra = RoleAssignment(member_id=member.id, role=str(Role(role)), unit_id=unit.id)
    db.session.add(ra)
    db.session.flush()
    db.session.expire(member, ["roles"])
    return ra


@dataclass
class Tree:
    district: Unit
    town: Unit
    other_town: Unit
    community: Unit
    sibling: Unit  # another community of the same town
    far: Unit  # a community of the other town
    grid: Unit


def make_tree() -> Tree:
    """District > two towns; town has two communities, other town one; one grid."""
    district = make_unit(Level.DISTRICT, code="T-NS", name="南沙区", lat=22.80, lon=113.52)
    town = make_unit(Level.TOWN, district, code="T-HG", name="黄阁镇", lat=22.83, lon=113.52)
    other = make_unit(Level.TOWN, district, code="T-DG", name="大岗镇", lat=22.80, lon=113.40)
    community = make_unit(
        Level.COMMUNITY, town, code="T-HG-C1", name="金洲社区", lat=22.835, lon=113.525
    )
    sibling = make_unit(
        Level.COMMUNITY, town, code="T-HG-C2", name="黄阁社区", lat=22.830, lon=113.515
    )
    far = make_unit(
        Level.COMMUNITY, other, code="T-DG-C1", name="大岗社区", lat=22.800, lon=113.400
    )
    grid = make_unit(Level.GRID, community, code="T-HG-C1-G1", name="第1网格")
    return Tree(district, town, other, community, sibling, far, grid)


@dataclass
class People:
    admin: Member
    organiser: Member  # on the town
    coordinator: Member  # on the community
    staff: Member  # on the community
    member: Member  # active, in the community
    neighbour: Member  # another active member of the community, no role
    pending: Member  # pending, in the community
    far_coordinator: Member  # coordinator of the far community
    far_member: Member


def make_people(tree: Tree) -> People:
    c = tree.community
    return People(
        admin=make_member(c, name="管理员", roles=[(Role.ADMIN, tree.district)]),
        organiser=make_member(c, name="组织委员", roles=[(Role.ORGANISER, tree.town)]),
        coordinator=make_member(c, name="协调员", roles=[(Role.COORDINATOR, c)]),
        staff=make_member(c, name="工作人员", roles=[(Role.STAFF, c)]),
        member=make_member(c, name="王小明"),
        neighbour=make_member(c, name="赵邻居"),
        pending=make_member(c, name="李新", status=MemberStatus.PENDING),
        far_coordinator=make_member(
            tree.far, name="远方协调员", roles=[(Role.COORDINATOR, tree.far)]
        ),
        far_member=make_member(tree.far, name="远方成员"),
    )


class ApiClient:
    """Calls /api/v1 with a member's bearer token."""

    def __init__(self, client, member=None):
        self.client = client
        self.headers = {}
        if member is not None:
            raw, _token = issue_token(member, ttl_days=1)
            self.headers = {"Authorization": f"Bearer {raw}"}

    @classmethod
    def factory(cls, client):
        return lambda member=None: cls(client, member)

    def _call(self, method, path, **kwargs):
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.open("/api/v1" + path, method=method, headers=headers, **kwargs)

    def get(self, path, **kw):
        return self._call("GET", path, **kw)

    def post(self, path, **kw):
        return self._call("POST", path, **kw)

    def patch(self, path, **kw):
        return self._call("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self._call("DELETE", path, **kw)


def make_checkpoint(community, *, name=None, lat=None, lon=None, radius_m=200):
    from timebank.shifts.models import Checkpoint

    cp = Checkpoint(
        community_id=community.id,
        name=name or f"卡口{next(_seq)}",
        lat=lat if lat is not None else community.lat,
        lon=lon if lon is not None else community.lon,
        radius_m=radius_m,
    )
    db.session.add(cp)
    db.session.flush()
    return cp


def make_shift(
    community,
    *,
    starts_at=None,
    hours=4,
    capacity=5,
    kind="checkpoint",
    checkpoint=None,
    skills=(),
    walk_ins=False,
    title=None,
    now=None,
    **extra,
):
    """A published shift; by default starting two days from `now` (or the real now)."""
    from datetime import timedelta

    from timebank.shifts.models import Shift

    start = starts_at or (now or utcnow()) + timedelta(days=2)
    shift = Shift(
        community_id=community.id,
        kind=kind,
        title=title or f"值守{next(_seq)}",
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        capacity=capacity,
        skills=sorted(skills),
        walk_ins=walk_ins,
        counts_as_service=kind != "lecture",
        checkpoint_id=checkpoint.id if checkpoint else None,
        **extra,
    )
    db.session.add(shift)
    db.session.flush()
    return shift


def qr_for(member, at):
    """The member's QR payload valid at `at` (signed with the test app's key)."""
    from timebank.checkin.services import member_qr

    return member_qr(member, now=at)[0]


def make_signup(member, shift, *, status="confirmed"):
    from timebank.shifts.models import Signup

    signup = Signup(
        shift_id=shift.id,
        member_id=member.id,
        status=status,
        queued_at=shift.created_at or utcnow(),
        confirmed_at=utcnow(),
    )
    db.session.add(signup)
    if status == "confirmed":
        shift.taken += 1
    db.session.flush()
    return signup


ROOT = Path(__file__).resolve().parent.parent


def run_flask(url: str, *args: str, timeout: int = 180) -> subprocess.CompletedProcess:
    """`flask --app timebank ARGS` in a subprocess against the database at `url` (no
    scheduler), as an operator would run it; the output is captured as text."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "TIMEBANK_SCHEDULER": "off",
        "SECRET_KEY": "cli-test",
    }
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "timebank", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
