"""The one scheduler: APScheduler with a memory job store, gated by a database lease.

Every domain lists its periodic jobs in `<domain>/jobs.py` as `JOBS = [(fn, seconds)]`.
A job is "process what is due" over database state: it takes `now`, selects due rows,
claims each with a conditional update, and is safe to run twice. Each run pushes an app
context, renews the lease (doing nothing when another process holds it), calls the job,
commits and logs.
"""

import logging
import os
import socket
import uuid
from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

from .core.clock import utcnow
from .core.lease import acquire
from .core.metrics import JOB_RUNS
from .extensions import db

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
LEASE_TTL = timedelta(seconds=30)
HOLDER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def all_jobs() -> list:
    from .auth import jobs as auth_jobs
    from .checkin import jobs as checkin_jobs
    from .dispatch import jobs as dispatch_jobs
    from .mobilisation import jobs as mobilisation_jobs
    from .notifications import jobs as notification_jobs
    from .shifts import jobs as shift_jobs
    from .sms import jobs as sms_jobs

    return [
        *auth_jobs.JOBS,
        *shift_jobs.JOBS,
        *checkin_jobs.JOBS,
        *mobilisation_jobs.JOBS,
        *dispatch_jobs.JOBS,
        *notification_jobs.JOBS,
        *sms_jobs.JOBS,
    ]


def run_job(app, fn, holder: str = HOLDER) -> int | None:
    """Run one job if this process holds the lease; returns what the job returned."""
    with app.app_context():
        try:
            now = utcnow()
            if not acquire(LEASE_NAME, holder, ttl=LEASE_TTL, now=now):
                db.session.rollback()
                return None
            db.session.commit()
            result = fn(now=now)
            db.session.commit()
            JOB_RUNS.labels(fn.__name__, "ok").inc()
            if result:
                log.info("scheduler job %s processed %s", fn.__name__, result)
            return result
        except Exception:
            db.session.rollback()
            JOB_RUNS.labels(fn.__name__, "error").inc()
            log.exception("scheduler job %s failed", fn.__name__)
            return None
        finally:
            db.session.remove()


def build(app, *, blocking: bool = False):
    # APScheduler is imported here, where a scheduler is built: a web worker with
    # TIMEBANK_SCHEDULER=off never loads it (wsgi.py imports this module).
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # our own lines say what ran
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone="UTC")
    for fn, seconds in all_jobs():
        if isinstance(seconds, str):  # a setting's name, e.g. "CALLOUT_TICK_S"
            seconds = app.config[seconds]
        scheduler.add_job(
            run_job,
            "interval",
            seconds=seconds,
            args=[app, fn],
            id=fn.__name__,
            max_instances=1,
            coalesce=True,
            next_run_time=utcnow() + timedelta(seconds=2),
        )
    # Renew the lease often enough that it never lapses while this process lives.
    scheduler.add_job(
        run_job,
        "interval",
        seconds=10,
        args=[app, _heartbeat],
        id="lease_heartbeat",
        max_instances=1,
        coalesce=True,
    )
    return scheduler


def _heartbeat(now) -> None:
    return None


def start_inline(app):
    """Start the scheduler in this (web) process when TIMEBANK_SCHEDULER=inline."""
    if app.config["TIMEBANK_SCHEDULER"] != "inline":
        return None
    scheduler = build(app)
    scheduler.start()
    log.info("inline scheduler started as %s", HOLDER)
    return scheduler


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Run the scheduler process (one acts at a time, however many are started)."""
    app = current_app._get_current_object()
    log.info("scheduler process %s starting", HOLDER)
    build(app, blocking=True).start()
