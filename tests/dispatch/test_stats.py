"""The figures (SPEC 6, rule 5): from counters kept by the transitions, equal to grouping
the events themselves."""

from datetime import date, timedelta

import pytest

from tests.dispatch.conftest import T0
from tests.dispatch.test_loop import dispatched, handled
from tests.factories import make_unit
from timebank.core.errors import NotAllowed, ValidationFailed
from timebank.dispatch import counters
from timebank.dispatch.closing import close_event, give_feedback
from timebank.dispatch.counter_models import EventCounter
from timebank.dispatch.deadlines import mark_accept_overdue
from timebank.dispatch.stats import Scope, event_stats, figures, figures_by_group_by, median
from timebank.dispatch.transitions import register_event, reject_event
from timebank.extensions import db
from timebank.units.models import Level

DAY = date(2026, 12, 3)


def build_history(world):
    """Seven events over two days and two communities, in every state that counts."""
    p = world.people
    c2_grid = make_unit(Level.GRID, world.tree.sibling, lat=22.83, lon=113.515)
    good, _ = handled(world)  # rated 5: closed on time, good
    give_feedback(p.member, good, rating=5, now=T0 + timedelta(hours=2))
    poor, _ = handled(world)  # rated 3: closed, not good
    give_feedback(p.member, poor, rating=3, now=T0 + timedelta(hours=2))
    late, worker = handled(world, handle={})
    late.handled_on_time = False  # as if handled after its due time
    db.session.flush()
    close_event(p.coordinator, late, note="核实", now=T0 + timedelta(hours=3))
    reject_event(p.coordinator, world.report(), reason="重复", now=T0)
    register_event(p.organiser, world.report(grid_id=c2_grid.id, category_code="PS-ERRAND"))
    waiting = dispatched(world, now=T0)
    mark_accept_overdue(T0 + timedelta(hours=1))  # overdue and open
    world.report(now=T0 + timedelta(days=1))  # the next day
    return waiting


def test_counters_equal_the_group_by_for_every_breakdown(world):
    build_history(world)
    assert counters.differences() == []
    for unit, by in [
        (world.tree.district, "town"),
        (world.tree.district, "community"),
        (world.tree.district, "grid"),
        (world.tree.district, "category"),
        (world.tree.town, "community"),
        (world.tree.community, "grid"),
        (world.tree.community, "category"),
        (world.tree.grid, "category"),
    ]:
        for first, last in [
            (DAY, DAY),
            (DAY, DAY + timedelta(days=1)),
            (DAY - timedelta(3), DAY - timedelta(1)),
        ]:
            scope = Scope(unit, first, last, by)
            assert figures(scope) == figures_by_group_by(scope), (unit, by, first)


def test_the_figures_of_a_day(world):
    build_history(world)
    answer = figures(Scope(world.tree.district, DAY, DAY, "community"))
    t = answer["totals"]
    assert (t["reported"], t["rejected"], t["closed"]) == (6, 1, 3)
    assert t["closure_rate"] == round(3 / 5, 4)
    assert t["on_time_rate"] == round(2 / 3, 4)
    assert t["satisfaction_rate"] == 0.5  # one of two ratings is 4 or more
    # Each was handled in 60 minutes: all three in the bucket [60, 120), whose middle is the
    # estimate (the histogram's error is at most the bucket's width).
    assert t["median_handle_min"] == 90
    assert t["overdue_open"] == 1
    items = {i["code"]: i for i in answer["items"]}
    assert items["T-HG-C1"]["reported"] == 5 and items["T-HG-C2"]["reported"] == 1
    assert items["T-HG-C2"]["closure_rate"] == 0.0
    assert items["T-HG-C2"]["on_time_rate"] is None
    assert items["T-HG-C2"]["satisfaction_rate"] is None
    assert items["T-HG-C2"]["median_handle_min"] is None


def test_rates_are_null_when_nothing_to_divide(world):
    answer = figures(Scope(world.tree.district, DAY, DAY, "town"))
    assert answer["items"] == []
    t = answer["totals"]
    assert t["reported"] == 0 and t["closure_rate"] is None and t["on_time_rate"] is None
    assert t["satisfaction_rate"] is None and t["median_handle_min"] is None


def test_a_category_change_at_registration_moves_the_count(world):
    event = world.report()
    register_event(world.people.coordinator, event, category_code="PS-ERRAND", now=T0)
    items = figures(Scope(world.tree.district, DAY, DAY, "category"))["items"]
    assert [(i["code"], i["reported"]) for i in items] == [("FC-LAMP", 0), ("PS-ERRAND", 1)]
    assert counters.differences() == []


def test_rebuild_restores_the_counters(world):
    build_history(world)
    db.session.query(EventCounter).delete()
    assert counters.differences() != []
    counters.rebuild()
    assert counters.differences() == []


def test_median_from_the_histogram():
    assert median([0] * 12) is None
    assert median([1] + [0] * 11) == 15  # half of the first bucket [0, 30)
    assert median([0, 2] + [0] * 10) == 45  # the middle of [30, 60)
    assert median([1, 0, 0, 1] + [0] * 8) == 30
    assert median([0] * 11 + [3]) == 20160  # open-ended last bucket: its lower bound


def test_stats_rights_and_fields(world):
    p = world.people
    assert event_stats(p.coordinator, now=T0)["totals"]["reported"] == 0
    with pytest.raises(NotAllowed):
        event_stats(p.member, now=T0)
    with pytest.raises(NotAllowed):
        event_stats(p.coordinator, unit_id=world.tree.town.id, now=T0)
    with pytest.raises(NotAllowed):
        event_stats(p.far_coordinator, unit_id=world.tree.community.id, now=T0)
    with pytest.raises(ValidationFailed) as refused:
        event_stats(p.coordinator, by="town", first=DAY, last=DAY - timedelta(1), now=T0)
    assert refused.value.fields.keys() == {"by", "from"}
    with pytest.raises(ValidationFailed):
        event_stats(p.admin, first=date.min, last=date.max, now=T0)
    world.report()
    answer = event_stats(p.organiser, now=T0)  # the town, by community, the last 30 days
    assert [i["code"] for i in answer["items"]] == ["T-HG-C1"]


def test_the_counters_commands(world, runner):
    build_history(world)
    ok = runner.invoke(args=["events-counters-check"])
    assert ok.exit_code == 0 and "agree" in ok.output
    db.session.query(EventCounter).delete()
    db.session.commit()
    bad = runner.invoke(args=["events-counters-check"])
    assert bad.exit_code == 1
    fixed = runner.invoke(args=["events-counters-rebuild"])
    assert fixed.exit_code == 0 and "0 differences" in fixed.output
    assert counters.differences() == []
