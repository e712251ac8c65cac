"""Load generator for docsum's API: the same scenario against any base URL.

For each number of concurrent clients it runs four phases, each for a fixed time:
register (new accounts), login (one account per client), submit (POST /summarize with
the same text) and read (GET /docs/{doc_id} of the client's own documents). It prints
per-route latency percentiles and throughput as a Markdown table and can write JSON.

Usage: python bench/load.py --base-url http://127.0.0.1:PORT --label rust \
           [--clients 1 10 50] [--seconds 10] [--json out.json]
"""

import argparse
import asyncio
import json
import secrets
import sys
import time
from dataclasses import dataclass, field

import aiohttp

PASSWORD = "bench passphrase 7f3a"


def sample_text(sentences: int = 40) -> str:
    """Return a deterministic English text of about 3 KB."""
    subjects = ["The council", "A new study", "The company", "Local residents", "The minister", "Researchers"]
    verbs = ["announced", "reported", "questioned", "welcomed", "rejected", "examined"]
    objects = ["the budget for next year", "a plan to expand the harbour", "the results of the survey",
               "changes to the school timetable", "the price of electricity", "a proposal for new housing"]
    parts = []
    for i in range(sentences):
        parts.append(f"{subjects[i % 6]} {verbs[(i * 5) % 6]} {objects[(i * 7) % 6]} on day {i + 1}.")
    return " ".join(parts)


@dataclass
class RouteStats:
    latencies_ms: list = field(default_factory=list)
    failures: dict = field(default_factory=dict)
    elapsed_s: float = 0.0

    def record(self, started: float, status: int, expected: int) -> bool:
        if status == expected:
            self.latencies_ms.append((time.perf_counter() - started) * 1000)
            return True
        self.failures[status] = self.failures.get(status, 0) + 1
        return False

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    def summary(self) -> dict:
        return {
            "ok": len(self.latencies_ms),
            "failures": self.failures,
            "throughput_per_s": len(self.latencies_ms) / self.elapsed_s if self.elapsed_s else 0.0,
            "p50_ms": self.percentile(50),
            "p90_ms": self.percentile(90),
            "p99_ms": self.percentile(99),
        }


async def run_phase(clients: int, seconds: float, step) -> RouteStats:
    """Run `step(client_index, stats)` in a loop on each client until the time is up."""
    stats = RouteStats()
    deadline = time.perf_counter() + seconds

    async def client(index: int) -> None:
        while time.perf_counter() < deadline:
            await step(index, stats)

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    stats.elapsed_s = time.perf_counter() - started
    return stats


async def run_level(base: str, clients: int, seconds: float, text: str, run_id: str) -> dict:
    api = f"{base}/api/v1"
    connector = aiohttp.TCPConnector(limit=clients, force_close=False)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        counter = {"n": 0}

        async def register(index: int, stats: RouteStats) -> None:
            counter["n"] += 1
            email = f"bench-{run_id}-{clients}-{counter['n']}@example.com"
            started = time.perf_counter()
            async with session.post(f"{api}/auth/register", json={"email": email, "password": PASSWORD}) as r:
                await r.read()
                if stats.record(started, r.status, 201):
                    registered.append(email)

        registered: list = []
        results = {"register": await run_phase(clients, seconds, register)}
        attempts = 0
        while len(registered) < clients:  # a short phase under argon2 may register fewer
            attempts += 1
            if attempts > 3 * clients:
                raise SystemExit(f"register keeps failing at {base}; raise REGISTRATIONS_PER_ADDRESS")
            await register(0, RouteStats())
        tokens: dict = {}

        async def login(index: int, stats: RouteStats) -> None:
            started = time.perf_counter()
            body = {"email": registered[index], "password": PASSWORD}
            async with session.post(f"{api}/auth/login", json=body) as r:
                payload = await r.read()
                if stats.record(started, r.status, 200):
                    tokens[index] = json.loads(payload)["access_token"]

        results["login"] = await run_phase(clients, seconds, login)
        docs: dict = {i: [] for i in range(clients)}

        async def submit(index: int, stats: RouteStats) -> None:
            started = time.perf_counter()
            headers = {"authorization": f"Bearer {tokens[index]}"}
            async with session.post(f"{api}/summarize", json={"text": text}, headers=headers) as r:
                payload = await r.read()
                if stats.record(started, r.status, 202):
                    docs[index].append(json.loads(payload)["doc_id"])

        results["submit"] = await run_phase(clients, seconds, submit)
        cursor = {i: 0 for i in range(clients)}

        async def read(index: int, stats: RouteStats) -> None:
            mine = docs[index]
            doc_id = mine[cursor[index] % len(mine)]
            cursor[index] += 1
            started = time.perf_counter()
            headers = {"authorization": f"Bearer {tokens[index]}"}
            async with session.get(f"{api}/docs/{doc_id}", headers=headers) as r:
                await r.read()
                stats.record(started, r.status, 200)

        results["read"] = await run_phase(clients, seconds, read)
    return {route: stats.summary() for route, stats in results.items()}


def print_table(label: str, report: dict) -> None:
    print(f"\n{label}\n")
    print("| clients | route | ok | failed | req/s | p50 ms | p90 ms | p99 ms |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for clients, routes in report.items():
        for route, s in routes.items():
            failed = sum(s["failures"].values())
            print(f"| {clients} | {route} | {s['ok']} | {failed} | {s['throughput_per_s']:.1f} | "
                  f"{s['p50_ms']:.2f} | {s['p90_ms']:.2f} | {s['p99_ms']:.2f} |")
            if s["failures"]:
                print(f"<!-- {clients} {route} failures by status: {s['failures']} -->")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True, help="the service's origin, e.g. http://127.0.0.1:9300")
    parser.add_argument("--label", default="service", help="name printed above the table")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 10, 50], help="concurrent clients per run")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each route's phase, in seconds")
    parser.add_argument("--text-file", help="UTF-8 text to submit (default: a built-in text of about 3 KB)")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()

    text = open(args.text_file, encoding="utf-8").read() if args.text_file else sample_text()
    run_id = secrets.token_hex(4)
    report = {}
    for clients in args.clients:
        print(f"{args.label}: {clients} clients", file=sys.stderr)
        report[clients] = await run_level(args.base_url.rstrip("/"), clients, args.seconds, text, run_id)
    print_table(args.label, report)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"label": args.label, "seconds": args.seconds, "text_bytes": len(text.encode()),
                       "results": report}, out, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
