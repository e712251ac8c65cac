#!/usr/bin/env python3
"""Submit jobs over HTTP while killing the worker and restarting RabbitMQ, then check them.

Run it through scripts/fault-test.sh, which sets up a stack of its own with a
RabbitMQ node of its own (local/rabbitmq-node.sh). This driver:

1. starts a TCP proxy between the stack and that node (the functions' AMQP_URL
   points at it), then `local/stack.sh up`;
2. replaces the stack's worker with one it runs itself, so it can kill it;
3. submits JOBS documents from several users while a fault thread, every few
   seconds, kills the worker with SIGKILL and restarts it, stops the RabbitMQ
   node and starts it again, kills the node's Erlang VM with SIGKILL and starts
   it again, closes every broker connection, or keeps them open without passing
   bytes. The faults follow a fixed rotation that puts a broker restart second,
   so even a short run restarts the broker. The scheduled cleanup runs every 10 s;
4. waits for every job, and checks that each accepted document ended `done`
   with a summary, that the worker logged "job done" exactly once per document,
   that no document is left queued or processing, that no user sees a
   document that was not accepted, and that the broker was restarted at least once.

It exits 0 when every check passed and 1 otherwise, with the failures listed.
Only the standard library is used.
"""

import argparse
import collections
import concurrent.futures
import json
import os
import random
import select
import signal
import socket
import subprocess
import sys
import threading
import time

import pipeline_client as client

FORWARD, REFUSE, BLACKHOLE = "forward", "refuse", "blackhole"

# The order of the faults, repeated. A broker restart comes second so that the short
# run of scripts/test.sh has one too.
FAULT_ROTATION = [
    "kill-worker",
    "restart-broker",
    "kill-worker",
    "kill-broker",
    "refuse-broker",
    "blackhole-broker",
]
BROKER_RESTARTS = ("restart-broker", "kill-broker")


class TcpProxy:
    """Forwards 127.0.0.1:port to a target; can close or silence every connection."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.mode = FORWARD
        self.generation = 0
        self.lock = threading.Lock()
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def set(self, mode):
        with self.lock:
            self.mode = mode
            self.generation += 1

    def _state(self):
        with self.lock:
            return self.mode, self.generation

    def _accept(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _hold(self, connection, generation):
        # Keep the client's socket open and silent until the mode changes again.
        while self._state()[1] == generation:
            time.sleep(0.2)
        connection.close()

    def _serve(self, connection):
        mode, generation = self._state()
        if mode == REFUSE:
            connection.close()
            return
        if mode == BLACKHOLE:
            self._hold(connection, generation)
            return
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
        except OSError:
            connection.close()
            return
        sockets = [connection, upstream]
        while True:
            mode, now = self._state()
            if now != generation and mode != FORWARD:
                upstream.close()
                if mode == BLACKHOLE:
                    self._hold(connection, now)
                else:
                    connection.close()
                return
            readable, _, _ = select.select(sockets, [], [], 0.2)
            try:
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        raise OSError("closed")
                    (upstream if source is connection else connection).sendall(data)
            except OSError:
                connection.close()
                upstream.close()
                return


class Worker:
    """The worker process this driver runs, kills and restarts."""

    def __init__(self, binary, env, log_path):
        self.binary, self.env, self.log_path = binary, env, log_path
        self.process = None
        self.kills = 0

    def start(self):
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen([self.binary], env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.kills += 1

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def broker_node(root, action):
    """Run local/rabbitmq-node.sh ACTION on the stack's own RabbitMQ node."""
    result = subprocess.run(
        [f"{root}/local/rabbitmq-node.sh", action], capture_output=True, text=True, timeout=180
    )
    if result.returncode != 0:
        raise RuntimeError(f"rabbitmq-node.sh {action} exited {result.returncode}: {result.stderr.strip()[-500:]}")


def restart_broker(root, action, pause, problems):
    """Stop or kill the broker node, wait `pause` seconds, and start it again."""
    started = time.monotonic()
    try:
        broker_node(root, action)
        time.sleep(pause)
        broker_node(root, "start")
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        problems.append(f"broker {action} and start failed: {error}")
        log(f"fault: broker {action} and start failed: {error}")
        return
    log(f"fault: broker back after {time.monotonic() - started:.1f} s")


def run_faults(stop, root, worker, proxy, counts, period, problems):
    """Inject one fault every `period` seconds (with jitter) until `stop` is set."""
    generator = random.Random(6)
    index = 0
    while not stop.wait(period * generator.uniform(0.6, 1.4)):
        fault = FAULT_ROTATION[index % len(FAULT_ROTATION)]
        index += 1
        counts[fault] += 1
        if fault == "kill-worker":
            log("fault: SIGKILL the worker")
            worker.kill()
            time.sleep(generator.uniform(0.5, 2))
            worker.start()
        elif fault == "restart-broker":
            log("fault: stop the RabbitMQ node (rabbitmqctl shutdown), then start it")
            restart_broker(root, "stop", generator.uniform(1, 3), problems)
        elif fault == "kill-broker":
            log("fault: SIGKILL the RabbitMQ node's Erlang VM, then start it")
            restart_broker(root, "kill", generator.uniform(1, 3), problems)
        else:
            mode = REFUSE if fault == "refuse-broker" else BLACKHOLE
            log(f"fault: broker connections {mode} for 4 s")
            proxy.set(mode)
            time.sleep(4)
            proxy.set(FORWARD)


def run_cleanup(stop, binary, env, period):
    while not stop.wait(period):
        result = subprocess.run([binary, "--once"], env=env, capture_output=True, text=True)
        report = result.stdout.strip().splitlines()[-1:] or [""]
        log(f"cleanup exited {result.returncode}: {report[0][:300]}")


def submit_all(base, jobs, users, concurrency, seconds):
    """Submit `jobs` documents from `users` users, spread evenly over `seconds`, so
    that the faults hit jobs in every stage; return ({token: [doc_id]}, problems)."""
    tokens = [client.register_and_login(base) for _ in range(users)]
    started = time.monotonic()
    accepted = collections.defaultdict(list)
    problems = []
    lock = threading.Lock()

    def submit(index):
        token = tokens[index % users]
        time.sleep(max(0.0, started + index * seconds / jobs - time.monotonic()))
        for attempt in range(5):
            status, headers, body, _ = client.call(
                base, "POST", "/api/v1/summarize", {"text": client.make_text(index), "sentences": 2}, token
            )
            if status == 202:
                with lock:
                    accepted[token].append(body["doc_id"])
                return
            if status == 503:
                # An honest refusal: nothing was stored, so submitting again is right.
                time.sleep(float(headers.get("Retry-After", "1")))
                continue
            break
        with lock:
            problems.append(f"submission {index} got {status} after {attempt + 1} tries: {body}")

    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(submit, range(jobs)))
    return accepted, problems


def list_documents(base, token):
    documents, cursor = [], None
    while True:
        path = "/api/v1/docs?limit=100" + (f"&cursor={cursor}" if cursor else "")
        status, _, body, _ = client.call(base, "GET", path, token=token)
        if status != 200:
            raise RuntimeError(f"listing documents returned {status}: {body}")
        documents += body["items"]
        cursor = body.get("next_cursor")
        if not cursor:
            return documents


def wait_for_jobs(base, accepted, deadline):
    while True:
        statuses = collections.Counter()
        for token in accepted:
            statuses.update(item["status"] for item in list_documents(base, token))
        log(f"statuses: {dict(statuses)}")
        if statuses["queued"] + statuses["processing"] == 0 or time.monotonic() > deadline:
            return
        time.sleep(5)


def done_counts(log_paths):
    """Count the worker's "job done" log lines per doc_id."""
    counts = collections.Counter()
    for path in log_paths:
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as file:
            for line in file:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                fields = entry.get("fields", {})
                if fields.get("message") == "job done":
                    counts[fields.get("doc_id")] += 1
    return counts


def check(base, accepted, counts):
    failures = []
    for token, doc_ids in accepted.items():
        listed = {item["doc_id"]: item["status"] for item in list_documents(base, token)}
        unexpected = set(listed) - set(doc_ids)
        if unexpected:
            failures.append(f"{len(unexpected)} listed documents were never accepted: {sorted(unexpected)[:3]}")
        for doc_id in doc_ids:
            status, _, body, _ = client.call(base, "GET", f"/api/v1/docs/{doc_id}", token=token)
            if status != 200:
                failures.append(f"{doc_id}: reading it returned {status}")
                continue
            if body["status"] != "done":
                failures.append(f"{doc_id}: ended {body['status']} ({body.get('error')})")
            elif not (body.get("summary") or {}).get("sentences"):
                failures.append(f"{doc_id}: done without summary sentences")
            if counts[doc_id] != 1:
                failures.append(f"{doc_id}: the worker logged 'job done' {counts[doc_id]} times")
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=300, help="documents to submit (default 300)")
    parser.add_argument("--users", type=int, default=10, help="users that submit them (default 10)")
    parser.add_argument("--concurrency", type=int, default=8, help="submissions in flight at once (default 8)")
    parser.add_argument(
        "--submit-seconds", type=float, default=60, help="seconds over which to spread the submissions (default 60)"
    )
    parser.add_argument("--fault-period", type=float, default=6, help="mean seconds between faults (default 6)")
    parser.add_argument("--wait", type=float, default=240, help="seconds to wait for the jobs to finish (default 240)")
    args = parser.parse_args()

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    # Where cargo put the binaries. A relative CARGO_TARGET_DIR is relative to the
    # repository, where scripts/fault-test.sh runs cargo.
    binaries = os.path.join(root, os.environ.get("CARGO_TARGET_DIR") or "target", "debug")
    state = os.environ["DOCSUM_STATE"]
    rabbitmq_port = int(os.environ["RABBITMQ_PORT"])
    proxy = TcpProxy(rabbitmq_port)
    log(f"RabbitMQ proxy on 127.0.0.1:{proxy.port} -> 127.0.0.1:{rabbitmq_port}")

    stack_env = dict(os.environ, AMQP_PORT=str(proxy.port))
    base = subprocess.run(
        [f"{root}/local/stack.sh", "up"], env=stack_env, check=True, capture_output=True, text=True
    ).stdout.strip().splitlines()[-1]
    worker = None
    stop = threading.Event()
    try:
        env = dict(os.environ, **client.read_env_file(f"{state}/stack.env"))
        with open(f"{state}/pids/worker.pid", encoding="utf-8") as file:
            stack_worker = int(file.read().strip())
        os.kill(stack_worker, signal.SIGTERM)
        worker_log = f"{state}/logs/fault-worker.log"
        open(worker_log, "w").close()
        worker = Worker(f"{binaries}/worker", env, worker_log)
        worker.start()

        faults = collections.Counter()
        fault_problems = []
        threads = [
            threading.Thread(
                target=run_faults,
                args=(stop, root, worker, proxy, faults, args.fault_period, fault_problems),
                daemon=True,
            ),
            threading.Thread(target=run_cleanup, args=(stop, f"{binaries}/cleanup", env, 10), daemon=True),
        ]
        for thread in threads:
            thread.start()

        started = time.monotonic()
        log(f"submitting {args.jobs} jobs from {args.users} users to {base}")
        accepted, problems = submit_all(base, args.jobs, args.users, args.concurrency, args.submit_seconds)
        submitted = time.monotonic()
        log(f"{sum(map(len, accepted.values()))} accepted in {submitted - started:.1f} s; faults continue")
        time.sleep(min(15, args.wait / 4))
        stop.set()
        for thread in threads:
            thread.join()
        proxy.set(FORWARD)
        if worker.process.poll() is not None:
            worker.start()

        cleanup_stop = threading.Event()
        cleanup = threading.Thread(
            target=run_cleanup, args=(cleanup_stop, f"{binaries}/cleanup", env, 10), daemon=True
        )
        cleanup.start()
        wait_for_jobs(base, accepted, time.monotonic() + args.wait)
        cleanup_stop.set()
        finished = time.monotonic()

        counts = done_counts([worker_log, f"{state}/logs/worker.log"])
        failures = problems + fault_problems + check(base, accepted, counts)
        if sum(faults[fault] for fault in BROKER_RESTARTS) == 0:
            failures.append("the broker was never restarted; lengthen --submit-seconds or shorten --fault-period")
        log(
            f"faults: {dict(faults)}, worker kills: {worker.kills}; all jobs finished "
            f"{finished - started:.1f} s after the first submission"
        )
        if failures:
            for failure in failures[:50]:
                print(f"FAIL {failure}", file=sys.stderr)
            print(f"fault test failed: {len(failures)} problems", file=sys.stderr)
            return 1
        print(f"fault test passed: {sum(map(len, accepted.values()))} jobs, each done exactly once")
        return 0
    finally:
        stop.set()
        if worker:
            worker.stop()
        subprocess.run([f"{root}/local/stack.sh", "down"], env=stack_env, capture_output=True)


if __name__ == "__main__":
    sys.exit(main())
