#!/usr/bin/env bash
# Fault drills on a fresh PostgreSQL database (see tools/drills/README.md):
#  1. a load of sign-ups and scans through gunicorn (4 workers) while a worker is killed
#     with SIGKILL, then the scheduler is killed and started again; then capacity, sign-up,
#     scan, attendance and ledger invariants, verify-ledger and rankings-check;
#  2. PostgreSQL restarted under a steady load: 503s (never a 500) while it is down, and
#     success again within a few seconds without restarting anything.
#
#   tools/drills/run.sh DATABASE_URL      (an existing, empty PostgreSQL database)
#
# DRILL_PG_RESTART=auto|1|0: the restart drill runs when it can (root, pg_ctlcluster, the
# database on this machine); 1 makes it required (CI), 0 skips it. It restarts the whole
# local PostgreSQL server, so every other connection to it is cut for a few seconds.
# DRILL_PG_RESTART_CMD replaces the restart with another command (e.g. one that cuts only
# the drill database off for a few seconds), to rehearse the drill without the server.
set -euo pipefail
cd "$(dirname "$0")/../.."
url=${1:?usage: tools/drills/run.sh DATABASE_URL (an empty PostgreSQL database)}
case "$url" in postgresql*) ;; *) echo "run.sh: the drills need a PostgreSQL URL" >&2; exit 2 ;; esac
pg_restart=${DRILL_PG_RESTART:-auto}
duration=${DRILL_DURATION_S:-30}
rush_at=6

export DATABASE_URL="$url" TIMEBANK_SCHEDULER=off RATELIMIT_ENABLED=false \
  SECRET_KEY="${DRILL_SECRET_KEY:-drill-$RANDOM$RANDOM}" LOG_LEVEL="${LOG_LEVEL:-WARNING}"
py=.venv/bin/python
flask() { .venv/bin/flask --app timebank "$@"; }
work=$(mktemp -d /tmp/timebank-drill.XXXXXX)
web="" sched="" load="" pg_touched=0
read -r db_host db_port < <($py -c 'import sys; from urllib.parse import urlsplit
u = urlsplit(sys.argv[1]); print(u.hostname or "localhost", u.port or 5432)' "$url")

say() { printf '[drill %3ss] %s\n' "$SECONDS" "$*"; }
fail() { say "FAIL: $*"; exit 1; }
summary() { echo "$*" >>"$work/summary"; }
workers() { ps -o pid= --ppid "$web" 2>/dev/null | tr -d ' ' | sort -n | tr '\n' ' '; }
start_scheduler() {  # its log says what it did (INFO)
  LOG_LEVEL=INFO .venv/bin/flask --app timebank scheduler >>"$work/scheduler.log" 2>&1 &
  sched=$!
  sched_started=$(date +%s.%N)
}
pg_ready() { pg_isready -q -h "$db_host" -p "$db_port"; }
verify_ledger_and_rankings() {
  flask verify-ledger >"$work/verify.out" 2>&1 || { cat "$work/verify.out"; fail "verify-ledger"; }
  head -n 1 "$work/verify.out"
  flask rankings-check || fail "rankings-check"
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [ -n "$load" ] && kill -TERM "$load" 2>/dev/null || true
  [ -n "$sched" ] && kill -TERM "$sched" 2>/dev/null || true
  if [ -n "$web" ] && kill -0 "$web" 2>/dev/null; then
    kill -TERM "$web" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$web" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$web" 2>/dev/null; then
      for pid in $(workers) "$web"; do kill -KILL "$pid" 2>/dev/null || true; done
    fi
  fi
  wait 2>/dev/null || true
  if [ "$pg_touched" = 1 ]; then  # never leave PostgreSQL stopped
    for _ in $(seq 1 60); do pg_ready && break; sleep 1; done
    if ! pg_ready; then
      say "PostgreSQL is not answering: starting it"
      [ -n "${pg_version:-}" ] && pg_ctlcluster --skip-systemctl-redirect "$pg_version" "$pg_cluster" start || true
      for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
    fi
  fi
  if [ "$rc" != 0 ]; then
    for f in gunicorn.log scheduler.log; do
      [ -f "$work/$f" ] && { echo "--- last lines of $f"; tail -n 40 "$work/$f"; }
    done
    say "drills FAILED (exit $rc); files kept in $work"
  else
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

restart_cmd=${DRILL_PG_RESTART_CMD:-}
if [ "$pg_restart" != 0 ] && [ -z "$restart_cmd" ]; then
  can=1
  { [ "$(id -u)" = 0 ] && command -v pg_ctlcluster >/dev/null \
    && case "$db_host" in 127.0.0.1 | localhost | ::1) true ;; *) false ;; esac; } || can=0
  if [ "$can" = 1 ]; then
    read -r pg_version pg_cluster < <(pg_lsclusters -h | awk -v p="$db_port" '$3 == p {print $1, $2; exit}') || can=0
  fi
  if [ "$can" = 0 ] || [ -z "${pg_version:-}" ]; then
    [ "$pg_restart" = 1 ] && fail "the PostgreSQL restart drill needs root, pg_ctlcluster and a local cluster on port $db_port"
    pg_restart=0
  fi
  restart_cmd="pg_ctlcluster --skip-systemctl-redirect $pg_version $pg_cluster restart"
fi

say "preparing the database (db upgrade, seed-demo --members 300, drill fixture)"
flask db upgrade >"$work/setup.log" 2>&1 || { cat "$work/setup.log"; fail "db upgrade"; }
flask seed-demo --members 300 >>"$work/setup.log" 2>&1 || { cat "$work/setup.log"; fail "seed-demo"; }
$py tools/drills/fixture.py >"$work/fixture.json"

port=$($py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
WEB_CONCURRENCY=4 GUNICORN_BIND="127.0.0.1:$port" \
  .venv/bin/gunicorn -c gunicorn.conf.py wsgi:app >"$work/gunicorn.log" 2>&1 &
web=$!
start_scheduler
sched_first=$sched
for _ in $(seq 1 60); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.5; done
curl -fs "$base/healthz" >/dev/null || fail "gunicorn did not answer /healthz"
for _ in $(seq 1 60); do [ "$(workers | wc -w)" = 4 ] && break; sleep 0.5; done
say "gunicorn master $web on $base, workers: $(workers); scheduler pid $sched"
$py tools/drills/check.py lease --scheduler-pid "$sched" --since "$sched_started" \
  --what "it started" --timeout 60 || fail "the scheduler did not take the lease"

$py tools/drills/load.py login --base "$base" --fixture "$work/fixture.json" --out "$work/tokens.json"

# --- drill 1: a worker and the scheduler killed under load --------------------------------
say "drill 1: ${duration} s of sign-ups, scans and reads; a worker is killed at ${rush_at} s, in a rush"
$py tools/drills/load.py chaos --base "$base" --fixture "$work/fixture.json" \
  --tokens "$work/tokens.json" --out "$work/chaos.json" --duration "$duration" \
  --rush-at "$rush_at" --ready-file "$work/ready" >"$work/chaos.out" 2>&1 &
load=$!
for _ in $(seq 1 100); do [ -f "$work/ready" ] && break; sleep 0.1; done
[ -f "$work/ready" ] || fail "the load generator did not start"
sleep "$(awk -v r="$rush_at" 'BEGIN {print r + 0.3}')"
victim=$(workers | tr ' ' '\n' | grep . | shuf -n 1)
kill -KILL "$victim"
say "SIGKILL to gunicorn worker $victim (workers were: $(workers))"
sleep 5
kill -KILL "$sched"
wait "$sched" 2>/dev/null || true
say "SIGKILL to the scheduler (pid $sched)"
sleep 2
start_scheduler
say "scheduler started again (pid $sched)"
load_rc=0
wait "$load" || load_rc=$?
load=""
cat "$work/chaos.out"
[ "$load_rc" = 0 ] || fail "the load generator saw broken rules (above)"

curl -fs "$base/healthz" >/dev/null || fail "/healthz does not answer after the worker was killed"
replaced() { local now; now=" $(workers)"; [ "$(wc -w <<<"$now")" = 4 ] && [[ "$now" != *" $victim "* ]]; }
for _ in $(seq 1 40); do replaced && break; sleep 0.5; done
replaced || fail "gunicorn did not replace worker $victim (workers: $(workers))"
say "gunicorn replaced worker $victim: workers now $(workers)"
grep -q "Traceback" "$work/gunicorn.log" && { grep -A25 Traceback "$work/gunicorn.log" | head -60; fail "the server logged a traceback"; }

say "waiting for the restarted scheduler to take the lease over and close shift C"
$py tools/drills/check.py lease --scheduler-pid "$sched" --since "$sched_started" \
  --what "it was started again" --timeout 90 | tee "$work/takeover.out"
[ "${PIPESTATUS[0]}" = 0 ] || fail "the restarted scheduler did not take the lease over"
$py tools/drills/check.py closed --fixture "$work/fixture.json" --since "$sched_started" \
  --what "the scheduler was started again" --timeout 150 | tee -a "$work/takeover.out"
[ "${PIPESTATUS[0]}" = 0 ] || fail "shift C was not closed"
$py tools/drills/check.py invariants --fixture "$work/fixture.json" "$work/chaos.json" \
  || fail "invariants broken after drill 1"
verify_ledger_and_rankings
summary "drill 1: $(grep -m1 '^chaos load' "$work/chaos.out")"
summary "  $(grep -m1 'broken connections' "$work/chaos.out" | sed 's/^ *//')"
summary "  $(grep -m1 'writes retried' "$work/chaos.out" | sed 's/^ *//')"
summary "  gunicorn worker $victim killed and replaced; scheduler $sched_first killed, started again as $sched:"
summary "    $(head -n 1 "$work/takeover.out")"
summary "    $(tail -n 1 "$work/takeover.out")"
summary "  invariants, verify-ledger and rankings-check: passed"

# --- drill 2: PostgreSQL restarted under load --------------------------------------------
if [ "$pg_restart" = 0 ]; then
  say "drill 2 (PostgreSQL restart) SKIPPED: set DRILL_PG_RESTART=1 where it can run (root, local cluster)"
  summary "drill 2: SKIPPED"
else
  before=$(workers)
  say "drill 2: under a steady load: $restart_cmd"
  pg_touched=1
  load_rc=0
  $py tools/drills/load.py pg-restart --base "$base" --fixture "$work/fixture.json" \
    --tokens "$work/tokens.json" --out "$work/restart.json" --duration 20 --restart-at 4 \
    --recover-s 5 --pg-isready-args="-h $db_host -p $db_port" \
    --restart-cmd "$restart_cmd" \
    >"$work/restart.out" 2>&1 || load_rc=$?
  cat "$work/restart.out"
  for _ in $(seq 1 60); do pg_ready && break; sleep 1; done
  pg_ready || fail "PostgreSQL is not back"
  [ "$load_rc" = 0 ] || fail "the PostgreSQL restart drill saw broken rules (above)"
  curl -fs "$base/healthz" >/dev/null || fail "/healthz does not answer after the restart"
  [ "$(workers)" = "$before" ] || fail "gunicorn workers changed during the restart: $before -> $(workers)"
  kill -0 "$sched" 2>/dev/null || fail "the scheduler died during the restart"
  $py tools/drills/check.py lease --scheduler-pid "$sched" --renewed-after "$(date +%s.%N)" \
    --what "the restart drill" --timeout 45 || fail "the scheduler stopped working after the restart"
  grep -q "Traceback" "$work/gunicorn.log" && { grep -A25 Traceback "$work/gunicorn.log" | head -60; fail "the server logged a traceback"; }
  $py tools/drills/check.py invariants --fixture "$work/fixture.json" "$work/chaos.json" \
    "$work/restart.json" || fail "invariants broken after drill 2"
  verify_ledger_and_rankings
  summary "drill 2: $(grep -m1 '^PostgreSQL restart' "$work/restart.out")"
  summary "  $(grep -m1 '503s:' "$work/restart.out" | sed 's/^ *//')"
  summary "  the same gunicorn workers ($before) and scheduler answered before and after; invariants, verify-ledger and rankings-check: passed"
fi

say "drills passed in ${SECONDS} s"
echo "=== summary ==="
cat "$work/summary"
