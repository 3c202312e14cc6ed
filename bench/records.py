"""The `records` benchmark: a unit's service records for the national volunteer system as
CSV and XLSX, streamed, at 100,000 rows.

    python -m bench.run records [--rows 100000] [--members 1000] [--runs 3]
        [--database-url URL]

Seeds the demo tree, `--members` members of one community and a coordinator, 1,000 shifts
(one in ten a lecture, left out of the export) and `--rows` service entries plus the
lectures' entries, bulk-inserted (hash fields filled but not chained: the export does not
read the chain). Then, `--runs` times alternately: the export's rows alone, the CSV and the
XLSX (wall time and bytes; then once more under tracemalloc for the peak of Python's
allocations while writing),
and both through `GET /api/v1/units/{id}/records` (in-process test client, body consumed).
Target: 100,000 rows streamed, memory flat (the peak does not grow with the rows).
"""

import os
import statistics
import time
import tracemalloc
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from .common import (
    analyze,
    code_version,
    configure_environment,
    database_version,
    fresh_database,
    print_facts,
)

SHIFTS = 1000
LECTURE_EVERY = 10
FIRST_DAY = datetime(2025, 1, 1, 0, 0, tzinfo=UTC)


def _seed(app, args):
    import random

    from timebank.auth.models import Role, RoleAssignment
    from timebank.core.security import hash_password
    from timebank.demo.seed import seed_units
    from timebank.extensions import db
    from timebank.ledger.models import LedgerEntry
    from timebank.members.models import Member
    from timebank.shifts.models import Shift
    from timebank.units.models import Level, Unit

    with app.app_context():
        db.create_all()
        seed_units(random.Random(2026))
        community = db.session.scalar(
            sa.select(Unit).where(Unit.level == Level.COMMUNITY).order_by(Unit.id)
        )
        password = hash_password("bench-password")
        rows = [
            {
                "name": f"志愿者{n}号",
                "phone": f"139{n:08d}",
                "password_hash": password,
                "is_party_member": True,
                "skills": [],
                "community_id": community.id,
                "status": "active",
                "locale": "zh_CN",
                "created_at": FIRST_DAY,
            }
            for n in range(args.members + 1)
        ]
        db.session.execute(sa.insert(Member), rows)
        ids = db.session.scalars(sa.select(Member.id).order_by(Member.id)).all()
        coordinator_id, member_ids = ids[0], ids[1:]
        db.session.add(
            RoleAssignment(
                member_id=coordinator_id, role=str(Role.COORDINATOR), unit_id=community.id
            )
        )
        shifts = []
        for n in range(SHIFTS):
            start = FIRST_DAY + timedelta(hours=8 * n)
            lecture = n % LECTURE_EVERY == 0
            shifts.append(
                {
                    "community_id": community.id,
                    "kind": "lecture" if lecture else "checkpoint",
                    "title": "党课" if lecture else f"北门卡口值守第{n}班",
                    "starts_at": start,
                    "ends_at": start + timedelta(hours=4),
                    "capacity": 200,
                    "skills": [],
                    "counts_as_service": not lecture,
                }
            )
        db.session.execute(sa.insert(Shift), shifts)
        shift_rows = db.session.execute(
            sa.select(Shift.id, Shift.starts_at, Shift.kind).order_by(Shift.id)
        ).all()
        service = [s for s in shift_rows if s.kind != "lecture"]
        lectures = [s for s in shift_rows if s.kind == "lecture"]
        entries, n = [], 0

        def entry(member_id, shift):
            nonlocal n
            n += 1
            return {
                "id": n,
                "member_id": member_id,
                "kind": "service",
                "minutes": 240,
                "reason": None,
                "shift_id": shift.id,
                "community_id": community.id,
                "source_key": f"bench:{n}",
                "created_at": shift.starts_at,
                "effective_at": shift.starts_at,
                "prev_hash": f"{n - 1:064x}",
                "entry_hash": f"{n:064x}",
            }

        for i in range(args.rows):
            entries.append(entry(member_ids[i % len(member_ids)], service[i % len(service)]))
            if len(entries) == 20_000:
                db.session.execute(sa.insert(LedgerEntry), entries)
                entries = []
        for i, shift in enumerate(lectures):
            entries.append(entry(member_ids[i % len(member_ids)], shift))
        db.session.execute(sa.insert(LedgerEntry), entries)
        db.session.commit()
        analyze(db, vacuum=True)
        return community.id, coordinator_id


def _export(app, unit_id, coordinator_id, fmt, trace=False):
    """(seconds, rows or bytes, peak MiB or None) of one export, consumed as a download
    would be; with `trace`, under tracemalloc (slower: its time is not reported)."""
    from timebank.certificates import export
    from timebank.extensions import db
    from timebank.members.models import Member
    from timebank.units.models import Unit

    with app.app_context():
        actor = db.session.get(Member, coordinator_id)
        unit = db.session.get(Unit, unit_id)
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        rows = export.unit_rows(actor, unit, FIRST_DAY.date(), FIRST_DAY.date() + timedelta(999))
        if fmt == "rows":
            size = sum(1 for _ in rows)
        elif fmt == "csv":
            size = sum(len(chunk.encode()) for chunk in export.csv_chunks(rows))
        else:
            size = sum(len(chunk) for chunk in export.xlsx_chunks(rows))
        elapsed = time.perf_counter() - started
        peak = None
        if trace:
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        db.session.rollback()
    return elapsed, size, peak


def _api(app, unit_id, coordinator_id, fmt):
    from timebank.auth.services import issue_token
    from timebank.extensions import db
    from timebank.members.models import Member

    with app.app_context():
        raw, _token = issue_token(db.session.get(Member, coordinator_id), ttl_days=1)
        db.session.commit()
    client = app.test_client()
    started = time.perf_counter()
    r = client.get(
        f"/api/v1/units/{unit_id}/records?from=2025-01-01&to=2027-09-26&format={fmt}",
        headers={"Authorization": f"Bearer {raw}"},
    )
    size = sum(len(chunk) for chunk in r.response)
    r.close()
    return time.perf_counter() - started, size, r.status_code


def run_records(args) -> None:
    from timebank import create_app

    with fresh_database(args.database_url, args.keep) as url:
        configure_environment(url)
        app = create_app()
        facts = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "database": database_version(app),
            "app code": code_version(),
        }
        started = time.perf_counter()
        unit_id, coordinator_id = _seed(app, args)
        facts["seed"] = f"{time.perf_counter() - started:.1f} s"
        runs = {k: [] for k in ("rows", "csv", "xlsx")}
        sizes, peaks, api = {}, {k: [] for k in runs}, {"csv": [], "xlsx": []}
        for _ in range(args.runs):
            for fmt in runs:
                seconds, size, _peak = _export(app, unit_id, coordinator_id, fmt)
                runs[fmt].append(seconds)
                sizes[fmt] = size
                peaks[fmt].append(_export(app, unit_id, coordinator_id, fmt, trace=True)[2])
            for fmt in api:
                seconds, size, status = _api(app, unit_id, coordinator_id, fmt)
                api[fmt].append(seconds)
                sizes[f"api {fmt}"] = (status, size)
        for fmt, times in runs.items():
            facts[f"{fmt}"] = (
                f"median {statistics.median(times):.2f} s (min {min(times):.2f}, "
                f"max {max(times):.2f}), {sizes[fmt]:,} {'rows' if fmt == 'rows' else 'bytes'}, "
                f"peak {min(peaks[fmt]):.1f}–{max(peaks[fmt]):.1f} MiB"
            )
        for fmt, times in api.items():
            status, size = sizes[f"api {fmt}"]
            facts[f"API {fmt}"] = (
                f"median {statistics.median(times):.2f} s (min {min(times):.2f}, "
                f"max {max(times):.2f}), HTTP {status}, {size:,} bytes"
            )
        facts["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
        with app.app_context():
            from timebank.extensions import db

            db.engine.dispose()
        print_facts(f"Records export, {args.rows:,} rows, {facts['database']}", facts)


def add_parser(sub) -> None:
    p = sub.add_parser("records", help="records export (CSV, XLSX) of 100,000 rows")
    p.add_argument("--rows", type=int, default=100_000, help="service entries exported")
    p.add_argument("--members", type=int, default=1000, help="members of the community")
    p.add_argument("--runs", type=int, default=3, help="times each export is run")
    p.add_argument("--database-url", help="postgresql+psycopg://… (created and dropped)")
    p.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    p.set_defaults(func=run_records)
