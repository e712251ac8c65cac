#!/usr/bin/env bash
# Builds every function as a Lambda artifact for provided.al2023 on x86_64 and
# prints the size of each zip, as `sam deploy` would upload it.
#
#   scripts/build-lambdas.sh
#
# cargo-lambda (and the zig it brings, which links against an older glibc than the
# build machine's) comes from the venv that local/lib.sh builds. Artifacts land in
# target/lambda/<binary>/bootstrap.zip. A release build of all of them takes several
# minutes, so scripts/test.sh does not run this.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
. local/lib.sh
ensure_venv

# Every binary of the crates under functions/, which scripts/test_template.py checks
# are the ones template.yaml deploys.
mapfile -t binaries < <(python3 - <<'PY'
import pathlib, tomllib
for manifest in sorted(pathlib.Path("functions").glob("*/Cargo.toml")):
    crate = tomllib.loads(manifest.read_text())
    for target in crate.get("bin") or [{"name": crate["package"]["name"]}]:
        print(target["name"])
PY
)

bin_flags=()
for binary in "${binaries[@]}"; do bin_flags+=(--bin "$binary"); done
log "building ${binaries[*]} with cargo lambda build --release"
cargo lambda build --release --x86-64 --output-format zip "${bin_flags[@]}"

printf '%-14s %12s %14s\n' function "zip (bytes)" "binary (bytes)"
for binary in "${binaries[@]}"; do
  zip=$TARGET_DIR/lambda/$binary/bootstrap.zip
  [ -f "$zip" ] || die "$zip is missing"
  unzipped=$(python3 -c 'import sys, zipfile; print(sum(i.file_size for i in zipfile.ZipFile(sys.argv[1]).infolist()))' "$zip")
  printf '%-14s %12s %14s\n' "$binary" "$(stat -c %s "$zip")" "$unzipped"
done
