#!/usr/bin/env bash
# Builds the libFuzzer target with nightly Rust and runs it, as cargo-fuzz would,
# without needing cargo-fuzz installed.
#
# Usage: fuzz/run.sh [SECONDS]   (default 60; the corpus is kept in fuzz/corpus)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

SECONDS_TO_RUN="${1:-60}"
TARGET=x86_64-unknown-linux-gnu
# SanitizerCoverage instrumentation that libFuzzer needs for coverage feedback.
# With --target set, build scripts and proc macros are built without it.
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
cargo +nightly build --release --target "$TARGET" --bin summarize

mkdir -p corpus artifacts
"target/$TARGET/release/summarize" corpus -artifact_prefix=artifacts/ \
    -max_total_time="$SECONDS_TO_RUN" -max_len=4096 -rss_limit_mb=1024
