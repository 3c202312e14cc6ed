"""The `sms` benchmark: a wave of 1,000 invitation texts, then 100 replies a second.

    python -m bench.run sms --members 5000 [--database-url URL]

(a) raises a call-out whose first wave invites about 1,000 members (needed × WAVE_FACTOR)
    and times raise → invitations, inbox rows, lettered questions and outbox SMS, commit:
    the work one scheduler tick (CALLOUT_TICK_S, 15 s) does for a wave. Target: well
    inside one tick.
(b) posts the invitees' replies to POST /api/v1/sms/inbound (signed, in-process through
    the whole Flask stack) open-loop at --rate per second from --workers threads; the
    latency of each is measured from its scheduled send time, so queueing counts.
    Target: p99 < 100 ms at 100/s on PostgreSQL.
See bench/README.md.
"""

import json
import random
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import sqlalchemy as sa

from .common import configure_environment, database_version, fresh_database, print_facts
from .mobilisation import build

REPLIES = ["A2", "2", "拒绝", "Ａ２", "a2", "不去", "A1", "1", "接受", "A1 谢谢"]


def time_wave(app, world, args):
    from timebank.extensions import db
    from timebank.members.models import Member
    from timebank.mobilisation import services
    from timebank.mobilisation.models import Invitation
    from timebank.notifications.models import OutboxMessage

    with app.app_context():
        organiser = db.session.get(Member, world["organiser"])
        lat, lon = world["places"][0]
        started = time.perf_counter()
        callout = services.raise_callout(
            organiser,
            unit_id=world["district"],
            kind="sharp_knife",
            title="bench sms",
            lat=lat,
            lon=lon,
            radius_km=200,
            needed=args.needed,
            team_size=3,
            respond_within_s=3600,
        )
        db.session.commit()
        seconds = time.perf_counter() - started
        callout_id = callout.id
        phones = db.session.scalars(
            sa.select(Member.phone)
            .join(Invitation, Invitation.member_id == Member.id)
            .where(Invitation.callout_id == callout_id)
        ).all()
        lettered = db.session.scalar(
            sa.select(sa.func.count(OutboxMessage.id)).where(
                OutboxMessage.channel == "sms", OutboxMessage.body.like("%A1%")
            )
        )
        db.session.remove()
    return callout_id, phones, seconds, lettered


def time_replies(app, phones, args):
    from timebank.sms.signing import sign

    secret = app.config["SMS_INBOUND_SECRET"]
    rng = random.Random(args.seed)
    local = threading.local()
    latencies, statuses, lock = [], [], threading.Lock()

    def send(phone, text, due):
        client = getattr(local, "client", None) or app.test_client()
        local.client = client
        body = json.dumps({"from": phone, "text": text}, ensure_ascii=False).encode()
        response = client.post(
            "/api/v1/sms/inbound",
            data=body,
            headers={"Content-Type": "application/json", "X-Signature": sign(secret, body)},
        )
        done = time.perf_counter()
        with lock:
            latencies.append((done - due) * 1000)
            statuses.append(response.status_code)

    posts = phones[: args.replies]
    with ThreadPoolExecutor(args.workers) as pool:
        start = time.perf_counter() + 0.1
        for i, phone in enumerate(posts):
            due = start + i / args.rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            pool.submit(send, phone, rng.choice(REPLIES), due)
    elapsed = time.perf_counter() - start
    return latencies, statuses, elapsed


def run_sms(args) -> None:
    with fresh_database(args.database_url, args.keep) as url:
        configure_environment(url)
        app, world = build(args)
        app.config["SMS_INBOUND_SECRET"] = "bench-secret"  # noqa: S105 - a throwaway database
        callout_id, phones, wave_s, lettered = time_wave(app, world, args)
        latencies, statuses, elapsed = time_replies(app, phones, args)
        from timebank.extensions import db
        from timebank.sms.models import InboundSms

        with app.app_context():
            outcomes = dict(
                db.session.execute(
                    sa.select(InboundSms.outcome, sa.func.count()).group_by(InboundSms.outcome)
                ).all()
            )
        cuts = statistics.quantiles(latencies, n=100, method="inclusive")
        facts = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "database": database_version(app),
            "members": f"{world['members']:,}",
            "wave": f"{len(phones)} invited, {lettered} lettered SMS, {wave_s * 1000:.0f} ms",
            "replies": f"{len(latencies)} at {args.rate}/s from {args.workers} threads "
            f"in {elapsed:.1f} s; statuses {sorted(set(statuses))}",
            "outcomes": outcomes,
            "latency ms": f"median {statistics.median(latencies):.1f}, p95 {cuts[94]:.1f}, "
            f"p99 {cuts[98]:.1f}, max {max(latencies):.1f}",
        }
        print_facts("sms", facts)
        print(f"wave in one tick (< 15 s): {'PASS' if wave_s < 15 else 'FAIL'}")
        print(f"p99 < 100 ms: {'PASS' if cuts[98] < 100 else 'FAIL'}")


def add_parser(sub) -> None:
    p = sub.add_parser("sms", help="a wave of 1,000 invitation texts, then 100 replies/s")
    p.add_argument("--members", type=int, default=5000, help="members to seed")
    p.add_argument("--database-url", help="postgresql+psycopg://… (created and dropped)")
    p.add_argument("--needed", type=int, default=667, help="needed (× WAVE_FACTOR invited)")
    p.add_argument("--replies", type=int, default=1000, help="replies posted")
    p.add_argument("--rate", type=float, default=100, help="replies per second")
    p.add_argument("--workers", type=int, default=8, help="sending threads")
    p.add_argument("--seed", type=int, default=1, help="random seed for the replies")
    p.add_argument("--data-seed", type=int, default=2022, help="random seed for the data")
    p.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    p.set_defaults(func=run_sms)
