# Shared helpers of the local stack scripts; source it, do not run it.
#
# Servers and tools, each installed and started only where missing:
#   PostgreSQL and RabbitMQ from Debian's packages, on 127.0.0.1;
#   secantusdb (a MongoDB wire-compatible server), cargo-lambda, moto (an
#   SQS-compatible server for the tests) and cfn-lint from PyPI, in a venv under
#   $DOCSUM_CACHE.

set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Where cargo puts the binaries that the scripts run.
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO_ROOT/target}
DOCSUM_CACHE=${DOCSUM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/docsum}
DOCSUM_STATE=${DOCSUM_STATE:-$DOCSUM_CACHE/stack}
VENV=$DOCSUM_CACHE/venv

# Pinned so that a new release on a registry cannot change a run.
SECANTUSDB_VERSION=0.7.0b3
CARGO_LAMBDA_VERSION=1.9.2
MOTO_VERSION=5.2.6
CFN_LINT_VERSION=1.58.0

PG_PORT=${PG_PORT:-5432}
RABBITMQ_PORT=${RABBITMQ_PORT:-5672}
MONGO_PORT=${MONGO_PORT:-27017}
API_PORT=${API_PORT:-9000}
# The port the functions use for RabbitMQ; the fault test points it at its own proxy.
AMQP_PORT=${AMQP_PORT:-$RABBITMQ_PORT}

DB_USER=docsum
DB_PASSWORD=docsum
# A second stack (the end-to-end test) sets these to keep its data and jobs apart.
DB_NAME=${DB_NAME:-docsum}
MONGO_DB_NAME=${MONGO_DB_NAME:-docsum}
JOB_QUEUE_NAME=${JOB_QUEUE_NAME:-docsum-jobs}

mkdir -p "$DOCSUM_STATE/logs" "$DOCSUM_STATE/pids"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for_port() { # PORT NAME SECONDS
  local deadline=$((SECONDS + $3))
  until port_open "$1"; do
    ((SECONDS < deadline)) || die "$2 did not open 127.0.0.1:$1 within $3 s; see $DOCSUM_STATE/logs"
    sleep 0.3
  done
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then
    log "running apt-get update"
    as_root apt-get update -qq
    apt_updated=1
  fi
  log "installing $* from Debian"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Records that this stack started a server, so `stack.sh down` stops only those.
mark_started() { echo "$1" >>"$DOCSUM_STATE/started-servers"; }

ensure_postgres() {
  if ! port_open "$PG_PORT"; then
    command -v pg_ctlcluster >/dev/null || apt_install postgresql
    local version
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    log "starting PostgreSQL $version"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
    mark_started postgres
    wait_for_port "$PG_PORT" PostgreSQL 30
  fi
  if ! id postgres >/dev/null 2>&1; then
    # A server without a local postgres account (docker compose) creates the role itself.
    return
  fi
  # The role logs in with a password, which works under both trust and scram auth.
  as_root runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres >/dev/null <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
  END IF;
END \$\$;
SELECT 'CREATE DATABASE $DB_NAME OWNER $DB_USER'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB_NAME')\gexec
SQL
}

ensure_rabbitmq() {
  if [ -n "${DOCSUM_RABBITMQ_NODE:-}" ]; then
    start_rabbitmq_node
    return
  fi
  if ! port_open "$RABBITMQ_PORT"; then
    command -v rabbitmq-server >/dev/null || apt_install rabbitmq-server
    log "starting RabbitMQ"
    as_root env RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 ERL_EPMD_ADDRESS=127.0.0.1 rabbitmq-server -detached
    mark_started rabbitmq
    local deadline=$((SECONDS + 60))
    until as_root rabbitmqctl -q await_startup >/dev/null 2>&1; do
      ((SECONDS < deadline)) || die "RabbitMQ did not start within 60 s"
      sleep 1
    done
    wait_for_port "$RABBITMQ_PORT" RabbitMQ 30
  fi
}

# A RabbitMQ node of the caller's own, apart from the machine's broker, for tests that
# stop and kill their broker (the fault test). Set DOCSUM_RABBITMQ_NODE (a node name
# such as docsum-fault@localhost) and DOCSUM_RABBITMQ_DIR (default
# $DOCSUM_STATE/rabbitmq-node) before calling these. The node has its own AMQP and
# distribution ports (free ports chosen at its first start and kept in
# $DOCSUM_RABBITMQ_DIR/ports.env), its own Erlang cookie, config, data and logs in
# that folder, and no plugins. It listens on 127.0.0.1 only and registers with the
# machine's epmd (started on 127.0.0.1 when none runs).
#
# The node runs as the calling user, root included. Debian's rabbitmq-server and
# rabbitmqctl wrappers in /usr/sbin switch root to the `rabbitmq` user, whose HOME
# contains the machine broker's cookie and data, so these helpers call the real scripts
# in $RABBITMQ_SCRIPTS instead, with HOME set to the node's folder.
RABBITMQ_SCRIPTS=${RABBITMQ_SCRIPTS:-/usr/lib/rabbitmq/bin}
DOCSUM_RABBITMQ_DIR=${DOCSUM_RABBITMQ_DIR:-$DOCSUM_STATE/rabbitmq-node}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Sets RABBITMQ_NODE_ENV to the environment that every RabbitMQ script of the node
# runs with (read after prepare_rabbitmq_node has written ports.env).
rabbitmq_node_env() {
  local dir=$DOCSUM_RABBITMQ_DIR amqp_port dist_port
  amqp_port=$(sed -n 's/^AMQP_NODE_PORT=//p' "$dir/ports.env")
  dist_port=$(sed -n 's/^DIST_NODE_PORT=//p' "$dir/ports.env")
  RABBITMQ_NODE_ENV=(
    HOME="$dir/home" RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf" RABBITMQ_NODENAME="$DOCSUM_RABBITMQ_NODE"
    RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf" RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config"
    RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
    RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" RABBITMQ_PID_FILE="$dir/node.pid"
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$amqp_port" RABBITMQ_DIST_PORT="$dist_port"
    ERL_EPMD_ADDRESS=127.0.0.1 ERL_FLAGS="-kernel inet_dist_use_interface {127,0,0,1}"
  )
}

# Runs a RabbitMQ script (rabbitmq-server, rabbitmqctl, ...) with the node's settings.
rabbitmq_node_run() { # SCRIPT ARGS...
  local script=$1
  shift
  rabbitmq_node_env
  env "${RABBITMQ_NODE_ENV[@]}" "$RABBITMQ_SCRIPTS/$script" "$@"
}

rabbitmq_node_ctl() { rabbitmq_node_run rabbitmqctl -n "$DOCSUM_RABBITMQ_NODE" "$@"; }

# Prints the node's AMQP port (known after its first start).
rabbitmq_node_port() { sed -n 's/^AMQP_NODE_PORT=//p' "$DOCSUM_RABBITMQ_DIR/ports.env"; }

rabbitmq_node_running() { rabbitmq_node_ctl -q ping >/dev/null 2>&1; }

# Writes the node's folder on first use: cookie, config, ports.
prepare_rabbitmq_node() {
  local dir=$DOCSUM_RABBITMQ_DIR
  [ -n "${DOCSUM_RABBITMQ_NODE:-}" ] || die "set DOCSUM_RABBITMQ_NODE to the node's name, e.g. docsum-fault@localhost"
  [ -x "$RABBITMQ_SCRIPTS/rabbitmq-server" ] || apt_install rabbitmq-server
  mkdir -p "$dir/home" "$dir/mnesia" "$dir/log"
  if [ ! -s "$dir/home/.erlang.cookie" ]; then
    (umask 077 && head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$dir/home/.erlang.cookie")
  fi
  if [ ! -s "$dir/ports.env" ]; then
    printf 'AMQP_NODE_PORT=%s\nDIST_NODE_PORT=%s\n' "$(free_port)" "$(free_port)" >"$dir/ports.env"
  fi
  # The machine's /etc/rabbitmq/rabbitmq-env.conf names the machine's node; this empty
  # file takes its place, and the settings come from rabbitmq_node_run's environment.
  : >"$dir/rabbitmq-env.conf"
  echo '[].' >"$dir/enabled_plugins"
  printf 'listeners.tcp.1 = 127.0.0.1:%s\n' "$(rabbitmq_node_port)" >"$dir/rabbitmq.conf"
}

# Starts the node unless it runs, and waits until it accepts AMQP connections.
start_rabbitmq_node() {
  prepare_rabbitmq_node
  if rabbitmq_node_running; then
    return
  fi
  local port
  port=$(rabbitmq_node_port)
  ! port_open "$port" || die "127.0.0.1:$port, the port of RabbitMQ node $DOCSUM_RABBITMQ_NODE, is taken; delete $DOCSUM_RABBITMQ_DIR/ports.env"
  log "starting RabbitMQ node $DOCSUM_RABBITMQ_NODE on 127.0.0.1:$port"
  rabbitmq_node_env
  start_background rabbitmq-node env "${RABBITMQ_NODE_ENV[@]}" "$RABBITMQ_SCRIPTS/rabbitmq-server"
  mark_started rabbitmq-node
  local deadline=$((SECONDS + 90))
  # await_startup fails at once until the node has registered with epmd, so it loops.
  until rabbitmq_node_ctl -q await_startup --timeout 30 >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "RabbitMQ node $DOCSUM_RABBITMQ_NODE did not start within 90 s; see $DOCSUM_RABBITMQ_DIR/log and $DOCSUM_STATE/logs/rabbitmq-node.log"
    kill -0 "$(cat "$DOCSUM_STATE/pids/rabbitmq-node.pid")" 2>/dev/null ||
      die "RabbitMQ node $DOCSUM_RABBITMQ_NODE exited; see $DOCSUM_STATE/logs/rabbitmq-node.log and $DOCSUM_RABBITMQ_DIR/log"
    sleep 1
  done
  wait_for_port "$port" "RabbitMQ node $DOCSUM_RABBITMQ_NODE" 30
}

# Stops the node cleanly (rabbitmqctl shutdown waits for it to exit), then stops
# whatever is left of the process group that start_rabbitmq_node started.
stop_rabbitmq_node() {
  if [ -s "$DOCSUM_RABBITMQ_DIR/ports.env" ] && rabbitmq_node_running; then
    log "stopping RabbitMQ node $DOCSUM_RABBITMQ_NODE"
    rabbitmq_node_env
    timeout 60 env "${RABBITMQ_NODE_ENV[@]}" "$RABBITMQ_SCRIPTS/rabbitmqctl" -n "$DOCSUM_RABBITMQ_NODE" -q shutdown \
      >/dev/null 2>&1 || log "rabbitmqctl shutdown of $DOCSUM_RABBITMQ_NODE failed; stopping its processes"
  fi
  stop_pid_file "$DOCSUM_STATE/pids/rabbitmq-node.pid"
}

# Kills the node's Erlang VM with SIGKILL, as a crash or the OOM killer would.
kill_rabbitmq_node() {
  local pid
  pid=$(cat "$DOCSUM_RABBITMQ_DIR/node.pid" 2>/dev/null) || die "RabbitMQ node $DOCSUM_RABBITMQ_NODE has no pid file"
  log "killing RabbitMQ node $DOCSUM_RABBITMQ_NODE (pid $pid) with SIGKILL"
  kill -KILL "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  stop_pid_file "$DOCSUM_STATE/pids/rabbitmq-node.pid"
}

ensure_venv() {
  local wanted="secantusdb==$SECANTUSDB_VERSION cargo-lambda==$CARGO_LAMBDA_VERSION"
  wanted="$wanted moto[server]==$MOTO_VERSION cfn-lint==$CFN_LINT_VERSION"
  if [ "$(cat "$VENV/.docsum-pins" 2>/dev/null)" != "$wanted" ]; then
    log "installing $wanted into $VENV"
    command -v python3 >/dev/null || apt_install python3 python3-venv
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check $wanted
    echo "$wanted" >"$VENV/.docsum-pins"
  fi
  export PATH="$VENV/bin:$PATH"
}

# Starts secantusd on MONGO_PORT unless a server already listens there.
ensure_mongo() {
  ensure_venv
  if port_open "$MONGO_PORT"; then
    return
  fi
  log "starting secantusd (MongoDB wire protocol) on 127.0.0.1:$MONGO_PORT"
  mkdir -p "$DOCSUM_STATE/mongo-data"
  # secantusd reads ./secantusd.toml when present, so it runs from the state folder.
  start_background mongo env -C "$DOCSUM_STATE" "$VENV/bin/secantusd-py" --host 127.0.0.1 \
    --port "$MONGO_PORT" --storage-path "$DOCSUM_STATE/mongo-data"
  wait_for_port "$MONGO_PORT" secantusd 30
}

# Starts moto's server (SQS for the tests) on a free port unless the one recorded in
# the state folder still runs, and writes its URL to $DOCSUM_STATE/moto.endpoint.
ensure_moto() {
  ensure_venv
  local endpoint_file=$DOCSUM_STATE/moto.endpoint endpoint port
  endpoint=$(cat "$endpoint_file" 2>/dev/null || true)
  if [ -n "$endpoint" ] && kill -0 "$(cat "$DOCSUM_STATE/pids/moto.pid" 2>/dev/null)" 2>/dev/null &&
    port_open "${endpoint##*:}"; then
    return
  fi
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  log "starting moto (SQS) on 127.0.0.1:$port"
  # Dummy credentials and no instance metadata: nothing here may reach AWS.
  start_background moto env AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
    AWS_EC2_METADATA_DISABLED=true "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port"
  wait_for_port "$port" moto 30
  echo "http://127.0.0.1:$port" >"$endpoint_file"
}

ensure_servers() {
  ensure_postgres
  ensure_rabbitmq
  ensure_mongo
  ensure_moto
}

# The settings every function reads, for the local stack. The token key pair is
# made once by the workspace's keygen binary (build first) and kept in the state folder.
# Settings that `up` copies from its own environment into the functions'.
PASSTHROUGH_SETTINGS="REGISTRATIONS_PER_ADDRESS FAILED_LOGINS_PER_ACCOUNT_AND_ADDRESS FAILED_LOGINS_PER_ACCOUNT
FAILED_LOGINS_PER_ADDRESS REFRESHES_PER_ADDRESS MAX_DOCUMENT_BYTES MAX_DOCUMENTS_IN_FLIGHT SUBMISSIONS_PER_MINUTE
WEBHOOK_ALLOW_LOOPBACK JOB_LEASE_SECONDS JOB_DELIVERY_LIMIT CLEANUP_MAX_REQUEUES WORKER_PREFETCH"

write_env_file() {
  local keys_file="$DOCSUM_STATE/token-keys.env"
  if [ ! -s "$keys_file" ]; then
    (umask 077 && "$TARGET_DIR/debug/keygen" local1 >"$keys_file")
  fi
  (umask 077 && cat >"$DOCSUM_STATE/stack.env" <<EOF
DATABASE_URL=postgres://$DB_USER:$DB_PASSWORD@127.0.0.1:$PG_PORT/$DB_NAME
MONGODB_URL=mongodb://127.0.0.1:$MONGO_PORT
MONGODB_DATABASE=$MONGO_DB_NAME
AMQP_URL=amqp://guest:guest@127.0.0.1:$AMQP_PORT/%2f
JOB_QUEUE=$JOB_QUEUE_NAME
RUST_LOG=${RUST_LOG:-info}
$(cat "$keys_file")
EOF
  )
  # Limits given to this script pass through to the functions.
  local name
  for name in $PASSTHROUGH_SETTINGS; do
    if [ -n "${!name:-}" ]; then echo "$name=${!name}" >>"$DOCSUM_STATE/stack.env"; fi
  done
}

load_env_file() {
  set -a
  # shellcheck disable=SC1091
  . "$DOCSUM_STATE/stack.env"
  set +a
}

# Starts a command in its own session, logging to logs/NAME.log; its pid goes to
# pids/NAME.pid, and stop_pid_file stops its whole process group.
start_background() { # NAME COMMAND...
  local name=$1
  shift
  stop_pid_file "$DOCSUM_STATE/pids/$name.pid"
  setsid nohup "$@" >"$DOCSUM_STATE/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$DOCSUM_STATE/pids/$name.pid"
}

stop_pid_file() { # FILE
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$1"
}
