"""The one place the app asks what time it is, so tests can pass their own `now`."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """A timezone-aware datetime in UTC; naive values are refused."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: a timezone is required")
    return value.astimezone(UTC)


def local(value: datetime) -> datetime:
    """The same instant in Asia/Shanghai, for display and day boundaries."""
    return as_utc(value).astimezone(LOCAL_TZ)
