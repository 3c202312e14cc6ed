"""The `notify` benchmark: notify_many for 1,000 and 14,000 members.

    python -m bench.run notify [--members 14000] [--sizes 1000,14000] [--database-url URL]

Seeds the demo tree and --members members (every tenth with an e-mail address, SMTP_HOST
set so e-mail is queued), then times `notify_many` + flush for the first N members of each
--sizes, --runs times each (rolled back after each run, so every run writes into the same
tables): (a) the party check's CHECK_OPENED (inbox + e-mail), (b) a call-out invitation
(urgent, SMS with a lettered question per member). No target of its own: the party check
opening (SPEC 7) must stay under 10 s for 14,010 members, and it was 72 % notify_many.
See bench/README.md.
"""

import os
import statistics
import time
from datetime import UTC, datetime

import sqlalchemy as sa

from .common import (
    code_version,
    configure_environment,
    database_version,
    fresh_database,
    print_facts,
)

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def _cases():
    from timebank.mobilisation import notices as callout_notices
    from timebank.notifications.rendering import callout_kind_ref
    from timebank.party import notices as party_notices

    invitation = {
        "kind": callout_kind_ref("sharp_knife"),
        "title": "bench",
        "n": 9,
        "m": 30,
    }
    return {
        "check_opened": (party_notices.CHECK_OPENED, {"period": "2026", "org": "第一支部"}, False),
        "callout_invitation": (callout_notices.CALLOUT_INVITATION, invitation, True),
    }


def _time(app, members_ids, notice, params, lettered, runs) -> list[float]:
    from timebank.extensions import db
    from timebank.members.models import Member
    from timebank.notifications.services import notify_many

    samples = []
    with app.app_context():
        for _ in range(runs):
            members = db.session.scalars(sa.select(Member).where(Member.id.in_(members_ids))).all()
            letters = {m.id: "A" for m in members} if lettered else None
            started = time.perf_counter()
            notify_many(members, notice, subject_id=1, params=params, now=NOW, letters=letters)
            db.session.flush()
            samples.append(time.perf_counter() - started)
            db.session.rollback()
        db.session.remove()
    return samples


def run_notify(args) -> None:
    from timebank.extensions import db
    from timebank.members.models import Member

    from .run import build

    os.environ["SMTP_HOST"] = "mail.invalid"
    with fresh_database(args.database_url, args.keep) as url:
        configure_environment(url)
        app, seconds, ids = build(args.members)
        with app.app_context():
            for member in db.session.scalars(sa.select(Member).where(Member.id % 10 == 0)):
                member.email = f"m{member.id}@example.cn"
            db.session.commit()
        print_facts(
            "notify",
            {
                "database": database_version(app),
                "code": code_version(),
                "members": f"{len(ids):,} (seeded in {seconds:.1f} s)",
                "load average": " ".join(f"{x:.1f}" for x in os.getloadavg()),
            },
        )
        sizes = [int(s) for s in args.sizes.split(",")]
        for name, (notice, params, lettered) in _cases().items():
            for n in sizes:
                samples = _time(app, ids[-n:], notice, params, lettered, args.runs)
                print(
                    f"  {name:<20} N={n:>6,}: median {statistics.median(samples) * 1000:9.1f} ms"
                    f"  (runs: {', '.join(f'{s * 1000:.0f}' for s in samples)})"
                )


def add_parser(sub) -> None:
    p = sub.add_parser("notify", help="notify_many for 1,000 and 14,000 members")
    p.add_argument("--members", type=int, default=14000, help="members to seed")
    p.add_argument("--sizes", default="1000,14000", help="members notified, comma-separated")
    p.add_argument("--runs", type=int, default=3, help="timed runs per size")
    p.add_argument("--database-url", help="postgresql+psycopg://… (created and dropped)")
    p.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    p.set_defaults(func=run_notify)
