#!/usr/bin/env bash
# Sets up everything on this machine and runs all tests:
#   1. formatting check, and template.yaml checked by cfn-lint and by
#      scripts/test_template.py;
#   2. unit and integration tests (cargo nextest, or cargo test where nextest is
#      missing) against real PostgreSQL, RabbitMQ, secantusdb and moto (SQS), each
#      test in its own database and queue;
#   3. the main job over real HTTP on a second local stack (port 9100, its own
#      database and queue), with the API contract checks, on the first article of the
#      team's evaluation data (../shared/data/eval/cnndm-dev.jsonl);
#   4. the web page's end-to-end test in headless Chromium on that same stack;
#   5. the property-based test of the whole API from its OpenAPI description
#      (schemathesis, two users) on that same stack;
#   6. a small run of the pipeline's fault test (scripts/fault-test.sh, 60 jobs
#      while the worker is killed, RabbitMQ connections are cut and the stack's own
#      RabbitMQ node is restarted) on a third stack (port 9300).
# Servers, pids and logs of this run live in ~/.cache/docsum/test-stack.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

export DOCSUM_STATE=${DOCSUM_STATE:-${XDG_CACHE_HOME:-$HOME/.cache}/docsum/test-stack}
export API_PORT=${TEST_API_PORT:-9100}
export API_RELOAD=0
export DB_NAME=docsum_e2e MONGO_DB_NAME=docsum_e2e JOB_QUEUE_NAME=docsum-jobs-e2e
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

# The property-based API test registers and logs in hundreds of times from one
# address; the limits themselves are tested by the integration tests above.
export REGISTRATIONS_PER_ADDRESS=100000 FAILED_LOGINS_PER_ADDRESS=100000 REFRESHES_PER_ADDRESS=100000
export FAILED_LOGINS_PER_ACCOUNT_AND_ADDRESS=100000 FAILED_LOGINS_PER_ACCOUNT=100000
export SUBMISSIONS_PER_MINUTE=100000 MAX_DOCUMENTS_IN_FLIGHT=10000

log "starting a local stack on port $API_PORT"
trap 'local/stack.sh down >/dev/null 2>&1 || true' EXIT
base=$(local/stack.sh up)

article=$root/../shared/data/eval/cnndm-dev.jsonl
if [ -f "$article" ]; then
  log "running the main job over HTTP"
  python3 scripts/main_job.py "$base" "$article" --check
  log "main job passed"
else
  log "skipping the HTTP main job: $article not found"
fi

log "running the web page's end-to-end test in headless Chromium"
scripts/web-e2e.sh "$base"
log "web end-to-end test passed"

log "running the property-based API test (schemathesis)"
API_EXAMPLES=${API_EXAMPLES:-25} scripts/api-properties.sh "$base"
log "property-based API test passed"

# The stack's settings include the JWT signing key, and no log may repeat it.
signing_seed=$(sed -n 's/^JWT_SIGNING_KEY=[^:]*://p' "$DOCSUM_STATE/stack.env")
if [ -n "$signing_seed" ] && grep -rqF -- "$signing_seed" "$DOCSUM_STATE/logs"; then
  die "a log in $DOCSUM_STATE/logs contains the JWT signing key"
fi
log "the stack's logs contain no signing key"

log "running the pipeline's fault test (${FAULT_TEST_JOBS:-60} jobs)"
scripts/fault-test.sh --jobs "${FAULT_TEST_JOBS:-60}" --submit-seconds 30
log "fault test passed"
