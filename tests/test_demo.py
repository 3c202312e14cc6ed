import sqlalchemy as sa

from timebank.auth.models import Role, RoleAssignment
from timebank.demo.seed import DEMO_ACCOUNTS, DEMO_PASSWORD, seed_demo
from timebank.demo.seed_dispatch import FULL_TIME_WORKERS, PART_TIME_WORKERS
from timebank.members.models import Member
from timebank.units.models import Unit


def test_seed_demo_builds_nansha_shape(db):
    assert seed_demo(members=50) is True
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
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Member)) == 50 + len(
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
    # The district's grid workers (tests/test_demo_data.py), and the demo grid worker.
    workers = db.session.scalar(sa.select(sa.func.count()).select_from(GridWorker))
    assert workers == FULL_TIME_WORKERS + PART_TIME_WORKERS + 1
    assert seed_demo(members=50) is False  # only once


def test_seed_demo_command_prints_logins(runner, db):
    result = runner.invoke(args=["seed-demo", "--members", "10"])
    assert result.exit_code == 0, result.output
    assert DEMO_PASSWORD in result.output
    for account in DEMO_ACCOUNTS:
        assert account.phone in result.output
    again = runner.invoke(args=["seed-demo"])
    assert "not seeded again" in again.output and DEMO_ACCOUNTS[0].phone in again.output


def test_demo_accounts_can_sign_in(db, client):
    seed_demo(members=0)
    for account in DEMO_ACCOUNTS:
        response = client.post(
            "/api/v1/auth/tokens", json={"phone": account.phone, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 201, account


def test_create_admin_command(runner, db):
    args = ["create-admin", "--phone", "13911112222", "--password", "admin1234", "--name", "管理"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(Unit.code)) == "NS"
    again = runner.invoke(args=args)
    assert again.exit_code == 0 and "nothing was created" in again.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Member)) == 1
    bad = runner.invoke(args=["create-admin", "--phone", "1", "--password", "x", "--name", "n"])
    assert bad.exit_code == 2
