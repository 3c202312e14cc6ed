"""Demo data of the dispatch platform: departments, categories, grid workers, handlers."""

import csv
import random
from importlib import resources

import sqlalchemy as sa

from ..auth.models import Role, RoleAssignment
from ..core.clock import utcnow
from ..dispatch.models import Department, DepartmentHandler, Employment, EventCategory, GridWorker
from ..extensions import db
from ..members.models import Member, MemberStatus
from ..units.models import Level, Unit

#: Phones of demo accounts that get a dispatch part (see seed.DEMO_ACCOUNTS).
DEMO_GRIDWORKER = "13800000008"
DEMO_HANDLER = "13800000009"
#: Departments that get generated handlers (the busiest in the category list).
BUSY_DEPARTMENTS = ("CUM", "HUD", "WAT", "TRA", "CIV", "FIR", "TPB", "EEB", "MKT")
HANDLERS_PER_DEPARTMENT = 3
#: Share of full-time grid workers (981 of 1,659 in the real district).
FULL_TIME_SHARE = 0.59


def _rows(name: str) -> list[dict]:
    text = resources.files("timebank.demo").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def seed_catalogue() -> dict[str, int]:
    """The 34 departments and the category list; returns department ids by code."""
    now = utcnow()
    db.session.execute(
        sa.insert(Department),
        [
            dict(code=r["code"], name=r["name"], name_en=r["name_en"], created_at=now)
            for r in _rows("departments.csv")
        ],
    )
    ids = dict(db.session.execute(sa.select(Department.code, Department.id)).all())
    db.session.execute(
        sa.insert(EventCategory),
        [
            dict(
                code=r["code"],
                name=r["name"],
                name_en=r["name_en"],
                class_name=r["class"],
                department_id=ids.get(r["department_code"]),
                accept_within_min=int(r["accept_within_min"]),
                handle_within_h=int(r["handle_within_h"]),
                volunteer_ok=r["volunteer_ok"] == "true",
                created_at=now,
            )
            for r in _rows("event_categories.csv")
        ],
    )
    return ids


def seed_gridworkers(rng: random.Random) -> int:
    """One grid worker for the first grid of every community, chosen among its active
    members, plus the demo grid worker on the first grid of the demo community."""
    now = utcnow()
    grids = db.session.execute(
        sa.select(Unit.parent_id, sa.func.min(Unit.id))
        .where(Unit.level == Level.GRID)
        .group_by(Unit.parent_id)
        .order_by(Unit.parent_id)
    ).all()
    members = db.session.execute(
        sa.select(Member.community_id, Member.id)
        .where(Member.status == MemberStatus.ACTIVE, Member.phone.like("139%"))
        .order_by(Member.id)
    ).all()
    by_community: dict[int, list[int]] = {}
    for community_id, member_id in members:
        by_community.setdefault(community_id, []).append(member_id)
    chosen = [(rng.choice(by_community[c]), grid) for c, grid in grids if by_community.get(c)]
    demo = db.session.scalar(sa.select(Member).where(Member.phone == DEMO_GRIDWORKER))
    if demo is not None:
        chosen.append((demo.id, min(g for c, g in grids if c == demo.community_id)))
    db.session.execute(
        sa.insert(RoleAssignment),
        [dict(member_id=m, role=Role.GRIDWORKER, unit_id=g, created_at=now) for m, g in chosen],
    )
    employment = {
        m: Employment.FULL_TIME if rng.random() < FULL_TIME_SHARE else Employment.PART_TIME
        for m, _ in chosen
    }
    db.session.execute(
        sa.insert(GridWorker),
        [dict(member_id=m, employment=e, created_at=now) for m, e in employment.items()],
    )
    return len(chosen)


def seed_handlers(rng: random.Random, departments: dict[str, int]) -> None:
    """A few handlers for the busiest departments, and the demo handler for 城管."""
    now = utcnow()
    pool = list(
        db.session.scalars(
            sa.select(Member.id)
            .where(Member.status == MemberStatus.ACTIVE, Member.phone.like("139%"))
            .order_by(Member.id)
        )
    )
    rows = []
    for code in BUSY_DEPARTMENTS:
        for member_id in rng.sample(pool, min(HANDLERS_PER_DEPARTMENT, len(pool))):
            rows.append(dict(department_id=departments[code], member_id=member_id, created_at=now))
    demo = db.session.scalar(sa.select(Member.id).where(Member.phone == DEMO_HANDLER))
    if demo is not None:
        rows.append(dict(department_id=departments["CUM"], member_id=demo, created_at=now))
    unique = {(r["department_id"], r["member_id"]): r for r in rows}
    db.session.execute(sa.insert(DepartmentHandler), list(unique.values()))


def seed_dispatch(rng: random.Random) -> None:
    departments = seed_catalogue()
    seed_gridworkers(rng)
    seed_handlers(rng, departments)
