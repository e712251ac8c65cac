#!/usr/bin/env bash
# Measures end-to-end jobs per second of the release worker with 1 and 2 processes
# (bench/jobs.py), on a benchmark stack of its own: database and MongoDB database
# docsum_bench_jobs, queue docsum-bench-jobs, state in ~/.cache/docsum/bench-jobs.
# It stops what it starts.
#
# Usage: bench/jobs.sh [jobs.py options]   e.g. bench/jobs.sh --jobs 100 --workers 1
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export BENCH_RUST_STATE=${XDG_CACHE_HOME:-$HOME/.cache}/docsum/bench-jobs
export BENCH_RUST_NAME=docsum_bench_jobs BENCH_RUST_QUEUE=docsum-bench-jobs
# One account submits every job, so its limits must allow them all at once.
export SUBMISSIONS_PER_MINUTE=100000 MAX_DOCUMENTS_IN_FLIGHT=10000

trap 'bench/rust-stack.sh down' EXIT
echo "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
url=$(bench/rust-stack.sh up 2)
# Jobs left by an interrupted run would add to the work being timed.
rabbitmqctl -q purge_queue "$BENCH_RUST_QUEUE" >/dev/null 2>&1 || true
python3 bench/jobs.py --base-url "$url" --env-file "$BENCH_RUST_STATE/stack.env" "$@"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
