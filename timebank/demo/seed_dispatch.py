"""Demo data of the dispatch platform: departments, categories, grid workers, handlers."""

import csv
import random
from datetime import timedelta
from importlib import resources

import sqlalchemy as sa

from ..auth.models import Role, RoleAssignment
from ..core.clock import utcnow
from ..dispatch.models import Department, DepartmentHandler, Employment, EventCategory, GridWorker
from ..extensions import db
from ..members.models import Member, MemberStatus
from ..units.models import Level, Unit
from .names import person_name

#: Phones of demo accounts that get a dispatch part (see seed.DEMO_ACCOUNTS).
DEMO_GRIDWORKER = "13800000008"
DEMO_HANDLER = "13800000009"
#: Departments that get generated handlers (the busiest in the category list).
BUSY_DEPARTMENTS = ("CUM", "HUD", "WAT", "TRA", "CIV", "FIR", "TPB", "EEB", "MKT")
HANDLERS_PER_DEPARTMENT = 3
#: The district's grid workers (981 full-time and 678 part-time in the real one, 253 of
#: them party members), and the grids the demo leaves without one.
FULL_TIME_WORKERS = 980
PART_TIME_WORKERS = 660
PARTY_WORKERS = 250
UNCOVERED_GRIDS = 25
GRIDWORKER_PHONE_PREFIX = "136"
WORKPLACE = "南沙区综合指挥调度中心"


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


def seed_gridworkers(rng: random.Random, password_hash: str) -> int:
    """The district's grid workers with their own accounts (phones 136…): FULL_TIME_WORKERS
    full-time ones, one on each of as many grids; PART_TIME_WORKERS part-time ones, first on
    the covered grids left without one, then as a second worker on a grid; PARTY_WORKERS
    of them party members. UNCOVERED_GRIDS grids stay without a worker (the coverage view
    shows them). The demo grid worker joins the first grid of the demo community."""
    grids = db.session.execute(
        sa.select(Unit.id, Unit.parent_id, Unit.lat, Unit.lon)
        .where(Unit.level == Level.GRID)
        .order_by(Unit.id)
    ).all()
    demo = db.session.scalar(sa.select(Member).where(Member.phone == DEMO_GRIDWORKER))
    demo_grid = min((g.id for g in grids if demo and g.parent_id == demo.community_id), default=0)
    open_grids = [g for g in grids if g.id != demo_grid]
    uncovered = set(g.id for g in rng.sample(open_grids, min(UNCOVERED_GRIDS, len(open_grids))))
    covered = [g for g in grids if g.id not in uncovered]
    full = rng.sample(covered, min(FULL_TIME_WORKERS, len(covered)))
    taken = {g.id for g in full}
    rest = [g for g in covered if g.id not in taken]
    part = rest[:PART_TIME_WORKERS]
    part += [rng.choice(covered) for _ in range(PART_TIME_WORKERS - len(part))]
    places = [(g, Employment.FULL_TIME) for g in full] + [(g, Employment.PART_TIME) for g in part]
    party = set(rng.sample(range(len(places)), min(PARTY_WORKERS, len(places))))
    ids = _worker_accounts(rng, places, party, password_hash)
    assigned = [(member_id, grid.id, e) for member_id, (grid, e) in zip(ids, places, strict=True)]
    if demo is not None and demo_grid:
        assigned.append((demo.id, demo_grid, Employment.FULL_TIME))
    now = utcnow()
    db.session.execute(
        sa.insert(RoleAssignment),
        [
            dict(member_id=m, role=Role.GRIDWORKER, unit_id=g, created_at=now)
            for m, g, _ in assigned
        ],
    )
    db.session.execute(
        sa.insert(GridWorker),
        [dict(member_id=m, employment=e, created_at=now) for m, _, e in assigned],
    )
    return len(assigned)


def _worker_accounts(rng, places, party: set[int], password_hash: str) -> list[int]:
    """One active account per grid worker, living in their grid's community; their ids in
    the order of `places`."""
    now = utcnow()
    rows = []
    for i, (grid, _) in enumerate(places):
        created = now - timedelta(days=rng.randint(30, 900))
        rows.append(
            dict(
                name=person_name(rng),
                phone=f"{GRIDWORKER_PHONE_PREFIX}{i:08d}",
                password_hash=password_hash,
                is_party_member=i in party,
                skills=[],
                home_lat=round(grid.lat + rng.gauss(0, 0.002), 6),
                home_lon=round(grid.lon + rng.gauss(0, 0.002), 6),
                workplace=WORKPLACE,
                community_id=grid.parent_id,
                status=MemberStatus.ACTIVE,
                locale="zh_CN",
                session_version=1,
                failed_logins=0,
                created_at=created,
                approved_at=created + timedelta(days=1),
            )
        )
    for start in range(0, len(rows), 1000):
        db.session.execute(sa.insert(Member), rows[start : start + 1000])
    return list(
        db.session.scalars(
            sa.select(Member.id)
            .where(Member.phone.like(f"{GRIDWORKER_PHONE_PREFIX}%"))
            .order_by(Member.phone)
        )
    )


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


def seed_dispatch(rng: random.Random, password_hash: str) -> None:
    departments = seed_catalogue()
    seed_gridworkers(rng, password_hash)
    seed_handlers(rng, departments)
