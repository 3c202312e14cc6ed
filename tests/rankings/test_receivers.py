"""The ledger announces its entries; the rankings move their totals on the announcement."""

from datetime import UTC, datetime

from timebank.ledger import signals as ledger_signals
from timebank.ledger.services import adjust
from timebank.rankings import receivers
from timebank.rankings.totals import differences

NOW = datetime(2026, 3, 18, 4, 0, tzinfo=UTC)


def test_totals_move_by_the_ledger_signal_alone(people):
    member, coordinator, now = people.member, people.coordinator, NOW
    seen = []

    def spy(entries, **_):
        seen.append([e.id for e in entries])

    ledger_signals.entries_appended.connect(spy)
    try:
        entry = adjust(coordinator, member, minutes=30, reason="fixed", now=now)
    finally:
        ledger_signals.entries_appended.disconnect(spy)
    assert seen == [[entry.id]]
    assert differences() == []

    ledger_signals.entries_appended.disconnect(receivers.on_entries_appended)
    try:
        adjust(coordinator, member, minutes=15, reason="again", now=now)
        assert differences(), "without the receiver the totals stay behind"
    finally:
        ledger_signals.entries_appended.connect(receivers.on_entries_appended, weak=False)
