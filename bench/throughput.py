"""Times the summarizer against sumy on the dev files, and on inputs of growing size.

Run it through bench/throughput.sh. It prints three Markdown tables:

1. Throughput on the articles of each dev file (3 sentences per summary): the
   release `summarize --jsonl` over the whole file (one process, best of
   --docsum-runs, as one run takes milliseconds and varies by a few between runs),
   once on one thread and once on one thread per CPU core, and each sumy summarizer
   over the same articles in this Python process (best of --runs), as documents per
   second and MB of article text per second. All of them take turns in --runs
   rounds, so that a slow spell of a shared machine slows each alike. The speed-up
   columns divide each time by docsum's time on one thread and on all cores, first
   as measured and then without docsum's start-up: the best time of a run on empty
   input, which is starting the process through `subprocess.run` and building the
   summarizer. The sumy times leave out the same kind of work (importing sumy and
   building its stemmer, stop words and tokenizer), so the second pair compares
   like with like. With --baseline, a second build takes turns with the rest, and
   its rows follow docsum's.
2. The same speed-ups of sumy LexRank for each build, with its start-up.
3. Wall time and peak resident memory (GNU time's %M) of `summarize --sentences 5`
   on one document of about 10 KB, 100 KB, 1 MB and 10 MB, built by joining dev
   articles with blank lines (repeating them when the data runs out). The inputs go
   to a temporary folder that is removed afterwards.
"""

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

from sumy.nlp.stemmers import Stemmer
from sumy.nlp.tokenizers import Tokenizer
from sumy.parsers.plaintext import PlaintextParser
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.lsa import LsaSummarizer
from sumy.summarizers.luhn import LuhnSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer
from sumy.utils import get_stop_words

DATASETS = {"cnndm": "cnndm-dev.jsonl", "bbc": "bbc-dev.jsonl"}
SUMY_SYSTEMS = {
    "sumy Luhn": LuhnSummarizer,
    "sumy LexRank": LexRankSummarizer,
    "sumy TextRank": TextRankSummarizer,
    "sumy LSA": LsaSummarizer,
}
SIZES = [("10 KB", 10_000), ("100 KB", 100_000), ("1 MB", 1_000_000), ("10 MB", 10_000_000)]


def load(path):
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line)["article"] for line in lines if line.strip()]


def seconds_of(run):
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def docsum_run(binary, articles, threads):
    request = "".join(json.dumps({"id": index, "article": text}) + "\n" for index, text in enumerate(articles))
    command = [binary, "--jsonl", "--sentences", "3", "--threads", str(threads)]
    return lambda: subprocess.run(command, input=request, capture_output=True, text=True, check=True)


def sumy_run(system, articles):
    summarizer = system(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    tokenizer = Tokenizer("english")

    def run():
        for text in articles:
            summarizer(PlaintextParser.from_string(text, tokenizer).document, 3)

    return run


def best_in_rounds(runners, rounds, docsum_runs):
    """Returns the best time of each runner. The runners take turns in `rounds`
    rounds, each sumy system once a round and each docsum run `docsum_runs` times
    a round, so that a slow spell of a shared machine slows all of them alike."""
    best = {label: float("inf") for label in runners}
    for _ in range(rounds):
        for label, (run, repeats) in runners.items():
            for _ in range(repeats):
                best[label] = min(best[label], seconds_of(run))
    return best


def throughput_table(builds, data, runs, docsum_runs):
    cores = os.cpu_count() or 1
    per_round = max(1, -(-docsum_runs // runs))
    print(
        f"| data | system | seconds | documents/s | MB/s | speed-up over docsum 1 thread | over docsum {cores} threads "
        f"| over docsum 1 thread without start-up | over docsum {cores} threads without start-up |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    lexrank = []
    for dataset, name in DATASETS.items():
        articles = load(Path(data) / name)
        megabytes = sum(len(text.encode("utf-8")) for text in articles) / 1e6
        runners = {}
        for build, binary in builds:
            runners[(build, "start-up")] = (docsum_run(binary, [], 1), per_round)
            runners[(build, 1)] = (docsum_run(binary, articles, 1), per_round)
            runners[(build, cores)] = (docsum_run(binary, articles, cores), per_round)
        for label, system in SUMY_SYSTEMS.items():
            runners[label] = (sumy_run(system, articles), 1)
        best = best_in_rounds(runners, runs, docsum_runs)

        main = builds[0][0]
        single, multi, start_up = best[(main, 1)], best[(main, cores)], best[(main, "start-up")]
        rows = []
        for build, _ in builds:
            rows.append((f"{build} (release, 1 thread)", best[(build, 1)]))
            rows.append((f"{build} (release, {cores} threads)", best[(build, cores)]))
        rows += [(label, best[label]) for label in SUMY_SYSTEMS]
        for label, seconds in rows:
            print(
                f"| {dataset} ({len(articles)} articles, {megabytes:.2f} MB) | {label} | {seconds:.3f} "
                f"| {len(articles) / seconds:.0f} | {megabytes / seconds:.2f} | {seconds / single:.0f}x "
                f"| {seconds / multi:.0f}x | {seconds / (single - start_up):.0f}x | {seconds / (multi - start_up):.0f}x |",
                flush=True,
            )
        for build, _ in builds:
            lexrank.append((dataset, build, best["sumy LexRank"], best[(build, "start-up")], best[(build, 1)], best[(build, cores)]))

    print()
    print(
        f"| data | build | start-up (ms) | sumy LexRank over 1 thread | over {cores} threads "
        f"| over 1 thread without start-up | over {cores} threads without start-up |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for dataset, build, seconds, start_up, single, multi in lexrank:
        print(
            f"| {dataset} | {build} | {start_up * 1e3:.2f} | {seconds / single:.0f}x | {seconds / multi:.0f}x "
            f"| {seconds / (single - start_up):.0f}x | {seconds / (multi - start_up):.0f}x |"
        )


def scale_table(binary, data):
    articles = load(Path(data) / DATASETS["cnndm"]) + load(Path(data) / DATASETS["bbc"])
    print()
    print("| input | bytes | seconds | peak RSS (MiB) | RSS / input |")
    print("|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for label, size in SIZES:
            pieces, total, index = [], 0, 0
            while total < size:
                piece = articles[index % len(articles)] + "\n\n"
                pieces.append(piece)
                total += len(piece.encode("utf-8"))
                index += 1
            path = Path(folder) / f"input-{size}.txt"
            path.write_text("".join(pieces), encoding="utf-8")
            result = subprocess.run(
                ["/usr/bin/time", "-f", "%e %M", binary, "--sentences", "5", str(path)],
                capture_output=True,
                text=True,
                check=True,
            )
            seconds, kibibytes = result.stderr.strip().splitlines()[-1].split()
            mebibytes = int(kibibytes) / 1024
            ratio = int(kibibytes) * 1024 / total
            print(f"| {label} | {total} | {float(seconds):.2f} | {mebibytes:.1f} | {ratio:.1f} |", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True, help="path of the summarize command (release build)")
    parser.add_argument("--data", default="../shared/data/eval", help="folder of the evaluation data")
    parser.add_argument(
        "--baseline", help="path of a second build, timed in the same rounds, to compare with (e.g. the last release)"
    )
    parser.add_argument("--runs", type=int, default=3, help="rounds; take the best of one run per sumy system a round")
    parser.add_argument(
        "--docsum-runs", type=int, default=21, help="take the best of this many runs of each docsum, spread over the rounds"
    )
    args = parser.parse_args()

    builds = [("docsum", args.binary)] + ([("docsum baseline", args.baseline)] if args.baseline else [])
    throughput_table(builds, args.data, args.runs, args.docsum_runs)
    scale_table(args.binary, args.data)


if __name__ == "__main__":
    main()
