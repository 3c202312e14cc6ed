"""Opt-in experiments: what a suggested app change would give, measured without editing
the app. Each replaces one app function at run time in the bench's own processes (and in
the gunicorn workers through BENCH_WHAT_IF, read by bench/floor_wsgi.py); nothing here runs
unless asked for with `--what-if NAME`, and the report says so.

- `totals-multirow`: the way `timebank.rankings.totals.apply_entries` worked before commit
  "Ranking totals: one cached statement" — a multi-row `VALUES` upsert per chunk, which
  SQLAlchemy cannot cache and compiles again on every call (for every check-out). The app
  now sends one single-row `INSERT … ON CONFLICT DO UPDATE` executed for all the rows (the
  experiment that was called `totals-executemany` here); this puts the old way back, to
  compare the two side by side. Same rows, same SQL semantics, from the app's own
  `deltas()`.
"""

import os

NAMES = ["totals-multirow"]


def _apply_entries_multirow(entries) -> None:
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    from timebank.extensions import db
    from timebank.rankings import totals
    from timebank.rankings.models import RankingTotal

    rows = totals.delta_rows(entries)
    if not rows:
        return
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = RankingTotal.__table__
    for start in range(0, len(rows), totals.CHUNK):
        stmt = insert(table).values(rows[start : start + totals.CHUNK])
        stmt = stmt.on_conflict_do_update(
            index_elements=["subject", "subject_id", "period", "period_key"],
            set_={
                "minutes": table.c.minutes + stmt.excluded.minutes,
                "shifts": table.c.shifts + stmt.excluded.shifts,
                "community_id": stmt.excluded.community_id,
                "town_id": stmt.excluded.town_id,
            },
        )
        db.session.execute(stmt)


def apply(names: list[str]) -> list[str]:
    """Switch on the named experiments in this process; returns what was applied."""
    applied = []
    for name in names:
        if name == "totals-multirow":
            from timebank.rankings import totals

            totals.apply_entries = _apply_entries_multirow
        elif name:
            raise SystemExit(f"unknown --what-if {name!r} (known: {', '.join(NAMES)})")
        applied.append(name)
    return applied


def from_environment() -> list[str]:
    return apply([n for n in os.environ.get("BENCH_WHAT_IF", "").split(",") if n])
