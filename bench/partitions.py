"""Partition pruning on a monthly-partitioned copy of the events (docs/deployment.md).

    python -m bench.partitions --database-url postgresql+psycopg://postgres@127.0.0.1/NAME

Needs a PostgreSQL database with events in it (e.g. one filled by `flask seed-demo
--events 1000000 --no-timeline`). Creates `events_monthly`, a copy of `events`
partitioned by RANGE (reported_on), one partition a month, with the indexes that one
month's figures need; copies the rows; ANALYZE; then runs one month's figures query by
town with EXPLAIN (ANALYZE, BUFFERS) on the plain table and on the partitioned copy,
`--repeat` times each, alternating, and prints the partitions scanned, the buffers and the
median execution times. `--drop` removes the copy afterwards. Nothing in the app uses it.
"""

import argparse
import re
import statistics
from datetime import date

import sqlalchemy as sa

QUERY = """
SELECT town_id, count(*) AS reported,
       count(*) FILTER (WHERE status = 'rejected') AS rejected,
       count(*) FILTER (WHERE status = 'closed') AS closed,
       count(*) FILTER (WHERE status = 'closed' AND handled_on_time) AS on_time
FROM {table}
WHERE reported_on BETWEEN :first AND :last
GROUP BY town_id
"""

SPAN = "SELECT min(reported_on), max(reported_on) FROM events"


def _months(first: date, last: date):
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        start = date(y, m, 1)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        yield start, date(y, m, 1)


def build_copy(conn) -> int:
    """events_monthly: the events, one partition a month; returns the partitions made."""
    first, last = conn.execute(sa.text(SPAN)).one()
    conn.execute(sa.text("DROP TABLE IF EXISTS events_monthly"))
    conn.execute(
        sa.text(
            "CREATE TABLE events_monthly (LIKE events INCLUDING DEFAULTS) "
            "PARTITION BY RANGE (reported_on)"
        )
    )
    months = list(_months(first, last))
    for start, end in months:
        name = f"events_monthly_{start:%Y%m}"
        conn.execute(
            sa.text(
                f"CREATE TABLE {name} PARTITION OF events_monthly "  # nosec B608
                f"FOR VALUES FROM ('{start}') TO ('{end}')"
            )
        )
    conn.execute(sa.text("ALTER TABLE events_monthly ADD PRIMARY KEY (id, reported_on)"))
    conn.execute(sa.text("CREATE INDEX ON events_monthly (reported_on, town_id)"))
    conn.execute(sa.text("INSERT INTO events_monthly SELECT * FROM events"))
    # The plain table gets the same index, so the comparison is of the layout alone.
    conn.execute(
        sa.text("CREATE INDEX IF NOT EXISTS ix_bench_events_day ON events (reported_on, town_id)")
    )
    conn.commit()
    return len(months)


def explain(conn, table: str, first: date, last: date) -> tuple[float, str]:
    rows = conn.execute(
        sa.text("EXPLAIN (ANALYZE, BUFFERS) " + QUERY.format(table=table)),  # nosec B608
        {"first": first, "last": last},
    ).scalars()
    plan = "\n".join(rows)
    ms = float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1))
    return ms, plan


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.partitions", description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--month", default=None, help="yyyy-mm (default: the last full month)")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--drop", action="store_true")
    args = parser.parse_args(argv)
    engine = sa.create_engine(args.database_url)
    with engine.connect() as conn:
        made = build_copy(conn)
        conn.execute(sa.text("ANALYZE events_monthly"))
        conn.execute(sa.text("ANALYZE events"))
        conn.commit()
        months = list(_months(*conn.execute(sa.text(SPAN)).one()))
        if args.month:
            y, m = map(int, args.month.split("-"))
            first = date(y, m, 1)
            end = next(e for s, e in months if s == first)
        else:
            first, end = months[-2]
        last = date.fromordinal(end.toordinal() - 1)
        times: dict[str, list[float]] = {"events": [], "events_monthly": []}
        plans = {}
        for _ in range(args.repeat):
            for table in times:
                ms, plans[table] = explain(conn, table, first, last)
                times[table].append(ms)
        total = conn.execute(sa.text("SELECT count(*) FROM events")).scalar()
        print(f"{total} events, {made} monthly partitions; the month {first} .. {last}")
        for table, samples in times.items():
            scanned = len(set(re.findall(r"on (events_monthly_\d{6})", plans[table])))
            print(
                f"{table}: median {statistics.median(samples):.1f} ms; partitions read: {scanned}"
            )
            print(plans[table])
        if args.drop:
            conn.execute(sa.text("DROP TABLE events_monthly"))
            conn.commit()


if __name__ == "__main__":
    main()
