"""Calendar periods on the Asia/Shanghai calendar: their first and last days, and their
neighbours (for "previous month" links and the dashboard's weekly chart)."""

from datetime import date, datetime, time, timedelta

from ..core.clock import LOCAL_TZ, local


def first_day(period: str, day: date) -> date | None:
    """The first day of the period containing `day` (None for "all")."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    if period == "year":
        return date(day.year, 1, 1)
    return None


def next_first_day(period: str, day: date) -> date | None:
    """The first day of the period after the one containing `day` (None for "all")."""
    start = first_day(period, day)
    if start is None:
        return None
    if period == "week":
        return start + timedelta(days=7)
    if period == "year":
        return date(start.year + 1, 1, 1)
    months = 1 if period == "month" else 3
    year, month = divmod(start.month - 1 + months, 12)
    return date(start.year + year, month + 1, 1)


def bounds(period: str, day: date) -> tuple[date, date] | None:
    """(first day, last day) of the period containing `day`; None for "all"."""
    start, after = first_day(period, day), next_first_day(period, day)
    if start is None or after is None:
        return None
    return start, after - timedelta(days=1)


def previous_day(period: str, day: date) -> date | None:
    """A day in the period before the one containing `day` (its first day)."""
    start = first_day(period, day)
    if start is None:
        return None
    return first_day(period, start - timedelta(days=1))


def moment(day: date) -> datetime:
    """Noon of `day` in Shanghai: an instant safely inside that day, for period_keys()."""
    return datetime.combine(day, time(12), LOCAL_TZ)


def start_of(day: date) -> datetime:
    """Midnight at the start of `day` in Shanghai (aware)."""
    return datetime.combine(day, time(), LOCAL_TZ)


def week_starts(now: datetime, weeks: int) -> list[date]:
    """The Mondays of the last `weeks` weeks, oldest first, this week included."""
    this_monday = first_day("week", local(now).date())
    return [this_monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
