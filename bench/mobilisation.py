"""The `mobilisation` benchmark: raising a call-out at district scale, and filling it.

    python -m bench.run mobilisation --members 100000 [--database-url URL]

Seeds the Nansha tree and N members spread over it, then times, on one database:
(a) raising a call-out: validation, candidate selection among every member (a bounding box
    in SQL, haversine and geodesic in Python, response rates), inserting the first wave and
    its notifications, and the commit — what POST /api/v1/callouts does. Target: median
    under 300 ms.
(b) the last needed acceptance: respond(accept) for the member that makes `accepted` reach
    `needed`, which fills the call-out, marks the pending invitations not needed, forms the
    teams and tells everyone, then commits. Filling happens in that transaction, so the time
    from the last accept to "filled with teams formed" is this time — no scheduler tick is
    waited for. Target: under 1 s.
See bench/README.md.
"""

import random
import time
from datetime import UTC, datetime

import sqlalchemy as sa

from .common import (
    analyze,
    configure_environment,
    database_version,
    fresh_database,
    print_facts,
    print_timings,
    summarise,
    write_results,
)


def build(args):
    from timebank import create_app
    from timebank.auth.models import Role, RoleAssignment
    from timebank.core.security import hash_password
    from timebank.demo.seed import DEMO_PASSWORD, seed_accounts, seed_members, seed_units
    from timebank.extensions import db
    from timebank.members.models import Member
    from timebank.units.models import Level, Unit

    app = create_app()
    rng = random.Random(args.data_seed)
    with app.app_context():
        started = time.perf_counter()
        db.create_all()
        seed_units(rng)
        seed_accounts(hash_password(DEMO_PASSWORD))
        seed_members(rng, args.members, hash_password(DEMO_PASSWORD))
        db.session.commit()
        analyze(db)
        seconds = time.perf_counter() - started
        district = db.session.scalar(sa.select(Unit).where(Unit.level == Level.DISTRICT))
        organiser = db.session.scalar(
            sa.select(Member.id)
            .join(RoleAssignment, RoleAssignment.member_id == Member.id)
            .where(RoleAssignment.role == Role.ORGANISER, RoleAssignment.unit_id == district.id)
        )
        places = [
            (lat, lon)
            for lat, lon in db.session.execute(
                sa.select(Unit.lat, Unit.lon).where(Unit.level == Level.COMMUNITY)
            )
        ]
        members = db.session.scalar(sa.select(sa.func.count(Member.id)))
        db.session.remove()
    return app, {
        "organiser": organiser,
        "district": district.id,
        "places": places,
        "members": members,
        "seed_s": seconds,
    }


def _raise(world, rng, *, needed, team_size, radius_km):
    from timebank.extensions import db
    from timebank.members.models import Member
    from timebank.mobilisation import services

    lat, lon = rng.choice(world["places"])
    organiser = db.session.get(Member, world["organiser"])
    return services.raise_callout(
        organiser,
        unit_id=world["district"],
        kind="sharp_knife",
        title="bench",
        lat=lat + rng.uniform(-0.01, 0.01),
        lon=lon + rng.uniform(-0.01, 0.01),
        radius_km=radius_km,
        needed=needed,
        team_size=team_size,
        respond_within_s=600,
    )


def _close(callout_id, world):
    from timebank.extensions import db
    from timebank.members.models import Member
    from timebank.mobilisation import services
    from timebank.mobilisation.queries import get_callout

    services.close(db.session.get(Member, world["organiser"]), get_callout(callout_id))
    db.session.commit()


def time_raise(app, world, args):
    """(a): raise + commit, then close it (untimed) so its invitees are free again."""
    from timebank.extensions import db
    from timebank.mobilisation.services import callout_counts

    rng = random.Random(args.seed)
    samples, invited = [], []
    for n in range(args.warmup + args.runs):
        with app.app_context():
            started = time.perf_counter()
            callout = _raise(
                world, rng, needed=args.needed, team_size=args.team_size, radius_km=args.radius_km
            )
            db.session.commit()
            elapsed = time.perf_counter() - started
            if n >= args.warmup:
                samples.append(elapsed * 1000)
                invited.append(callout_counts(callout)["invited"])
            _close(callout.id, world)
            db.session.remove()
    return summarise("raise + first wave + commit", samples), invited


def time_fill(app, world, args):
    """(b): accept all but one (untimed), then time the accept that fills it."""
    from timebank.extensions import db
    from timebank.members.models import Member
    from timebank.mobilisation import services
    from timebank.mobilisation.models import Invitation

    rng = random.Random(args.seed + 1)
    samples, teams = [], []
    for _ in range(args.fill_runs):
        with app.app_context():
            callout = _raise(
                world, rng, needed=args.needed, team_size=args.team_size, radius_km=args.radius_km
            )
            db.session.commit()
            callout_id = callout.id
            while True:
                invitees = db.session.scalars(
                    sa.select(Invitation.member_id)
                    .where(Invitation.callout_id == callout_id, Invitation.status == "pending")
                    .order_by(Invitation.distance_m)
                ).all()
                callout = services.lock(callout_id)
                missing = callout.needed - callout.accepted
                db.session.commit()
                if missing <= 1 or not invitees:
                    break
                for member_id in invitees[: missing - 1]:
                    services.respond(db.session.get(Member, member_id), callout, answer="accept")
                    db.session.commit()
            if not invitees:
                _close(callout_id, world)
                continue
            last = db.session.get(Member, invitees[0])
            started = time.perf_counter()
            services.respond(last, services.lock(callout_id), answer="accept")
            db.session.commit()
            samples.append((time.perf_counter() - started) * 1000)
            callout = services.lock(callout_id)
            assert callout.status == "filled", callout.status
            teams.append(
                db.session.scalar(
                    sa.select(sa.func.count(sa.distinct(Invitation.team_number))).where(
                        Invitation.callout_id == callout_id
                    )
                )
            )
            db.session.commit()
            _close(callout_id, world)
            db.session.remove()
    return summarise("last accept → filled, teams formed", samples), teams


def run_mobilisation(args) -> None:
    with fresh_database(args.database_url, args.keep) as url:
        configure_environment(url)
        app, world = build(args)
        (raise_timing, invited) = time_raise(app, world, args)
        (fill_timing, teams) = time_fill(app, world, args)
        facts = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "database": database_version(app),
            "members": f"{world['members']:,} ({args.members:,} generated + demo accounts)",
            "seed + ANALYZE": f"{world['seed_s']:.1f} s",
            "call-out": f"needed {args.needed}, team size {args.team_size}, radius "
            f"{args.radius_km} km around a random community centre",
            "first wave invited": f"{min(invited)}–{max(invited)} members",
            "teams formed when filled": f"{min(teams) if teams else 0}–"
            f"{max(teams) if teams else 0}",
        }
        print_facts("mobilisation", facts)
        print_timings("median / p95 ms", [raise_timing, fill_timing])
        verdicts = {
            "raise (target < 300 ms)": raise_timing.median_ms < 300,
            "fill (target < 1000 ms)": fill_timing.median_ms < 1000,
        }
        for name, ok in verdicts.items():
            print(f"{name}: {'PASS' if ok else 'FAIL'}")
        if args.output:
            write_results(
                args.output,
                {
                    "facts": facts,
                    "timings": [vars(raise_timing), vars(fill_timing)],
                    "verdicts": verdicts,
                },
            )


def add_parser(sub) -> None:
    p = sub.add_parser("mobilisation", help="raise a call-out and fill it, at district scale")
    p.add_argument("--members", type=int, default=100000, help="members to seed")
    p.add_argument("--database-url", help="postgresql+psycopg://… (created and dropped)")
    p.add_argument("--runs", type=int, default=30, help="timed call-outs raised")
    p.add_argument("--warmup", type=int, default=3, help="untimed call-outs first")
    p.add_argument("--fill-runs", type=int, default=10, help="call-outs filled")
    p.add_argument("--needed", type=int, default=9, help="head-count needed")
    p.add_argument("--team-size", type=int, default=3, help="team size")
    p.add_argument("--radius-km", type=float, default=3.0, help="call-out radius")
    p.add_argument("--seed", type=int, default=1, help="random seed for the picks")
    p.add_argument("--data-seed", type=int, default=2022, help="random seed for the data")
    p.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    p.add_argument("--output", help="also write JSON to bench/results/<name>")
    p.set_defaults(func=run_mobilisation)
