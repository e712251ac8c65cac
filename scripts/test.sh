#!/usr/bin/env bash
# Sets up everything on this machine and runs all tests:
#   1. formatting check, and template.yaml checked by cfn-lint and by
#      scripts/test_template.py;
#   2. unit and integration tests (cargo nextest, or cargo test where nextest is
#      missing) against real PostgreSQL, RabbitMQ, secantusdb and moto (SQS), each
#      test in its own database and queue;
#   3. the main job over real HTTP on a second local stack (port 9100, its own
#      database and queue), with the API contract checks, on the first article of the
#      team's evaluation data (../shared/data/eval/cnndm-dev.jsonl).
# Servers, pids and logs of this run live in ~/.cache/docsum/test-stack.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

export DOCSUM_STATE=${DOCSUM_STATE:-${XDG_CACHE_HOME:-$HOME/.cache}/docsum/test-stack}
export API_PORT=${TEST_API_PORT:-9100}
export DB_NAME=docsum_e2e MONGO_DB_NAME=docsum_e2e JOB_QUEUE_NAME=summary-jobs-e2e
. local/lib.sh

ensure_servers

if cargo fmt --version >/dev/null 2>&1; then
  log "checking formatting"
  cargo fmt --all --check
fi

log "checking template.yaml"
"$VENV/bin/cfn-lint" template.yaml
"$VENV/bin/python" scripts/test_template.py

log "running unit and integration tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast
else
  cargo test --workspace --no-fail-fast
fi

article=$root/../shared/data/eval/cnndm-dev.jsonl
if [ -f "$article" ]; then
  log "running the main job over HTTP on a local stack"
  trap 'local/stack.sh down >/dev/null 2>&1 || true' EXIT
  base=$(local/stack.sh up)
  python3 scripts/main_job.py "$base" "$article" --check
  log "main job passed"
else
  log "skipping the HTTP main job: $article not found"
fi
