"""The demo's dispatch history: months of events whose closure rate is about the
district's (97 %), counters equal to a rebuild, tracking numbers never given twice. (That
`seed_demo` seeds history by default: tests/test_demo_data.py.)"""

import random
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from timebank.demo.seed import seed_demo
from timebank.demo.seed_events import seed_events
from timebank.dispatch import counters
from timebank.dispatch.deadlines import mark_accept_overdue, mark_handle_overdue
from timebank.dispatch.intake import report_event
from timebank.dispatch.models import ASSIGNED, Event, EventStep
from timebank.dispatch.stats import Scope, figures, figures_by_group_by
from timebank.members.models import Member
from timebank.units.queries import find_root

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


def test_history_closes_about_97_percent_and_counters_match_a_rebuild(db):
    seed_demo(members=30, events=0)

    assert seed_events(random.Random(7), 3000, days=180, now=NOW) == 3000
    events = db.session.scalar(sa.select(sa.func.count()).select_from(Event))
    assert events == 3000
    assert counters.differences() == []
    district = find_root()
    scope = Scope(district, (NOW - timedelta(days=200)).date(), NOW.date(), "town")
    answer = figures(scope)
    assert answer == figures_by_group_by(scope)
    assert 0.95 <= answer["totals"]["closure_rate"] <= 0.985
    assert answer["totals"]["overdue_open"] > 0
    numbers = db.session.scalar(sa.select(sa.func.count(sa.distinct(Event.number))))
    assert numbers == 3000
    # Every event has its "reported" step and the steps follow the rows' status.
    first = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(EventStep.event_id))).where(
            EventStep.action == "reported"
        )
    )
    assert first == 3000
    # The scheduler finds nothing left to mark: the history's late events are marked.
    assert mark_accept_overdue(NOW) == 0 and mark_handle_overdue(NOW) == 0
    late_open = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Event)
        .where(Event.overdue.is_(True), Event.status.in_(ASSIGNED))
    )
    assert late_open == answer["totals"]["overdue_open"]
    # The live app's next number of a seeded day is a new one.
    member = db.session.scalar(sa.select(Member).where(Member.status == "active").limit(1))
    day = db.session.scalar(sa.select(Event.reported_at).order_by(Event.id.desc()).limit(1))
    grid_id = db.session.scalar(sa.select(Event.unit_id).limit(1))
    fresh = report_event(
        member, now=day, category_code="FC-LAMP", description="灯", grid_id=grid_id
    )
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Event).where(Event.number == fresh.number)
        )
        == 1
    )
