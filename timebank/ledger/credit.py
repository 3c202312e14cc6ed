"""How many minutes an attendance earns (SPEC: the overlap with the shift's window)."""

from datetime import datetime, timedelta


def credited_minutes(
    starts_at: datetime,
    ends_at: datetime,
    checked_in_at: datetime,
    checked_out_at: datetime,
    *,
    grace_before_min: int,
    grace_after_min: int,
) -> int:
    """Whole minutes of [checked_in_at, checked_out_at] ∩ [starts_at − grace_before,
    ends_at + grace_after]; 0 when they do not overlap."""
    window_start = starts_at - timedelta(minutes=grace_before_min)
    window_end = ends_at + timedelta(minutes=grace_after_min)
    start = max(checked_in_at, window_start)
    end = min(checked_out_at, window_end)
    if end <= start:
        return 0
    return int((end - start).total_seconds() // 60)
