"""Keeping ranking totals in step with the ledger, and rebuilding them to prove it."""

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..core.clock import local
from ..extensions import db
from ..ledger.models import LedgerEntry
from ..units.models import Level, Unit
from .models import RankingTotal, Subject

CHUNK = 500


def period_keys(moment: datetime) -> dict[str, str]:
    """The key of each period containing `moment`, on the Asia/Shanghai calendar (ISO weeks
    start on Monday)."""
    day = local(moment).date()
    year, week, _ = day.isocalendar()
    return {
        "week": f"{year}-W{week:02d}",
        "month": f"{day:%Y-%m}",
        "quarter": f"{day.year}-Q{(day.month - 1) // 3 + 1}",
        "year": str(day.year),
        "all": "all",
    }


def _homes(community_ids) -> dict[int, tuple[int, int | None]]:
    """community id → (community id, town id) for communities; other units are left out."""
    ids = [i for i in community_ids if i is not None]
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Unit.id, Unit.level, Unit.parent_id).where(Unit.id.in_(ids))
    )
    return {uid: (uid, parent) for uid, level, parent in rows if level == Level.COMMUNITY}


def _shift_delta(entry, originals: dict[int, LedgerEntry]) -> int:
    if entry.kind == "service":
        return 1 if entry.minutes > 0 else 0
    if entry.kind == "reversal":
        original = originals.get(entry.reverses_id)
        if original is not None and original.kind == "service" and original.minutes > 0:
            return -1
    return 0


def deltas(entries) -> dict[tuple, list]:
    """(subject, subject_id, period, key) → [minutes, shifts, community_id, town_id]."""
    originals = {}
    reversed_ids = [e.reverses_id for e in entries if e.reverses_id]
    if reversed_ids:
        originals = {
            e.id: e
            for e in db.session.scalars(
                sa.select(LedgerEntry).where(LedgerEntry.id.in_(reversed_ids))
            )
        }
    homes = _homes({e.community_id for e in entries})
    out: dict[tuple, list] = defaultdict(lambda: [0, 0, None, None])
    for entry in entries:
        shifts = _shift_delta(entry, originals)
        community_id, town_id = homes.get(entry.community_id, (None, None))
        subjects = [(Subject.MEMBER, entry.member_id)]
        if community_id:
            subjects.append((Subject.COMMUNITY, community_id))
        if town_id:
            subjects.append((Subject.TOWN, town_id))
        for period, key in period_keys(entry.effective_at).items():
            for subject, subject_id in subjects:
                row = out[(str(subject), subject_id, period, key)]
                row[0] += entry.minutes
                row[1] += shifts
                row[2], row[3] = community_id, town_id
    return out


def delta_rows(entries) -> list[dict]:
    """deltas() as rows of ranking_totals: what apply_entries() adds, one per total."""
    return [
        dict(
            subject=s,
            subject_id=i,
            period=p,
            period_key=k,
            minutes=m,
            shifts=n,
            community_id=c,
            town_id=t,
        )
        for (s, i, p, k), (m, n, c, t) in deltas(entries).items()
    ]


def apply_entries(entries) -> None:
    """Move the totals by these new ledger entries (same transaction; upserts)."""
    rows = delta_rows(entries)
    if not rows:
        return
    # One single-row statement executed for every row: SQLAlchemy compiles it once and takes
    # it from its statement cache afterwards (a multi-row VALUES would be compiled again on
    # every call, which cost about half of a check-out's Python time; bench/README.md).
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = RankingTotal.__table__
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["subject", "subject_id", "period", "period_key"],
        set_={
            "minutes": table.c.minutes + stmt.excluded.minutes,
            "shifts": table.c.shifts + stmt.excluded.shifts,
            "community_id": stmt.excluded.community_id,
            "town_id": stmt.excluded.town_id,
        },
    )
    for start in range(0, len(rows), CHUNK):
        db.session.execute(stmt, rows[start : start + CHUNK])


def compute_from_ledger(batch: int = 10_000) -> dict[tuple, tuple[int, int]]:
    """The totals as the ledger says they should be: (subject, id, period, key) →
    (minutes, shifts), streaming every entry once."""
    totals: dict[tuple, list] = defaultdict(lambda: [0, 0])
    stmt = sa.select(LedgerEntry).order_by(LedgerEntry.id).execution_options(yield_per=batch)
    chunk = []
    result = db.session.scalars(stmt)
    try:
        for entry in result:
            chunk.append(entry)
            if len(chunk) >= batch:
                _merge(totals, chunk)
                chunk = []
        _merge(totals, chunk)
    finally:
        result.close()
    return {k: (m, n) for k, (m, n) in totals.items()}


def _merge(totals, chunk):
    for key, (minutes, shifts, _c, _t) in deltas(chunk).items():
        totals[key][0] += minutes
        totals[key][1] += shifts


def stored_totals() -> dict[tuple, tuple[int, int]]:
    rows = db.session.execute(
        sa.select(
            RankingTotal.subject,
            RankingTotal.subject_id,
            RankingTotal.period,
            RankingTotal.period_key,
            RankingTotal.minutes,
            RankingTotal.shifts,
        )
    )
    return {(s, i, p, k): (m, n) for s, i, p, k, m, n in rows}


def differences() -> list[tuple]:
    """Where stored totals and the ledger disagree: [(key, stored, from_ledger)]."""
    expected, stored = compute_from_ledger(), stored_totals()
    zero = (0, 0)
    return [
        (k, stored.get(k, zero), expected.get(k, zero))
        for k in sorted(set(expected) | set(stored), key=str)
        if stored.get(k, zero) != expected.get(k, zero)
    ]


def rebuild() -> int:
    """Replace every total with what the ledger says; returns how many rows were written."""
    db.session.execute(sa.delete(RankingTotal))
    entries_total = 0
    stmt = sa.select(LedgerEntry).order_by(LedgerEntry.id).execution_options(yield_per=10_000)
    chunk = []
    result = db.session.scalars(stmt)
    try:
        for entry in result:
            chunk.append(entry)
            if len(chunk) >= 10_000:
                apply_entries(chunk)
                entries_total += len(chunk)
                chunk = []
    finally:
        result.close()
    apply_entries(chunk)
    entries_total += len(chunk)
    return db.session.scalar(sa.select(sa.func.count()).select_from(RankingTotal))
