#!/usr/bin/env bash
# Measures the summarizer's speed against sumy's, and its time and peak memory on
# inputs of 10 KB to 10 MB. Prints Markdown tables.
#
# Usage: bench/throughput.sh [throughput.py options]   e.g. bench/throughput.sh --runs 1
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV="$(bench/setup-eval.sh 2>/dev/null | tail -n 1)"
cargo build --quiet --release -p summarizer-cli

NLTK_DATA="$VENV/nltk_data" exec "$VENV/bin/python" bench/throughput.py --binary "${CARGO_TARGET_DIR:-target}/release/summarize" "$@"
