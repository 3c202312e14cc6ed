"""The `certificates` benchmark: the PDF of 2,000 entries, verify at 10⁶ certificates, and
50 members redeeming one offer of stock 10 at once.

    python -m bench.run certificates [--entries 2000] [--certificates 1000000]
        [--racers 50] [--stock 10] [--database-url URL]

PDF: a certificate of `--entries` entries rendered `--repeat` times (median wall time and
size). Verify: `--certificates` issued certificates bulk-inserted (real Ed25519 signatures),
ANALYZE, then `queries.verify(serial, sig)` and `GET /api/v1/certificates/<serial>/verify`
(in-process test client) for 300 random serials each (median, p95). Race: `--racers`
members with 100 minutes each redeem one offer of stock `--stock` from as many threads at
once; exactly `--stock` succeed, balances are right and the chain verifies.
"""

import os
import random
import statistics
import threading
import time
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from .common import (
    analyze,
    code_version,
    configure_environment,
    database_version,
    fresh_database,
    print_facts,
)


def _ms(samples: list[float]) -> str:
    samples = sorted(samples)
    p95 = samples[int(len(samples) * 0.95) - 1]
    return f"median {statistics.median(samples) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms"


def _seed(app):
    from timebank.auth.models import Role, RoleAssignment
    from timebank.core.security import hash_password
    from timebank.demo.seed import seed_units
    from timebank.extensions import db
    from timebank.members.models import Member
    from timebank.units.models import Level, Unit

    with app.app_context():
        db.create_all()
        seed_units(random.Random(2026))
        community = db.session.scalar(
            sa.select(Unit).where(Unit.level == Level.COMMUNITY).order_by(Unit.id)
        )
        password = hash_password("bench-password")

        def member(n, name):
            m = Member(
                name=name,
                phone=f"139{n:08d}",
                password_hash=password,
                is_party_member=True,
                skills=[],
                community_id=community.id,
                status="active",
                locale="zh_CN",
            )
            db.session.add(m)
            return m

        coordinator = member(0, "协调员")
        db.session.flush()
        db.session.add(
            RoleAssignment(
                member_id=coordinator.id, role=str(Role.COORDINATOR), unit_id=community.id
            )
        )
        db.session.commit()
        return community.id, coordinator.id, member


def bench_pdf(app, coordinator_id, args) -> dict:
    from timebank.certificates import pdf
    from timebank.certificates.models import Certificate

    entries = [
        {
            "id": i,
            "date": (date(2026, 1, 1) + timedelta(days=i % 365)).isoformat(),
            "title": f"北门卡口疫情防控值守第{i}班",
            "unit": "黄阁镇金洲社区",
            "unit_id": 1,
            "minutes": 240,
        }
        for i in range(args.entries)
    ]
    cert = Certificate(
        serial="NSTB-2026-000001",
        member_name="王小明",
        phone_masked="138****0001",
        from_on=date(2026, 1, 1),
        to_on=date(2026, 12, 31),
        minutes=240 * args.entries,
        entry_count=args.entries,
        entries=entries,
        issuer_name="金洲社区",
        issued_at=datetime(2026, 12, 31, 2, tzinfo=UTC),
        signature="x" * 86,
    )
    times, size = [], 0
    with app.app_context():
        for _ in range(args.repeat):
            started = time.perf_counter()
            body = pdf.render(
                cert, "https://timebank.example.cn/verify/NSTB-2026-000001?sig=" + "x" * 86
            )
            times.append(time.perf_counter() - started)
            size = len(body)
    return {
        f"PDF of {args.entries} entries": f"median {statistics.median(times) * 1000:.1f} ms, "
        f"max {max(times) * 1000:.1f} ms, {size / 1024:.0f} KB"
    }


def bench_verify(app, coordinator_id, community_id, args) -> dict:
    from timebank.certificates import queries, signing
    from timebank.certificates.models import Certificate
    from timebank.extensions import db

    facts = {}
    rng = random.Random(7)
    with app.app_context():
        member_id = coordinator_id
        issued = datetime(2026, 6, 1, 2, tzinfo=UTC)
        started = time.perf_counter()
        table = Certificate.__table__
        batch = []
        for n in range(1, args.certificates + 1):
            cert = Certificate(
                serial=f"NSTB-{2026 + n // 1_000_000}-{n % 1_000_000:06d}",
                member_id=member_id,
                member_name="王小明",
                phone_masked="139****0000",
                from_on=date(2026, 1, 1),
                to_on=date(2026, 5, 31),
                minutes=60 + n % 5000,
                entry_count=0,
                entries=[],
                issuer_unit_id=community_id,
                issuer_name="金洲社区",
                issued_by_id=member_id,
                issued_at=issued,
            )
            cert.signature = signing.sign(cert)
            batch.append({c.key: getattr(cert, c.key) for c in table.columns if c.key != "id"})
            if len(batch) == 20_000:
                db.session.execute(table.insert(), batch)
                db.session.commit()
                batch = []
        if batch:
            db.session.execute(table.insert(), batch)
            db.session.commit()
        facts[f"insert {args.certificates:,} signed certificates"] = (
            f"{time.perf_counter() - started:.1f} s"
        )
        analyze(db)
        serials = [
            f"NSTB-{2026 + n // 1_000_000}-{n % 1_000_000:06d}"
            for n in rng.sample(range(1, args.certificates + 1), 300)
        ]
        sigs = dict(
            db.session.execute(
                sa.select(table.c.serial, table.c.signature).where(table.c.serial.in_(serials))
            ).all()
        )
        samples = []
        for serial in serials:
            db.session.expunge_all()
            t = time.perf_counter()
            verdict = queries.verify(serial, sigs[serial])
            samples.append(time.perf_counter() - t)
            assert verdict.valid
        facts["verify() in process"] = _ms(samples)
    client = app.test_client()
    samples = []
    for serial in serials:
        t = time.perf_counter()
        r = client.get(f"/api/v1/certificates/{serial}/verify?sig={sigs[serial]}")
        samples.append(time.perf_counter() - t)
        assert r.status_code == 200 and r.json["valid"], r.status_code
    facts["GET …/verify (test client)"] = _ms(samples)
    return facts


def bench_race(app, community_id, coordinator_id, member, args) -> dict:
    from timebank.core.errors import DomainError
    from timebank.exchange import offers, redemptions
    from timebank.exchange.models import Offer
    from timebank.extensions import db
    from timebank.ledger import chain
    from timebank.ledger.queries import balance_minutes
    from timebank.ledger.services import adjust
    from timebank.members.models import Member
    from timebank.units.models import Unit

    with app.app_context():
        coordinator = db.session.get(Member, coordinator_id)
        racers = [member(10_000 + i, f"成员{i}") for i in range(args.racers)]
        db.session.flush()
        for m in racers:
            adjust(coordinator, m, minutes=100, reason="存入")
        offer = offers.create_offer(
            coordinator,
            db.session.get(Unit, community_id),
            title="大米",
            price_minutes=60,
            stock=args.stock,
        )
        ids, offer_id = [m.id for m in racers], offer.id
        db.session.commit()
    barrier = threading.Barrier(args.racers)
    outcomes, errors, times = [], [], []

    def work(i):
        with app.app_context():
            barrier.wait()
            t = time.perf_counter()
            try:
                redemptions.redeem(db.session.get(Member, ids[i]), db.session.get(Offer, offer_id))
                db.session.commit()
                outcomes.append("redeemed")
            except DomainError as exc:
                db.session.rollback()
                outcomes.append(exc.code)
            except Exception as exc:  # noqa: BLE001 - reported
                db.session.rollback()
                errors.append(repr(exc))
            finally:
                times.append(time.perf_counter() - t)
                db.session.remove()

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(args.racers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    with app.app_context():
        stock = db.session.get(Offer, offer_id).stock
        balances = sorted(balance_minutes(i) for i in ids)
        ok = chain.verify().ok
    won = outcomes.count("redeemed")
    right = balances == [40] * won + [100] * (args.racers - won)
    return {
        f"race: {args.racers} redeem stock {args.stock}": (
            f"{won} redeemed, {outcomes.count('out_of_stock')} out_of_stock, errors {len(errors)}, "
            f"stock left {stock}, balances right {right}, chain ok {ok}, "
            f"wall {wall * 1000:.0f} ms, "
            f"slowest {max(times) * 1000:.0f} ms"
        )
    }


def run_certificates(args) -> None:
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
        community_id, coordinator_id, member = _seed(app)
        facts.update(bench_pdf(app, coordinator_id, args))
        facts.update(bench_race(app, community_id, coordinator_id, member, args))
        if args.certificates:
            facts.update(bench_verify(app, coordinator_id, community_id, args))
        facts["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
        with app.app_context():
            from timebank.extensions import db

            db.engine.dispose()
        print_facts(f"Certificates and the exchange, {facts['database']}", facts)


def add_parser(sub) -> None:
    p = sub.add_parser("certificates", help="certificate PDF, verify at scale, redeem race")
    p.add_argument("--entries", type=int, default=2000, help="entries on the PDF")
    p.add_argument("--repeat", type=int, default=10, help="PDF renders")
    p.add_argument("--certificates", type=int, default=1_000_000, help="issued (0: skip)")
    p.add_argument("--racers", type=int, default=50, help="members redeeming at once")
    p.add_argument("--stock", type=int, default=10, help="the offer's stock")
    p.add_argument("--database-url", help="postgresql+psycopg://… (created and dropped)")
    p.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    p.set_defaults(func=run_certificates)
