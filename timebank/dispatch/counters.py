"""Keeping the figures' counters in step with the events, and rebuilding them to prove it.

The one module that changes `event_counters`. Transitions call `count()` in their own
transaction with what the step changed (reported +1, closed +1 …); each call is one
multi-row INSERT … ON CONFLICT DO UPDATE over the rows of every unit above the event
(grid, community, town, district), for its category and for all categories, taken in
key order so that two transactions never wait on each other in a circle.

`overdue_open` counts the events that are with someone (dispatched, accepted) and past a
deadline (`overdue`), under the day and category they were reported in: `stepped()`
moves it with each transition (−1 when an overdue event is accepted in time for its
handle deadline, returned or handled), `marked_overdue()` with the scheduler's marking
(+1 for each event that was not overdue yet), so "overdue now" is summed from the
counters like the other figures.
"""

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..core.db import dialect
from ..extensions import db
from ..units.models import LEVEL_ORDER
from .counter_models import COUNTS, HIST, EventCounter, handle_bucket
from .models import ASSIGNED, Event, Status

ALL_CATEGORIES = 0
_COLUMNS = COUNTS + HIST


def _units(unit_path: str) -> list[tuple[int, str, str]]:
    """(unit id, level, path) of every unit on the path, from the district down."""
    ids = [int(p) for p in unit_path.strip("/").split("/") if p]
    return [
        (uid, str(LEVEL_ORDER[depth]), "/" + "/".join(map(str, ids[: depth + 1])) + "/")
        for depth, uid in enumerate(ids)
    ]


def keys_of(event, categories=None) -> list[tuple]:
    """The counter rows an event moves: (unit_id, day, category_id, level, path), for its
    category and all categories unless `categories` are given."""
    rows = []
    for uid, level, path in _units(event.unit_path):
        for category_id in categories or (event.category_id, ALL_CATEGORIES):
            rows.append((uid, event.reported_on, category_id, level, path))
    return sorted(rows)


def closed_deltas(event) -> dict[str, int]:
    """What closing `event` (already in its closed state) adds to its counter rows."""
    deltas = {"closed": 1, "closed_on_time": int(bool(event.handled_on_time))}
    if event.rating is not None:
        deltas.update(rated=1, rated_good=int(event.rating >= 4))
    if event.handle_minutes is not None:
        deltas[HIST[handle_bucket(event.handle_minutes)]] = 1
    return deltas


def count(event, **deltas: int) -> None:
    """Add `deltas` (column → change) to every counter row of the event."""
    _add(keys_of(event), **deltas)


def is_overdue_open(status: str, overdue: bool) -> bool:
    """Whether an event in this state counts in `overdue_open`."""
    return bool(overdue) and status in ASSIGNED


def stepped(event, action: str, seen: str, was_overdue: bool) -> None:
    """What a transition from `seen` (overdue then or not) to the event's present state
    adds to its counter rows, in one upsert."""
    deltas = {}
    if action == "rejected":
        deltas["rejected"] = 1
    elif event.status == Status.CLOSED:
        deltas.update(closed_deltas(event))
    deltas["overdue_open"] = int(is_overdue_open(event.status, event.overdue)) - int(
        is_overdue_open(seen, was_overdue)
    )
    _add(keys_of(event), **deltas)


def marked_overdue(events_was: list[tuple]) -> None:
    """The scheduler marked these (event, overdue before) overdue: +1 `overdue_open` for
    each that was not overdue yet, the whole batch in one upsert."""
    sums: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(_COLUMNS, 0))
    for event, was in events_was:
        if was or not is_overdue_open(event.status, event.overdue):
            continue
        for key in keys_of(event):
            sums[key]["overdue_open"] += 1
    if sums:
        add_rows(sums, columns=("overdue_open",))


def move_category(event, old_category_id: int) -> None:
    """The event was reported under another category: move its `reported` there."""
    if old_category_id == event.category_id:
        return
    _add(keys_of(event, [old_category_id]), reported=-1)
    _add(keys_of(event, [event.category_id]), reported=1)


def _upsert(rows: list[dict], columns) -> None:
    """Add each row's `columns` to the stored row of its key (inserting it when new)."""
    insert = pg_insert if dialect() == "postgresql" else sqlite_insert
    stmt = insert(EventCounter)
    stmt = stmt.on_conflict_do_update(
        index_elements=["unit_id", "day", "category_id"],
        set_={c: getattr(EventCounter, c) + getattr(stmt.excluded, c) for c in columns},
    )
    db.session.execute(stmt, rows)


def add_rows(sums: dict[tuple, dict[str, int]], chunk: int = 2000, columns=_COLUMNS) -> None:
    """Add many keys' counts at once ({(unit_id, day, category_id, level, path): counts}):
    what a bulk load of events (the demo history) or a scheduler's batch adds, in one pass
    (only `columns` are added to rows that exist)."""
    rows = [
        dict(unit_id=k[0], day=k[1], category_id=k[2], level=k[3], unit_path=k[4], **v)
        for k, v in sorted(sums.items())
    ]
    for start in range(0, len(rows), chunk):
        _upsert(rows[start : start + chunk], columns)


def _add(keys, **deltas) -> None:
    deltas = {k: v for k, v in deltas.items() if v}
    if not deltas:
        return
    rows = [
        {
            "unit_id": uid,
            "day": day,
            "category_id": category_id,
            "level": level,
            "unit_path": path,
            **{c: deltas.get(c, 0) for c in _COLUMNS},
        }
        for uid, day, category_id, level, path in keys
    ]
    _upsert(rows, deltas)


def event_deltas(event) -> dict[str, int]:
    """Everything an event in its present state has added to its counter rows."""
    deltas = {"reported": 1}
    if event.status == Status.REJECTED:
        deltas["rejected"] = 1
    if event.status == Status.CLOSED:
        deltas.update(closed_deltas(event))
    if is_overdue_open(event.status, event.overdue):
        deltas["overdue_open"] = 1
    return deltas


def expected(batch: int = 5000) -> dict[tuple, dict[str, int]]:
    """The counters as they should be, recomputed from the events (streamed)."""
    want: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(_COLUMNS, 0))
    stmt = sa.select(Event).execution_options(yield_per=batch)
    for event in db.session.scalars(stmt):
        deltas = event_deltas(event)
        for key in keys_of(event):
            row = want[key]
            for column, value in deltas.items():
                row[column] += value
    return dict(want)


def stored() -> dict[tuple, dict[str, int]]:
    table = EventCounter.__table__
    out = {}
    for row in db.session.execute(sa.select(table)):
        key = (row.unit_id, row.day, row.category_id, row.level, row.unit_path)
        out[key] = {c: getattr(row, c) for c in _COLUMNS}
    return out


def differences() -> list[tuple]:
    """Keys whose stored counters differ from the events' (empty when all agree)."""
    want, have = expected(), stored()
    zero = dict.fromkeys(_COLUMNS, 0)
    return sorted(
        (k, have.get(k, zero), want.get(k, zero))
        for k in set(want) | set(have)
        if have.get(k, zero) != want.get(k, zero)
    )


def rebuild() -> int:
    """Replace every counter row with what the events say; returns how many were written."""
    want = expected()
    db.session.execute(sa.delete(EventCounter))
    rows = [
        dict(unit_id=k[0], day=k[1], category_id=k[2], level=k[3], unit_path=k[4], **v)
        for k, v in want.items()
    ]
    for start in range(0, len(rows), 1000):
        db.session.execute(sa.insert(EventCounter), rows[start : start + 1000])
    return len(rows)
