#!/usr/bin/env bash
# Runs docsum's functions, built with --release, for the benchmarks in docs/benchmarks.md.
#
#   bench/rust-stack.sh up [CONCURRENCY]  build release binaries, apply migrations, serve the
#                                         API under `cargo lambda watch --release` with at most
#                                         CONCURRENCY instances per function (default: cores)
#                                         on a free 127.0.0.1 port; prints the URL
#   bench/rust-stack.sh worker [COUNT]    also start COUNT release worker processes (default 1)
#   bench/rust-stack.sh stop-workers      stop the workers
#   bench/rust-stack.sh down              stop what `up` and `worker` started
#
# It has its own names (database and MongoDB database docsum_bench_rust, queue
# docsum-bench-rust) and state folder (~/.cache/docsum/bench-rust), which
# BENCH_RUST_NAME, BENCH_RUST_QUEUE and BENCH_RUST_STATE override, and starts no
# worker unless asked, so that jobs do not take CPU from the routes being measured.
# Rate limits pass through from the environment as for local/stack.sh. With
# BENCH_SKIP_BUILD=1 it runs the release binaries already built, as they are.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

export DOCSUM_STATE=${BENCH_RUST_STATE:-${XDG_CACHE_HOME:-$HOME/.cache}/docsum/bench-rust}
export DB_NAME=${BENCH_RUST_NAME:-docsum_bench_rust} MONGO_DB_NAME=${BENCH_RUST_NAME:-docsum_bench_rust}
export JOB_QUEUE_NAME=${BENCH_RUST_QUEUE:-docsum-bench-rust}
. "$HERE/../local/lib.sh"

up() {
  local concurrency=${1:-$(nproc)}
  ensure_postgres
  ensure_rabbitmq
  ensure_mongo

  if [ "${BENCH_SKIP_BUILD:-0}" = 1 ]; then
    log "using the release binaries already in $TARGET_DIR/release (BENCH_SKIP_BUILD=1)"
  else
    log "building release binaries"
    (cd "$REPO_ROOT" && cargo build --release --workspace --bins --quiet)
  fi
  local keys_file="$DOCSUM_STATE/token-keys.env"
  [ -s "$keys_file" ] || (umask 077 && "$TARGET_DIR/release/keygen" bench1 >"$keys_file")
  write_env_file
  # Each instance serves one request at a time, so one connection per instance is
  # enough. With the default of 4, ten instances of each function use up PostgreSQL's
  # 100 connection slots, which everyone else on the machine shares.
  echo "DATABASE_MAX_CONNECTIONS=${DATABASE_MAX_CONNECTIONS:-1}" >>"$DOCSUM_STATE/stack.env"
  load_env_file
  "$TARGET_DIR/release/migrate" >"$DOCSUM_STATE/logs/migrate.log" 2>&1 ||
    die "migrations failed; see $DOCSUM_STATE/logs/migrate.log"

  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  log "starting cargo lambda watch --release on 127.0.0.1:$port, $concurrency instances per function"
  start_background api env -C "$REPO_ROOT" cargo lambda watch --release --ignore-changes \
    --concurrency "$concurrency" --invoke-address 127.0.0.1 --invoke-port "$port" \
    --env-file "$DOCSUM_STATE/stack.env"
  wait_for_port "$port" "cargo lambda watch" 600
  echo "http://127.0.0.1:$port" >"$DOCSUM_STATE/url"
  echo "http://127.0.0.1:$port"
}

worker() {
  local count=${1:-1}
  load_env_file
  for index in $(seq "$count"); do
    start_background "worker-$index" "$TARGET_DIR/release/worker"
  done
}

stop_workers() {
  local file
  for file in "$DOCSUM_STATE"/pids/worker-*.pid; do
    [ -e "$file" ] && stop_pid_file "$file"
  done
  return 0
}

down() {
  stop_workers
  stop_pid_file "$DOCSUM_STATE/pids/api.pid"
  rm -f "$DOCSUM_STATE/url"
  log "benchmark stack stopped"
}

case "${1:-}" in
  up) up "${2:-}" ;;
  worker) worker "${2:-}" ;;
  stop-workers) stop_workers ;;
  down) down ;;
  *) echo "usage: $0 up [CONCURRENCY]|worker [COUNT]|stop-workers|down" >&2; exit 2 ;;
esac
