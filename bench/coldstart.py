"""Measure each function's cold start and peak memory behind a Lambda Runtime API mock.

For every function it starts the release binary as Lambda would (AWS_LAMBDA_RUNTIME_API
pointing at a small Runtime API server in this process), hands it one API Gateway
payload 2.0 event from shared/tests/fixtures/apigw/v2, and records:

  init ms:     process start until the runtime requests its first event (GET /next);
  first ms:    process start until the first response is posted (init + the first
               request, including the database and MongoDB connections it opens);
  warm ms:     the median of the following invocations, one at a time as in Lambda;
  peak RSS:    VmHWM of the process after those invocations.

The worker gets SQS events with one job each, for documents submitted through the
stack, so every invocation summarizes a real document. The cleanup function gets
EventBridge's scheduled event and runs every cleanup step.

It needs a running benchmark stack (bench/rust-stack.sh up) for an account, a token and
a document, and its settings file for the functions' environment.

Usage: python3 bench/coldstart.py --base-url URL --env-file STATE/stack.env [--runs 5]
"""

import argparse
import base64
import copy
import json
import os
import queue
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
from pipeline_client import make_text  # noqa: E402  (a stdlib-only module of the repository)
FIXTURES = REPO / "shared/tests/fixtures/apigw/v2"
PASSWORD = "bench passphrase 7f3a"


class RuntimeApi(ThreadingHTTPServer):
    """The part of the Lambda Runtime API a function uses: next, response and error."""

    daemon_threads = True

    def handle_error(self, request, client_address):
        """Ignore the connection reset of a function stopped while it waits for an event."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), RuntimeHandler)
        self.events: queue.Queue = queue.Queue()
        self.responses: queue.Queue = queue.Queue()
        self.first_next_at = None


class RuntimeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes. With Nagle's algorithm the second waits for
    # the client's delayed ACK, which adds about 40 ms to every invocation.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def do_GET(self):
        server: RuntimeApi = self.server
        if server.first_next_at is None:
            server.first_next_at = time.perf_counter()
        request_id, event = server.events.get()
        body = json.dumps(event).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.send_header("lambda-runtime-aws-request-id", request_id)
        self.send_header("lambda-runtime-deadline-ms", str(int(time.time() * 1000) + 30_000))
        self.send_header("lambda-runtime-invoked-function-arn", "arn:aws:lambda:eu-west-1:123456789012:function:bench")
        self.send_header("lambda-runtime-trace-id", "Root=1-00000000-000000000000000000000000")
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("content-length", "0"))
        payload = self.rfile.read(length)
        self.send_response(202)
        self.send_header("content-length", "0")
        self.end_headers()
        self.server.responses.put((time.perf_counter(), self.path, payload))


def with_body(event, body):
    """Return the fixture with its body set, base64-encoded when its isBase64Encoded is true."""
    event = copy.deepcopy(event)
    event["body"] = base64.b64encode(body.encode()).decode() if event.get("isBase64Encoded") else body
    return event


def fill(value, replacements):
    """Return the fixture with every placeholder string replaced."""
    if isinstance(value, dict):
        return {k: fill(v, replacements) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, replacements) for v in value]
    if isinstance(value, str):
        for placeholder, text in replacements.items():
            value = value.replace(placeholder, text)
    return value


def http_json(method, url, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"null")


def outcome_of(response):
    """Summarize a function's response: the HTTP status, the SQS records to retry, or
    the cleanup steps that failed."""
    if "statusCode" in response:
        return response["statusCode"]
    if "batchItemFailures" in response:
        return f"{len(response['batchItemFailures'])} records to retry"
    if "failed_steps" in response:
        return f"{len(response['failed_steps'])} failed steps"
    return "unknown response"


def sqs_event(doc_id):
    """Return an SQS event with one job message, shaped as Lambda delivers it."""
    body = json.dumps({"doc_id": doc_id})
    return {"Records": [{
        "messageId": secrets.token_hex(16),
        "receiptHandle": secrets.token_hex(32),
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(int(time.time() * 1000))},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:docsum-jobs",
        "awsRegion": "eu-west-1",
    }]}


def scheduled_event():
    """Return the event an EventBridge schedule sends."""
    return {
        "version": "0", "id": secrets.token_hex(16), "detail-type": "Scheduled Event", "source": "aws.events",
        "account": "123456789012", "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "region": "eu-west-1", "resources": ["arn:aws:events:eu-west-1:123456789012:rule/docsum-cleanup"],
        "detail": {},
    }


def read_env_file(path):
    env = {}
    for line in Path(path).read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            env[key] = value
    return env


def peak_rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return -1


def measure(binary, function_env, make_event, warm_invocations):
    server = RuntimeApi()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = dict(function_env)
    env.update({
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{server.server_address[1]}",
        "AWS_LAMBDA_FUNCTION_NAME": binary.name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_EC2_METADATA_DISABLED": "true",
        "RUST_LOG": "warn",
        "PATH": os.environ.get("PATH", ""),
    })
    for i in range(1 + warm_invocations):
        server.events.put((f"req-{i}", make_event()))

    started = time.perf_counter()
    process = subprocess.Popen([str(binary)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        times, statuses = [], []
        previous = None
        for _ in range(1 + warm_invocations):
            at, path, payload = server.responses.get(timeout=60)
            if not path.endswith("/response"):
                raise RuntimeError(f"{binary.name} reported an error: {payload[:200]!r}")
            statuses.append(outcome_of(json.loads(payload)))
            times.append(at - (previous if previous is not None else started))
            previous = at
        rss = peak_rss_kib(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)
        server.shutdown()
    return {
        "init_ms": (server.first_next_at - started) * 1000,
        "first_ms": times[0] * 1000,
        "warm_median_ms": statistics.median(times[1:]) * 1000 if warm_invocations else None,
        "peak_rss_kib": rss,
        "statuses": sorted(set(statuses)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description="Cold start and peak memory of each function.")
    parser.add_argument("--base-url", required=True, help="the benchmark stack's origin, for a token and a document")
    parser.add_argument("--env-file", required=True, help="the stack's settings file (stack.env)")
    parser.add_argument("--bin-dir", default=str(REPO / "target/release"), help="folder of the function binaries")
    parser.add_argument("--runs", type=int, default=5, help="cold starts per function")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()

    api = args.base_url.rstrip("/") + "/api/v1"
    email = f"coldstart-{secrets.token_hex(4)}@example.com"
    http_json("POST", f"{api}/auth/register", {"email": email, "password": PASSWORD})
    token = http_json("POST", f"{api}/auth/login", {"email": email, "password": PASSWORD})["access_token"]
    doc_id = http_json("POST", f"{api}/summarize", {"text": "One sentence here. Another one there."}, token)["doc_id"]
    function_env = read_env_file(args.env_file)

    fixtures = {name: json.loads((FIXTURES / f"{name}.json").read_text()) for name in
                ("register", "login", "docs-get", "users-me")}
    counter = {"n": 0}

    def register_event():
        counter["n"] += 1
        body = json.dumps({"email": f"cs-{secrets.token_hex(6)}@example.com", "password": PASSWORD})
        return with_body(fixtures["register"], body)

    def login_event():
        body = json.dumps({"email": email, "password": PASSWORD})
        return with_body(fixtures["login"], body)

    def fixture_event(name):
        return lambda: fill(copy.deepcopy(fixtures[name]), {"{{TOKEN}}": token, "{{DOC_ID}}": doc_id})

    # One queued document per worker invocation, so that each one does a whole job.
    worker_warm = 10
    job_docs = [
        http_json("POST", f"{api}/summarize", {"text": make_text(seed, 40)}, token)["doc_id"]
        for seed in range(args.runs * (1 + worker_warm))
    ]

    def job_event():
        return sqs_event(job_docs.pop())

    cases = [
        ("register", register_event, 5),
        ("login", login_event, 5),
        ("summarize-fn", fixture_event("docs-get"), 50),
        ("users", fixture_event("users-me"), 50),
        ("worker", job_event, worker_warm),
        ("cleanup", scheduled_event, 5),
    ]
    results = {}
    print("| function | init ms (median, max) | first response ms (median, max) | warm ms (median) | peak RSS MiB | statuses |")
    print("|---|---:|---:|---:|---:|---|")
    for name, make_event, warm in cases:
        runs = [measure(Path(args.bin_dir) / name, function_env, make_event, warm) for _ in range(args.runs)]
        results[name] = runs
        init = [r["init_ms"] for r in runs]
        first = [r["first_ms"] for r in runs]
        warm_ms = statistics.median(r["warm_median_ms"] for r in runs)
        rss = max(r["peak_rss_kib"] for r in runs) / 1024
        statuses = sorted({s for r in runs for s in r["statuses"]})
        print(f"| {name} | {statistics.median(init):.1f}, {max(init):.1f} | {statistics.median(first):.1f}, "
              f"{max(first):.1f} | {warm_ms:.2f} | {rss:.1f} | {statuses} |", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
