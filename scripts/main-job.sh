#!/usr/bin/env bash
# Sets up everything on this machine, starts the local stack and runs the main job:
# register, log in, summarize a real news article, wait for the worker, print the
# summary. The stack keeps running afterwards; `local/stack.sh down` stops it.
#
#   scripts/main-job.sh [ARTICLE_FILE] [--sentences N] [--check]
#
# ARTICLE_FILE is plain text or JSON lines with an "article" field. Without it, the
# first article of the team's evaluation data beside the repository is used
# (../shared/data/eval/cnndm-dev.jsonl); its text is not part of this repository.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

article=$root/../shared/data/eval/cnndm-dev.jsonl
# Options may come before or after the file; they go on to main_job.py, which
# checks them before the stack starts (--help too).
options=()
while [ $# -gt 0 ]; do
  case $1 in
    --sentences)
      options+=("$1")
      [ $# -ge 2 ] && options+=("$2") && shift
      shift
      ;;
    -*) options+=("$1"); shift ;;
    *) article=$1; shift ;;
  esac
done
python3 "$root/scripts/main_job.py" --check-arguments-only http://127.0.0.1 "$article" ${options[@]+"${options[@]}"}
[ -f "$article" ] || { echo "error: article file $article not found; pass a text file" >&2; exit 2; }
command -v cargo >/dev/null || { echo "error: cargo is required (https://rustup.rs)" >&2; exit 2; }

base=$("$root/local/stack.sh" up)
python3 "$root/scripts/main_job.py" "$base" "$article" ${options[@]+"${options[@]}"}
