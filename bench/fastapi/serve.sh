#!/usr/bin/env bash
# Runs the FastAPI + Celery comparison service (bench/fastapi/app.py) on this machine.
#
#   bench/fastapi/serve.sh up     create the venv, database and schema, start uvicorn with
#                                 one worker per core on a free 127.0.0.1 port; prints the URL
#   bench/fastapi/serve.sh down   stop uvicorn
#
# It uses the machine's PostgreSQL, RabbitMQ and MongoDB stand-in (started like the
# local stack does when they are missing) with names of its own: the database
# docsum_bench_fastapi, the MongoDB database docsum_bench_fastapi and the queue
# docsum-bench-fastapi. Rate limits come from the same variables as the Rust stack's
# (REGISTRATIONS_PER_ADDRESS, FAILED_LOGINS_PER_ADDRESS, SUBMISSIONS_PER_MINUTE,
# MAX_DOCUMENTS_IN_FLIGHT). State and logs: ~/.cache/docsum/bench-fastapi.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

export DOCSUM_STATE=${BENCH_FASTAPI_STATE:-${XDG_CACHE_HOME:-$HOME/.cache}/docsum/bench-fastapi}
export DB_NAME=docsum_bench_fastapi
. "$HERE/../../local/lib.sh"

BENCH_VENV=$DOCSUM_CACHE/bench-fastapi-venv
MONGO_NAME=docsum_bench_fastapi
QUEUE_NAME=docsum-bench-fastapi

ensure_bench_venv() {
  local wanted
  wanted=$(sha256sum "$HERE/requirements.txt" | cut -d' ' -f1)
  if [ "$(cat "$BENCH_VENV/.docsum-pins" 2>/dev/null)" != "$wanted" ]; then
    log "installing bench/fastapi/requirements.txt into $BENCH_VENV"
    python3 -m venv "$BENCH_VENV"
    "$BENCH_VENV/bin/pip" install -q --disable-pip-version-check -r "$HERE/requirements.txt"
    echo "$wanted" >"$BENCH_VENV/.docsum-pins"
  fi
}

up() {
  ensure_postgres
  ensure_rabbitmq
  ensure_mongo
  ensure_bench_venv
  PGOPTIONS="-c client_min_messages=warning" PGPASSWORD=$DB_PASSWORD psql -q -h 127.0.0.1 -p "$PG_PORT" -U "$DB_USER" -d "$DB_NAME" \
    -v ON_ERROR_STOP=1 -f "$HERE/schema.sql" >/dev/null

  local port seed
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  seed=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
  log "starting uvicorn with $(nproc) workers on 127.0.0.1:$port"
  start_background fastapi env -C "$HERE" \
    BENCH_DATABASE_URL="postgres://$DB_USER:$DB_PASSWORD@127.0.0.1:$PG_PORT/$DB_NAME" \
    BENCH_MONGODB_URL="mongodb://127.0.0.1:$MONGO_PORT" BENCH_MONGODB_DATABASE=$MONGO_NAME \
    BENCH_AMQP_URL="amqp://guest:guest@127.0.0.1:$RABBITMQ_PORT//" BENCH_JOB_QUEUE=$QUEUE_NAME \
    BENCH_ED25519_SEED_HEX="$seed" \
    "$BENCH_VENV/bin/uvicorn" app:app --host 127.0.0.1 --port "$port" --workers "$(nproc)" \
    --no-access-log --log-level warning
  wait_for_port "$port" uvicorn 60
  echo "http://127.0.0.1:$port" >"$DOCSUM_STATE/url"
  echo "http://127.0.0.1:$port"
}

down() {
  stop_pid_file "$DOCSUM_STATE/pids/fastapi.pid"
  rm -f "$DOCSUM_STATE/url"
  log "FastAPI service stopped"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
