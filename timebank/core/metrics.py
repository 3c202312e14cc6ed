"""Prometheus metrics, defined once; the HTTP edge serves them at /metrics."""

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter("timebank_requests_total", "HTTP requests", ["method", "endpoint", "status"])
LATENCY = Histogram(
    "timebank_request_seconds",
    "HTTP request latency",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
SCANS = Counter("timebank_scans_total", "QR scans by outcome", ["outcome"])
JOB_RUNS = Counter("timebank_scheduler_runs_total", "Scheduler job runs", ["job", "result"])
OUTBOX = Gauge(
    "timebank_outbox_pending", "Outbox messages waiting to be delivered", multiprocess_mode="max"
)
