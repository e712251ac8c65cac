#!/usr/bin/env bash
# Checks that two builds of the summarize command give byte-identical output on the
# evaluation articles in six modes, for speed work that must not change a summary.
#
# Usage: bench/same-summaries.sh OLD_BINARY NEW_BINARY [DATA_DIR]
#   e.g. cp target/release/summarize /tmp/summarize-before   (before the change)
#        cargo build --release -p summarizer-cli
#        bench/same-summaries.sh /tmp/summarize-before target/release/summarize
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ $# -lt 2 ]]; then
  echo "usage: $0 OLD_BINARY NEW_BINARY [DATA_DIR]" >&2
  exit 2
fi
old="$1"
new="$2"
data="${3:-../shared/data/eval}"

modes=(
  "--sentences 3"
  "--ratio 0.3 --keyphrases 5"
  "--words 60"
  "--sentences 20 --lang de"
  "--format html --keyphrases 3"
  "--format markdown"
)
outputs="$(mktemp -d)"
trap 'rm -rf "$outputs"' EXIT

differences=0
for file in "$data"/cnndm-dev.jsonl "$data"/bbc-dev.jsonl; do
  for mode in "${modes[@]}"; do
    # shellcheck disable=SC2086 # each mode is a list of options
    "$old" --jsonl --threads 1 $mode <"$file" >"$outputs/old"
    # shellcheck disable=SC2086
    "$new" --jsonl --threads 1 $mode <"$file" >"$outputs/new"
    if ! cmp -s "$outputs/old" "$outputs/new"; then
      echo "output differs: $(basename "$file") with $mode" >&2
      differences=$((differences + 1))
    fi
  done
done
if [[ $differences -gt 0 ]]; then
  echo "$differences of $((2 * ${#modes[@]})) runs differ; compare the two outputs of a listed mode to see which summaries changed" >&2
  exit 1
fi
echo "identical: 2 files x ${#modes[@]} modes"
