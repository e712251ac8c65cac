#!/usr/bin/env bash
# Runs the performance benchmarks of docs/benchmarks.md in one go and prints their
# tables. They are the load scenario against the Rust functions (release builds under
# `cargo lambda watch --release`) and against the FastAPI + Celery service, the cold
# start and peak memory of each function, and the in-process cost of each step of a
# read and a submit. It starts both services on free ports and stops them at the end.
#
# Usage: bench/compare.sh [--seconds N] [--clients "1 10 50"] [--concurrency N]
#   --seconds      duration of each route's phase (default 10)
#   --clients      concurrent clients, one run each (default "1 10 50")
#   --concurrency  instances per function under cargo lambda watch (default 10)
# Results: JSON files in ~/.cache/docsum/bench-results/<time>/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=10 clients="1 10 50" concurrency=10
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --concurrency) concurrency=$2; shift 2 ;;
    *) echo "unknown option $1; see the usage at the top of $0" >&2; exit 2 ;;
  esac
done

# Both services get limits far above what the scenario reaches, so no route returns 429.
export REGISTRATIONS_PER_ADDRESS=1000000 FAILED_LOGINS_PER_ADDRESS=1000000 FAILED_LOGINS_PER_ACCOUNT=1000000
export FAILED_LOGINS_PER_ACCOUNT_AND_ADDRESS=1000000 SUBMISSIONS_PER_MINUTE=100000 MAX_DOCUMENTS_IN_FLIGHT=10000

results=${XDG_CACHE_HOME:-$HOME/.cache}/docsum/bench-results/$(date +%Y%m%dT%H%M%S)
mkdir -p "$results"
python=${XDG_CACHE_HOME:-$HOME/.cache}/docsum/bench-fastapi-venv/bin/python

stop_all() {
  bench/fastapi/serve.sh down || true
  bench/rust-stack.sh down || true
}
trap stop_all EXIT

echo "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
rust_url=$(bench/rust-stack.sh up "$concurrency")
fastapi_url=$(bench/fastapi/serve.sh up)

# FastAPI first, then Rust, each at every client count, so that both see similar load.
"$python" bench/load.py --base-url "$fastapi_url" --label "FastAPI + Celery (uvicorn, $(nproc) workers)" \
  --clients $clients --seconds "$seconds" --json "$results/fastapi.json"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
# Its idle connections would take PostgreSQL slots from the Rust functions.
bench/fastapi/serve.sh down
"$python" bench/load.py --base-url "$rust_url" --label "Rust (cargo lambda watch --release, concurrency $concurrency)" \
  --clients $clients --seconds "$seconds" --json "$results/rust.json"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

state=${XDG_CACHE_HOME:-$HOME/.cache}/docsum/bench-rust
echo
python3 bench/coldstart.py --base-url "$rust_url" --env-file "$state/stack.env" --json "$results/coldstart.json"
echo
(set -a && . "$state/stack.env" && set +a && cargo run --quiet --release -p shared --example request_costs)
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "results: $results"
