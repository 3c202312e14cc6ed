#!/usr/bin/env bash
# Fuzz the JSON API from its own OpenAPI document with schemathesis: no generated input may
# get a 5xx. Serves the app with gunicorn on a fresh database seeded with demo data.
#   tools/api_fuzz.sh DATABASE_URL [MAX_EXAMPLES]
set -euo pipefail
cd "$(dirname "$0")/.."
url=${1:?database url}
examples=${2:-25}
port=${API_FUZZ_PORT:-8765}
export DATABASE_URL="$url" TIMEBANK_SCHEDULER=off RATELIMIT_ENABLED=false SECRET_KEY=api-fuzz \
  LOG_LEVEL=WARNING
.venv/bin/flask --app timebank db upgrade >/dev/null
.venv/bin/flask --app timebank seed-demo --members 200 >/dev/null
log=$(mktemp)
.venv/bin/gunicorn -w 2 -b "127.0.0.1:$port" wsgi:app >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 30); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 1; done
token=$(curl -fs -X POST -H 'Content-Type: application/json' \
  -d '{"phone":"13800000001","password":"demo1234"}' \
  "http://127.0.0.1:$port/api/v1/auth/tokens" | .venv/bin/python -c 'import json,sys; print(json.load(sys.stdin)["token"])')
# Signing out and changing the password would end the fuzzing session itself.
# Hostile input (SPEC 3.7): generated strings may hold NUL, and the hooks put lone
# surrogates, NUL, dates from the calendar's ends and integers beyond 32 bits into one
# field at a time of every body (and all but the surrogates into every query). Not
# `--generation-codec unicode_escape`: with it schemathesis 4.32 crashes in its own
# negative-query filter (it encodes a generated query key holding a surrogate as UTF-8)
# before a request is sent, which fails the run on schemathesis, not on the app.
PYTHONPATH=tools SCHEMATHESIS_HOOKS=api_fuzz_hooks \
  .venv/bin/schemathesis run "http://127.0.0.1:$port/api/v1/openapi.json" \
  -H "Authorization: Bearer $token" --checks not_a_server_error \
  --max-examples "$examples" --phases examples,coverage,fuzzing --seed 20261127 \
  --generation-allow-x00 true \
  --exclude-path /api/v1/auth/tokens/current --exclude-path /api/v1/auth/password \
  --no-color
if grep -q "Traceback" "$log"; then
  echo "The server logged tracebacks while fuzzing:"; grep -A30 "Traceback" "$log" | head -80
  exit 1
fi
