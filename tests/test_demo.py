"""`flask seed-demo` and `flask create-admin` (what the seed makes: test_demo_data.py)."""

import sqlalchemy as sa

from timebank.demo.seed import DEMO_ACCOUNTS, DEMO_PASSWORD
from timebank.members.models import Member
from timebank.units.models import Unit


def test_seed_demo_command_prints_logins(runner, db):
    result = runner.invoke(args=["seed-demo", "--members", "10", "--events", "100"])
    assert result.exit_code == 0, result.output
    assert DEMO_PASSWORD in result.output
    for account in DEMO_ACCOUNTS:
        assert account.phone in result.output
    again = runner.invoke(args=["seed-demo"])
    assert "not seeded again" in again.output and DEMO_ACCOUNTS[0].phone in again.output


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
