"""Scores the summarizer and baselines with ROUGE on the team's evaluation data.

Run it through bench/eval.sh, which builds the `summarize` command and sets up the
Python tools. For each data set it prints mean ROUGE-1, ROUGE-2 and ROUGE-Lsum F1
(x100, rouge-score with its Porter stemmer) of:

- docsum: this repository's summarizer, through `summarize --jsonl`;
- lead: the first k sentences (NLTK Punkt);
- sumy's LexRank, TextRank, LSA and Luhn with English stemming and stop words.

Every system gets the same k per article: 3 for CNN/DailyMail (the usual comparison
for its highlights) and, for BBC, the number of Punkt sentences in the reference,
whose extracts are about 40% of the article.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import nltk
from rouge_score import rouge_scorer, scoring
from sumy.nlp.stemmers import Stemmer
from sumy.nlp.tokenizers import Tokenizer
from sumy.parsers.plaintext import PlaintextParser
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.lsa import LsaSummarizer
from sumy.summarizers.luhn import LuhnSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer
from sumy.utils import get_stop_words

DATASETS = {
    "cnndm": "cnndm-dev.jsonl",
    "bbc": "bbc-dev.jsonl",
}
SUMY_SYSTEMS = {
    "lexrank": LexRankSummarizer,
    "textrank": TextRankSummarizer,
    "lsa": LsaSummarizer,
    "luhn": LuhnSummarizer,
}


def load(path, limit):
    with open(path, encoding="utf-8") as lines:
        documents = [json.loads(line) for line in lines if line.strip()]
    return documents[:limit] if limit else documents


def punkt_sentences(text):
    """Split paragraphs on blank lines, then each paragraph with Punkt."""
    sentences = []
    for paragraph in text.split("\n\n"):
        sentences.extend(s.strip() for s in nltk.sent_tokenize(paragraph) if s.strip())
    return sentences


def summary_length(dataset, document):
    if dataset == "cnndm":
        return 3
    return max(1, len(punkt_sentences(document["reference"])))


def run_docsum(binary, documents, lengths):
    request = "".join(
        json.dumps({"id": index, "article": document["article"], "sentences": length}) + "\n"
        for index, (document, length) in enumerate(zip(documents, lengths))
    )
    output = subprocess.run([binary, "--jsonl"], input=request, capture_output=True, text=True, check=True).stdout
    summaries = [None] * len(documents)
    for line in output.splitlines():
        result = json.loads(line)
        summaries[result["id"]] = result["summary"]
    return summaries


def run_lead(documents, lengths):
    return [punkt_sentences(document["article"])[:length] for document, length in zip(documents, lengths)]


def run_sumy(name, documents, lengths):
    stemmer = Stemmer("english")
    summarizer = SUMY_SYSTEMS[name](stemmer)
    summarizer.stop_words = get_stop_words("english")
    tokenizer = Tokenizer("english")
    summaries = []
    for document, length in zip(documents, lengths):
        parser = PlaintextParser.from_string(document["article"], tokenizer)
        summaries.append([str(sentence) for sentence in summarizer(parser.document, length)])
    return summaries


def score(documents, summaries, bootstrap=True):
    """Return mean F1 x100 per ROUGE type: the bootstrap's middle estimate, or the
    plain mean over articles, which is the same in every run."""
    keys = ("rouge1", "rouge2", "rougeLsum")
    scorer = rouge_scorer.RougeScorer(list(keys), use_stemmer=True)
    aggregator = scoring.BootstrapAggregator()
    totals = dict.fromkeys(keys, 0.0)
    for document, summary in zip(documents, summaries):
        reference = "\n".join(punkt_sentences(document["reference"]))
        scores = scorer.score(reference, "\n".join(summary))
        aggregator.add_scores(scores)
        for key in keys:
            totals[key] += scores[key].fmeasure
    if not bootstrap:
        return {key: 100 * totals[key] / max(1, len(documents)) for key in keys}
    result = aggregator.aggregate()
    return {key: 100 * result[key].mid.fmeasure for key in keys}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True, help="path of the summarize command")
    parser.add_argument("--data", default="../shared/data/eval", help="folder of the evaluation data")
    parser.add_argument("--datasets", default="cnndm,bbc", help="comma-separated: cnndm, bbc")
    parser.add_argument("--systems", default="docsum,lead,lexrank,textrank,lsa,luhn", help="comma-separated")
    parser.add_argument("--limit", type=int, default=0, help="score only the first N articles (0: all)")
    parser.add_argument(
        "--no-bootstrap",
        action="store_true",
        help="print the plain mean F1 over articles, which does not vary between runs, "
        "instead of the bootstrap estimate",
    )
    args = parser.parse_args()

    print("| data | system | ROUGE-1 | ROUGE-2 | ROUGE-Lsum | seconds |")
    print("|---|---|---:|---:|---:|---:|")
    for dataset in args.datasets.split(","):
        documents = load(Path(args.data) / DATASETS[dataset], args.limit)
        lengths = [summary_length(dataset, document) for document in documents]
        for system in args.systems.split(","):
            started = time.perf_counter()
            if system == "docsum":
                summaries = run_docsum(args.binary, documents, lengths)
            elif system == "lead":
                summaries = run_lead(documents, lengths)
            elif system in SUMY_SYSTEMS:
                summaries = run_sumy(system, documents, lengths)
            else:
                sys.exit(f"unknown system {system!r}: expected docsum, lead or one of {', '.join(SUMY_SYSTEMS)}")
            seconds = time.perf_counter() - started
            scores = score(documents, summaries, bootstrap=not args.no_bootstrap)
            print(
                f"| {dataset} ({len(documents)}) | {system} | {scores['rouge1']:.2f} | {scores['rouge2']:.2f} "
                f"| {scores['rougeLsum']:.2f} | {seconds:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
