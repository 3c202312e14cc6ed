"""`flask db upgrade` on an empty database, then `flask db check` finds nothing to generate."""

import os

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.factories import ROOT, run_flask


@pytest.fixture
def empty_database(tmp_path):
    url = os.environ.get("TIMEBANK_TEST_DATABASE_URL")
    if not url:
        yield "sqlite:///" + str(tmp_path / "migrations.sqlite3")
        return
    base = make_url(url)
    name = f"{base.database}_migrations"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_upgrade_then_check_finds_nothing_to_generate(empty_database):
    upgrade = run_flask(empty_database, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    check = run_flask(empty_database, "db", "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr


def test_downgrade_to_base_and_up_again(empty_database):
    assert run_flask(empty_database, "db", "upgrade").returncode == 0
    down = run_flask(empty_database, "db", "downgrade", "base")
    assert down.returncode == 0, down.stderr
    assert run_flask(empty_database, "db", "upgrade").returncode == 0


def test_migration_files_follow_the_naming_template():
    names = [p.name for p in (ROOT / "migrations" / "versions").glob("*.py")]
    assert names
    for name in names:
        date, time, rev, *_slug = name.split("_")
        assert len(date) == 8 and date.isdigit() and len(time) == 4 and time.isdigit(), name
