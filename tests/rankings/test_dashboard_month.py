"""The dashboard compares like with like: this month so far against the same days of last
month, never a few days against a whole month (issue 17: "−89 %" on December 3rd)."""

import re
from datetime import date, datetime

from timebank.core.clock import LOCAL_TZ
from timebank.ledger.services import adjust, reverse
from timebank.rankings import dashboard


def _at(*args) -> datetime:
    return datetime(*args, tzinfo=LOCAL_TZ)


def _give(people, member, minutes, when):
    return adjust(people.coordinator, member, minutes=minutes, reason="测试", now=when)


def test_month_to_date_against_the_same_days_of_last_month(tree, people):
    now = _at(2026, 12, 3, 10, 0)
    _give(people, people.member, 120, _at(2026, 11, 2, 9, 0))  # the same days: counted
    _give(people, people.member, 60, _at(2026, 11, 3, 9, 59))  # up to the same time
    _give(people, people.member, 600, _at(2026, 11, 20, 9, 0))  # later in November: not
    _give(people, people.member, 30, _at(2026, 11, 3, 10, 1))  # after the same time: not
    _give(people, people.member, 90, _at(2026, 12, 1, 8, 0))
    _give(people, people.neighbour, 45, now)  # at this very moment: counted
    _give(people, people.member, 15, _at(2026, 12, 2, 8, 0))
    month = dashboard.month_to_date(tree.town, now=now)
    assert (month.minutes, month.previous_minutes) == (90 + 45 + 15, 120 + 60)
    assert (month.first_day, month.last_day) == (date(2026, 12, 1), date(2026, 12, 3))
    assert (month.previous_first_day, month.previous_last_day) == (
        date(2026, 11, 1),
        date(2026, 11, 3),
    )
    assert month.change == (150 - 180) / 180  # −17 %, not −89 % against all of November
    figures = dashboard.figures(tree.town, now=now)
    assert figures.month == month and figures.minutes_this_month == 150


def test_reversals_and_other_towns_are_left_out(tree, people):
    now = _at(2026, 12, 3, 10, 0)
    entry = _give(people, people.member, 300, _at(2026, 11, 1, 12, 0))
    reverse(people.coordinator, entry, reason="误录", now=_at(2026, 11, 2, 12, 0))
    adjust(people.far_coordinator, people.far_member, minutes=999, reason="测试", now=now)
    month = dashboard.month_to_date(tree.town, now=now)
    assert (month.minutes, month.previous_minutes) == (0, 0) and month.change is None
    assert dashboard.month_to_date(tree.district, now=now).minutes == 999


def test_a_long_month_is_compared_with_all_of_a_short_one(tree, people):
    now = _at(2026, 3, 31, 20, 0)
    _give(people, people.member, 100, _at(2026, 2, 28, 23, 0))
    _give(people, people.member, 50, _at(2026, 3, 1, 0, 30))  # March: this month's
    month = dashboard.month_to_date(tree.community, now=now)
    assert (month.minutes, month.previous_minutes) == (50, 100)
    assert month.previous_last_day == date(2026, 2, 28)


def test_the_page_names_the_days_compared_and_every_unit(tree, people, login):
    html = login(people.organiser).get("/dashboard").get_data(as_text=True)
    assert "上月同期" in html  # "the same days last month", with the days named
    assert re.search(r'data-test="fig-hours">\d+ (小时|分钟)', html)
    assert re.search(r'data-test="fig-reported">\d+</span> <span[^>]*>人<', html)
    assert '"unit": "小时"' in html and '"week_axis"' in html  # the charts' axis titles
