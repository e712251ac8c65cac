#!/usr/bin/env bash
# The pipeline's fault test: submits jobs over HTTP to a local stack of its own while
# killing the worker with SIGKILL, cutting its RabbitMQ connections through a proxy,
# and stopping or killing the stack's RabbitMQ node, then checks that every job ended
# `done` exactly once (scripts/fault_test.py).
#
#   scripts/fault-test.sh                 300 jobs over 60 s, the full run (about 2 minutes)
#   scripts/fault-test.sh --jobs 60 --submit-seconds 30
#                                         the small run that scripts/test.sh makes
#
# Options are passed to scripts/fault_test.py (--help lists them). The stack serves
# on port ${FAULT_API_PORT:-9300}, with its database, MongoDB database and queue
# named docsum_fault, and keeps its pids and logs in ~/.cache/docsum/fault-stack.
# FAULT_API_PORT, FAULT_DB_NAME, FAULT_STATE and FAULT_RABBITMQ_NODE change them, so
# that two runs on one machine stay apart (set MONGO_PORT too).
# Its broker is a RabbitMQ node of its own (docsum-fault@localhost, on a free port,
# with its data in ~/.cache/docsum/fault-stack/rabbitmq), started afresh for each
# run and stopped when the script exits. The machine's RabbitMQ is never touched.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

export DOCSUM_STATE=${FAULT_STATE:-${XDG_CACHE_HOME:-$HOME/.cache}/docsum/fault-stack}
export API_PORT=${FAULT_API_PORT:-9300}
export DB_NAME=${FAULT_DB_NAME:-docsum_fault} MONGO_DB_NAME=${FAULT_DB_NAME:-docsum_fault}
export JOB_QUEUE_NAME=docsum-jobs-fault
# Many jobs from few users and addresses; the limits have their own tests.
export REGISTRATIONS_PER_ADDRESS=100000 FAILED_LOGINS_PER_ADDRESS=100000 REFRESHES_PER_ADDRESS=100000
export FAILED_LOGINS_PER_ACCOUNT_AND_ADDRESS=100000 FAILED_LOGINS_PER_ACCOUNT=100000
export SUBMISSIONS_PER_MINUTE=100000 MAX_DOCUMENTS_IN_FLIGHT=10000
# A job whose worker was killed mid-job is claimable again after its lease (30 s, the
# shortest allowed) and re-queued by the cleanup; enough re-queues that no job fails.
export JOB_LEASE_SECONDS=30 CLEANUP_MAX_REQUEUES=20
export DOCSUM_RABBITMQ_NODE=${FAULT_RABBITMQ_NODE:-docsum-fault@localhost}
export DOCSUM_RABBITMQ_DIR=$DOCSUM_STATE/rabbitmq
. local/lib.sh

# A node left running by an interrupted run is stopped, and each run starts with an
# empty node, so no job of an earlier run is delivered.
stop_rabbitmq_node
rm -rf "$DOCSUM_RABBITMQ_DIR/mnesia"
trap stop_rabbitmq_node EXIT
trap 'exit 130' INT TERM
ensure_servers
RABBITMQ_PORT=$(rabbitmq_node_port)
export RABBITMQ_PORT
cargo build --workspace --bins --quiet
python3 scripts/fault_test.py "$@"
