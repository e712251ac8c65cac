#!/usr/bin/env bash
# Scores the summarizer and the sumy baselines with ROUGE on ../shared/data/eval.
#
# Usage: bench/eval.sh [eval.py options]   e.g. bench/eval.sh --datasets cnndm --systems docsum,lead
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV="$(bench/setup-eval.sh 2>/dev/null | tail -n 1)"
cargo build --quiet --release -p summarizer-cli

NLTK_DATA="$VENV/nltk_data" exec "$VENV/bin/python" bench/eval.py --binary "${CARGO_TARGET_DIR:-target}/release/summarize" "$@"
