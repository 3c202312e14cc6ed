"""Demo data of the party domain: the party tree, members' branches, a secretary, the
negative lists of the five fields and a lecture point per community (SPEC 7).

The tree mirrors the units: 南沙区委 > a committee per town > a branch per community
(a village's branch is `rural`, the others `community`), plus an organ, a state-owned
enterprise and a "两新" branch under the district. Every active party member's branch is
their community's, confirmed: one INSERT … SELECT, whatever the number of members.
"""

import csv
from datetime import timedelta
from importlib import resources

import sqlalchemy as sa

from ..core.clock import utcnow
from ..extensions import db
from ..members.models import Member, MemberStatus
from ..party.models import (
    ChecklistItem,
    LecturePoint,
    PartyMembership,
    PartyOrg,
    PartySecretary,
)
from ..shifts.models import Checkpoint, Shift
from ..units.models import Level, Unit

#: The demo account that is secretary of the demo community's branch (seed.DEMO_ACCOUNTS).
DEMO_SECRETARY = "13800000010"
DEMO_COMMUNITY = "NS-HG-C01"
EXTRA_BRANCHES = [
    ("P-NS-ORG", "区政务服务中心党支部", "organ"),
    ("P-NS-SOE", "南沙港务集团第一党支部", "soe"),
    ("P-NS-TWO", "南沙新区非公企业联合党支部", "two_new"),
]


def _rows(name: str) -> list[dict]:
    text = resources.files("timebank.demo").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def seed_checklists() -> int:
    """The negative lists of the five fields, for members and for organisations."""
    now = utcnow()
    rows = [
        dict(
            field=r["field"],
            target=r["target"],
            code=r["code"],
            text=r["text"],
            points=int(r["points"]),
            indicator=r["indicator"] or None,
            threshold=float(r["threshold"]) if r["threshold"] else None,
            created_at=now,
        )
        for r in _rows("negative_lists.csv")
    ]
    db.session.execute(sa.insert(ChecklistItem), rows)
    return len(rows)


def _org(code, name, kind, field, parent, unit_id, now) -> PartyOrg:
    org = PartyOrg(
        code=code,
        name=name,
        kind=kind,
        field=field,
        unit_id=unit_id,
        path="",
        parent_id=parent.id if parent else None,
        created_at=now,
    )
    db.session.add(org)
    db.session.flush()
    org.path = (parent.path if parent else "/") + f"{org.id}/"
    return org


def seed_party_tree() -> dict[int, int]:
    """The party tree; returns the branch id of each community unit."""
    now = utcnow()
    district = db.session.scalar(sa.select(Unit).where(Unit.parent_id.is_(None)))
    top = _org("P-NS", "中共南沙区委", "committee", "organ", None, district.id, now)
    for code, name, field in EXTRA_BRANCHES:
        _org(code, name, "branch", field, top, district.id, now)
    branches: dict[int, int] = {}
    towns = db.session.scalars(sa.select(Unit).where(Unit.level == Level.TOWN).order_by(Unit.id))
    for town in towns:
        committee = _org(
            f"P-{town.code}", f"{town.name}党委", "committee", "community", top, town.id, now
        )
        communities = db.session.scalars(
            sa.select(Unit)
            .where(Unit.parent_id == town.id, Unit.level == Level.COMMUNITY)
            .order_by(Unit.code)
        )
        for unit in communities:
            field = "rural" if unit.name.endswith("村") else "community"
            branch = _org(
                f"P-{unit.code}", f"{unit.name}党支部", "branch", field, committee, unit.id, now
            )
            branches[unit.id] = branch.id
    db.session.flush()
    return branches


def seed_memberships(branches: dict[int, int]) -> None:
    """Every active party member in their community's branch, confirmed."""
    now = utcnow()
    branch_of = sa.case(branches, value=Member.community_id) if branches else sa.null()
    chosen = sa.select(
        Member.id,
        branch_of,
        sa.literal("confirmed"),
        sa.literal(now, PartyMembership.created_at.type),
        sa.literal(now, PartyMembership.confirmed_at.type),
    ).where(
        Member.is_party_member.is_(True),
        Member.status == MemberStatus.ACTIVE,
        Member.community_id.in_(list(branches)),
    )
    columns = ["member_id", "party_org_id", "status", "created_at", "confirmed_at"]
    db.session.execute(sa.insert(PartyMembership).from_select(columns, chosen))


def seed_secretary() -> None:
    secretary = db.session.scalar(sa.select(Member).where(Member.phone == DEMO_SECRETARY))
    branch = db.session.scalar(sa.select(PartyOrg).where(PartyOrg.code == f"P-{DEMO_COMMUNITY}"))
    if secretary is None or branch is None:
        return
    db.session.add(
        PartySecretary(member_id=secretary.id, party_org_id=branch.id, created_at=utcnow())
    )
    seed_branch_requests(branch)


def seed_branch_requests(branch: PartyOrg, count: int = 2) -> None:
    """A few party members of other branches ask to move to the demo branch: the
    secretary's list of requests to confirm is not empty."""
    movers = db.session.scalars(
        sa.select(PartyMembership.member_id)
        .where(PartyMembership.status == "confirmed", PartyMembership.party_org_id != branch.id)
        .order_by(PartyMembership.member_id)
        .limit(count)
    ).all()
    now = utcnow()
    db.session.add_all(
        PartyMembership(member_id=m, party_org_id=branch.id, status="pending", created_at=now)
        for m in movers
    )


def seed_lecture_points() -> int:
    """A 三新讲学所 at each community's first checkpoint; every other one has a lecture
    in three days (the coverage view shows both kinds)."""
    now = utcnow()
    first = sa.select(Checkpoint.community_id, sa.func.min(Checkpoint.id)).group_by(
        Checkpoint.community_id
    )
    names = dict(db.session.execute(sa.select(Unit.id, Unit.name)).all())
    points = []
    for n, (community_id, checkpoint_id) in enumerate(db.session.execute(first).all()):
        points.append(
            LecturePoint(
                name=f"{names[community_id]}三新讲学所",
                kind="lecture_point",
                checkpoint_id=checkpoint_id,
                community_id=community_id,
                created_at=now,
            )
        )
        if n % 2 == 0:
            start = (now + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
            db.session.add(
                Shift(
                    community_id=community_id,
                    checkpoint_id=checkpoint_id,
                    kind="lecture",
                    title="学习贯彻党的创新理论专题讲学",
                    description="",
                    starts_at=start,
                    ends_at=start + timedelta(hours=2),
                    capacity=40,
                    skills=[],
                    counts_as_service=False,
                )
            )
    db.session.add_all(points)
    db.session.flush()
    return len(points)


def seed_party() -> None:
    """Everything of the party domain, after the units, members and checkpoints."""
    seed_checklists()
    branches = seed_party_tree()
    seed_memberships(branches)
    seed_secretary()
    seed_lecture_points()
    db.session.flush()
