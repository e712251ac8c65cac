#!/usr/bin/env bash
# The pipeline's fault test: submits jobs over HTTP to a local stack of its own while
# killing the worker with SIGKILL and cutting its RabbitMQ connections through a
# proxy, then checks that every job ended `done` exactly once (scripts/fault_test.py).
#
#   scripts/fault-test.sh                 300 jobs over 60 s, the full run (about 2 minutes)
#   scripts/fault-test.sh --jobs 60 --submit-seconds 30
#                                         the small run that scripts/test.sh makes
#
# Options are passed to scripts/fault_test.py (--help lists them). The stack serves
# on port ${FAULT_API_PORT:-9300}, with its database, MongoDB database and queue
# named docsum_fault, and keeps its pids and logs in ~/.cache/docsum/fault-stack.
# It never restarts the machine's RabbitMQ: the faults happen in the proxy.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

export DOCSUM_STATE=${FAULT_STATE:-${XDG_CACHE_HOME:-$HOME/.cache}/docsum/fault-stack}
export API_PORT=${FAULT_API_PORT:-9300}
export DB_NAME=docsum_fault MONGO_DB_NAME=docsum_fault JOB_QUEUE_NAME=docsum-jobs-fault
# Many jobs from few users and addresses; the limits have their own tests.
export REGISTRATIONS_PER_ADDRESS=100000 FAILED_LOGINS_PER_ADDRESS=100000 REFRESHES_PER_ADDRESS=100000
export FAILED_LOGINS_PER_ACCOUNT_AND_ADDRESS=100000 FAILED_LOGINS_PER_ACCOUNT=100000
export SUBMISSIONS_PER_MINUTE=100000 MAX_DOCUMENTS_IN_FLIGHT=10000
# A job whose worker was killed mid-job is claimable again after its lease (30 s, the
# shortest allowed) and re-queued by the cleanup; enough re-queues that no job fails.
export JOB_LEASE_SECONDS=30 CLEANUP_MAX_REQUEUES=20
. local/lib.sh

ensure_servers
cargo build --workspace --bins --quiet
python3 scripts/fault_test.py "$@"
