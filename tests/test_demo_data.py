"""What the demo seed makes: the Nansha tree, accounts, history, dispatch, the party domain.

Seeding takes seconds, so the tests that only read what it made share one seeding per
module (`seeded`): it stays in an open transaction on one connection, and each test runs
in a savepoint of its own on it (`demo_db`), rolled back after the test.
"""

import pytest
import sqlalchemy as sa

from tests.conftest import sessions_on
from timebank.auth.models import Role, RoleAssignment
from timebank.core.clock import utcnow
from timebank.demo.seed import DEMO_ACCOUNTS, DEMO_PASSWORD, seed_demo
from timebank.demo.seed_dispatch import (
    DEMO_GRIDWORKER,
    FULL_TIME_WORKERS,
    PART_TIME_WORKERS,
    PARTY_WORKERS,
    UNCOVERED_GRIDS,
)
from timebank.demo.seed_party import DEMO_COMMUNITY, DEMO_SECRETARY
from timebank.dispatch.command import uncovered_grids
from timebank.dispatch.models import Event, GridWorker
from timebank.extensions import db as _db
from timebank.members.models import Member
from timebank.party import checks, memberships
from timebank.party.models import ChecklistItem, LecturePoint, PartyMembership, PartyOrg
from timebank.units.models import Unit
from timebank.units.queries import find_root

MEMBERS = 50


@pytest.fixture(scope="module")
def seeded(app):
    """`seed_demo(members=50)` with its defaults, once for the module, never committed."""
    with app.app_context():
        connection = _db.engine.connect()
    outer = connection.begin()
    try:
        with app.app_context(), sessions_on(connection):
            assert seed_demo(members=MEMBERS) is True
            _db.session.commit()  # releases the seeding's savepoint into `outer`
        yield connection
    finally:
        outer.rollback()
        connection.close()


@pytest.fixture
def demo_db(app, seeded):
    """The seeded demo, in a savepoint rolled back after the test."""
    with app.app_context():
        test = seeded.begin_nested()
        try:
            with sessions_on(seeded) as bound:
                yield bound
        finally:
            test.rollback()


@pytest.fixture
def demo_client(app, demo_db):
    return app.test_client()


def test_seed_demo_builds_nansha_shape(demo_db):
    db = demo_db
    counts = dict(
        db.session.execute(sa.select(Unit.level, sa.func.count()).group_by(Unit.level)).all()
    )
    assert counts == {"district": 1, "town": 9, "community": 158, "grid": 1069}
    names = [n for (n,) in db.session.execute(sa.select(Unit.name).where(Unit.level == "town"))]
    assert "黄阁镇" in names and "南沙街道" in names
    lat, lon = db.session.execute(sa.select(sa.func.avg(Unit.lat), sa.func.avg(Unit.lon))).one()
    assert 22.6 < lat < 23.0 and 113.3 < lon < 113.7
    community_names = {
        n for (n,) in db.session.execute(sa.select(Unit.name).where(Unit.level == "community"))
    }
    assert len(community_names) == 158
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Member)) == MEMBERS + len(
        DEMO_ACCOUNTS
    ) + (FULL_TIME_WORKERS + PART_TIME_WORKERS)
    from timebank.shifts.models import Checkpoint, Shift, Signup

    assert db.session.scalar(sa.select(sa.func.count()).select_from(Checkpoint)) == 526
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Shift)) > 158 * 14
    over = db.session.scalar(
        sa.select(sa.func.count()).select_from(Shift).where(Shift.taken > Shift.capacity)
    )
    assert over == 0
    confirmed = db.session.scalar(sa.select(sa.func.count()).select_from(Signup))
    assert confirmed == db.session.scalar(sa.select(sa.func.sum(Shift.taken)))
    from timebank.ledger import chain
    from timebank.ledger.models import LedgerEntry

    entries = db.session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry))
    assert entries > 100  # three weeks of history, credited
    assert chain.verify().ok
    roles = {r for (r,) in db.session.execute(sa.select(RoleAssignment.role))}
    assert roles == {r.value for r in Role}
    from timebank.dispatch.models import Department, EventCategory, GridWorker

    assert db.session.scalar(sa.select(sa.func.count()).select_from(Department)) == 34
    volunteer_ok = db.session.scalars(
        sa.select(EventCategory.code).where(EventCategory.volunteer_ok.is_(True))
    ).all()
    assert "PS-ERRAND" in volunteer_ok and len(volunteer_ok) == 6
    # The district's grid workers (grid_workers_as_in_the_district), and the demo grid worker.
    workers = db.session.scalar(sa.select(sa.func.count()).select_from(GridWorker))
    assert workers == FULL_TIME_WORKERS + PART_TIME_WORKERS + 1
    assert seed_demo(members=MEMBERS) is False  # only once


def test_the_demo_seeds_history_by_default(demo_db):
    assert demo_db.session.scalar(sa.select(sa.func.count()).select_from(Event)) > 1000


def test_demo_seed_builds_the_party_domain(demo_db):
    """Lists for the five fields, the tree, a working secretary."""
    db = demo_db
    pairs = set(db.session.execute(sa.select(ChecklistItem.field, ChecklistItem.target)).all())
    assert pairs == {
        (f, t)
        for f in ("rural", "community", "organ", "soe", "two_new")
        for t in ("member", "organisation")
    }
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LecturePoint)) > 100
    secretary = db.session.scalar(sa.select(Member).where(Member.phone == DEMO_SECRETARY))
    branch = db.session.scalar(sa.select(PartyOrg).where(PartyOrg.code == f"P-{DEMO_COMMUNITY}"))
    members = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(PartyMembership)
        .where(PartyMembership.party_org_id == branch.id, PartyMembership.status == "confirmed")
    )
    assert len(memberships.requests_in_scope(secretary)) == 2  # members asking to move in
    found, count = checks.open_check(secretary, branch, "2026H1", now=utcnow())
    assert count == members > 0


def test_demo_accounts_can_sign_in(demo_client):
    client = demo_client
    for account in DEMO_ACCOUNTS:
        response = client.post(
            "/api/v1/auth/tokens", json={"phone": account.phone, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 201, account


def test_every_unit_has_an_english_name(demo_db):
    demo = demo_db
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


def test_grid_workers_as_in_the_district(demo_db):
    demo = demo_db
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


def test_every_grid_covered_but_a_few(demo_db):
    demo = demo_db
    uncovered = uncovered_grids(find_root())
    assert len(uncovered) == UNCOVERED_GRIDS == 25
    demo_worker = demo.session.scalar(sa.select(Member).where(Member.phone == DEMO_GRIDWORKER))
    demo_grids = demo.session.scalars(
        sa.select(RoleAssignment.unit_id).where(
            RoleAssignment.member_id == demo_worker.id, RoleAssignment.role == Role.GRIDWORKER
        )
    ).all()
    assert len(demo_grids) == 1 and demo_grids[0] not in {g.id for g in uncovered}
