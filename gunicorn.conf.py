"""gunicorn settings: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be overridden from the environment (names below). Run the scheduler as its
own process (`flask --app timebank scheduler`) and set TIMEBANK_SCHEDULER=off for the web
processes; never use --preload with an inline scheduler. With TIMEBANK_SCHEDULER=off the
app is loaded once in the master (preload; GUNICORN_PRELOAD=0 loads it in each worker): the
workers then share its pages copy-on-write (see bench/README.md, board: memory). An inline
scheduler is never preloaded, as it would start in the master.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: the app is database-bound; about two per core plus one.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 5))
# Recycle workers now and then, so a slow leak can never grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", 500))
# The app logs one JSON line per request itself (timebank.access, with the request id);
# gunicorn's access log is off unless asked for.
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
preload_app = (
    os.environ.get("GUNICORN_PRELOAD", "1") != "0" and os.environ.get("TIMEBANK_SCHEDULER") == "off"
)


def when_ready(server):
    """With preload: freeze what loading the app allocated, in the master, before the
    workers fork, so no collection in a worker writes to (and so copies) those pages."""
    if preload_app and os.environ.get("GUNICORN_GC_FREEZE", "1") != "0":
        import gc

        gc.collect()
        gc.freeze()


def post_fork(server, worker):
    """With preload: drop database connections the master may have opened (never shared)."""
    if preload_app:
        from timebank.extensions import db

        with worker.app.wsgi().app_context():
            db.engine.dispose(close=False)


def child_exit(server, worker):
    """Tell prometheus_client that a worker is gone (multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    """Once a worker has loaded the app: move what start-up allocated (the app, its
    mappers, templates and translations) out of the garbage collector's generations, so its
    collections walk only what requests allocate (gc.freeze; GUNICORN_GC_FREEZE=0 to skip)."""
    if os.environ.get("GUNICORN_GC_FREEZE", "1") != "0":
        import gc

        gc.collect()
        gc.freeze()
