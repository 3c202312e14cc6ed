"""Opt-in experiments: what a suggested app change would give, measured without editing
the app. Each replaces one app function at run time in the bench's own processes (and in
the gunicorn workers through BENCH_WHAT_IF, read by bench/floor_wsgi.py); nothing here runs
unless asked for with `--what-if NAME`, and the report says so.

- `totals-executemany`: `timebank.rankings.totals.apply_entries` sends one single-row
  `INSERT … ON CONFLICT DO UPDATE` (compiled once, then taken from SQLAlchemy's statement
  cache) executed for all the rows, instead of a multi-row `VALUES` statement, which
  SQLAlchemy cannot cache and compiles again on every call (for every check-out). Same
  rows, same SQL semantics, from the app's own `deltas()`.
"""

import os

NAMES = ["totals-executemany"]


def _apply_entries_executemany(entries) -> None:
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    from timebank.extensions import db
    from timebank.rankings import totals
    from timebank.rankings.models import RankingTotal

    rows = [
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
        for (s, i, p, k), (m, n, c, t) in totals.deltas(entries).items()
    ]
    if not rows:
        return
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
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
    for start in range(0, len(rows), totals.CHUNK):
        db.session.execute(stmt, rows[start : start + totals.CHUNK])


def apply(names: list[str]) -> list[str]:
    """Switch on the named experiments in this process; returns what was applied."""
    applied = []
    for name in names:
        if name == "totals-executemany":
            from timebank.rankings import totals

            totals.apply_entries = _apply_entries_executemany
        elif name:
            raise SystemExit(f"unknown --what-if {name!r} (known: {', '.join(NAMES)})")
        applied.append(name)
    return applied


def from_environment() -> list[str]:
    return apply([n for n in os.environ.get("BENCH_WHAT_IF", "").split(",") if n])
