#!/usr/bin/env bash
# Starts, stops or kills a RabbitMQ node of the caller's own, apart from the machine's
# broker (see the RabbitMQ node helpers in local/lib.sh).
#
#   DOCSUM_RABBITMQ_NODE=docsum-fault@localhost local/rabbitmq-node.sh start|stop|kill|port|status
#
#   start   start the node unless it runs, and wait until it accepts AMQP connections
#   stop    stop it cleanly with rabbitmqctl shutdown
#   kill    kill its Erlang VM with SIGKILL
#   port    print its AMQP port on 127.0.0.1
#   status  print whether it runs
#
# DOCSUM_RABBITMQ_DIR (default $DOCSUM_STATE/rabbitmq-node) contains its data and logs.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case "${1:-}" in
  start) start_rabbitmq_node ;;
  stop) stop_rabbitmq_node ;;
  kill) kill_rabbitmq_node ;;
  port) rabbitmq_node_port ;;
  status)
    if [ -s "$DOCSUM_RABBITMQ_DIR/ports.env" ] && rabbitmq_node_running; then
      echo "$DOCSUM_RABBITMQ_NODE: running on 127.0.0.1:$(rabbitmq_node_port)"
    else
      echo "${DOCSUM_RABBITMQ_NODE:-the node}: stopped"
    fi
    ;;
  *) echo "usage: $0 start|stop|kill|port|status" >&2; exit 2 ;;
esac
