"""Keeping ranking totals in step with the ledger, and rebuilding them to prove it."""

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.util import identity_key

from ..core.clock import local
from ..core.db import dialect
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
    """community id → (community id, town id) for communities; other units are left out.

    Units already in the session (a scan has its staff member's community there) are read
    from it; the others in one query."""
    ids = {i for i in community_ids if i is not None}
    homes, missing = {}, []
    for uid in ids:
        unit = db.session.identity_map.get(identity_key(Unit, uid))
        loaded = sa.inspect(unit).dict if unit is not None else {}
        if "level" in loaded and "parent_id" in loaded:
            if loaded["level"] == Level.COMMUNITY:
                homes[uid] = (uid, loaded["parent_id"])
        else:
            missing.append(uid)
    if missing:
        rows = db.session.execute(
            sa.select(Unit.id, Unit.level, Unit.parent_id).where(Unit.id.in_(missing))
        )
        homes.update(
            (uid, (uid, parent)) for uid, level, parent in rows if level == Level.COMMUNITY
        )
    return homes


def _shift_delta(entry, originals: dict[int, LedgerEntry]) -> int:
    if entry.kind == "service":
        return 1 if entry.minutes > 0 else 0
    if entry.kind == "reversal":
        original = originals.get(entry.reverses_id)
        if original is not None and original.kind == "service" and original.minutes > 0:
            return -1
    return 0


#: Using hours is not service: redemptions and transfers (and their reversals) move a
#: balance, never a ranking (SPEC 8).
NOT_SERVICE = frozenset({"redemption", "transfer"})


def ranked_minutes(entry, originals: dict[int, LedgerEntry]) -> int:
    """The minutes an entry adds to rankings: 0 for using or giving hours."""
    if entry.kind in NOT_SERVICE:
        return 0
    if entry.kind == "reversal":
        original = originals.get(entry.reverses_id)
        if original is not None and original.kind in NOT_SERVICE:
            return 0
    return entry.minutes


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
                row[0] += ranked_minutes(entry, originals)
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
    """Move the totals by these new ledger entries (same transaction; upserts).

    One entry (a check-out, an adjustment) moves its up to 15 totals (five periods ×
    member, community, town) in one statement of a few parameters; bulk loads send one
    cached single-row statement for every total (executemany)."""
    if len(entries) == 1:
        _apply_one(entries[0])
        return
    rows = delta_rows(entries)
    if not rows:
        return
    stmt = _upsert(dialect())
    for start in range(0, len(rows), CHUNK):
        db.session.execute(stmt, rows[start : start + CHUNK])


def _apply_one(entry) -> None:
    db.session.connection().execute(ONE_ENTRY, one_entry_params(entry))


def one_entry_params(entry) -> dict:
    """The parameters of ONE_ENTRY for this entry."""
    originals = {}
    if entry.reverses_id:
        original = db.session.get(LedgerEntry, entry.reverses_id)
        originals = {original.id: original} if original is not None else {}
    community_id, town_id = _homes({entry.community_id}).get(entry.community_id, (None, None))
    keys = period_keys(entry.effective_at)
    return {
        "rt_member_id": entry.member_id,
        "rt_community_id": community_id,
        "rt_town_id": town_id,
        "rt_minutes": ranked_minutes(entry, originals),
        "rt_shifts": _shift_delta(entry, originals),
        **{f"rt_{period}": keys[period] for period in ("week", "month", "quarter", "year")},
    }


#: The totals of one entry: its subjects (member, community, town; those it has) crossed
#: with the five periods, upserted in one statement. Ten parameters instead of the 120 of a
#: 15-row VALUES list: binding those was most of a check-out's time in this function. The
#: same SQL on SQLite and PostgreSQL (both name a VALUES list's columns column1, column2).
ONE_ENTRY = sa.text(
    """
    INSERT INTO ranking_totals
        (subject, subject_id, period, period_key, minutes, shifts, community_id, town_id)
    SELECT s.column1, s.column2, p.column1, p.column2, CAST(:rt_minutes AS INTEGER),
        CAST(:rt_shifts AS INTEGER), CAST(:rt_community_id AS INTEGER),
        CAST(:rt_town_id AS INTEGER)
    FROM (VALUES ('member', CAST(:rt_member_id AS INTEGER)),
            ('community', CAST(:rt_community_id AS INTEGER)),
            ('town', CAST(:rt_town_id AS INTEGER))) AS s
        CROSS JOIN (VALUES ('week', CAST(:rt_week AS VARCHAR(8))), ('month', :rt_month),
            ('quarter', :rt_quarter), ('year', :rt_year), ('all', 'all')) AS p
    WHERE s.column2 IS NOT NULL
    ON CONFLICT (subject, subject_id, period, period_key) DO UPDATE SET
        minutes = ranking_totals.minutes + excluded.minutes,
        shifts = ranking_totals.shifts + excluded.shifts,
        community_id = excluded.community_id,
        town_id = excluded.town_id
    """
)


def _upsert(dialect: str, values=None):
    """INSERT … ON CONFLICT (subject, subject_id, period, period_key) DO UPDATE adding the
    minutes and shifts; `values` for a multi-row VALUES, else one row of bound columns."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = RankingTotal.__table__
    stmt = insert(table) if values is None else insert(table).values(values)
    return stmt.on_conflict_do_update(
        index_elements=["subject", "subject_id", "period", "period_key"],
        set_={
            "minutes": table.c.minutes + stmt.excluded.minutes,
            "shifts": table.c.shifts + stmt.excluded.shifts,
            "community_id": stmt.excluded.community_id,
            "town_id": stmt.excluded.town_id,
        },
    )


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
