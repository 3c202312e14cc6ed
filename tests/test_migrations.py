"""`flask db upgrade` on an empty database, then `flask db check` finds nothing to generate."""

import os

import pytest

from tests.conftest import fresh_database, worker_database_url
from tests.factories import ROOT, run_flask


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """A database that `flask db upgrade` took from empty to the head, shared by the module's
    tests (each leaves it at the head): SQLite in a temporary folder, or a PostgreSQL
    scratch database of this worker's own (`<name>_gw0_migrations`) beside the suite's."""
    url = os.environ.get("TIMEBANK_TEST_DATABASE_URL")
    if not url:
        scratch = "sqlite:///" + str(tmp_path_factory.mktemp("migrations") / "db.sqlite3")
        yield _upgraded(scratch)
        return
    with fresh_database(worker_database_url(url, "_migrations")) as scratch:
        yield _upgraded(scratch)


def _upgraded(url: str) -> str:
    upgrade = run_flask(url, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    return url


def test_upgrade_then_check_finds_nothing_to_generate(migrated):
    check = run_flask(migrated, "db", "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr


def test_downgrade_to_base_and_up_again(migrated):
    down = run_flask(migrated, "db", "downgrade", "base")
    assert down.returncode == 0, down.stderr
    assert run_flask(migrated, "db", "upgrade").returncode == 0  # leaves it at the head


def test_migration_files_follow_the_naming_template():
    names = [p.name for p in (ROOT / "migrations" / "versions").glob("*.py")]
    assert names
    for name in names:
        date, time, rev, *_slug = name.split("_")
        assert len(date) == 8 and date.isdigit() and len(time) == 4 and time.isdigit(), name
