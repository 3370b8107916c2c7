#!/bin/bash
# First start: initdb with POSTGRES_USER as superuser and POSTGRES_PASSWORD, then POSTGRES_DB.
# Every start: postgres in the foreground (PID 1 via exec: SIGTERM is a fast, clean shutdown).
set -euo pipefail
: "${POSTGRES_USER:=postgres}" "${POSTGRES_DB:=$POSTGRES_USER}" "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  initdb -D "$PGDATA" --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
    --auth-local=trust --auth-host=scram-sha-256 > /dev/null
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start > /dev/null
  if [ "$POSTGRES_DB" != postgres ]; then
    createdb --username="$POSTGRES_USER" "$POSTGRES_DB"
  fi
  pg_ctl -D "$PGDATA" -m fast -w stop > /dev/null
  echo "postgres-start: initialised $PGDATA with database $POSTGRES_DB owned by $POSTGRES_USER"
fi
exec postgres -D "$PGDATA" -c listen_addresses='*'
