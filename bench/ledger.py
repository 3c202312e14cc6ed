"""The `ledger` benchmark: build a long hash chain quickly, then time its verification.

    python -m bench.run ledger --entries 1000000 [--database-url URL]

Seeds the Nansha tree and `--members` members, appends `--entries` ledger entries with
`timebank.ledger.chain.append_many` in batches of `--batch` (one app context, a commit per
batch), then times `flask --app timebank verify-ledger` in a subprocess (wall time, peak
RSS from wait4) and `chain.verify()` in this process (wall time, peak RSS growth with the
high-water mark reset through /proc/self/clear_refs). See bench/README.md.
"""

import os
import platform
import random
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from . import what_if
from .common import (
    ROOT,
    code_version,
    configure_environment,
    database_version,
    fresh_database,
    print_facts,
    write_results,
)


def _status_kib(key: str) -> int:
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"^{key}:\s+(\d+) kB", text, re.M).group(1))


def _reset_peak() -> bool:
    """Reset this process's VmHWM to its current RSS (Linux 4.0+); False if refused."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def build(app, args) -> dict:
    """The tree, members, and `args.entries` chained entries; returns facts."""
    from timebank.core.clock import utcnow
    from timebank.core.security import hash_password
    from timebank.demo.seed import DEMO_PASSWORD, seed_accounts, seed_members, seed_units
    from timebank.extensions import db
    from timebank.ledger import chain
    from timebank.ledger.models import LedgerEntry
    from timebank.members.models import Member, MemberStatus

    rng = random.Random(args.data_seed)
    facts = {}
    with app.app_context():
        started = time.perf_counter()
        db.create_all()
        password_hash = hash_password(DEMO_PASSWORD)
        seed_units(rng)
        seed_accounts(password_hash)
        seed_members(rng, args.members, password_hash)
        db.session.commit()
        members = db.session.execute(
            sa.select(Member.id, Member.community_id).where(Member.status == MemberStatus.ACTIVE)
        ).all()
        facts["seed (tree, members)"] = f"{time.perf_counter() - started:.1f} s"

        # time the ranking totals' share of append_many (a wrapper that only measures)
        from timebank.rankings import totals

        apply_entries, totals_seconds = totals.apply_entries, [0.0]

        def timed_apply_entries(entries):
            t0 = time.perf_counter()
            try:
                return apply_entries(entries)
            finally:
                totals_seconds[0] += time.perf_counter() - t0

        totals.apply_entries = timed_apply_entries
        started = time.perf_counter()
        first = utcnow() - timedelta(days=730)
        step = timedelta(days=730) / max(args.entries, 1)
        batches = []
        for low in range(0, args.entries, args.batch):
            t0 = time.perf_counter()
            entries = []
            for i in range(low, min(args.entries, low + args.batch)):
                member_id, community_id = rng.choice(members)
                service = rng.random() < 0.95
                entries.append(
                    LedgerEntry(
                        member_id=member_id,
                        kind="service" if service else "adjustment",
                        minutes=rng.randint(30, 240)
                        if service
                        else rng.choice([-1, 1]) * rng.randint(10, 120),
                        reason=None if service else "补录值守时长",
                        community_id=community_id,
                        source_key=f"bench:{i}",
                        created_at=first + step * i,
                    )
                )
            chain.append_many(entries)
            db.session.commit()
            batches.append(time.perf_counter() - t0)
        seconds = time.perf_counter() - started
        totals.apply_entries = apply_entries
        facts["append_many"] = (
            f"{args.entries:,} entries in {seconds:.1f} s ({args.entries / seconds:,.0f} "
            f"entries/s; batches of {args.batch:,}, median batch "
            f"{sorted(batches)[len(batches) // 2]:.2f} s, commits included)"
        )
        facts["… of which ranking totals"] = (
            f"{totals_seconds[0]:.1f} s in rankings.totals.apply_entries"
        )
        if db.engine.dialect.name == "postgresql":
            size = db.session.scalar(
                sa.text("SELECT pg_size_pretty(pg_total_relation_size('ledger_entries'))")
            )
            facts["ledger_entries size"] = f"{size} (table and indexes)"
        else:
            path = Path(db.engine.url.database)
            facts["database file"] = f"{path.stat().st_size / 2**20:.0f} MiB"
        db.session.remove()
    return facts


def verify_cli() -> dict:
    """`flask --app timebank verify-ledger` in a subprocess: wall time, exit status, output,
    and the child's peak RSS (ru_maxrss from wait4, KiB on Linux)."""
    flask = Path(sys.executable).parent / "flask"
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(flask), "--app", "timebank", "verify-ledger"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=os.environ.copy(),
        text=True,
    )
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "seconds": time.perf_counter() - started,
        "exit": proc.returncode,
        "output": output.strip().splitlines()[0] if output.strip() else "",
        "peak_rss_mib": usage.ru_maxrss / 1024,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
    }


def verify_in_process(app) -> dict:
    """`chain.verify()` here: wall time, the RSS before and the peak during it."""
    from timebank.extensions import db
    from timebank.ledger import chain

    with app.app_context():
        reset = _reset_peak()
        rss_before = _status_kib("VmRSS")
        cpu = time.process_time()
        started = time.perf_counter()
        result = chain.verify()
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        peak = _status_kib("VmHWM")
        db.session.remove()
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "ok": result.ok,
        "entries": result.entries,
        "head_hash": result.head_hash,
        "rss_before_mib": rss_before / 1024,
        "peak_mib": peak / 1024,
        "peak_growth_mib": (peak - rss_before) / 1024 if reset else None,
    }


def run_ledger(args) -> None:
    from timebank import create_app

    with fresh_database(args.database_url, args.keep) as url:
        configure_environment(url)
        app = create_app()
        applied = what_if.apply(args.what_if)
        facts = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "database": database_version(app),
            "what-if": ", ".join(applied) + " (patched in: NOT the app as it is; the CLI "
            "verification runs the app as it is)"
            if applied
            else "none (the app as it is)",
            "python": platform.python_version(),
            "app code": code_version(),
            "cpus": os.cpu_count(),
        }
        facts.update(build(app, args))
        cli, in_process = [], []
        for _ in range(args.repeat):
            cli.append(verify_cli())
            in_process.append(verify_in_process(app))
        facts["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
        with app.app_context():
            from timebank.extensions import db

            db.engine.dispose()
        print_facts(f"Ledger, {facts['database']}", facts)
        print()
        print(f"verification of {args.entries:,} entries ({args.repeat} runs each):")
        for r in cli:
            print(
                f"  flask verify-ledger (subprocess)  {r['seconds']:6.1f} s wall, "
                f"{r['cpu_seconds']:6.1f} s CPU, peak RSS {r['peak_rss_mib']:6.1f} MiB, "
                f"exit {r['exit']}: {r['output'][:90]}"
            )
        for r in in_process:
            growth = (
                f"{r['peak_growth_mib']:.1f} MiB above the {r['rss_before_mib']:.0f} MiB "
                "it had before"
                if r["peak_growth_mib"] is not None
                else f"(peak not resettable) VmHWM {r['peak_mib']:.0f} MiB"
            )
            print(
                f"  chain.verify() (in-process)       {r['seconds']:6.1f} s wall, "
                f"{r['cpu_seconds']:6.1f} s CPU, peak RSS {growth}; ok={r['ok']}, "
                f"{r['entries']:,} entries"
            )
        passed = all(r["exit"] == 0 for r in cli) and all(
            r["ok"] and r["entries"] == args.entries for r in in_process
        )
        print(f"every verification passed and counted {args.entries:,} entries: {passed}")
        if args.output:
            path = write_results(
                args.output, {"facts": facts, "cli": cli, "in_process": in_process}
            )
            print(f"written to {path}")
        if not passed:
            raise SystemExit("ledger: verification FAILED")


def add_parser(sub) -> None:
    p = sub.add_parser("ledger", help="build a long hash chain, time verify-ledger")
    p.add_argument("--entries", type=int, default=1_000_000, help="ledger entries to build")
    p.add_argument("--batch", type=int, default=10_000, help="entries per append_many")
    p.add_argument("--members", type=int, default=1000, help="members to seed")
    p.add_argument("--database-url", help="postgresql+psycopg://… (created and dropped)")
    p.add_argument("--repeat", type=int, default=1, help="verifications of each kind")
    p.add_argument("--data-seed", type=int, default=2022, help="random seed for the data")
    p.add_argument(
        "--what-if",
        action="append",
        default=[],
        choices=what_if.NAMES,
        help="an experiment from bench/what_if.py (e.g. the old way of an app function), patched "
        "in at run time (not the app as it is; the report says so)",
    )
    p.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    p.add_argument("--output", help="also write JSON to bench/results/<name>")
    p.set_defaults(func=run_ledger)
