"""The WSGI entry point: `gunicorn wsgi:app`.

With TIMEBANK_SCHEDULER=inline (the one-machine default) the scheduler runs in this
process; set TIMEBANK_SCHEDULER=off when the `scheduler` command runs it separately.
"""

from timebank import create_app
from timebank.scheduler import start_inline

app = create_app()
scheduler = start_inline(app)
