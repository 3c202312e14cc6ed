#!/usr/bin/env bash
# Rehearse drill 2 without restarting the PostgreSQL server: cut one database off for a few
# seconds (its connections terminated, new ones refused), then let it back. Only that
# database's clients notice.
#   DRILL_PG_RESTART_CMD="tools/drills/cut_off_db.sh DBNAME [SECONDS]" tools/drills/run.sh URL
set -euo pipefail
db=${1:?usage: cut_off_db.sh DBNAME [SECONDS]}
seconds=${2:-3}
psql=(psql -h "${PGHOST:-127.0.0.1}" -p "${PGPORT:-5432}" -U "${PGUSER:-postgres}" -qAt -v ON_ERROR_STOP=1)
trap '"${psql[@]}" -c "ALTER DATABASE \"$db\" ALLOW_CONNECTIONS true" >/dev/null' EXIT
"${psql[@]}" -c "ALTER DATABASE \"$db\" ALLOW_CONNECTIONS false" \
  -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
      WHERE datname = '$db' AND pid <> pg_backend_pid()" >/dev/null
sleep "$seconds"
