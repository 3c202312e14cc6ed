"""Months of dispatch history: events through the five steps, their timeline and counters.

Shaped on the district's year (310,662 reported, 302,114 closed: 97.2 %): about 3 % are
rejected as duplicates, the others go register → dispatch → accept → handle → close at
plausible speeds; a few percent of the older ones are still open and late (overdue,
escalated a level up), the newest are on their way. Written in bulk (COPY on PostgreSQL,
multi-row INSERTs elsewhere) with ids given here: a million events load in minutes; the
counters are summed from the same rows with the transitions' rules (`counters.keys_of`,
`event_deltas`), so they equal a rebuild. History goes to grid workers and departments;
volunteer-credited events (ledger entries) come only from the live app.
"""

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace

import sqlalchemy as sa

from ..auth.models import Role, RoleAssignment
from ..core.clock import local, utcnow
from ..core.db import dialect
from ..dispatch import counters
from ..dispatch.counter_models import COUNTS, HIST
from ..dispatch.models import (
    Event,
    EventCategory,
    EventNumberDay,
    EventStep,
)
from ..dispatch.models import Status as S
from ..extensions import db
from ..members.models import Member, MemberStatus
from ..units.models import Level, Unit
from .names import person_name

DEFAULT_EVENTS = 6000
DEFAULT_DAYS = 180
REJECTED = 0.03
#: Share of the events a week old still open and late (the rest of the 97 % closure),
#: fewer the older they are (someone sees to them in the end).
STUCK = 0.08
STUCK_DAYS = 40
RATED = 0.8
SOURCES = (("resident", 45), ("gridworker", 35), ("hotline", 12), ("drone", 3), ("member", 5))
CHUNK = 5_000


@dataclass
class World:
    """What the generator picks from: grids with their path, categories, assignees."""

    grids: list  # (id, path, lat, lon)
    categories: list  # EventCategory rows
    gridworkers: dict  # unit id -> [member ids]
    members: dict  # community id -> [member ids]
    next_id: int
    next_step_id: int
    numbers: dict = field(default_factory=lambda: defaultdict(int))


def _world() -> World:
    grids = db.session.execute(
        sa.select(Unit.id, Unit.path, Unit.lat, Unit.lon)
        .where(Unit.level == Level.GRID)
        .order_by(Unit.id)
    ).all()
    workers: dict = defaultdict(list)
    for member_id, unit_id in db.session.execute(
        sa.select(RoleAssignment.member_id, RoleAssignment.unit_id).where(
            RoleAssignment.role == Role.GRIDWORKER
        )
    ):
        workers[unit_id].append(member_id)
    members: dict = defaultdict(list)
    for member_id, community_id in db.session.execute(
        sa.select(Member.id, Member.community_id)
        .where(Member.status == MemberStatus.ACTIVE)
        .order_by(Member.id)
    ):
        members[community_id].append(member_id)
    numbers = defaultdict(int)
    numbers.update(db.session.execute(sa.select(EventNumberDay.day, EventNumberDay.last)).all())
    return World(
        grids=grids,
        categories=list(db.session.scalars(sa.select(EventCategory).order_by(EventCategory.id))),
        gridworkers=workers,
        members=members,
        next_id=(db.session.scalar(sa.select(sa.func.max(Event.id))) or 0) + 1,
        next_step_id=(db.session.scalar(sa.select(sa.func.max(EventStep.id))) or 0) + 1,
        numbers=numbers,
    )


class Story:
    """One event's way through the loop, as rows: the event and its timeline."""

    def __init__(self, rng: random.Random, world: World, reported_at: datetime, now: datetime):
        self.rng, self.world, self.now = rng, world, now
        self.steps: list[tuple] = []
        grid = rng.choice(world.grids)
        ids = [int(p) for p in grid.path.strip("/").split("/")]
        category = rng.choice(world.categories)
        urgent = rng.random() < 0.08
        self.category = category
        self.accept_min = category.accept_within_min // (2 if urgent else 1)
        self.handle_h = category.handle_within_h / (2 if urgent else 1)
        self.row = self._base(grid, ids, category, urgent, reported_at)
        self._step("reported", None, S.REPORTED, reported_at)

    def _base(self, grid, ids, category, urgent, at) -> dict:
        rng, world = self.rng, self.world
        source = rng.choices([s for s, _ in SOURCES], [w for _, w in SOURCES])[0]
        reporter = None
        if source == "gridworker":
            reporter = _pick(rng, world.gridworkers.get(grid.id) or world.gridworkers.get(ids[2]))
        elif source == "member":
            reporter = _pick(rng, world.members.get(ids[2]))
        source = source if reporter or source not in ("gridworker", "member") else "resident"
        day = local(at).strftime("%Y%m%d")
        world.numbers[day] += 1
        lat = grid.lat + rng.gauss(0, 0.002) if grid.lat is not None else None
        lon = grid.lon + rng.gauss(0, 0.002) if grid.lon is not None else None
        return dict(
            id=world.next_id,
            number=f"NS{day}{world.numbers[day]:06d}",
            source=source,
            category_id=category.id,
            description=f"{category.name}（{grid.path.strip('/').split('/')[-1]}号网格附近）",
            lat=None if lat is None else round(max(-90, min(90, lat)), 6),
            lon=None if lon is None else round(max(-180, min(180, lon)), 6),
            unit_id=grid.id,
            unit_path=grid.path,
            community_id=ids[2],
            town_id=ids[1],
            priority="urgent" if urgent else "normal",
            reporter_id=reporter,
            reporter_name=None if reporter else person_name(rng),
            reporter_phone=None if reporter else f"137{rng.randrange(10**8):08d}",
            reported_at=at,
            reported_on=local(at).date(),
            overdue=False,
            reopened=False,
            photo_count=0,
        )

    def _step(self, action, from_status, to_status, at, note=None) -> None:
        self.steps.append((self.row["id"], at, action, from_status, to_status, note))
        self.row["status"] = to_status

    def _reached(self, at: datetime) -> bool:
        return at <= self.now

    def tell(self) -> None:
        """Move the event as far as it got by now (or until it got stuck)."""
        rng, row = self.rng, self.row
        at = row["reported_at"] + timedelta(minutes=rng.randint(3, 40))
        if not self._reached(at):
            return
        if rng.random() < REJECTED:
            row.update(rejected_at=at, reject_reason="重复上报")
            self._step("rejected", S.REPORTED, S.REJECTED, at, "重复上报")
            return
        row["registered_at"] = at
        self._step("registered", S.REPORTED, S.REGISTERED, at)
        at += timedelta(minutes=rng.randint(2, 30))
        if not self._reached(at):
            return
        self._dispatch(at)
        age_days = (self.now - row["reported_at"]).total_seconds() / 86400
        stuck = age_days > 7 and rng.random() < STUCK * math.exp(-age_days / STUCK_DAYS)
        self._work(at, stuck)

    def _dispatch(self, at) -> None:
        row, world, rng = self.row, self.world, self.rng
        worker = _pick(rng, world.gridworkers.get(row["unit_id"]))
        worker = worker or _pick(rng, world.gridworkers.get(row["community_id"]))
        if self.category.department_id and (worker is None or rng.random() < 0.55):
            row.update(
                assignee_kind="department", assignee_department_id=self.category.department_id
            )
        elif worker:
            row.update(assignee_kind="gridworker", assignee_member_id=worker)
        else:
            row.update(assignee_kind="department", assignee_department_id=_any_department(world))
        handle_due = at + timedelta(hours=self.handle_h)
        row.update(
            dispatched_at=at,
            accept_due_at=min(at + timedelta(minutes=self.accept_min), handle_due),
            handle_due_at=handle_due,
        )
        self._step("dispatched", S.REGISTERED, S.DISPATCHED, at)

    def _work(self, dispatched_at, stuck: bool) -> None:
        rng, row = self.rng, self.row
        accept_at = dispatched_at + timedelta(minutes=rng.expovariate(1 / (self.accept_min * 0.5)))
        if (stuck and rng.random() < 0.3) or not self._reached(accept_at):
            return self._open(accepted=False)
        row["accepted_at"] = accept_at
        self._step("accepted", S.DISPATCHED, S.ACCEPTED, accept_at)
        hours = rng.lognormvariate(0, 1) * self.handle_h * 0.25
        handled_at = accept_at + timedelta(hours=hours)
        if stuck or not self._reached(handled_at):
            return self._open(accepted=True)
        minutes = int((handled_at - dispatched_at).total_seconds() // 60)
        row.update(
            handled_at=handled_at,
            handle_minutes=minutes,
            handled_on_time=handled_at <= row["handle_due_at"],
            result="已处置",
            feedback_due_at=handled_at + timedelta(hours=72),
        )
        self._step("handled", S.ACCEPTED, S.HANDLED, handled_at, "已处置")
        self._close(handled_at)

    def _close(self, handled_at) -> None:
        rng, row = self.rng, self.row
        if rng.random() < RATED:
            rated_at = handled_at + timedelta(hours=rng.uniform(0.5, 48))
            if not self._reached(rated_at):
                return
            rating = rng.choices([5, 4, 3, 2, 1], [70, 20, 6, 3, 1])[0]
            if rating <= 2:
                row.update(reopened=True, first_rating=rating)
                rating = rng.choice([3, 4, 5])
            row.update(rating=rating, rated_at=rated_at, closed_at=rated_at)
            self._step("rated", S.HANDLED, S.CLOSED, rated_at)
        elif self._reached(row["feedback_due_at"]):
            row["closed_at"] = row["feedback_due_at"]
            self._step("auto_closed", S.HANDLED, S.CLOSED, row["feedback_due_at"])

    def _open(self, accepted: bool) -> None:
        """Still with its assignee: marked overdue (and escalated) as the scheduler would."""
        row, status = self.row, S.ACCEPTED if accepted else S.DISPATCHED
        row["status"] = status
        if not accepted and row["accept_due_at"] <= self.now:
            row.update(overdue=True, accept_overdue_at=row["accept_due_at"])
            self.steps.append(
                (row["id"], row["accept_due_at"], "overdue", status, status, "accept")
            )
        if row["handle_due_at"] <= self.now:
            due = row["handle_due_at"]
            row.update(overdue=True, handle_overdue_at=due, escalated_to_id=row["town_id"])
            row["escalated_at"] = due
            self.steps.append((row["id"], due, "overdue", status, status, "handle"))
            self.steps.append((row["id"], due, "escalated", status, status, None))


def _pick(rng, items):
    return rng.choice(items) if items else None


def _any_department(world: World) -> int:
    return next(c.department_id for c in world.categories if c.department_id)


SETVAL = (
    "SELECT setval(pg_get_serial_sequence('events', 'id'), (SELECT max(id) FROM events))",
    "SELECT setval(pg_get_serial_sequence('event_steps', 'id'), (SELECT max(id) FROM event_steps))",
)
STEP_COLUMNS = ("id", "event_id", "at", "action", "from_status", "to_status", "note")


def _counter_key(row: dict):
    return SimpleNamespace(
        unit_path=row["unit_path"],
        reported_on=row["reported_on"],
        category_id=row["category_id"],
        status=row["status"],
        handled_on_time=row.get("handled_on_time"),
        rating=row.get("rating"),
        handle_minutes=row.get("handle_minutes"),
        overdue=row.get("overdue"),
    )


def _add_counts(sums: dict, row: dict) -> None:
    event = _counter_key(row)
    deltas = counters.event_deltas(event)
    for key in counters.keys_of(event):
        counts = sums[key]
        for column, value in deltas.items():
            counts[column] += value


def seed_events(
    rng: random.Random,
    n: int = DEFAULT_EVENTS,
    *,
    days: int = DEFAULT_DAYS,
    now: datetime | None = None,
    timeline: bool = True,
) -> int:
    """`n` events reported over the last `days` days, each as far as it got by now, with
    their timeline (unless `timeline` is False) and counters; returns how many."""
    now = now or utcnow()
    world = _world()
    if not world.grids or not world.categories:
        return 0
    columns = [c.name for c in Event.__table__.columns]
    sums: dict = defaultdict(lambda: dict.fromkeys(COUNTS + HIST, 0))
    start = now - timedelta(days=days)
    span = (now - start).total_seconds()
    moments = sorted(rng.random() * span for _ in range(n))
    events, steps = [], []
    for offset in moments:
        story = Story(rng, world, start + timedelta(seconds=offset), now)
        story.tell()
        world.next_id += 1
        events.append(tuple(story.row.get(c) for c in columns))
        _add_counts(sums, story.row)
        if timeline:
            for step in story.steps:
                steps.append((world.next_step_id, *step))
                world.next_step_id += 1
        if len(events) >= CHUNK:
            _flush(columns, events, steps, sums)
            events, steps = [], []
            sums.clear()
    _flush(columns, events, steps, sums)
    _write_numbers(world.numbers)
    _advance_sequences()
    return n


def _flush(columns, events: list, steps: list, sums: dict) -> None:
    """One chunk: its events, their steps, and what they add to the counters."""
    _write(Event.__table__, columns, events)
    _write(EventStep.__table__, STEP_COLUMNS, steps)
    counters.add_rows(sums)


def _write(table, columns, rows: list[tuple]) -> None:
    """Rows into a table at once: COPY on PostgreSQL, chunked multi-row INSERTs elsewhere."""
    if not rows:
        return
    if dialect() == "postgresql":
        cursor = db.session.connection().connection.driver_connection.cursor()
        names = ", ".join(columns)
        with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:  # nosec B608
            for row in rows:
                copy.write_row(row)
        return
    dicts = [dict(zip(columns, row, strict=True)) for row in rows]
    for start in range(0, len(dicts), 2000):
        db.session.execute(sa.insert(table), dicts[start : start + 2000])


def _write_numbers(numbers: dict) -> None:
    """The days' last tracking numbers, so that the live app never gives one again."""
    for day, last in numbers.items():
        stored = db.session.get(EventNumberDay, day)
        if stored is None:
            db.session.add(EventNumberDay(day=day, last=last))
        else:
            stored.last = max(stored.last, last)
    db.session.flush()


def _advance_sequences() -> None:
    """Ids were given here: move PostgreSQL's sequences past them."""
    if dialect() != "postgresql":
        return
    for statement in SETVAL:
        db.session.execute(sa.text(statement))


def seed_open_events(
    rng: random.Random, n: int, *, due: int, now: datetime, handle_due: int = 0
) -> list[int]:
    """`n` events dispatched ten minutes before `now` and not yet accepted, their deadlines
    ahead except for `due` of them, whose accept deadline has just passed (and `handle_due`
    of those, whose handle deadline too): what a scheduler tick finds. No timelines or
    counters (they are not reported in a figure's period). Returns the due events' ids."""
    world = _world()
    columns = [c.name for c in Event.__table__.columns]
    late = set(rng.sample(range(n), due))
    very_late = set(rng.sample(sorted(late), handle_due))
    rows, ids = [], []
    for i in range(n):
        story = Story(rng, world, now - timedelta(minutes=30), now)
        story.row["registered_at"] = now - timedelta(minutes=20)
        story._dispatch(now - timedelta(minutes=10))
        row = story.row
        ahead = now + timedelta(hours=1)
        row["accept_due_at"] = now - timedelta(seconds=5) if i in late else ahead
        row["handle_due_at"] = now - timedelta(seconds=5) if i in very_late else ahead
        if i in late:
            ids.append(row["id"])
        world.next_id += 1
        rows.append(tuple(row.get(c) for c in columns))
        if len(rows) == CHUNK:
            _write(Event.__table__, columns, rows)
            rows = []
    _write(Event.__table__, columns, rows)
    _advance_sequences()
    return ids
