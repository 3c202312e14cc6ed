"""The `party` benchmark: opening a check (党性体检) for a whole committee, set-based.

    python -m bench.run party --members 17300 --history-days 365 [--database-url URL]

Seeds the demo data with N generated members (about 81 % of them active party members,
each in their community's branch: 17,300 give about 14,000 sheets) and `--history-days`
days of past morning duty at every community's first checkpoint (attendances, ledger
entries, no-shows), ANALYZE, then opens the annual check of the district committee
(中共南沙区委, the whole party tree) `--runs` times — each time in a transaction that is
rolled back, so every run computes every sheet afresh — and reports the median and the
peak RSS growth of the process (the indicators are GROUP BY results, one small tuple per
member: no ledger row is ever loaded into Python). Target: under 10 s on PostgreSQL.
Then, from the check opened once more and committed, as the committee's secretary: the
check's page (its first 500 sheets, grades per branch, the trend; median of 40 after 5
warm-up, target under 50 ms) and the XLSX of every sheet (median of 3, under 5 s).
"""

import cProfile
import pstats
import resource
import statistics
import time
from datetime import UTC, datetime

import sqlalchemy as sa

from .common import (
    analyze,
    code_version,
    configure_environment,
    database_version,
    fresh_database,
    print_facts,
    sign_in,
    write_results,
)

SECRETARY_OF_TOP = "13800000002"  # the district organiser acts on the whole tree


def _build(args):
    from timebank import create_app
    from timebank.demo.seed import seed_demo
    from timebank.demo.seed_history import seed_history
    from timebank.extensions import db

    app = create_app()
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        seed_demo(members=args.members, seed=args.data_seed)
        import random

        seed_history(random.Random(args.data_seed), days=args.history_days)  # nosec B311
        db.session.commit()
        analyze(db, vacuum=True)
        return app, time.perf_counter() - started


def _rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _time_open(app, args) -> tuple[list[float], int, dict]:
    from timebank.core.clock import utcnow
    from timebank.extensions import db
    from timebank.ledger.models import LedgerEntry
    from timebank.members.models import Member
    from timebank.party import checks
    from timebank.party.models import PartyOrg, Sheet

    timings, sheets, orgs = [], 0, 0
    with app.app_context():
        actor = db.session.scalar(sa.select(Member).where(Member.phone == SECRETARY_OF_TOP))
        top = db.session.scalar(sa.select(PartyOrg).where(PartyOrg.code == "P-NS"))
        entries = db.session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry))
        before = _rss_kib()
        without_orgs = []
        for n in range(args.runs):
            profile = cProfile.Profile() if args.profile and n == 0 else None
            started = time.perf_counter()
            if profile:
                profile.enable()
            _found, sheets = checks.open_check(actor, top, args.period, now=utcnow())
            db.session.flush()
            timings.append(time.perf_counter() - started)
            if profile:
                profile.disable()
                pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
            orgs = db.session.scalar(
                sa.select(sa.func.count()).select_from(Sheet).where(Sheet.target == "organisation")
            )
            db.session.rollback()
            without_orgs.append(_time_without_org_sheets(actor, top, args))
        quiet = _time_quiet(actor, top, args)
        growth = _rss_kib() - before
    return (
        timings,
        sheets,
        {
            "ledger entries": f"{entries:,}",
            "peak RSS growth": f"{growth:,} KiB",
            "organisations' sheets per check": f"{orgs:,}",
            "as before, no organisations' sheets (median, interleaved)": (
                f"{statistics.median(without_orgs):.2f} s "
                f"({', '.join(f'{t:.2f}' for t in without_orgs)})"
            ),
            "sheets only, members not told (median)": f"{statistics.median(quiet):.2f} s "
            f"({', '.join(f'{t:.2f}' for t in quiet)})",
        },
    )


def _time_without_org_sheets(actor, top, args) -> float:
    """One opening as before this change: members' sheets only (the organisations' sheets
    switched off), interleaved with the real openings so both see the same load."""
    from timebank.core.clock import utcnow
    from timebank.extensions import db
    from timebank.party import checks

    real = checks._insert_org_sheets
    checks._insert_org_sheets = lambda *a, **k: 0
    try:
        started = time.perf_counter()
        checks.open_check(actor, top, args.period, now=utcnow())
        db.session.flush()
        return time.perf_counter() - started
    finally:
        checks._insert_org_sheets = real
        db.session.rollback()


def _time_quiet(actor, top, args) -> list[float]:
    """The same openings with the notifications' receiver disconnected: the sheets'
    computation alone (the inbox rows and e-mails for every member are the rest)."""
    from timebank.core.clock import utcnow
    from timebank.extensions import db
    from timebank.notifications.party_receivers import on_check_opened
    from timebank.party import checks
    from timebank.party.signals import check_opened

    check_opened.disconnect(on_check_opened)
    timings = []
    try:
        for _ in range(args.runs):
            started = time.perf_counter()
            checks.open_check(actor, top, args.period, now=utcnow())
            db.session.flush()
            timings.append(time.perf_counter() - started)
            db.session.rollback()
    finally:
        check_opened.connect(on_check_opened, weak=False)
    return timings


class _Pages:
    """`sign_in`'s page client over the app's test client (in-process, cookies kept)."""

    def __init__(self, client):
        self.client = client

    def get(self, path: str) -> tuple[int, str]:
        response = self.client.get(path)
        return response.status_code, response.get_data(as_text=True)

    def post(self, path: str, data: dict) -> int:
        return self.client.post(path, data=data).status_code


def _time_pages(app, args) -> dict:
    """The secretary's page of the committee's check (its first 500 sheets, the grades per
    branch, the trend) and the XLSX of every sheet, from a check opened and committed."""
    from timebank.core.clock import utcnow
    from timebank.demo.seed import DEMO_PASSWORD
    from timebank.extensions import db
    from timebank.members.models import Member
    from timebank.party import checks
    from timebank.party.models import PartyOrg, PartySecretary

    with app.app_context():
        actor = db.session.scalar(sa.select(Member).where(Member.phone == SECRETARY_OF_TOP))
        top = db.session.scalar(sa.select(PartyOrg).where(PartyOrg.code == "P-NS"))
        db.session.add(PartySecretary(member_id=actor.id, party_org_id=top.id, created_at=utcnow()))
        found, sheets = checks.open_check(actor, top, args.period, now=utcnow())
        db.session.commit()
        url = f"/party/checks/{found.id}"
    pages = _Pages(app.test_client())
    sign_in(pages, SECRETARY_OF_TOP, DEMO_PASSWORD, check_path=url)
    page = []
    for n in range(45):
        started = time.perf_counter()
        status, html = pages.get(url)
        if status != 200:
            raise SystemExit(f"{url} answered {status}")
        if n >= 5:  # warm-up
            page.append((time.perf_counter() - started) * 1000)
    xlsx, size = [], 0
    for _ in range(3):
        started = time.perf_counter()
        response = pages.client.get(url + "/results.xlsx")
        body = response.get_data()
        xlsx.append(time.perf_counter() - started)
        size = len(body)
    return {
        "secretary's check page, 500 sheets (median of 40)": f"{statistics.median(page):.1f} ms"
        f" ({len(html) // 1024} KB)",
        f"XLSX of {sheets:,} sheets (median of 3)": f"{statistics.median(xlsx):.2f} s"
        f" ({size // 1024} KB)",
        "_page_ms": statistics.median(page),
        "_xlsx_s": statistics.median(xlsx),
    }


def run_party(args) -> None:
    with fresh_database(args.database_url, args.keep) as url:
        configure_environment(url)
        app, seed_s = _build(args)
        timings, sheets, more = _time_open(app, args)
        pages = _time_pages(app, args)
        page_ms, xlsx_s = pages.pop("_page_ms"), pages.pop("_xlsx_s")
        median = statistics.median(timings)
        runs = ", ".join(f"{t:.2f}" for t in timings)
        facts = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "code": code_version(),
            "database": database_version(app),
            "members": f"{args.members:,} generated + demo accounts",
            "sheets per check": f"{sheets:,}",
            "history": f"{args.history_days} days",
            "seed + ANALYZE": f"{seed_s:.1f} s",
            **more,
            "open check (median of runs)": f"{median:.2f} s ({runs})",
            **pages,
        }
        print_facts("party: open a check of the whole committee", facts)
        print(f"open < 10 s: {'PASS' if median < 10 else 'FAIL'}")
        print(f"secretary's page < 50 ms: {'PASS' if page_ms < 50 else 'FAIL'}")
        print(f"XLSX < 5 s: {'PASS' if xlsx_s < 5 else 'FAIL'}")
        if args.output:
            write_results(args.output, {"facts": facts, "timings_s": timings})


def add_parser(sub) -> None:
    p = sub.add_parser("party", help="open a 党性体检 check of ~14,000 members")
    p.add_argument("--members", type=int, default=17300, help="members to seed")
    p.add_argument("--history-days", type=int, default=365, help="days of past duty")
    p.add_argument("--period", default="2026", help="the check's period")
    p.add_argument("--runs", type=int, default=3, help="timed openings (each rolled back)")
    p.add_argument("--database-url", help="postgresql+psycopg://… (created and dropped)")
    p.add_argument("--data-seed", type=int, default=2022, help="random seed for the data")
    p.add_argument("--profile", action="store_true", help="profile the first opening")
    p.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    p.add_argument("--output", help="also write JSON to bench/results/<name>")
    p.set_defaults(func=run_party)
