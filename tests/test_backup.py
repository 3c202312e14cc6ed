"""Backup and restore, round trip: SQLite or PostgreSQL into an empty database."""

from datetime import timedelta

import sqlalchemy as sa

from tests.factories import make_member, make_shift, make_signup, make_tree, run_flask
from timebank.auth.models import Role
from timebank.core.clock import utcnow
from timebank.extensions import db
from timebank.ledger.services import adjust, reverse


def _counts(engine):
    with engine.connect() as conn:
        return {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar()
            for t in db.metadata.sorted_tables
        }


def test_backup_restores_into_an_empty_database(app, committed, runner, tmp_path):
    tree = make_tree()
    coordinator = make_member(
        tree.community, name="协调员", roles=[(Role.COORDINATOR, tree.community)]
    )
    member = make_member(tree.community, name="王小明", skills=["medical"])
    shift = make_shift(tree.community, starts_at=utcnow() + timedelta(days=1))
    make_signup(member, shift)
    entry = adjust(coordinator, member, minutes=90, reason="补录", now=utcnow())
    reverse(coordinator, entry, reason="撤销", now=utcnow())
    adjust(coordinator, member, minutes=30, reason="再补", now=utcnow())
    db.session.commit()
    dump = tmp_path / "backup.jsonl.gz"
    result = runner.invoke(args=["backup", str(dump)])
    assert result.exit_code == 0, result.output
    source = _counts(db.engine)

    target = "sqlite:///" + str(tmp_path / "restored.sqlite3")
    assert run_flask(target, "db", "upgrade").returncode == 0
    restored = run_flask(target, "restore", str(dump))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "Ledger OK: 3 entries" in restored.stdout
    engine = sa.create_engine(target)
    assert _counts(engine) == source
    with engine.connect() as conn:
        assert (
            conn.execute(
                sa.text("SELECT name FROM members WHERE id = :i"), {"i": member.id}
            ).scalar()
            == "王小明"
        )
    engine.dispose()
    verify = run_flask(target, "verify-ledger")
    assert verify.returncode == 0, verify.stderr
    again = run_flask(target, "restore", str(dump))  # not empty any more
    assert again.returncode == 1 and "not empty" in again.stderr


def test_restore_refuses_a_file_that_is_not_a_backup(app, committed, runner, tmp_path):
    import gzip

    bogus = tmp_path / "bogus.jsonl.gz"
    with gzip.open(bogus, "wt") as out:
        out.write('{"format": "something else"}\n')
    result = runner.invoke(args=["restore", str(bogus)])
    assert result.exit_code == 1 and "not a timebank backup" in result.output
