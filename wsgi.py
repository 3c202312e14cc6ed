"""The WSGI entry point: `gunicorn wsgi:app`.

With TIMEBANK_SCHEDULER=inline (the one-machine default) the scheduler runs in this
process; set TIMEBANK_SCHEDULER=off when the `scheduler` command runs it separately.
Migrations run from `flask --app timebank db upgrade`, not through this app.
"""

from timebank import create_app
from timebank.scheduler import start_inline

app = create_app(migrations=False)  # a web process never migrates: `flask --app timebank db`
scheduler = start_inline(app)
