"""Times the summarizer against sumy on the dev files, and on inputs of growing size.

Run it through bench/throughput.sh. It prints two Markdown tables:

1. Throughput on the articles of each dev file (3 sentences per summary): the
   release `summarize --jsonl` over the whole file (one process, best of
   --docsum-runs, as one run takes milliseconds and varies by a few between runs),
   once on one thread and once on one thread per CPU core, and each sumy summarizer
   over the same articles in this Python process (best of --runs), as documents per
   second and MB of article text per second. The speed-up columns divide each time
   by docsum's time on one thread and on all cores, first as measured and then
   without docsum's start-up: the best time of a run on empty input, which is
   starting the process through `subprocess.run` and building the summarizer. The
   sumy times leave out the same kind of work (importing sumy and building its
   stemmer, stop words and tokenizer), so the second pair compares like with like.
2. Wall time and peak resident memory (GNU time's %M) of `summarize --sentences 5`
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


def best_seconds(run, runs):
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def time_docsum(binary, articles, runs, threads):
    request = "".join(json.dumps({"id": index, "article": text}) + "\n" for index, text in enumerate(articles))
    command = [binary, "--jsonl", "--sentences", "3", "--threads", str(threads)]

    def run():
        subprocess.run(command, input=request, capture_output=True, text=True, check=True)

    return best_seconds(run, runs)


def time_sumy(system, articles, runs):
    summarizer = system(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    tokenizer = Tokenizer("english")

    def run():
        for text in articles:
            summarizer(PlaintextParser.from_string(text, tokenizer).document, 3)

    return best_seconds(run, runs)


def throughput_table(binary, data, runs, docsum_runs):
    cores = os.cpu_count() or 1
    start_up = time_docsum(binary, [], docsum_runs, 1)
    print(f"docsum start-up (empty input, best of {docsum_runs} runs): {start_up * 1e3:.2f} ms")
    print()
    print(
        f"| data | system | seconds | documents/s | MB/s | speed-up over docsum 1 thread | over docsum {cores} threads "
        f"| over docsum 1 thread without start-up | over docsum {cores} threads without start-up |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for dataset, name in DATASETS.items():
        articles = load(Path(data) / name)
        megabytes = sum(len(text.encode("utf-8")) for text in articles) / 1e6
        timings = [
            ("docsum (release, 1 thread)", time_docsum(binary, articles, docsum_runs, 1)),
            (f"docsum (release, {cores} threads)", time_docsum(binary, articles, docsum_runs, cores)),
        ]
        timings += [(label, time_sumy(system, articles, runs)) for label, system in SUMY_SYSTEMS.items()]
        single, multi = timings[0][1], timings[1][1]
        for label, seconds in timings:
            print(
                f"| {dataset} ({len(articles)} articles, {megabytes:.2f} MB) | {label} | {seconds:.3f} "
                f"| {len(articles) / seconds:.0f} | {megabytes / seconds:.2f} | {seconds / single:.0f}x "
                f"| {seconds / multi:.0f}x | {seconds / (single - start_up):.0f}x | {seconds / (multi - start_up):.0f}x |",
                flush=True,
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
    parser.add_argument("--runs", type=int, default=3, help="take the best of this many runs per sumy system")
    parser.add_argument("--docsum-runs", type=int, default=20, help="take the best of this many runs of docsum")
    args = parser.parse_args()

    throughput_table(args.binary, args.data, args.runs, args.docsum_runs)
    scale_table(args.binary, args.data)


if __name__ == "__main__":
    main()
