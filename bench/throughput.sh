#!/usr/bin/env bash
# Measures the summarizer's speed against sumy's, and its time and peak memory on
# inputs of 10 KB to 10 MB. Prints Markdown tables.
#
# Usage: bench/throughput.sh [throughput.py options]   e.g. bench/throughput.sh --runs 1
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV="$(bench/setup-eval.sh 2>/dev/null | tail -n 1)"
# A static binary (glibc's static-pie) starts in about half the time of the
# dynamically linked one, because no dynamic loader maps and relocates shared
# libraries. `cargo rustc` passes the flag to the binary's own link only, so the
# other crates of the workspace keep their dynamic links.
cargo rustc --quiet --release -p summarizer-cli --bin summarize -- -C target-feature=+crt-static

NLTK_DATA="$VENV/nltk_data" exec "$VENV/bin/python" bench/throughput.py --binary "${CARGO_TARGET_DIR:-target}/release/summarize" "$@"
