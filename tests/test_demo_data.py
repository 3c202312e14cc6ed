"""The demo's data: English names for every unit, and the district's grid workers."""

import sqlalchemy as sa

from timebank.auth.models import Role, RoleAssignment
from timebank.demo.seed import seed_demo
from timebank.demo.seed_dispatch import (
    DEMO_GRIDWORKER,
    FULL_TIME_WORKERS,
    PART_TIME_WORKERS,
    PARTY_WORKERS,
    UNCOVERED_GRIDS,
)
from timebank.dispatch.command import uncovered_grids
from timebank.dispatch.models import GridWorker
from timebank.members.models import Member
from timebank.units.models import Unit
from timebank.units.queries import find_root


def test_the_demo_units_and_grid_workers(db):
    """One seed (the smallest: no members, no events) for all the checks."""
    assert seed_demo(members=0, events=0) is True
    every_unit_has_an_english_name(db)
    grid_workers_as_in_the_district(db)
    every_grid_covered_but_a_few(db)


def every_unit_has_an_english_name(demo):
    missing = demo.session.execute(
        sa.select(Unit.level, Unit.code).where(
            sa.or_(Unit.name_en.is_(None), sa.func.trim(Unit.name_en) == "")
        )
    ).all()
    assert missing == []
    levels = {lvl for (lvl,) in demo.session.execute(sa.select(Unit.level).distinct())}
    assert levels == {"district", "town", "community", "grid"}
    english = demo.session.scalars(sa.select(Unit.name_en).where(Unit.level == "community"))
    assert all(name.isascii() for name in english)


def grid_workers_as_in_the_district(demo):
    workers = demo.session.execute(
        sa.select(GridWorker.employment, Member.is_party_member, Member.status)
        .join(Member, Member.id == GridWorker.member_id)
        .where(Member.phone.like("136%"))
    ).all()
    assert sum(1 for e, _, _ in workers if e == "full_time") == FULL_TIME_WORKERS == 980
    assert sum(1 for e, _, _ in workers if e == "part_time") == PART_TIME_WORKERS == 660
    assert sum(1 for _, party, _ in workers if party) == PARTY_WORKERS == 250
    assert {status for _, _, status in workers} == {"active"}
    # Each has their own account, and the role on a grid of their community.
    phones = demo.session.scalar(
        sa.select(sa.func.count(sa.distinct(Member.phone))).where(Member.phone.like("136%"))
    )
    assert phones == FULL_TIME_WORKERS + PART_TIME_WORKERS
    grid = sa.orm.aliased(Unit)
    misplaced = demo.session.scalar(
        sa.select(sa.func.count())
        .select_from(RoleAssignment)
        .join(Member, Member.id == RoleAssignment.member_id)
        .join(grid, grid.id == RoleAssignment.unit_id)
        .where(
            RoleAssignment.role == Role.GRIDWORKER,
            sa.or_(grid.level != "grid", grid.parent_id != Member.community_id),
        )
    )
    assert misplaced == 0


def every_grid_covered_but_a_few(demo):
    uncovered = uncovered_grids(find_root())
    assert len(uncovered) == UNCOVERED_GRIDS == 25
    demo_worker = demo.session.scalar(sa.select(Member).where(Member.phone == DEMO_GRIDWORKER))
    demo_grids = demo.session.scalars(
        sa.select(RoleAssignment.unit_id).where(
            RoleAssignment.member_id == demo_worker.id, RoleAssignment.role == Role.GRIDWORKER
        )
    ).all()
    assert len(demo_grids) == 1 and demo_grids[0] not in {g.id for g in uncovered}
