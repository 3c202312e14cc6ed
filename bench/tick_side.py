"""One side of `dispatch-tick`: time one scheduler tick of whatever `timebank` is importable.

Run by bench/dispatch.py in a subprocess whose PYTHONPATH puts one code tree first (this
checkout, or the old commit extracted by `git archive`), against a copy of the seeded
database:

    PYTHONPATH=<tree> python bench/tick_side.py URL NOW_ISO

Prints one JSON line: the tick's seconds and SQL statements, what it handled, the timeline
steps and notices it wrote, and what a second tick found (nothing, when each due event is
handled once).
"""

import json
import os
import secrets
import sys
import time
from datetime import datetime

import sqlalchemy as sa


def main(url: str, now_iso: str) -> None:
    os.environ.update(
        DATABASE_URL=url,
        RATELIMIT_ENABLED="false",
        TIMEBANK_SCHEDULER="off",
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_hex(32),
        LOG_LEVEL="WARNING",
    )
    import timebank
    from timebank import create_app
    from timebank.dispatch.jobs import event_tick_job
    from timebank.dispatch.models import EventStep
    from timebank.extensions import db
    from timebank.notifications.models import Notification, OutboxMessage

    now = datetime.fromisoformat(now_iso)
    app = create_app()
    with app.app_context():
        statements = []
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
        start = time.perf_counter()
        done = event_tick_job(now)
        seconds = time.perf_counter() - start
        counted = len(statements)
        again = event_tick_job(now)

        def by(column):
            return {
                str(k): v
                for k, v in db.session.execute(
                    sa.select(column, sa.func.count()).group_by(column)
                ).all()
            }

        once = db.session.scalar(
            sa.select(sa.func.count()).select_from(
                sa.select(EventStep.event_id, EventStep.note)
                .where(EventStep.action == "overdue")
                .group_by(EventStep.event_id, EventStep.note)
                .having(sa.func.count() > 1)
                .subquery()
            )
        )
        print(
            json.dumps(
                {
                    "code": os.path.dirname(os.path.dirname(timebank.__file__)),
                    "seconds": seconds,
                    "statements": counted,
                    "done": done,
                    "second_tick": again,
                    "steps": by(EventStep.action),
                    "marked_twice": once,
                    "notifications": by(Notification.kind),
                    "outbox": by(OutboxMessage.channel),
                }
            )
        )


if __name__ == "__main__":
    main(*sys.argv[1:3])
