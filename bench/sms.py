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
    Afterwards: the invitations (declines are topped up at once, so about 1,000 + the
    declines), pending against its target, and the load average before and after.
--compare REF runs the whole benchmark for the app at REF (exported with `git archive`,
    measured by this tree's bench/) and for this tree, --rounds times in turn, each in its
    own process and fresh database, and prints them side by side.
See bench/README.md.
"""

import argparse
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import sqlalchemy as sa

from .common import (
    ROOT,
    code_version,
    configure_environment,
    database_version,
    fresh_database,
    print_facts,
)
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


def after_replies(app, callout_id) -> dict:
    """Outcomes of the texts, and the call-out's invitations once the replies are in."""
    from timebank.extensions import db
    from timebank.mobilisation.models import Callout, Invitation
    from timebank.sms.models import InboundSms

    with app.app_context():
        outcomes = dict(
            db.session.execute(
                sa.select(InboundSms.outcome, sa.func.count()).group_by(InboundSms.outcome)
            ).all()
        )
        statuses = dict(
            db.session.execute(
                sa.select(Invitation.status, sa.func.count())
                .where(Invitation.callout_id == callout_id)
                .group_by(Invitation.status)
            ).all()
        )
        callout = db.session.get(Callout, callout_id)
        target = math.ceil((callout.needed - callout.accepted) * 1.5)
        db.session.remove()
    return {"outcomes": outcomes, "invitations": statuses, "target": target}


def run_sms(args) -> None:
    if args.compare:
        compare(args)
        return
    load_before = os.getloadavg()
    with fresh_database(args.database_url, args.keep) as url:
        configure_environment(url)
        app, world = build(args)
        app.config["SMS_INBOUND_SECRET"] = "bench-secret"  # noqa: S105 - a throwaway database
        callout_id, phones, wave_s, lettered = time_wave(app, world, args)
        latencies, statuses, elapsed = time_replies(app, phones, args)
        after = after_replies(app, callout_id)
        version = database_version(app)
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    result = {
        "code": code_version() if args.code_label is None else args.code_label,
        "wave_ms": wave_s * 1000,
        "rate": len(latencies) / elapsed,
        "median": statistics.median(latencies),
        "p95": cuts[94],
        "p99": cuts[98],
        "max": max(latencies),
        "load": [load_before, os.getloadavg()],
        **after,
    }
    invitations = after["invitations"]
    facts = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "code": result["code"],
        "app from": os.path.dirname(sys.modules["timebank"].__file__),
        "database": version,
        "members": f"{world['members']:,}",
        "wave": f"{len(phones)} invited, {lettered} lettered SMS, {wave_s * 1000:.0f} ms",
        "replies": f"{len(latencies)} at {args.rate}/s from {args.workers} threads "
        f"in {elapsed:.1f} s ({result['rate']:.1f}/s); statuses {sorted(set(statuses))}",
        "outcomes": after["outcomes"],
        "invitations after": f"{sum(invitations.values())} {invitations}; "
        f"pending target {after['target']}",
        "latency ms": f"median {result['median']:.1f}, p95 {cuts[94]:.1f}, "
        f"p99 {cuts[98]:.1f}, max {result['max']:.1f}",
        "load average": " → ".join(f"{a:.1f}/{b:.1f}/{c:.1f}" for a, b, c in result["load"]),
    }
    print_facts("sms", facts)
    print(f"wave in one tick (< 15 s): {'PASS' if wave_s < 15 else 'FAIL'}")
    print(f"p99 < 100 ms: {'PASS' if cuts[98] < 100 else 'FAIL'}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(result, out)


def export_app(ref: str, into: str) -> str:
    """The app at `ref` (git archive of timebank/) beside a copy of this tree's bench/, and
    this tree's compiled catalogues where the export has none; returns the directory."""
    archive = subprocess.run(
        ["git", "archive", ref, "timebank"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", into], input=archive, check=True)
    shutil.copytree(
        ROOT / "bench", os.path.join(into, "bench"), ignore=shutil.ignore_patterns("results")
    )
    for mo in (ROOT / "timebank" / "translations").rglob("*.mo"):
        target = os.path.join(into, mo.relative_to(ROOT))
        if not os.path.exists(target):
            shutil.copyfile(mo, target)
    return into


def _one(cwd, label: str, args, out: str) -> dict:
    command = [sys.executable, "-m", "bench.run", "sms", "--json", out, "--code-label", label]
    for flag in ("members", "needed", "replies", "rate", "workers", "seed", "data_seed"):
        command += [f"--{flag.replace('_', '-')}", str(getattr(args, flag))]
    if args.database_url:
        command += ["--database-url", args.database_url]
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    subprocess.run(command, cwd=cwd, env=env, check=True)
    with open(out, encoding="utf-8") as f:
        return json.load(f)


def compare(args) -> None:
    """The app at args.compare and this tree, args.rounds times in turn, side by side."""
    with tempfile.TemporaryDirectory(prefix="tb-sms-old-") as old_dir:
        export_app(args.compare, old_dir)
        results = []
        for round_ in range(args.rounds):
            for label, cwd in ((f"old {args.compare}", old_dir), ("new " + code_version(), ROOT)):
                out = os.path.join(old_dir, f"result-{round_}-{len(results)}.json")
                results.append(_one(cwd, label, args, out))
    print("\nsms, side by side (ms from the scheduled send; rate = replies/s served)")
    print(
        f"{'code':<44} {'rate':>6} {'median':>9} {'p95':>9} {'p99':>9} {'max':>9} "
        f"{'invited':>8} load 1-min before→after"
    )
    for r in results:
        invited = sum(r["invitations"].values())
        load = f"{r['load'][0][0]:.1f}→{r['load'][1][0]:.1f}"
        print(
            f"{r['code'][:44]:<44} {r['rate']:>6.1f} {r['median']:>9.1f} {r['p95']:>9.1f} "
            f"{r['p99']:>9.1f} {r['max']:>9.1f} {invited:>8} {load}"
        )


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
    p.add_argument("--compare", metavar="REF", help="also run the app at this commit, in turn")
    p.add_argument("--rounds", type=int, default=1, help="with --compare: rounds of each")
    p.add_argument("--json", help="write the figures to this file too")
    p.add_argument("--code-label", help=argparse.SUPPRESS)
    p.set_defaults(func=run_sms)
