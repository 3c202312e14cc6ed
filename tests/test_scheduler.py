"""One scheduler acts, however many are started; another takes over when it dies."""

import threading
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from tests.factories import make_member, make_shift, make_signup, make_tree
from timebank.core.clock import utcnow
from timebank.core.lease import acquire
from timebank.extensions import db
from timebank.notifications.models import Notification
from timebank.scheduler import LEASE_NAME, LEASE_TTL, all_jobs, run_job

T0 = datetime(2026, 3, 3, 0, 0, tzinfo=UTC)


def test_lease_one_holder_until_it_expires(db):
    assert acquire("test", "a", ttl=LEASE_TTL, now=T0)
    assert not acquire("test", "b", ttl=LEASE_TTL, now=T0 + timedelta(seconds=10))
    assert acquire("test", "a", ttl=LEASE_TTL, now=T0 + timedelta(seconds=20))  # renewed
    # "a" dies: after the lease lapses, "b" takes over (within a minute).
    assert acquire("test", "b", ttl=LEASE_TTL, now=T0 + timedelta(seconds=51))
    assert not acquire("test", "a", ttl=LEASE_TTL, now=T0 + timedelta(seconds=52))


def test_every_domain_job_is_registered(app):
    names = {fn.__name__ for fn, _seconds in all_jobs()}
    assert {
        "purge_tokens_job",
        "send_reminders_job",
        "close_shifts_job",
        "callout_tick_job",
        "deliver_outbox_job",
    } <= names


def test_two_schedulers_send_each_reminder_once(app, committed):
    tree = make_tree()
    start = utcnow() + timedelta(minutes=50)
    members = [make_member(tree.community) for _ in range(5)]
    shift = make_shift(tree.community, starts_at=start)
    for member in members:
        make_signup(member, shift).confirmed_at = utcnow() - timedelta(days=2)
    db.session.commit()
    from timebank.shifts.jobs import send_reminders_job

    barrier = threading.Barrier(2)
    results = []

    def scheduler(holder):
        barrier.wait()
        for _ in range(3):  # each "process" ticks a few times
            results.append(run_job(app, send_reminders_job, holder=holder))

    threads = [threading.Thread(target=scheduler, args=(h,)) for h in ("host-a:1", "host-b:2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    kinds = db.session.scalars(sa.select(Notification.kind)).all()
    assert kinds.count("reminder_1h") == 5  # once per member, not twice
    assert kinds.count("reminder_24h") == 5
    acting = [r for r in results if r is not None]
    assert sorted(acting) == [0, 0, 10]  # one holder acted: 10 sent, then nothing due
    assert results.count(None) == 3  # the other never acted
    holder = db.session.execute(sa.text(f"SELECT holder FROM leases WHERE name = '{LEASE_NAME}'"))
    assert holder.scalar() in ("host-a:1", "host-b:2")
