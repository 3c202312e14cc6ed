"""Request ids, one structured log line per request, and Prometheus metrics.

Every request gets an id (the client's X-Request-ID when it sends a sane one), echoed in
the response and in the log line, a JSON object with method, path, status, duration and
member. /metrics serves Prometheus text: request counts and latencies by endpoint, scans by
outcome, scheduler job runs, and the outbox backlog (read from the database on scrape), to
a scraper that sends `Authorization: Bearer <METRICS_TOKEN>`; without that setting, or
with another token, it is a 404.
With several gunicorn workers, set PROMETHEUS_MULTIPROC_DIR to an empty directory so the
counters of all workers are added up (prometheus_client's multiprocess mode).
"""

import hmac
import json
import logging
import os
import re
import time
import uuid

import sqlalchemy as sa
from flask import Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

from ..core.metrics import LATENCY, OUTBOX, REQUESTS
from ..extensions import db
from ..notifications.models import OutboxMessage

access_log = logging.getLogger("timebank.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def init_observability(app) -> None:
    @app.before_request
    def _start():
        g.request_started = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex

    @app.after_request
    def _finish(response):
        started = g.get("request_started")
        if started is None:
            return response
        elapsed = time.perf_counter() - started
        endpoint = request.endpoint or "unknown"
        REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
        LATENCY.labels(endpoint).observe(elapsed)
        response.headers["X-Request-ID"] = g.request_id
        if endpoint != "static":
            access_log.info(
                json.dumps(
                    {
                        "request_id": g.request_id,
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "ms": round(elapsed * 1000, 1),
                        "member": _member_id(),
                        "ip": request.remote_addr,
                    },
                    ensure_ascii=False,
                )
            )
        return response

    app.add_url_rule("/metrics", "metrics", metrics)


def _member_id():
    """The signed-in member's id, from the identity map: never a database query (the
    database may be what just failed)."""
    actor = g.get("actor") or g.get("_login_user")
    state = sa.inspect(actor, raiseerr=False) if actor is not None else None
    identity = state.identity if state is not None else None
    return identity[0] if identity else None


def metrics_allowed(authorization: str, token: str) -> bool:
    """Whether an Authorization header carries the metrics token (compared in constant
    time); never with an empty token."""
    if not token:
        return False
    return hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode())


def metrics():
    """Prometheus text, only for `Authorization: Bearer <METRICS_TOKEN>` (else 404, as if
    there were no such page: the counts tell who signs in and what is refused)."""
    token = current_app.config.get("METRICS_TOKEN", "")
    if not metrics_allowed(request.headers.get("Authorization", ""), token):
        abort(404)
    try:
        OUTBOX.set(db.session.query(OutboxMessage).filter_by(status="pending").count())
    except Exception:  # noqa: BLE001 - metrics must answer even when the database does not
        db.session.rollback()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest()
    return Response(body, mimetype=CONTENT_TYPE_LATEST)
