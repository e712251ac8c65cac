#!/usr/bin/env bash
# Runs the whole product on this machine, in the background.
#
#   local/stack.sh up      start servers, apply migrations, serve the API and the web page on
#                          http://127.0.0.1:9000 and run the worker; prints the base URL
#   local/stack.sh down    stop everything `up` started
#   local/stack.sh status  show what runs
#   local/stack.sh cleanup run the scheduled cleanup once against the stack
#
# Logs: ~/.cache/docsum/stack/logs (DOCSUM_STATE overrides the folder).

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

up() {
  ensure_servers

  log "building the workspace"
  (cd "$REPO_ROOT" && cargo build --workspace --bins --quiet)

  write_env_file
  load_env_file

  log "applying migrations"
  "$TARGET_DIR/debug/migrate" >"$DOCSUM_STATE/logs/migrate.log" 2>&1 ||
    die "migrations failed; see $DOCSUM_STATE/logs/migrate.log"

  if port_open "$API_PORT" && [ ! -s "$DOCSUM_STATE/pids/api.pid" ]; then
    die "127.0.0.1:$API_PORT is taken by another program; set API_PORT"
  fi
  log "starting the API under cargo lambda watch"
  # cargo lambda watch rebuilds and restarts the functions when a file in the
  # repository changes. Test runs set API_RELOAD=0, so files that tools write there
  # cannot restart a function in the middle of a request.
  local reload_flags=()
  if [ "${API_RELOAD:-1}" = 0 ]; then reload_flags=(--ignore-changes); fi
  # cargo lambda takes its own log filter from RUST_LOG, and at `info` for every
  # target it logs each function's command with its environment, signing key
  # included. Its own default filter keeps those lines out of api.log, and the
  # functions still get RUST_LOG from the env file.
  start_background api env -C "$REPO_ROOT" RUST_LOG=cargo_lambda=info cargo lambda watch \
    --invoke-address 127.0.0.1 --invoke-port "$API_PORT" --env-file "$DOCSUM_STATE/stack.env" \
    "${reload_flags[@]}"

  log "starting the worker"
  start_background worker "$TARGET_DIR/debug/worker"

  # The first request to each function starts it, so touch each route once.
  local base="http://127.0.0.1:$API_PORT"
  local deadline=$((SECONDS + 300))
  for route in auth/register auth/login docs users/me; do
    until [ "$(curl -s -o /dev/null -w '%{http_code}' -X GET "$base/api/v1/$route")" != 000 ] &&
      curl -s -X GET "$base/api/v1/$route" | grep -q '"status"'; do
      ((SECONDS < deadline)) || die "the API did not respond within 300 s; see $DOCSUM_STATE/logs/api.log"
      kill -0 "$(cat "$DOCSUM_STATE/pids/api.pid")" 2>/dev/null || die "cargo lambda watch exited; see $DOCSUM_STATE/logs/api.log"
      sleep 1
    done
  done
  kill -0 "$(cat "$DOCSUM_STATE/pids/worker.pid")" 2>/dev/null || die "the worker exited; see $DOCSUM_STATE/logs/worker.log"

  log "stack is up; stop it with local/stack.sh down"
  echo "$base"
}

cleanup() {
  [ -s "$DOCSUM_STATE/stack.env" ] || die "the stack has no settings yet; run local/stack.sh up first"
  (cd "$REPO_ROOT" && cargo build --quiet --bin cleanup)
  load_env_file
  "$TARGET_DIR/debug/cleanup" --once
}

down() {
  stop_pid_file "$DOCSUM_STATE/pids/worker.pid"
  stop_pid_file "$DOCSUM_STATE/pids/api.pid"
  stop_pid_file "$DOCSUM_STATE/pids/mongo.pid"
  stop_pid_file "$DOCSUM_STATE/pids/moto.pid"
  rm -f "$DOCSUM_STATE/moto.endpoint"
  if [ -f "$DOCSUM_STATE/started-servers" ]; then
    if grep -qx rabbitmq-node "$DOCSUM_STATE/started-servers" && [ -n "${DOCSUM_RABBITMQ_NODE:-}" ]; then
      stop_rabbitmq_node
    fi
    if grep -qx rabbitmq "$DOCSUM_STATE/started-servers"; then
      log "stopping RabbitMQ"
      as_root rabbitmqctl -q shutdown || true
    fi
    if grep -qx postgres "$DOCSUM_STATE/started-servers"; then
      log "stopping PostgreSQL"
      as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main stop || true
    fi
    rm -f "$DOCSUM_STATE/started-servers"
  fi
  log "stack is down"
}

status() {
  for name in api worker mongo moto; do
    local pid
    pid=$(cat "$DOCSUM_STATE/pids/$name.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo "$name: running (pid $pid)"; else echo "$name: stopped"; fi
  done
  for entry in "PostgreSQL $PG_PORT" "RabbitMQ $RABBITMQ_PORT" "MongoDB $MONGO_PORT" "API $API_PORT"; do
    set -- $entry
    if port_open "$2"; then echo "$1: listening on 127.0.0.1:$2"; else echo "$1: not listening on 127.0.0.1:$2"; fi
  done
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  cleanup) cleanup ;;
  *) echo "usage: $0 up|down|status|cleanup" >&2; exit 2 ;;
esac
