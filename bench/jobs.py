"""Measure how many jobs per second the release worker finishes, with 1 and 2 processes.

For each worker count it submits --jobs documents through a running benchmark stack
(bench/rust-stack.sh up) while no worker runs, so they wait in the queue. Then it
starts that many workers (bench/rust-stack.sh worker COUNT) and polls PostgreSQL
until every document is `done` or `failed`. It prints, per worker count:

  drain s:  the workers' start until the last document was seen finished (0.1 s polls);
  busy s:   from the first claim (started_at) to the last finished_at in the database;
  jobs/s:   jobs divided by busy s, the rate once the workers run.

Each document is a generated English text of --sentences sentences (about 100 bytes
each). The stack's MAX_DOCUMENTS_IN_FLIGHT and SUBMISSIONS_PER_MINUTE must allow
--jobs documents from one account; bench/jobs.sh sets them. psql must be installed.

Usage: python3 bench/jobs.py --base-url URL --env-file STATE/stack.env [--jobs 400] [--workers 1 2]
"""

import argparse
import concurrent.futures
import os
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
import pipeline_client as client  # noqa: E402  (a stdlib-only module of the repository)


def psql(database_url, query):
    """Run one query and return its single row as a list of strings. The password
    goes to psql in PGPASSWORD, so that no command line or error shows it."""
    url = urllib.parse.urlsplit(database_url)
    env = dict(os.environ, PGHOST=url.hostname or "127.0.0.1", PGPORT=str(url.port or 5432),
               PGUSER=urllib.parse.unquote(url.username or ""), PGPASSWORD=urllib.parse.unquote(url.password or ""),
               PGDATABASE=url.path.lstrip("/"))
    result = subprocess.run(["psql", "--no-psqlrc", "-At", "-F", "|", "-c", query],
                            capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise RuntimeError(f"psql failed: {result.stderr.strip()[:500]}")
    return result.stdout.strip().split("|")


def submit_jobs(base, count, sentences, submitters):
    token = client.register_and_login(base)

    def submit(seed):
        status, _, body, _ = client.call(base, "POST", "/api/v1/summarize",
                                         {"text": client.make_text(seed, sentences)}, token)
        if status != 202:
            raise RuntimeError(f"submit returned {status}: {body}")
        return body["doc_id"]

    with concurrent.futures.ThreadPoolExecutor(submitters) as pool:
        return list(pool.map(submit, range(count)))


def measure(args, database_url, workers):
    doc_ids = submit_jobs(args.base_url, args.jobs, args.sentences, args.submitters)
    id_list = ",".join(f"'{doc_id}'" for doc_id in doc_ids)
    finished = (f"SELECT count(*) FILTER (WHERE status = 'done'), count(*) FILTER (WHERE status = 'failed') "
                f"FROM documents WHERE doc_id IN ({id_list})")

    started = time.monotonic()
    subprocess.run([str(REPO / "bench/rust-stack.sh"), "worker", str(workers)], check=True)
    try:
        deadline = started + args.timeout
        while True:
            done, failed = (int(value) for value in psql(database_url, finished))
            if done + failed == len(doc_ids):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {done + failed} of {len(doc_ids)} jobs finished within {args.timeout} s")
            time.sleep(0.1)
        drain = time.monotonic() - started
    finally:
        subprocess.run([str(REPO / "bench/rust-stack.sh"), "stop-workers"], check=True)

    (busy,) = psql(database_url, "SELECT extract(epoch FROM max(finished_at) - min(started_at)) "
                                 f"FROM documents WHERE doc_id IN ({id_list})")
    busy = float(busy)
    return {"workers": workers, "jobs": len(doc_ids), "done": done, "failed": failed,
            "drain_s": drain, "busy_s": busy, "jobs_per_s": len(doc_ids) / busy}


def main() -> int:
    parser = argparse.ArgumentParser(description="Jobs per second of the release worker, with 1 and 2 processes.")
    parser.add_argument("--base-url", required=True, help="the benchmark stack's origin")
    parser.add_argument("--env-file", required=True, help="the stack's settings file (stack.env), for DATABASE_URL")
    parser.add_argument("--jobs", type=int, default=400, help="documents per worker count (default 400)")
    parser.add_argument("--sentences", type=int, default=40, help="sentences per document (default 40)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts to run (default 1 2)")
    parser.add_argument("--submitters", type=int, default=8, help="concurrent submitting threads (default 8)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for the jobs (default 600)")
    args = parser.parse_args()

    database_url = client.read_env_file(args.env_file)["DATABASE_URL"]
    print("| worker processes | jobs | done | failed | drain s | busy s | jobs/s |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for workers in args.workers:
        result = measure(args, database_url, workers)
        print(f"| {result['workers']} | {result['jobs']} | {result['done']} | {result['failed']} | "
              f"{result['drain_s']:.2f} | {result['busy_s']:.2f} | {result['jobs_per_s']:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
