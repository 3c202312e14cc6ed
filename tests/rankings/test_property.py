"""Totals rebuilt from the ledger equal the incremental totals, whatever the sequence."""

import contextlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_member
from timebank.core.errors import DomainError
from timebank.ledger.models import LedgerEntry
from timebank.ledger.services import adjust, reverse
from timebank.rankings.totals import compute_from_ledger, stored_totals

T0 = datetime(2025, 12, 20, 0, 0, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")

operation = st.one_of(
    st.tuples(
        st.just("adjust"),
        st.integers(0, 3),
        st.integers(-600, 600).filter(bool),
        st.integers(0, 120),
    ),  # member, minutes, days after T0 (crosses years)
    st.tuples(st.just("reverse"), st.integers(0, 50), st.just(0), st.integers(0, 120)),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(operation, min_size=1, max_size=25))
def test_rebuilt_totals_equal_incremental_totals(tree, people, db, operations):
    savepoint = db.session.begin_nested()
    try:
        members = [people.member, people.neighbour, people.far_member, make_member(tree.sibling)]
        entries = []
        for kind, a, minutes, days in operations:
            when = T0 + timedelta(days=days, hours=a)
            if kind == "adjust":
                actor = people.admin
                entries.append(adjust(actor, members[a], minutes=minutes, reason="p", now=when))
            elif entries:
                # Reversing a reversal, or twice, is refused and writes nothing.
                with contextlib.suppress(DomainError):
                    entries.append(
                        reverse(people.admin, entries[a % len(entries)], reason="r", now=when)
                    )
        stored = {k: v for k, v in stored_totals().items() if v != (0, 0)}
        rebuilt = {k: v for k, v in compute_from_ledger().items() if v != (0, 0)}
        assert stored == rebuilt
        # And an oracle that shares no code with the totals: member × Shanghai month.
        naive: dict = {}
        for e in db.session.scalars(sa.select(LedgerEntry)):
            month = e.effective_at.astimezone(SHANGHAI).strftime("%Y-%m")
            naive[(e.member_id, month)] = naive.get((e.member_id, month), 0) + e.minutes
        months = {
            (i, k): m for (s, i, p, k), (m, _n) in stored.items() if s == "member" and p == "month"
        }
        assert months == {k: v for k, v in naive.items() if v}
    finally:
        savepoint.rollback()
