from datetime import UTC, datetime

import pytest

from tests.factories import make_shift
from timebank.ledger.services import adjust

NOW = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def served(people, tree):
    """The member's service: two checkpoint shifts in June (3 h, 2 h), a lecture (1 h)."""
    c = tree.community
    first = make_shift(c, starts_at=datetime(2026, 6, 3, 1, 0, tzinfo=UTC), title="卡口值守")
    second = make_shift(
        tree.sibling, starts_at=datetime(2026, 6, 9, 1, 0, tzinfo=UTC), title="入户宣传"
    )
    lecture = make_shift(
        c, starts_at=datetime(2026, 6, 10, 1, 0, tzinfo=UTC), kind="lecture", title="党课"
    )
    entries = [
        adjust(
            people.coordinator,
            people.member,
            minutes=180,
            reason="值守",
            shift_id=first.id,
            now=NOW,
        ),
        adjust(
            people.coordinator,
            people.member,
            minutes=120,
            reason="宣传",
            shift_id=second.id,
            now=NOW,
        ),
        adjust(
            people.coordinator,
            people.member,
            minutes=60,
            reason="党课",
            shift_id=lecture.id,
            now=NOW,
        ),
    ]
    return entries
