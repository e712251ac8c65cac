#!/usr/bin/env python3
"""Load benchmark of a running stack: concurrent users register, log in, submit and poll.

Usage: load_bench.py BASE_URL [--users 50] [--jobs-per-user 4] [--poll-interval 0.5]

Each user is one thread: it registers, logs in, submits its documents one after the
other, polls each until it is `done` or `failed`, then lists its documents. The
script prints latency percentiles per route, the time from submission to `done`,
and jobs per second end to end (finished jobs divided by the time from the first
submission to the last job seen done), as a Markdown table. The stack's auth and
submission rate limits must be raised for this many users from one address. Only
the standard library is used.
"""

import argparse
import collections
import concurrent.futures
import sys
import threading
import time

import pipeline_client as client


def percentile(values, share):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def call_until(base, route, expected, method, path, body, token, local, unavailable):
    """Send a request until it gets `expected`, waiting `Retry-After` after each 503
    (at most 10 tries); every try counts in the route's latencies."""
    for _ in range(10):
        status, headers, parsed, elapsed = client.call(base, method, path, body, token)
        local[route].append(elapsed)
        if status == expected:
            return parsed
        if status != 503:
            raise RuntimeError(f"{route} returned {status}: {parsed}")
        unavailable[route] += 1
        time.sleep(float(headers.get("Retry-After", "1")))
    raise RuntimeError(f"{route} returned 503 ten times")


def run_user(base, index, jobs, poll_interval, timings, lock, outcomes, unavailable):
    local = collections.defaultdict(list)
    credentials = {"email": f"load-{index}-{time.time_ns()}@example.com", "password": client.PASSWORD}
    call_until(base, "POST /auth/register", 201, "POST", "/api/v1/auth/register", credentials, None, local, unavailable)
    login = call_until(base, "POST /auth/login", 200, "POST", "/api/v1/auth/login", credentials, None, local, unavailable)
    token = login["access_token"]
    submitted = []
    for job in range(jobs):
        text = {"text": client.make_text(index * 1000 + job, 40)}
        body = call_until(base, "POST /summarize", 202, "POST", "/api/v1/summarize", text, token, local, unavailable)
        submitted.append((body["doc_id"], time.monotonic()))
    for doc_id, submitted_at in submitted:
        while True:
            status, _, body, elapsed = client.call(base, "GET", f"/api/v1/docs/{doc_id}", token=token)
            local["GET /docs/{doc_id}"].append(elapsed)
            if status == 200 and body["status"] in ("done", "failed"):
                with lock:
                    outcomes.append((body["status"], time.monotonic() - submitted_at, time.monotonic()))
                break
            time.sleep(poll_interval)
    status, _, _, elapsed = client.call(base, "GET", "/api/v1/docs?limit=20", token=token)
    local["GET /docs"].append(elapsed)
    with lock:
        for route, values in local.items():
            timings[route].extend(values)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base")
    parser.add_argument("--users", type=int, default=50, help="concurrent users (default 50)")
    parser.add_argument("--jobs-per-user", type=int, default=4, help="documents each user submits (default 4)")
    parser.add_argument("--poll-interval", type=float, default=0.5, help="seconds between polls (default 0.5)")
    args = parser.parse_args()

    timings = collections.defaultdict(list)
    outcomes = []
    unavailable = collections.Counter()
    lock = threading.Lock()
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(args.users) as pool:
        futures = [
            pool.submit(
                run_user, args.base, i, args.jobs_per_user, args.poll_interval, timings, lock, outcomes, unavailable
            )
            for i in range(args.users)
        ]
        errors = [future.exception() for future in futures if future.exception()]
    wall = time.monotonic() - started
    if errors:
        print(f"{len(errors)} users failed; first error: {errors[0]}", file=sys.stderr)
        return 1

    print(f"{args.users} users, {args.jobs_per_user} jobs each, wall time {wall:.1f} s\n")
    print("| route | requests | p50 ms | p90 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|")
    for route in ("POST /auth/register", "POST /auth/login", "POST /summarize", "GET /docs/{doc_id}", "GET /docs"):
        values = [v * 1000 for v in timings[route]]
        print(
            f"| `{route}` | {len(values)} | {percentile(values, 0.5):.0f} | {percentile(values, 0.9):.0f} "
            f"| {percentile(values, 0.99):.0f} | {max(values):.0f} |"
        )
    done = [o for o in outcomes if o[0] == "done"]
    latencies = [o[1] for o in done]
    first_submit = min(o[2] - o[1] for o in outcomes)
    last_done = max(o[2] for o in outcomes)
    if unavailable:
        print(f"\n503 answers (retried after Retry-After): {dict(unavailable)}")
    print(
        f"\njobs: {len(done)} done, {len(outcomes) - len(done)} failed; submission to done (as polled): "
        f"p50 {percentile(latencies, 0.5):.2f} s, p90 {percentile(latencies, 0.9):.2f} s, "
        f"max {max(latencies):.2f} s; end to end {len(done) / (last_done - first_submit):.2f} jobs/s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
