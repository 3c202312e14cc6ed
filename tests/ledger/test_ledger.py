from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.factories import make_member
from timebank.core.errors import Conflict, NotAllowed, RuleViolation, ValidationFailed
from timebank.ledger import chain
from timebank.ledger.models import LedgerEntry
from timebank.ledger.queries import balance_minutes
from timebank.ledger.services import adjust, reverse

NOW = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)


def test_adjustment_needs_reason_and_scope(people):
    with pytest.raises(ValidationFailed) as exc:
        adjust(people.coordinator, people.member, minutes=30, reason=" ", now=NOW)
    assert "reason" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        adjust(people.coordinator, people.member, minutes=1.5, reason="x", now=NOW)
    assert "minutes" in exc.value.fields
    with pytest.raises(ValidationFailed):
        adjust(people.coordinator, people.member, minutes=0, reason="x", now=NOW)
    with pytest.raises(NotAllowed):
        adjust(people.far_coordinator, people.member, minutes=30, reason="x", now=NOW)
    with pytest.raises(NotAllowed):
        adjust(people.staff, people.member, minutes=30, reason="x", now=NOW)
    entry = adjust(people.coordinator, people.member, minutes=30, reason="补录", now=NOW)
    assert (entry.kind, entry.minutes, entry.created_by_id) == (
        "adjustment",
        30,
        people.coordinator.id,
    )
    assert balance_minutes(people.member.id) == 30


def test_reversal_undoes_once_and_cannot_itself_be_reversed(people):
    entry = adjust(people.coordinator, people.member, minutes=90, reason="a", now=NOW)
    with pytest.raises(ValidationFailed):
        reverse(people.coordinator, entry, reason="", now=NOW)
    reversal = reverse(people.coordinator, entry, reason="录错了", now=NOW)
    assert (reversal.kind, reversal.minutes, reversal.reverses_id) == ("reversal", -90, entry.id)
    assert balance_minutes(people.member.id) == 0
    with pytest.raises(Conflict) as exc:
        reverse(people.coordinator, entry, reason="again", now=NOW)
    assert exc.value.code == "already_reversed"
    with pytest.raises(RuleViolation) as exc:
        reverse(people.coordinator, reversal, reason="undo the undo", now=NOW)
    assert exc.value.code == "cannot_reverse_reversal"


def test_adjustments_and_reversals_are_audited(people, db):
    from timebank.audit.models import AuditEntry

    entry = adjust(people.coordinator, people.member, minutes=10, reason="a", now=NOW)
    reverse(people.coordinator, entry, reason="b", now=NOW)
    actions = [a.action for a in db.session.query(AuditEntry).order_by(AuditEntry.id)]
    assert actions == ["ledger.adjust", "ledger.reverse"]


def test_chain_links_every_entry_and_verifies(people, db):
    for i in range(5):
        adjust(
            people.coordinator,
            people.member,
            minutes=i + 1,
            reason=f"r{i}",
            now=NOW + timedelta(minutes=i),
        )
    entries = db.session.query(LedgerEntry).order_by(LedgerEntry.id).all()
    assert [e.id for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == chain.GENESIS
    assert all(b.prev_hash == a.entry_hash for a, b in zip(entries, entries[1:], strict=False))
    result = chain.verify()
    assert result.ok and result.entries == 5 and result.head_hash == entries[-1].entry_hash


def test_the_database_refuses_to_change_or_delete_entries(people, db):
    adjust(people.coordinator, people.member, minutes=10, reason="a", now=NOW)
    for statement in ("UPDATE ledger_entries SET minutes = 600", "DELETE FROM ledger_entries"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.session.begin_nested():
            db.session.execute(sa.text(statement))


def _tamper(db, statement):
    """Change a row behind the triggers' back, as someone with database access might."""
    dialect = db.session.bind.dialect.name
    if dialect == "postgresql":
        db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
        db.session.execute(sa.text(statement))
        db.session.execute(sa.text("SET LOCAL session_replication_role = origin"))
    else:
        db.session.execute(sa.text("DROP TRIGGER ledger_entries_no_update"))
        db.session.execute(sa.text("DROP TRIGGER ledger_entries_no_delete"))
        db.session.execute(sa.text(statement))
    db.session.expire_all()


@pytest.mark.parametrize(
    ("statement", "first_bad", "problem"),
    [
        ("UPDATE ledger_entries SET minutes = 600 WHERE id = 3", 3, "hash_mismatch"),
        ("UPDATE ledger_entries SET reason = 'x' WHERE id = 2", 2, "hash_mismatch"),
        ("DELETE FROM ledger_entries WHERE id = 2", 3, "gap"),
        ("DELETE FROM ledger_entries WHERE id = 4", 4, "head_mismatch"),
    ],
)
def test_tampering_is_detected_and_the_first_bad_entry_named(
    people, db, statement, first_bad, problem
):
    for i in range(4):
        adjust(
            people.coordinator,
            people.member,
            minutes=10,
            reason=f"r{i}",
            now=NOW + timedelta(minutes=i),
        )
    _tamper(db, statement)
    result = chain.verify()
    assert not result.ok
    assert (result.first_bad_entry_id, result.problem) == (first_bad, problem)


def test_verify_ledger_command(people, runner, db):
    adjust(people.coordinator, people.member, minutes=10, reason="a", now=NOW)
    result = runner.invoke(args=["verify-ledger"])
    assert result.exit_code == 0, result.output
    assert "1 entries" in result.output
    _tamper(db, "UPDATE ledger_entries SET minutes = 999 WHERE id = 1")
    result = runner.invoke(args=["verify-ledger"])
    assert result.exit_code == 1 and "entry 1" in result.output


def test_balance_is_the_sum_of_entries(tree, people):
    other = make_member(tree.community)
    adjust(people.coordinator, people.member, minutes=100, reason="a", now=NOW)
    adjust(people.coordinator, people.member, minutes=-30, reason="b", now=NOW)
    adjust(people.coordinator, other, minutes=5, reason="c", now=NOW)
    assert balance_minutes(people.member.id) == 70
    assert balance_minutes(other.id) == 5


def test_append_many_continues_the_chain(people, db):
    adjust(people.coordinator, people.member, minutes=10, reason="a", now=NOW)
    entries = [
        LedgerEntry(
            member_id=people.member.id,
            kind="service",
            minutes=m,
            created_at=NOW + timedelta(minutes=m),
        )
        for m in (30, 60, 90)
    ]
    chain.append_many(entries)
    adjust(people.coordinator, people.member, minutes=5, reason="b", now=NOW)
    result = chain.verify()
    assert result.ok and result.entries == 5
    assert balance_minutes(people.member.id) == 195


def test_nobody_adjusts_their_own_balance(people):
    with pytest.raises(NotAllowed):
        adjust(people.coordinator, people.coordinator, minutes=60, reason="me", now=NOW)
