"""Times builds of the summarize command in turn on one `--jsonl` file.

Usage: python3 bench/alternate-builds.py FILE BINARY [BINARY ...] [--rounds N]

Each round runs `BINARY --jsonl --sentences 3 --threads 1 FILE` once for each
build, one after the other, so that a slow spell of a shared machine falls on all
of them alike. Prints the best, the tenth percentile and the median time of each
build in milliseconds. The best time is the one to compare, as noise only adds.
"""

import argparse
import statistics
import subprocess
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", help="a file of {\"id\": ..., \"article\": ...} lines")
    parser.add_argument("binaries", nargs="+", help="builds of the summarize command")
    parser.add_argument("--rounds", type=int, default=60, help="runs of each build (default 60)")
    args = parser.parse_args()

    with open(args.file, "rb") as lines:
        data = lines.read()
    times = {binary: [] for binary in args.binaries}
    for _ in range(args.rounds):
        for binary in args.binaries:
            started = time.perf_counter()
            command = [binary, "--jsonl", "--sentences", "3", "--threads", "1"]
            subprocess.run(command, input=data, stdout=subprocess.DEVNULL, check=True)
            times[binary].append(time.perf_counter() - started)
    for binary, seconds in times.items():
        seconds.sort()
        print(
            f"{binary}: best {seconds[0] * 1e3:.2f} ms, tenth percentile {seconds[len(seconds) // 10] * 1e3:.2f} ms, "
            f"median {statistics.median(seconds) * 1e3:.2f} ms"
        )


if __name__ == "__main__":
    main()
