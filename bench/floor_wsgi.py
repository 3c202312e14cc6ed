"""The app plus one bench-only route, for `python -m bench.run scans`.

    gunicorn -w 4 --threads 1 bench.floor_wsgi:app

`create_app()` exactly as `wsgi.py` builds it (the production `Config`, same engine and
connection pool, same before/teardown hooks), and one extra route registered here, never
in the app: `POST /api/v1/_floor`. It authenticates with the API's own `authenticate()`
(the bearer-token check every API handler runs), inserts one row into the bench-only table
`bench_floor_scans` with the statement the scan endpoint starts with (`INSERT … ON CONFLICT
(scan_id) DO NOTHING RETURNING id`), commits and answers 201. So `POST /api/v1/scans` and
the floor differ only in the work after authentication. The table is created by the
benchmark (`floor_table.create(...)`), not by the app's models or migrations.

Unlike `wsgi.py` it never starts the inline scheduler (the bench runs with
`TIMEBANK_SCHEDULER=off` anyway). With BENCH_WHAT_IF set (only by `--what-if`), the named
experiments of bench/what_if.py are switched on in each worker.
"""

import sqlalchemy as sa
from flask import g, jsonify, request
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from timebank import create_app
from timebank.blueprints.api.access import authenticate
from timebank.core.clock import utcnow
from timebank.core.db import UTCDateTime
from timebank.extensions import csrf, db

from .what_if import from_environment

FLOOR_PATH = "/api/v1/_floor"

#: Not in the app's metadata: `db.create_all()` and migrations never see it.
metadata = sa.MetaData()
floor_table = sa.Table(
    "bench_floor_scans",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("scan_id", sa.String(36), nullable=False, unique=True),
    sa.Column("shift_id", sa.Integer),
    sa.Column("staff_id", sa.Integer, nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
)


def floor():
    """Authenticate, insert one row, commit, 201."""
    authenticate()
    body = request.get_json(silent=True) or {}
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(floor_table)
        .values(
            scan_id=str(body.get("scan_id", ""))[:36],
            shift_id=body.get("shift_id") if isinstance(body.get("shift_id"), int) else None,
            staff_id=g.actor.id,
            received_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["scan_id"])
        .returning(floor_table.c.id)
    )
    row_id = db.session.execute(stmt).scalar()
    db.session.commit()
    return jsonify({"id": row_id, "action": "floor"}), 201


def build_app():
    app = create_app()
    # The API blueprints are exempt from CSRF (bearer tokens only); so is this route.
    app.add_url_rule(FLOOR_PATH, "bench_floor", csrf.exempt(floor), methods=["POST"])
    return app


app = build_app()
what_if = from_environment()
